"""Oracle-flavoured SQL on the shared engine: parse (sqlglot's Oracle dialect), normalise the tree into what the
shared planner, DML and DDL run, and run it with Oracle's transactions and errors.  See docs/design/oracle-sql.md.

Importing the package registers its builtins and comparison compilers in the shared tables."""

from quietus.sql.oracle import compare, functions  # noqa: F401  (registers the %ORA_ builtins and comparisons)
from quietus.sql.oracle.parser import OracleSql, bind_names, parse_statement
from quietus.sql.oracle.runner import OracleContext, OracleRunner

__all__ = ["OracleContext", "OracleRunner", "OracleSql", "bind_names", "parse_statement"]
