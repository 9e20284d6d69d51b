"""The error catalogue: every message a user can see, as data.

Each SQL Server message keeps the vendor's number, severity and sys.messages template verbatim
(printf-style: ``%d``, ``%ld``, ``%I64d``, ``%ls``, ``%s``, ``%.*ls``, ``%S_MSG``).  Code never writes a
message text of its own: it raises ``sql_error(number, *args)`` and the text comes from here.

Severity classes (MS-TDS §2.2.7.10): 0-10 informational (sent as INFO), 11-16 user-correctable,
17-19 resource or software errors, 20-25 fatal to the connection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Message:
    number: int
    severity: int
    template: str


def _catalogue(*rows: tuple[int, int, str]) -> dict[int, Message]:
    return {number: Message(number, severity, template) for number, severity, template in rows}


# fmt: off
CATALOGUE: dict[int, Message] = _catalogue(
    # Syntax and binding
    (102, 15, "Incorrect syntax near '%.*ls'."),
    (105, 15, "Unclosed quotation mark after the character string '%.*ls'."),
    (109, 15, "There are more columns in the INSERT statement than values specified in the VALUES clause. "
              "The number of values in the VALUES clause must match the number of columns specified in the "
              "INSERT statement."),
    (110, 15, "There are fewer columns in the INSERT statement than values specified in the VALUES clause. "
              "The number of values in the VALUES clause must match the number of columns specified in the "
              "INSERT statement."),
    (134, 15, "The variable name '%.*ls' has already been declared. Variable names must be unique within a "
              "query batch or stored procedure."),
    (137, 15, "Must declare the scalar variable \"%.*ls\"."),
    (156, 15, "Incorrect syntax near the keyword '%.*ls'."),
    (113, 15, "Missing end comment mark '*/'."),
    (135, 15, "Cannot use a BREAK statement outside the scope of a WHILE statement."),
    (136, 15, "Cannot use a CONTINUE statement outside the scope of a WHILE statement."),
    (321, 15, "%.*ls is not a recognized table hints option. If it is intended as a parameter to a "
              "table-valued function or to the CHANGETABLE function, ensure that your database "
              "compatibility mode is set to 90."),
    (174, 15, "The %.*ls function requires %d argument(s)."),
    (189, 15, "The %ls function requires %d to %d arguments."),
    (195, 15, "'%.*ls' is not a recognized %ls."),
    (207, 16, "Invalid column name '%.*ls'."),
    (208, 16, "Invalid object name '%.*ls'."),
    (209, 16, "Ambiguous column name '%.*ls'."),
    (213, 16, "Column name or number of supplied values does not match table definition."),
    (108, 15, "The ORDER BY position number %ld is out of range of the number of items in the select list."),
    (141, 15, "A SELECT statement that assigns a value to a variable must not be combined with data-retrieval "
              "operations."),
    (205, 16, "All queries combined using a UNION, INTERSECT or EXCEPT operator must have an equal number of "
              "expressions in their target lists."),
    (1439, 16, "Invalid value for SET DEADLOCK_PRIORITY."),
    (4104, 16, "The multi-part identifier \"%.*ls\" could not be bound."),
    (4145, 15, "An expression of non-boolean type specified in a context where a condition is expected, "
               "near '%.*ls'."),
    (8120, 16, "Column '%.*ls' is invalid in the select list because it is not contained in either an "
               "aggregate function or the GROUP BY clause."),
    (2812, 16, "Could not find stored procedure '%.*ls'."),
    (8144, 16, "Procedure or function %.*ls has too many arguments specified."),
    (8145, 16, "%.*ls is not a parameter for procedure %.*ls."),
    (201, 16, "Procedure or function '%.*ls' expects parameter '%.*ls', which was not supplied."),
    (111, 15, "'%ls' must be the first statement in a query batch."),
    (119, 15, "Must pass parameter number %d and subsequent parameters as '@name = value'. After the form "
              "'@name = value' has been used, all subsequent parameters must be passed in the form '@name = value'."),
    (217, 16, "Maximum stored procedure, function, trigger, or view nesting level exceeded (limit %d)."),
    (8162, 16, "The formal parameter \"%.*ls\" was not declared as an OUTPUT parameter, but the actual parameter "
               "passed in requested output."),
    (2760, 16, "The specified schema name \"%.*ls\" either does not exist or you do not have permission to use it."),
    (2702, 16, "Database '%.*ls' does not exist."),
    (1038, 15, "An object or column name is missing or empty. For SELECT INTO statements, verify each column has a "
               "name. For other statements, look for empty alias names. Aliases defined as \"\" or [] are not "
               "allowed. Change the alias to a valid name."),
    (1087, 15, "Must declare the table variable \"%.*ls\"."),
    (2715, 16, "Column, parameter, or variable #%d: Cannot find data type %.*ls."),
    (8164, 16, "An INSERT EXEC statement cannot be nested."),
    (9828, 16, "The second and third arguments of the TRANSLATE built-in function must contain an equal number of "
               "characters."),
    (305, 16, "The XML data type cannot be compared or sorted, except when using the IS NULL operator."),
    (2389, 16, "XQuery [%ls]: %ls"),
    (9400, 16, "XML parsing: line %d, character %d, %ls"),
    (227, 15, "\"%.*ls\" is not a valid function, property, or field."),
    (8172, 16, "The argument %d of the XML data type method \"%.*ls\" must be a string literal."),
    (15009, 16, "The object '%.*ls' does not exist in database '%.*ls' or is invalid for this operation."),
    (8178, 16, "The parameterized query '%.*ls' expects the parameter '%.*ls', which was not supplied."),
    (8179, 16, "Could not find prepared statement with handle %d."),
    (8501, 16, "MSDTC on server '%.*ls' is unavailable."),
    (911, 16, "Database '%.*ls' does not exist. Make sure that the name is entered correctly."),
    (148, 15, "Incorrect time syntax in time string '%.*ls' used with WAITFOR."),
    (1014, 15, "The number of rows provided for a TOP or FETCH clauses row count parameter must be an integer."),
    (10742, 15, "The offset specified in a OFFSET clause may not be negative."),
    (10744, 15, "The number of rows provided for a FETCH clause must be greater then zero."),
    # Types, conversion and arithmetic
    (206, 16, "Operand type clash: %ls is incompatible with %ls"),
    (220, 16, "Arithmetic overflow error for data type %ls, value = %ld."),
    (241, 16, "Conversion failed when converting date and/or time from character string."),
    (245, 16, "Conversion failed when converting the %ls value '%.*ls' to data type %ls."),
    (257, 16, "Implicit conversion from data type %ls to %ls is not allowed. Use the CONVERT function to run "
              "this query."),
    (402, 16, "The data types %ls and %ls are incompatible in the %ls operator."),
    (512, 16, "Subquery returned more than 1 value. This is not permitted when the subquery follows =, !=, "
              "<, <= , >, >= or when the subquery is used as an expression."),
    (529, 16, "Explicit conversion from data type %ls to %ls is not allowed."),
    (8114, 16, "Error converting data type %ls to %ls."),
    (8115, 16, "Arithmetic overflow error converting %ls to data type %ls."),
    (8116, 16, "Argument data type %ls is invalid for argument %d of %ls function."),
    (8117, 16, "Operand data type %ls is invalid for %ls operator."),
    (8134, 16, "Divide by zero error encountered."),
    (8152, 16, "String or binary data would be truncated."),
    (2628, 16, "String or binary data would be truncated in table '%.*ls', column '%.*ls'. "
               "Truncated value: '%.*ls'."),
    (8169, 16, "Conversion failed when converting from a character string to uniqueidentifier."),
    (155, 15, "'%.*ls' is not a recognized %ls option."),
    (242, 16, "The conversion of a %ls data type to a %ls data type resulted in an out-of-range value."),
    (243, 16, "Type %.*ls is not a defined system type."),
    (244, 16, "The conversion of the %ls value '%.*ls' overflowed an %ls column. Use a larger integer column."),
    (248, 16, "The conversion of the %ls value '%.*ls' overflowed an int column."),
    (281, 16, "%d is not a valid style number when converting from %ls to %ls."),
    (517, 16, "Adding a value to a '%ls' column caused an overflow."),
    (535, 16, "The %ls function resulted in an overflow. The number of dateparts separating two date/time "
              "instances is too large. Try to use %ls with a less precise datepart."),
    (536, 16, "Invalid length parameter passed to the %ls function."),
    (537, 16, "Invalid length parameter passed to the LEFT or SUBSTRING function."),
    (3623, 16, "An invalid floating point operation occurred."),
    (8133, 16, "At least one of the result expressions in a CASE specification must be an expression other "
               "than the NULL constant."),
    (9810, 16, "The datepart %.*ls is not supported by date function %.*ls for data type %ls."),
    (9812, 16, "The timezone provided to builtin function %.*ls is invalid."),
    (289, 16, "Cannot construct data type %ls, some of the arguments have values which are not valid."),
    (147, 15, "An aggregate may not appear in the WHERE clause unless it is in a subquery contained in a "
              "HAVING clause or a select list, and the column being aggregated is an outer reference."),
    (1007, 15, "The number '%.*ls' is out of the range for numeric representation (maximum precision 38)."),
    # Constraints and DDL
    (515, 16, "Cannot insert the value NULL into column '%.*ls', table '%.*ls'; column does not allow nulls. "
              "%ls fails."),
    (544, 16, "Cannot insert explicit value for identity column in table '%.*ls' when IDENTITY_INSERT is "
              "set to OFF."),
    (547, 16, "The %ls statement conflicted with the %ls constraint \"%.*ls\". The conflict occurred in "
              "database \"%.*ls\", table \"%.*ls\"%ls%.*ls%ls."),
    (1505, 16, "The CREATE UNIQUE INDEX statement terminated because a duplicate key was found for the "
               "object name '%.*ls' and the index name '%.*ls'. The duplicate key value is %ls."),
    (1750, 16, "Could not create constraint or index. See previous errors."),
    (1776, 16, "There are no primary or candidate keys in the referenced table '%.*ls' that match the "
               "referencing column list in the foreign key '%.*ls'."),
    (1088, 16, "Cannot find the object \"%.*ls\" because it does not exist or you do not have permissions."),
    (1702, 16, "CREATE TABLE failed because column '%.*ls' in table '%.*ls' exceeds the maximum of %d columns."),
    (1767, 16, "Foreign key '%.*ls' references invalid table '%.*ls'."),
    (4901, 16, "ALTER TABLE only allows columns to be added that can contain nulls, or have a DEFAULT definition "
               "specified, or the column being added is an identity or timestamp column, or alternatively if none "
               "of the previous conditions are satisfied the table must be empty to allow addition of this column. "
               "Column '%.*ls' cannot be added to non-empty table '%.*ls' because it does not satisfy these "
               "conditions."),
    (8110, 16, "Cannot add multiple PRIMARY KEY constraints to table '%.*ls'."),
    (1913, 16, "The operation failed because an index or statistics with name '%.*ls' already exists on "
               "table '%.*ls'."),
    (2601, 14, "Cannot insert duplicate key row in object '%.*ls' with unique index '%.*ls'. The duplicate "
               "key value is %ls."),
    (2627, 14, "Violation of %ls constraint '%.*ls'. Cannot insert duplicate key in object '%.*ls'. The "
               "duplicate key value is %ls."),
    (2705, 16, "Column names in each table must be unique. Column name '%.*ls' in table '%.*ls' is "
               "specified more than once."),
    (2714, 16, "There is already an object named '%.*ls' in the database."),
    (3701, 11, "Cannot drop the %ls '%.*ls', because it does not exist or you do not have permission."),
    (3726, 16, "Could not drop object '%.*ls' because it is referenced by a FOREIGN KEY constraint."),
    (4701, 16, "Cannot find the object \"%.*ls\" because it does not exist or you do not have permissions."),
    (4902, 16, "Cannot find the object \"%.*ls\" because it does not exist or you do not have permissions."),
    (4924, 16, "ALTER TABLE ALTER COLUMN failed because column '%.*ls' does not exist in table '%.*ls'."),
    (5074, 16, "The %ls '%.*ls' is dependent on column '%.*ls'."),
    (4922, 16, "ALTER TABLE DROP COLUMN %.*ls failed because one or more objects access this column."),
    (8102, 16, "Cannot update identity column '%.*ls'."),
    (8111, 16, "Cannot define PRIMARY KEY constraint on nullable column in table '%.*ls'."),
    (1911, 16, "Column name '%.*ls' does not exist in the target table or view."),
    (1902, 16, "Cannot create more than one clustered index on table '%.*ls'. Drop the existing clustered index "
     "'%.*ls' before creating another."),
    (1909, 16, "Cannot use duplicate column names in index. Column name '%.*ls' listed more than once."),
    (3728, 16, "'%.*ls' is not a constraint."),
    (5058, 16, "Option '%.*ls' cannot be set in database '%.*ls'."),
    (5069, 16, "ALTER DATABASE statement failed."),
    # Transactions
    (266, 16, "Transaction count after EXECUTE indicates a mismatching number of BEGIN and COMMIT "
              "statements. Previous count = %ld, current count = %ld."),
    (3902, 16, "The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION."),
    (3903, 16, "The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION."),
    (3930, 16, "The current transaction cannot be committed and cannot support operations that write to the "
               "log file. Roll back the transaction."),
    (3998, 16, "Uncommittable transaction is detected at the end of the batch. The transaction is rolled "
               "back."),
    (226, 16, "%ls statement not allowed within multi-statement transaction."),
    (628, 16, "Cannot issue SAVE TRANSACTION when there is no active transaction."),
    (3951, 16, "Transaction failed in database '%.*ls' because the statement was run under snapshot isolation "
               "but the transaction did not start in snapshot isolation. You cannot change the isolation level "
               "of the transaction to snapshot after the transaction has started unless the transaction was "
               "originally started under snapshot isolation level."),
    (3931, 16, "The current transaction cannot be committed and cannot be rolled back to a savepoint. Roll "
               "back the entire transaction."),
    (10704, 16, "To rethrow an error, a THROW statement must be used inside a CATCH block. Insert the THROW "
                "statement inside a CATCH block, or add error parameters to the THROW statement."),
    (6401, 16, "Cannot roll back %.*ls. No transaction or savepoint of that name was found."),
    (3621, 0, "The statement has been terminated."),
    (3952, 16, "Snapshot isolation transaction failed accessing database '%.*ls' because snapshot isolation "
               "is not allowed in this database. Use ALTER DATABASE to allow snapshot isolation."),
    (3961, 16, "Snapshot isolation transaction failed in database '%.*ls' because the object accessed by the "
               "statement has been modified by a DDL statement in another concurrent transaction since the start of "
               "this transaction.  It is disallowed because the metadata is not versioned. A concurrent update to "
               "metadata can lead to inconsistency if mixed with snapshot isolation."),
    (3960, 16, "Snapshot isolation transaction aborted due to update conflict. You cannot use snapshot "
               "isolation to access table '%.*ls' directly or indirectly in database '%.*ls' to update, "
               "delete, or insert the row that has been modified or deleted by another transaction. Retry "
               "the transaction or change the isolation level for the update/delete statement."),
    (9001, 21, "The log for database '%.*ls' is not available. Check the operating system error log for "
               "related error messages. Resolve any errors and restart the database."),
    # Locks
    (1205, 13, "Transaction (Process ID %d) was deadlocked on %.*ls resources with another process and has "
               "been chosen as the deadlock victim. Rerun the transaction."),
    (1222, 16, "Lock request time out period exceeded."),
    # What Quietus does not support, in SQL Server's words (Azure SQL's message for an unsupported option)
    (40517, 16, "Keyword or statement option '%.*ls' is not supported in this version of SQL Server."),
    (1038, 15, "An object or column name is missing or empty. For SELECT INTO statements, verify each column has a "
               "name. For other statements, look for empty alias names. Aliases defined as \"\" or [] are not "
               "allowed. Change the alias to a valid name."),
    # User errors
    (50000, 16, "%ls"),
    (2732, 16, "Error number %ld is invalid. The number must be from %ld through %ld and it cannot be 50000."),
    (2754, 16, "Error severity levels greater than 18 can only be specified by members of the sysadmin role, "
               "using the WITH LOG option."),
    (18054, 16, "Error %ld, severity %d, state %d was raised, but no message with that error number was found "
                "in sys.messages. If error is larger than 50000, make sure the user-defined message is added "
                "using sp_addmessage."),
    (35100, 16, "Error number %ld in the THROW statement is outside the valid range. Specify an error number "
                "in the valid range of 50000 to 2147483647."),
    # Sessions and KILL (semantics.md §1.2, §1.7)
    (596, 21, "Cannot continue the execution because the session is in the kill state."),
    (6101, 16, "Process ID %d is not a valid process ID. Choose a number between 1 and %d."),
    (6102, 14, "User does not have permission to use the KILL statement."),
    (6104, 16, "Cannot use KILL to kill your own process."),
    (6106, 16, "Process ID %d is not an active process ID."),
    (6107, 14, "Only user processes can be killed."),
    (6108, 16, "KILL SPID WITH COMMIT/ABORT is not supported by Microsoft SQL Server. Use KILL UOW WITH "
               "COMMIT/ABORT to resolve in-doubt distributed transactions involving Microsoft Distributed "
               "Transaction Coordinator (MS DTC)."),
    (6109, 10, "SPID %d: transaction rollback in progress. Estimated rollback completion: %d%%. Estimated "
               "time remaining: %d seconds."),
    # Distributed transactions (sessions/distributed.py, engine/txn/twophase.py)
    (8509, 16, "Import of Microsoft Distributed Transaction Coordinator (MS DTC) transaction failed: %ls."),
    (3910, 16, "Transaction context in use by another session."),
    (8525, 16, "Distributed transaction completed. Either enlist this session in a new transaction or the NULL "
               "transaction."),
    (6110, 16, "The distributed transaction with UOW %s does not exist."),
    (6111, 16, "Another user has decided a different outcome for the distributed transaction associated with "
               "UOW %s."),
    (6112, 16, "Distributed transaction with UOW %s is in prepared state. Only Microsoft Distributed "
               "Transaction Coordinator can resolve this transaction. KILL command failed."),
    (6113, 16, "The distributed transaction associated with UOW %s is in PREPARE state. Use KILL UOW WITH "
               "COMMIT/ABORT syntax to kill the transaction instead."),
    (6114, 16, "Distributed transaction with UOW %s is being used by another user. KILL command failed."),
    (6115, 16, "KILL command cannot be used inside user transactions."),
    (6117, 16, "There is a connection associated with the distributed transaction with UOW %s. First, kill "
               "the connection using KILL SPID syntax."),
    (6118, 16, "The distributed transaction associated with UOW %s is not in PREPARED state. Use KILL UOW to "
               "kill the transaction instead."),
    (6119, 10, "Distributed transaction with UOW %s is rolling back: estimated rollback completion: %d%%, "
               "estimated time left %d seconds."),
    (6120, 16, "Status report cannot be obtained. Rollback operation for Process ID %d is not in progress."),
    (6121, 16, "Status report cannot be obtained. Rollback operation for UOW %s is not in progress."),
    (18100, 10, "Process ID %d was killed by hostname %.*ls, host process ID %d."),
    # Quietus's own messages for sp_kill (docs/reference/kill.md).  The First Responder Kit's sp_kill raises its
    # checks with RAISERROR (Msg 50000, severity 11; its progress lines severity 0); here each has a number of its
    # own in the user range.
    (50101, 11, "@ExecuteKills must be Y or N."),
    (50102, 11, "@%ls must be Y or NULL."),
    (50103, 11, "@SPIDState must be S (sleeping), R (running), or NULL (both)."),
    (50104, 11, "@RequestsOlderThanSeconds must be >= 0."),
    (50105, 11, "@OrderBy must be one of: duration, cpu, reads, writes, tempdb, transactions."),
    (50106, 11, "The specified @SPID %d was not found among active user sessions."),
    (50107, 11, "The specified @SPID %d is currently rolling back and cannot be killed."),
    (50108, 16, "Session %d with serial %d is not active: %ls. Nothing was killed."),
    (50109, 16, "@Serial names one incarnation of the session given by @SPID: give @SPID too."),
    (50110, 16, "@preview = %d contradicts @ExecuteKills = '%ls': give one of them."),
    (50111, 0, "WARNING: %d session(s) are currently rolling back. These will not be killed."),
    (50112, 0, "No sessions matched the targeting filters. Nothing to kill."),
    (50113, 0, "Kill loop complete. Processed %d session(s)."),
    (50114, 11, "@OrderBy = '%ls' is not supported: Quietus does not measure %ls per session. Use duration, writes "
                "or transactions."),
    (18456, 14, "Login failed for user '%.*ls'."),
    # Logins, server roles and server permissions (docs/design/security.md)
    (574, 16, "%ls statement cannot be used inside a user transaction."),
    (4613, 16, "Grantor does not have GRANT permission."),
    (4617, 16, "Cannot grant, deny or revoke permissions to or from special roles."),
    (4624, 16, "Cannot grant, deny, or revoke permissions to sa, dbo, entity owner, information_schema, sys, or "
               "yourself."),
    (15025, 16, "The server principal '%s' already exists."),
    (15081, 16, "Membership of the public role cannot be changed."),
    (15151, 16, "Cannot %S_MSG the %S_MSG '%.*ls', because it does not exist or you do not have permission."),
    (15173, 16, "Login '%s' has granted one or more permission(s). Revoke the permission(s) before dropping the "
                "login."),
    (15247, 16, "User does not have permission to perform this action."),
    (15405, 11, "Cannot use the special principal '%s'."),
    (15434, 16, "Could not drop login '%s' as the user is currently logged in."),
    (18470, 14, "Login failed for user '%.*ls'. Reason: The account is disabled.%.*ls"),
    # Server configuration (sp_configure)
    (15123, 16, "The configuration option '%ls' does not exist, or it may be an advanced option."),
    (15129, 16, "'%d' is not a valid value for configuration option '%s'."),
    # Table-valued functions, APPLY and DBCC INPUTBUFFER
    (215, 16, "Parameters supplied for object '%.*ls' which is not a function. If the parameters are intended as "
              "a table hint, a WITH keyword is required."),
    (216, 16, "Parameters were not supplied for the function '%.*ls'."),
    (8155, 16, "No column name was specified for column %d of '%.*ls'."),
    (8158, 16, "'%.*ls' has more columns than were specified in the column list."),
    (8159, 16, "'%.*ls' has fewer columns than were specified in the column list."),
    (10709, 16, "The number of columns for each row in a table value constructor must be the same."),
    (2526, 16, "Incorrect DBCC statement. Check the documentation for the correct DBCC syntax and options."),
    (2528, 10, "DBCC execution completed. If DBCC printed error messages, contact your system administrator."),
    (2571, 14, "User '%.*ls' does not have permission to run DBCC %.*ls."),
    (7940, 16, "Invalid SPID %d specified."),
    # Window functions, cursors, GOTO, COLLATE, MERGE (issue 11, part 6; docs/reference/tsql.md)
    (4108, 15, "Windowed functions can only appear in the SELECT or ORDER BY clauses."),
    (4109, 15, "Windowed functions cannot be used in the context of another windowed function or aggregate."),
    (4112, 15, "The function '%.*ls' must have an OVER clause with ORDER BY."),
    (4113, 15, "The function '%.*ls' is not a valid windowing function, and cannot be used with the OVER clause."),
    (4193, 16, "'BETWEEN ... FOLLOWING AND ... PRECEDING' is not a valid window frame and cannot be used with the "
               "OVER clause."),
    (4194, 16, "RANGE is only supported with UNBOUNDED and CURRENT ROW window frame delimiters."),
    (5308, 15, "Windowed functions, aggregates and NEXT VALUE FOR functions do not support integer indices as "
               "ORDER BY clause expressions."),
    (8730, 16, "Offset parameter for Lag and Lead functions cannot be a negative value."),
    (9819, 16, "The function 'NTILE' must have a positive integer value."),
    (10752, 15, "The function '%.*ls' may not have a window frame."),
    (10753, 15, "The function '%.*ls' must have an OVER clause."),
    (10756, 15, "Window frame with ROWS or RANGE must have an ORDER BY clause."),
    (10759, 15, "Use of DISTINCT is not allowed with the OVER clause."),
    (132, 15, "The label '%.*ls' has already been declared. Label names must be unique within a query batch or "
              "stored procedure."),
    (133, 15, "A GOTO statement references the label '%.*ls' but the label has not been declared."),
    (16901, 16, "%hs: This feature has not been implemented yet."),
    (16905, 16, "The cursor is already open."),
    (16911, 16, "%hs: The fetch type %hs cannot be used with forward only cursors."),
    (16915, 16, "A cursor with the name '%.*ls' already exists."),
    (16916, 16, "A cursor with the name '%.*ls' does not exist."),
    (16917, 16, "Cursor is not open."),
    (16924, 16, "Cursorfetch: The number of variables declared in the INTO list must match that of selected "
                "columns."),
    (16956, 10, "The created cursor is not of the requested type."),
    (1048, 15, "Conflicting cursor options %ls and %ls."),
    (447, 16, "Expression type %ls is invalid for COLLATE clause."),
    (8672, 16, "The MERGE statement attempted to UPDATE or DELETE the same row more than once. This happens when a "
               "target row matches more than one source row. A MERGE statement cannot UPDATE/DELETE the same row of "
               "the target table multiple times. Refine the ON clause to ensure a target row matches at most one "
               "source row, or use the GROUP BY clause to group the source rows."),
    (10713, 15, "A MERGE statement must be terminated by a semi-colon (;)."),
    (3604, 10, "Duplicate key was ignored."),
    (448, 16, "Invalid collation '%.*ls'."),
    (468, 16, "Cannot resolve the collation conflict between \"%.*ls\" and \"%.*ls\" in the %ls operation."),
    # Reliability: nesting limits, declarations, the safety net (docs/design/reliability.md)
    (191, 15, "Some part of your SQL statement is nested too deeply. Rewrite the query or break it up into "
              "smaller queries."),
    (8630, 17, "Internal Query Processor Error: The query processor encountered an unexpected error during "
               "execution."),
    (8631, 17, "Internal error: Server stack limit has been reached. Please look for potentially deep nesting "
               "in your query, and try to simplify it."),
    # Informational
    (5701, 10, "Changed database context to '%.*ls'."),
    (5703, 10, "Changed language setting to %.*ls."),
    (0, 10, "%ls"),  # PRINT
    # Views and user functions (docs/design/views-and-functions.md)
    (181, 15, "Cannot use the OUTPUT option in a DECLARE, CREATE AGGREGATE or CREATE FUNCTION statement."),
    (1033, 15, "The ORDER BY clause is invalid in views, inline functions, derived tables, subqueries, and common "
               "table expressions, unless TOP, OFFSET or FOR XML is also specified."),
    (4511, 16, "Create View or Function failed because no column name was specified for column %d."),
    (4506, 16, "Column names in each view or function must be unique. Column name '%.*ls' in view or function "
               "'%.*ls' is specified more than once."),
    (4403, 16, "Cannot update the view or function '%.*ls' because it contains aggregates, or a DISTINCT or GROUP "
               "BY clause, or PIVOT or UNPIVOT operator."),
    (4405, 16, "View or function '%.*ls' is not updatable because the modification affects multiple base tables."),
    (4406, 16, "Update or insert of view or function '%.*ls' failed because it contains a derived or constant "
               "field."),
    (550, 16, "The attempted insert or update failed because the target view either specifies WITH CHECK OPTION "
              "or spans a view that specifies WITH CHECK OPTION and one or more rows resulting from the operation "
              "did not qualify under the CHECK OPTION constraint."),
    (3729, 16, "Cannot %ls '%.*ls' because it is being referenced by object '%.*ls'."),
    (4512, 16, "Cannot schema bind %ls '%.*ls' because name '%.*ls' is invalid for schema binding. Names must be in "
               "two-part format and an object cannot reference itself."),
    (1054, 15, "Syntax '%ls' is not allowed in schema-bound objects."),
    (3705, 16, "Cannot use DROP %ls with '%.*ls' because '%.*ls' is a %ls. Use %ls."),
    (2010, 16, "Cannot perform alter on '%.*ls' because it is an incompatible object type."),
    (4508, 16, "Views or functions are not allowed on temporary tables. Table names that begin with '#' denote "
               "temporary tables."),
    (443, 16, "Invalid use of a side-effecting operator '%s' within a function."),
    (455, 16, "The last statement included within a function must be a return statement."),
    (4121, 16, "Cannot find either column \"%.*ls\" or the user-defined function or aggregate \"%.*ls\", or the "
               "name is ambiguous."),
    (313, 16, "An insufficient number of arguments were supplied for the procedure or function %.*ls."),
    (4413, 16, "Could not use view or function '%.*ls' because of binding errors."),
    (4429, 16, "View or function '%.*ls' contains a self-reference. Views or functions cannot reference themselves "
               "directly or indirectly."),
    (444, 16, "Select statements included within a function cannot return data to a client."),
)
# fmt: on

# Oracle messages, keyed by their ORA code.
ORACLE: dict[str, str] = {
    "ORA-00026": "missing or invalid session ID",
    "ORA-00027": "cannot kill current session",
    "ORA-00028": "your session has been killed",
    "ORA-00029": "session is not a user session",
    "ORA-00030": "User session ID does not exist.",
    "ORA-00031": "session marked for kill",
    "ORA-01012": "not logged on",
    "ORA-01013": "user requested cancel of current operation",
    # Oracle-dialect SQL (quietus.sql.oracle); "%s" is filled by quietus.sql.oracle.errors.ora
    "ORA-00001": "unique constraint (%s) violated",
    "ORA-00054": "resource busy and acquire with NOWAIT specified or timeout expired",
    "ORA-00060": "deadlock detected while waiting for resource",
    "ORA-00900": "invalid SQL statement",
    "ORA-00904": "%s: invalid identifier",
    "ORA-00907": "missing right parenthesis",
    "ORA-00909": "invalid number of arguments",
    "ORA-00911": "invalid character",
    "ORA-00913": "too many values",
    "ORA-00918": "column ambiguously defined",
    "ORA-00922": "missing or invalid option",
    "ORA-00923": "FROM keyword not found where expected",
    "ORA-00932": "inconsistent datatypes: expected %s got %s",
    "ORA-00933": "SQL command not properly ended",
    "ORA-00936": "missing expression",
    "ORA-00937": "not a single-group group function",
    "ORA-00942": "table or view does not exist",
    "ORA-00947": "not enough values",
    "ORA-00955": "name is already used by an existing object",
    "ORA-00957": "duplicate column name",
    "ORA-00979": "not a GROUP BY expression",
    "ORA-01008": "not all variables bound",
    "ORA-02003": "invalid USERENV parameter",
    "ORA-02017": "integer value required",
    "ORA-01453": "SET TRANSACTION must be first statement of transaction",
    "ORA-01481": "invalid number format model",
    "ORA-01756": "quoted string not properly terminated",
    "ORA-00902": "invalid datatype",
    "ORA-00903": "invalid table name",
    "ORA-00901": "invalid CREATE command",
    "ORA-00940": "invalid ALTER command",
    "ORA-00950": "invalid DROP option",
    "ORA-00990": "missing or invalid privilege",
    "ORA-02065": "illegal option for ALTER SYSTEM",
    "ORA-02248": "invalid option for ALTER SESSION",
    "ORA-30006": "resource busy; acquire with WAIT timeout expired",
    "ORA-01031": "insufficient privileges",
    "ORA-01086": "savepoint '%s' never established in this session or is invalid",
    "ORA-01400": "cannot insert NULL into (%s)",
    "ORA-01418": "specified index does not exist",
    "ORA-01435": "user does not exist",
    "ORA-01426": "numeric overflow",
    "ORA-01427": "single-row subquery returns more than one row",
    "ORA-01438": "value larger than specified precision allowed for this column",
    "ORA-01476": "divisor is equal to zero",
    "ORA-01722": "invalid number",
    "ORA-01821": "date format not recognized",
    "ORA-01830": "date format picture ends before converting entire input string",
    "ORA-01843": "not a valid month",
    "ORA-01847": "day of month must be between 1 and last day of month",
    "ORA-01861": "literal does not match format string",
    "ORA-01918": "user '%s' does not exist",
    "ORA-01920": "user name '%s' conflicts with another user or role name",
    "ORA-02290": "check constraint (%s) violated",
    "ORA-02291": "integrity constraint (%s) violated - parent key not found",
    "ORA-02292": "integrity constraint (%s) violated - child record found",
    "ORA-03001": "unimplemented feature",
    "ORA-12899": "value too large for column %s",
    "ORA-20000": "%s",  # an engine error with no Oracle counterpart: its SQL Server text and number
}

# The Oracle Net listener's messages (quietus.server.tns_connection).
ORACLE.update(
    {
        "ORA-01001": "invalid cursor",
        "ORA-01002": "fetch out of sequence",
        "ORA-01017": "invalid username/password; logon denied",
        "ORA-01022": "database operation not supported in this configuration",
        "ORA-01031": "insufficient privileges",
        "ORA-01403": "no data found",
        "ORA-03115": "unsupported network datatype or representation",
    }
)

_SPEC = re.compile(r"%(%|\.\*ls|I64d|S_MSG|[hl]?[dsuxf]|ls)")


def format_message(template: str, args: tuple[object, ...]) -> str:
    """Fill a sys.messages template; each conversion consumes one argument, ``%%`` none."""
    supplied = iter(args)

    def fill(match: re.Match[str]) -> str:
        if match.group(1) == "%":
            return "%"
        return str(next(supplied, ""))

    return _SPEC.sub(fill, template)


class SqlError(Exception):
    """An error a user can see, with the vendor's number, severity, state and text."""

    def __init__(
        self,
        number: int,
        severity: int,
        state: int,
        message: str,
        line: int = 1,
        procedure: str = "",
    ) -> None:
        super().__init__(message)
        self.number = number
        self.severity = severity
        self.state = state
        self.message = message
        self.line = line
        self.procedure = procedure

    @property
    def is_informational(self) -> bool:
        return self.severity <= 10

    @property
    def is_fatal(self) -> bool:
        """Severity 20 and above ends the connection."""
        return self.severity >= 20

    def __repr__(self) -> str:
        return (
            f"SqlError(Msg {self.number}, Level {self.severity}, State {self.state}, "
            f"Line {self.line}: {self.message})"
        )


