"""SQL text, its handles, and where a request is in its batch: what sys.dm_exec_sql_text and the input buffer read.

Every batch a session runs (a language event, an RPC's statement, the text of ``EXEC (@sql)``) is remembered
once under two handles, as SQL Server's plan cache keeps it:

| handle        | bytes (44)                                                        | stable for                     |
|---------------|-------------------------------------------------------------------|--------------------------------|
| ``sql_handle``  | ``02 00 00 00`` + SHA-1 of the text (UTF-16LE) + 20 zero bytes    | the same text                  |
| ``plan_handle`` | ``06 00 00 00`` + SHA-1 of (database, text) + 20 zero bytes       | the same text in one database  |

(0x02 marks an ad hoc or prepared batch's text and 0x06 its plan, as in SQL Server; 0x03 / 0x05 would be an
object's.)  The text stored and hashed is the one the views may show: a batch that may carry a password is
replaced by ``session.masked``'s comment, so neither its text nor a hash of it is ever visible.

A handle's first 20 bytes also name its text (``sys.sysprocesses.sql_handle`` is binary(20), as in SQL Server,
and tools such as sp_WhoIsActive pass it to sys.dm_exec_sql_text).  The cache is bounded (``CAPACITY`` texts and
``CHARACTER_BUDGET`` characters, least recently used out); a handle whose text has left it and is no longer any
session's current batch finds nothing, and sys.dm_exec_sql_text gives no row for it, as SQL Server does for a plan
evicted from its cache.

Statement offsets are SQL Server's: byte offsets into the batch's UTF-16 text, ``statement_start_offset`` the
first character of the running statement, ``statement_end_offset`` its last UTF-16 code unit, or -1 when the
statement runs to the end of the batch; so ``SUBSTRING(text, start/2 + 1, (end - start)/2 + 1)`` is exactly the
statement.  A masked batch shows 0 and -1 (its whole replacement text).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from quietus.sql.environment import Environment

SQL_HANDLE_KIND = b"\x02\x00\x00\x00"
PLAN_HANDLE_KIND = b"\x06\x00\x00\x00"
HANDLE_PADDING = bytes(20)
LEGACY_HANDLE_LENGTH = 20  # sys.sysprocesses.sql_handle is binary(20): a handle's first 20 bytes name it too
CAPACITY = 4096  # texts
CHARACTER_BUDGET = 32 * 1024 * 1024  # characters of text kept at most (a batch larger than this is kept alone)
END_OF_BATCH = -1

LANGUAGE_EVENT: Final = "Language Event"
RPC_EVENT: Final = "RPC Event"
NO_EVENT: Final = "No Event"


@dataclass(frozen=True, slots=True)
class InputBuffer:
    """The last event a client sent (DBCC INPUTBUFFER, sys.dm_exec_input_buffer)."""

    event_type: str  # LANGUAGE_EVENT or RPC_EVENT
    parameters: int  # 0 for a language event; an RPC's parameter count
    event_info: str  # the batch text (masked), or the RPC's procedure name
    # What SQL Server shows before an RPC statement's text in sys.dm_exec_sql_text: its parameter declarations,
    # ``(@P1 int,@P2 nvarchar(10))`` (sp_executesql, sp_prepexec, sp_execute); "" for a batch.
    statement_prefix: str = ""

    # Written out: mypyc leaves a dataclass's generated __init__ interpreted (docs/design/compiled.md); every RPC
    # makes one.
    def __init__(self, event_type: str, parameters: int, event_info: str, statement_prefix: str = "") -> None:
        object.__setattr__(self, "event_type", event_type)
        object.__setattr__(self, "parameters", parameters)
        object.__setattr__(self, "event_info", event_info)
        object.__setattr__(self, "statement_prefix", statement_prefix)


@dataclass(frozen=True, slots=True)
class SqlText:
    text: str  # as the views show it (masked)
    database: str  # the database it was compiled in (dm_exec_sql_text.dbid)
    sql_handle: bytes
    plan_handle: bytes
    # Measured once for every request that runs the text again:
    text_key: bytes  # handle_key(sql_handle)
    ascii: bool  # a UTF-16 offset is twice the character offset
    content_end: int  # the characters before the trailing blanks and semicolons

    @classmethod
    def of(cls, text: str, database: str, plan: bytes) -> SqlText:
        handle = sql_handle(text)
        return cls(text, database, handle, plan, handle_key(handle), text.isascii(), len(text.rstrip(" \t\r\n;")))


def sql_handle(text: str) -> bytes:
    return SQL_HANDLE_KIND + hashlib.sha1(text.encode("utf-16-le")).digest() + HANDLE_PADDING


def plan_handle(text: str, database: str) -> bytes:
    digest = hashlib.sha1(database.casefold().encode("utf-8") + b"\x00" + text.encode("utf-16-le")).digest()
    return PLAN_HANDLE_KIND + digest + HANDLE_PADDING


def handle_key(handle: bytes) -> bytes:
    """What names a text: the kind and the first 16 bytes of the digest (so the 20-byte form works too)."""
    return bytes(handle[:LEGACY_HANDLE_LENGTH])


def names(handle: bytes, sql: SqlText) -> bool:
    key = handle_key(handle)
    return key in (handle_key(sql.sql_handle), handle_key(sql.plan_handle))


def utf16_length(text: str) -> int:
    """Bytes of ``text`` in UTF-16 (characters outside the BMP take four)."""
    return 2 * len(text) if text.isascii() else len(text.encode("utf-16-le"))


class RunningText:
    """A session's current (or last) batch and the offsets of the statement running in it."""

    __slots__ = ("_bytes_at", "end", "masked", "shift", "sql", "start")

    def __init__(self, sql: SqlText, masked: bool, shift: int = 0) -> None:
        self.sql = sql
        self.masked = masked
        self.shift = shift  # characters before the parsed text (an RPC's parameter declarations)
        self._bytes_at: dict[int, int] = {}  # character offset -> UTF-16 byte offset (non-ASCII texts)
        self.start = 0
        self.end = END_OF_BATCH

    def at(self, offset: int, length: int) -> None:
        """The statement at characters [offset, offset + length) of the batch is running now."""
        if self.masked or length <= 0:
            return
        sql = self.sql
        offset += self.shift
        stop = offset + length
        if sql.ascii:
            self.start = 2 * offset
            self.end = END_OF_BATCH if stop >= sql.content_end else 2 * (stop - 1)
        else:  # a loop runs the same statements again: each prefix is measured once
            self.start = self._utf16_offset(sql.text, offset)
            self.end = END_OF_BATCH if stop >= sql.content_end else self._utf16_offset(sql.text, stop) - 2

    def _utf16_offset(self, text: str, offset: int) -> int:
        found = self._bytes_at.get(offset)
        if found is None:
            found = self._bytes_at[offset] = utf16_length(text[:offset])
        return found


