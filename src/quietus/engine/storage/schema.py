"""Table definitions: what the catalog persists (checkpoint and log) and what the SQL layer binds against.

These are msgspec structs so that they encode to MessagePack without pickle.  Column types are kept as SQL Server
type names with length/precision/scale; the SQL layer turns them into its own type objects.
"""

from __future__ import annotations

import msgspec


class ColumnDef(msgspec.Struct, frozen=True):
    name: str
    type_name: str  # SQL Server type name, lower case: int, nvarchar, decimal, ...
    length: int | None = None  # characters or bytes; None = MAX (for var types) or not applicable
    precision: int | None = None
    scale: int | None = None
    nullable: bool = True
    identity_seed: int | None = None  # set for the IDENTITY column
    identity_increment: int | None = None
    default_sql: str | None = None  # the DEFAULT expression as T-SQL text, compiled by the SQL layer
    computed_sql: str | None = None  # a computed column's expression (``c AS a + b``), its value written with the row
    persisted: bool = False  # declared PERSISTED (every computed column is stored; this is what the DDL said)
    # A string column's collation when it is not the server's SQL_Latin1_General_CP1_CI_AS: "BINARY" for one an
    # Oracle session created.  Its keys follow it (engine/storage/keys.py).
    collation: str | None = None


class IndexDef(msgspec.Struct, frozen=True):
    index_id: int  # 1 = the clustered primary key (or the hidden row id), 2.. = secondary indexes
    name: str
    columns: tuple[int, ...]  # column positions
    descending: tuple[bool, ...] = ()
    unique: bool = False
    primary_key: bool = False
    unique_constraint: bool = False  # a UNIQUE constraint (error 2627) rather than a unique index (2601)
    ignore_dup_key: bool = False  # WITH (IGNORE_DUP_KEY = ON): an INSERT skips a duplicate row (warning 3604)
    included: tuple[int, ...] = ()  # INCLUDE (...): positions of the non-key columns it carries (sys.index_columns)


class CheckDef(msgspec.Struct, frozen=True):
    name: str
    expression_sql: str


class ForeignKeyDef(msgspec.Struct, frozen=True):
    name: str
    columns: tuple[int, ...]
    referenced_object_id: int
    referenced_columns: tuple[int, ...]


class TableDef(msgspec.Struct, frozen=True):
    object_id: int
    name: str
    columns: tuple[ColumnDef, ...]
    indexes: tuple[IndexDef, ...] = ()  # includes the primary key index if any
    checks: tuple[CheckDef, ...] = ()
    foreign_keys: tuple[ForeignKeyDef, ...] = ()
    schema_name: str = "dbo"
    # When CREATE TABLE (or SELECT INTO) made it and DDL last changed it (sys.objects create_date / modify_date),
    # ISO 8601 local time; None for tables made before Quietus kept them, and for the engine's own.
    created: str | None = None
    modified: str | None = None

    @property
    def primary_key(self) -> IndexDef | None:
        for index in self.indexes:
            if index.primary_key:
                return index
        return None

    def column_position(self, name: str) -> int | None:
        folded = name.casefold()
        for position, column in enumerate(self.columns):
            if column.name.casefold() == folded:
                return position
        return None

    @property
    def identity_position(self) -> int | None:
        for position, column in enumerate(self.columns):
            if column.identity_seed is not None:
                return position
        return None


STRING_TYPES = frozenset({"char", "varchar", "nchar", "nvarchar", "text", "ntext"})