def sql_error(number: int, *args: object, state: int = 1, line: int = 1) -> SqlError:
    """Build the catalogued error ``number`` with its template filled from ``args``."""
    message = CATALOGUE[number]
    return SqlError(number, message.severity, state, format_message(message.template, args), line)


def oracle_error(code: str) -> SqlError:
    """An ORA-nnnnn error; the number is the numeric part, severity 16 so clients see an error."""
    return SqlError(int(code[4:]), 16, 1, f"{code}: {ORACLE[code]}")


# Ending sessions the Oracle way: ALTER SYSTEM KILL|DISCONNECT SESSION, CANCEL SQL (admin/oracle_kill.py;
# semantics.md §2.3), and the SQL Server message a TDS victim of CANCEL SQL gets.
ORACLE.update(
    {
        "ORA-01031": "insufficient privileges",
        "ORA-02017": "integer value required",
        "ORA-02396": "exceeded maximum idle time, please connect again",
        "ORA-03113": "end-of-file on communication channel",
    }
)
CATALOGUE.update(  # FOR XML PATH's column paths, recursive CTEs (the DBA tools, issue 11)
    _catalogue(
        (6852, 16, "Attribute-centric column '%.*ls' must not come after a non-attribute-centric sibling in XML "
                   "hierarchy in FOR XML PATH."),
        (6864, 16, "Row tag omission (empty row tag name) cannot be used with attribute-centric FOR XML "
                   "serialization."),
        (530, 16, "The statement terminated. The maximum recursion %d has been exhausted before statement "
                  "completion."),
        (252, 16, "Recursive common table expression '%.*ls' does not contain a top-level UNION ALL operator."),
        (246, 16, "No anchor member was found in recursive query \"%.*ls\"."),
        (310, 15, "The value %d specified for the MAXRECURSION option exceeds the allowed maximum of 32767."),
        (460, 16, "DISTINCT operator is not allowed in the recursive part of a recursive common table expression "
                  "'%.*ls'."),
        (461, 16, "The TOP or OFFSET operator is not allowed in the recursive part of a recursive common table "
                  "expression '%.*ls'."),
        (462, 16, "Outer join is not allowed in the recursive part of a recursive common table expression '%.*ls'."),
        (465, 16, "Recursive references are not allowed in subqueries."),
        (467, 16, "GROUP BY, HAVING, or aggregate functions are not allowed in the recursive part of a recursive "
                  "common table expression '%.*ls'."),
        (253, 16, "Recursive member of a common table expression '%.*ls' has multiple recursive references."),
        (240, 16, "Types don't match between the anchor and the recursive part in column \"%.*ls\" of recursive "
                  "query \"%.*ls\"."),
    )
)  # fmt: skip
CATALOGUE.update(  # four-part names on linked servers (sql/remote_tables.py)
    _catalogue(
        (7353, 16, "The OLE DB provider \"SQLNCLI\" for linked server \"%ls\" supplied inconsistent metadata. The "
                   "columns of the remote table changed since the statement was compiled."),
        (7395, 16, "Unable to start a nested transaction for OLE DB provider \"%ls\" for linked server \"%ls\". A "
                   "nested transaction was required because the XACT_ABORT option was set to OFF."),
    )
)  # fmt: skip
CATALOGUE.update(  # computed columns (sql/computed_columns.py)
    _catalogue(
        (271, 16, "The column \"%.*ls\" cannot be modified because it is either a computed column or is the result "
                  "of a UNION operator."),
        (1046, 15, "Subqueries are not allowed in this context. Only scalar expressions are allowed."),
        (1759, 16, "Computed column '%.*ls' in table '%.*ls' is not allowed to be used in another computed-column "
                   "definition."),
        (4936, 16, "Computed column '%.*ls' in table '%.*ls' cannot be persisted because the column is "
                   "non-deterministic."),
        (2729, 16, "Column '%.*ls' in table '%.*ls' cannot be used in an index or statistics or as a partition key "
                   "because it is non-deterministic."),
        (8183, 16, "Only UNIQUE or PRIMARY KEY constraints can be created on computed columns, while CHECK, FOREIGN "
                   "KEY, and NOT NULL constraints require that computed columns be persisted."),
    )
)  # fmt: skip
CATALOGUE.update(  # XML DML: the xml type's modify() (sql/xml_dml.py)
    _catalogue(
        (6800, 16, "FOR XML AUTO requires at least one table for generating XML tags. Use FOR XML RAW or add a FROM "
                   "clause with a table name."),
        (8137, 16, "Incorrect use of the XML data type method '%.*ls'. A non-mutator method is expected in this "
                   "context."),
        (8113, 16, "Incorrect use of the XML data type method '%.*ls'. A mutator method is expected in this context."),
        (258, 15, "Cannot call methods on %ls."),
        (5302, 16, "Mutator 'modify()' on '%.*ls' cannot be called on a null value."),
        (6305, 16, "XQuery data manipulation expression required in XML data type method."),
        (6306, 16, "Invalid XQuery expression passed to XML data type method."),
        (2209, 16, "XQuery [modify()]: Syntax error near '%ls'"),
        (2205, 16, "XQuery [modify()]: \"with\" was expected."),
        (2207, 16, "XQuery [modify()]: Only non-document nodes can be inserted. Found \"%ls\"."),
        (2226, 16, "XQuery [modify()]: The target of 'insert' must be a single node, found '%ls'"),
        (2240, 16, "XQuery [modify()]: The target of 'insert into' must be an element/document node, found '%ls'"),
        (2249, 16, "XQuery [modify()]: The target of 'insert before/after' must be an element/PI/comment/text node, "
                   "found '%ls'"),
        (2264, 16, "XQuery [modify()]: Only non-document nodes may be deleted, found '%ls'"),
        (2337, 16, "XQuery [modify()]: The target of 'replace' must be at most one node, found '%ls'"),
        (2356, 16, "XQuery [modify()]: The target of 'replace value of' must be a non-metadata attribute or an "
                   "element with simple typed content, found '%ls'"),
        (9310, 16, "XQuery [modify()]: The 'with' clause of 'replace value of' cannot contain constructed XML."),
        (6320, 16, "XQuery: Only nillable elements or text nodes can be updated with empty sequence"),
        (6325, 16, "XQuery: Replacing the value of a node with an empty sequence is allowed only if '()' is used as "
                   "the new value expression. The new value expression evaluated to an empty sequence but it is "
                   "not '()'."),
        (6850, 16, "%.*ls name '%.*ls' contains an invalid XML identifier as required by FOR XML; '%.*ls'(0x%.*ls) "
                   "is the first character at fault."),
    )
)  # fmt: skip
CATALOGUE.update(
    _catalogue(
        (3980, 16, "The request failed to run because the batch is aborted, this can be caused by abort signal "
                   "sent from client, or another request is running in the same session, which makes the session "
                   "busy."),
    )
)  # fmt: skip
# Linked servers (admin/linked_servers.py, sql/temp_tables.py's four-part names)
CATALOGUE.update(
    _catalogue(
        (15002, 16, "The procedure '%s' cannot be executed within a transaction."),
        (15015, 16, "The server '%s' does not exist. Use sp_helpserver to show available servers."),
        (15028, 16, "The server '%s' already exists."),
        (15600, 15, "An invalid parameter or option was specified for procedure '%s'."),
        (7403, 16, "The OLE DB provider \"%ls\" has not been registered."),
        (7202, 11, "Could not find server '%.*ls' in sys.servers. Verify that the correct server name was "
                   "specified. If necessary, execute the stored procedure sp_addlinkedserver to add the server to "
                   "sys.servers."),
        (50130, 16, "sp_addlinkedsrvlogin with @locallogin is not supported: Quietus keeps one remote login per "
                    "linked server, for every local login (@locallogin = NULL)."),
        (50131, 16, "Quietus reads a four-part name in a query's FROM and writes one as the only table of an INSERT, "
                    "UPDATE or DELETE; not here: '%.*ls' names an object on linked server '%.*ls'."),
        # two-phase commit across linked servers (server/linked.py, server/linked_remote.py)
        (7416, 16, "Access to the remote server is denied because no login-mapping exists."),
        (7303, 16, "Cannot initialize the data source object of OLE DB provider \"%ls\" for linked server \"%ls\"."),
        (1206, 18, "The Microsoft Distributed Transaction Coordinator (MS DTC) has cancelled the distributed "
                   "transaction."),
        # the server key (admin/server_key.py): a sealed remote password that does not open
        (15466, 16, "An error occurred during decryption."),
    )
)  # fmt: skip
# Oracle's distributed transactions: XA from Oracle Net clients (sessions/xa.py), COMMIT/ROLLBACK FORCE and the
# pending-transaction views (admin/oracle_2pc.py); texts from Oracle's error reference (24764, 24765 and 02053 from
# Oracle's XA mapping as remembered: not found in the reference corpus; the numbers are the ones python-oracledb's
# own TPC tests expect for 02053).
ORACLE.update(
    {
        "ORA-02043": "must end current transaction before executing %s",
        "ORA-02053": "transaction %s committed, some remote DBs may be in-doubt",
        "ORA-02058": "no prepared transaction found with ID %s",
        "ORA-02089": "COMMIT is not allowed in a subordinate session",
        "ORA-24756": "transaction does not exist",
        "ORA-24757": "duplicate transaction identifier",
        "ORA-24758": "not attached to the requested transaction",
        "ORA-24763": "transaction operation cannot be completed now",
        "ORA-24764": "transaction branch has been heuristically committed",
        "ORA-24765": "transaction branch has been heuristically rolled back",
        "ORA-24776": "Cannot start or resume the global transaction (%s) due to existing local transaction (%s)",
        "ORA-24797": "cannot promote the current transaction to a distributed transaction",
        "ORA-25352": "no current transaction",
    }
)
CATALOGUE.update(  # the First Responder Kit's T-SQL: synonyms (sql/synonyms.py)
    _catalogue(
        (5313, 16, "Synonym '%.*ls' refers to an invalid object."),
        (15197, 16, "There is no text for object '%.*ls'."),
        (1065, 15, "The NOLOCK and READUNCOMMITTED lock hints are not allowed for target tables of INSERT, UPDATE, "
                   "DELETE or MERGE statements."),
    )
)  # fmt: skip
