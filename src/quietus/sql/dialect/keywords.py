"""T-SQL reserved keywords, as data.

SQL Server's list of reserved keywords ("Reserved Keywords (Transact-SQL)", the SQL Server column).  A
reserved keyword can never be an identifier unless it is delimited (``[end]``, ``"end"``), so:

1. the parser refuses an undelimited reserved word wherever sqlglot would take it as a name or alias
   (this is what lets ``IF c BEGIN SELECT 1 END`` end the SELECT at END, and ``SELECT 1 WHILE ...`` start a
   new statement at WHILE);
2. a syntax error whose offending token is a reserved keyword is reported as 156 ("near the keyword 'X'"),
   any other token as 102 ("near 'x'").

``NAME_LIKE_KEYWORDS`` are reserved words that T-SQL nevertheless reads as values in an expression
(niladic functions and pseudo-columns), so the parser lets sqlglot take them as names there.
"""

from __future__ import annotations

_RESERVED_TEXT = """
ADD ALL ALTER AND ANY AS ASC AUTHORIZATION BACKUP BEGIN BETWEEN BREAK BROWSE BULK BY CASCADE CASE CHECK
CHECKPOINT CLOSE CLUSTERED COALESCE COLLATE COLUMN COMMIT COMPUTE CONSTRAINT CONTAINS CONTAINSTABLE
CONTINUE CONVERT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURSOR
DATABASE DBCC DEALLOCATE DECLARE DEFAULT DELETE DENY DESC DISK DISTINCT DISTRIBUTED DOUBLE DROP DUMP
ELSE END ERRLVL ESCAPE EXCEPT EXEC EXECUTE EXISTS EXIT EXTERNAL FETCH FILE FILLFACTOR FOR FOREIGN
FREETEXT FREETEXTTABLE FROM FULL FUNCTION GOTO GRANT GROUP HAVING HOLDLOCK IDENTITY IDENTITY_INSERT
IDENTITYCOL IF IN INDEX INNER INSERT INTERSECT INTO IS JOIN KEY KILL LEFT LIKE LINENO LOAD MERGE
NATIONAL NOCHECK NONCLUSTERED NOT NULL NULLIF OF OFF OFFSETS ON OPEN OPENDATASOURCE OPENQUERY
OPENROWSET OPENXML OPTION OR ORDER OUTER OVER PERCENT PIVOT PLAN PRECISION PRIMARY PRINT PROC PROCEDURE
PUBLIC RAISERROR READ READTEXT RECONFIGURE REFERENCES REPLICATION RESTORE RESTRICT RETURN REVERT
REVOKE RIGHT ROLLBACK ROWCOUNT ROWGUIDCOL RULE SAVE SCHEMA SECURITYAUDIT SELECT
SEMANTICKEYPHRASETABLE SEMANTICSIMILARITYDETAILSTABLE SEMANTICSIMILARITYTABLE SESSION_USER SET SETUSER
SHUTDOWN SOME STATISTICS SYSTEM_USER TABLE TABLESAMPLE TEXTSIZE THEN TO TOP TRAN TRANSACTION TRIGGER
TRUNCATE TRY_CONVERT TSEQUAL UNION UNIQUE UNPIVOT UPDATE UPDATETEXT USE USER VALUES VARYING VIEW
WAITFOR WHEN WHERE WHILE WITH WRITETEXT
"""
RESERVED_KEYWORDS: frozenset[str] = frozenset(_RESERVED_TEXT.split())

# Reserved, yet values in an expression: niladic functions (SELECT USER) and pseudo-columns.
NAME_LIKE_KEYWORDS: frozenset[str] = frozenset(
    {"USER", "CURRENT_USER", "SESSION_USER", "SYSTEM_USER", "IDENTITYCOL", "ROWGUIDCOL"}
)

# On SQL Server's list, yet its parser takes them as names: ``precision`` is a column of sys.columns and
# sys.parameters, and scripts (sp_BlitzIndex among them) write ``precision tinyint`` and ``INSERT t (..., precision,
# scale)`` undelimited.  (Only ``DOUBLE PRECISION`` needs the word, and it is one token.)
NAME_ACCEPTED_KEYWORDS: frozenset[str] = frozenset({"PRECISION"})

# Reserved words that can never be a name or alias, not even where sqlglot would allow one.
NEVER_NAMES: frozenset[str] = RESERVED_KEYWORDS - NAME_LIKE_KEYWORDS - NAME_ACCEPTED_KEYWORDS


def is_reserved(word: str) -> bool:
    """True when ``word`` (any case, undelimited) is a T-SQL reserved keyword."""
    return word.upper() in RESERVED_KEYWORDS


# Reserved words that can begin an expression: after RETURN, THROW, an EXEC argument... they are an operand,
# any other reserved word ends the statement.
EXPRESSION_KEYWORDS: frozenset[str] = NAME_LIKE_KEYWORDS | {
    "CASE",
    "NULL",
    "NOT",
    "EXISTS",
    "COALESCE",
    "CONVERT",
    "NULLIF",
    "TRY_CONVERT",
    "LEFT",
    "RIGHT",
    "CURRENT_TIMESTAMP",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "DEFAULT",
}