class SqlTextCache:
    """Texts by handle, least recently used first out, bounded by count and by total characters.

    One entry per (text, database), under its plan handle; the sql handle names the most recent entry of its text."""

    def __init__(self, capacity: int = CAPACITY, characters: int = CHARACTER_BUDGET) -> None:
        self.capacity = capacity
        self.characters = characters
        self._plans: OrderedDict[bytes, SqlText] = OrderedDict()  # plan key -> text
        self._texts: dict[bytes, bytes] = {}  # sql key -> plan key
        # (text, casefolded database) -> plan key: a text run again finds its entry without hashing it again
        self._known: dict[tuple[str, str], bytes] = {}
        self._size = 0

    def remember(self, text: str, database: str) -> SqlText:
        folded = database.casefold()
        key = self._known.get((text, folded), b"")
        found = self._plans.get(key)
        if found is None:
            plan = plan_handle(text, database)
            key = handle_key(plan)
            found = self._plans.get(key)
            if found is None:
                found = self._plans[key] = SqlText.of(text, database, plan)
                self._size += len(text)
            self._known[(text, folded)] = key
        self._plans.move_to_end(key)
        self._texts[found.text_key] = key
        while len(self._plans) > 1 and (len(self._plans) > self.capacity or self._size > self.characters):
            gone_key, gone = self._plans.popitem(last=False)
            self._size -= len(gone.text)
            self._known.pop((gone.text, gone.database.casefold()), None)
            if self._texts.get(gone.text_key) == gone_key:
                del self._texts[gone.text_key]
        return found

    def lookup(self, handle: bytes) -> SqlText | None:
        key = handle_key(handle)
        found = self._plans.get(key)
        if found is None and key in self._texts:
            found = self._plans.get(self._texts[key])
        return found

    def __len__(self) -> int:
        return len(self._plans)


SERVICE: Final = "sql_text"


def sql_texts(env: Environment) -> SqlTextCache:
    """The instance's text cache (``env.services["sql_text"]``), made on first use."""
    cache: Any = env.services.get(SERVICE)
    if cache is None:
        cache = env.services[SERVICE] = SqlTextCache()
    return cache  # type: ignore[no-any-return]


def begin_batch(env: Environment, session: Any, text: str, shown: str, shift: int = 0) -> RunningText:
    """Remember ``text`` (shown as ``shown``, its masked form) as what ``session`` runs now; the statements parsed
    from it start ``shift`` characters in (after an RPC's parameter declarations)."""
    sql = sql_texts(env).remember(shown, session.database)
    return RunningText(sql, masked=shown != text, shift=shift)
