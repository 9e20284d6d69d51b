"""Building the response to one request: tokens in order, cut into packets as they are produced.

A ``ResponseWriter`` belongs to one request.  Each method returns the bytes that are ready to send
(whole packets; the tail waits for more tokens or ``finish``), so rows can be streamed in chunks.

Invariants (tds.md §1.9, §1.10, §1.11):
1. Every statement's DONE carries DONE_MORE except the response's last token.  The writer holds the
   latest DONE back and sets DONE_MORE on it only when another token follows, so callers never decide.
2. The response ends with exactly one final token without DONE_MORE: DONE for SQL batches and TM
   requests, DONEPROC for RPCs (statements inside an RPC end in DONEINPROC), DONE(ATTN) when an
   ATTENTION arrived during the request.  ``finish`` writes it and puts EOM on the last packet.
3. DONE_INXACT is set on every DONE produced while a transaction is open; a statement that emitted an
   ERROR gets DONE_ERROR; a result set's DONE counts its rows (DONE_COUNT) unless told otherwise.
4. Transaction descriptors sent in ENVCHANGE 8 are non-zero (pytds tests them for truth); commit and
   rollback ENVCHANGEs name the descriptor that began the transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from quietus.errors import SqlError, sql_error
from quietus.memo import IdentityMemo
from quietus.protocol.tds import tokens
from quietus.protocol.tds.columns import ColumnCodec, column_codec
from quietus.protocol.tds.exceptions import LocalProtocolError
from quietus.protocol.tds.fast_encoders import FAST_MISS
from quietus.protocol.tds.packets import MessageWriter, PacketType
from quietus.protocol.tds.row_encoder import RowEncoder, row_encoder
from quietus.protocol.tds.tokens import DoneStatus, TokenType
from quietus.protocol.tds.types import ColumnSpec
from quietus.protocol.tds.versions import Traits

# DONE status bits as plain ints: IntFlag arithmetic builds an enum object per operation, on every response.
_MORE: Final = int(DoneStatus.MORE)
_ERROR: Final = int(DoneStatus.ERROR)
_INXACT: Final = int(DoneStatus.INXACT)
_FINAL: Final = 0
_SRVERROR: Final = int(DoneStatus.SRVERROR)
_COUNT: Final = int(DoneStatus.COUNT)
_ATTN: Final = int(DoneStatus.ATTN)
_ROW: Final = bytes([TokenType.ROW])
# A result set's column codecs, made once per (column, client traits): the same query's columns every time.
_cached_codec = functools.lru_cache(maxsize=4096)(column_codec)

_Described = tuple[tuple[ColumnCodec, ...], tuple[Callable[[object], bytes], ...] | None, bytes]


def _describe(columns: Sequence[ColumnSpec], traits: Traits) -> _Described:
    """A result set's column codecs, their fast encoders (if every column has one) and its COLMETADATA token."""
    codecs = tuple(_cached_codec(spec, traits) for spec in columns)
    fast = tuple(c.fast for c in codecs if c.fast is not None)
    return codecs, (fast if len(fast) == len(codecs) else None), tokens.encode_colmetadata(codecs, traits)


# The same result set described again (a cached plan's columns, a connection's traits): made once.
_RESULT_SETS: Final[IdentityMemo[Sequence[ColumnSpec], Traits, _Described]] = IdentityMemo(_describe)
_NBCROW: Final = bytes([TokenType.NBCROW])
# A batch of this many rows (or more) goes through the result's row encoder (row_encoder.py), made on first need:
# writing one costs about as much as encoding a few hundred rows the per-column way, so small results do not.
ROW_ENCODER_BATCH: Final = 32


def _fast_row(fast: Sequence[Callable[[object], bytes]], row: Sequence[object], nbcrow: bool) -> bytes:
    """``tokens.encode_row``'s bytes through the columns' fast encoders: ROW, or NBCROW when a value is NULL.
    ``row`` has one value for each encoder (the caller checks its width).  Index loops, not ``zip(..., strict=True)``:
    compiled, a zip with a keyword is a generic call, ~0.3 us a row."""
    count = len(fast)
    if nbcrow and None in row:
        bitmap = bytearray((count + 7) // 8)
        present = []
        for index in range(count):
            value = row[index]
            if value is None:
                bitmap[index >> 3] |= 1 << (index & 7)
            else:
                present.append(fast[index](value))
        return _NBCROW + bitmap + b"".join(present)
    return _ROW + b"".join([fast[index](row[index]) for index in range(count)])


class TransactionTracker:
    """The transaction the client has been told about (ENVCHANGE 8 sent, no 9/10 yet)."""

    def __init__(self) -> None:
        self.descriptor: int | None = None
        self._next = 1

    def begin(self, descriptor: int | None) -> int:
        if self.descriptor is not None:
            raise LocalProtocolError(f"transaction {self.descriptor} is already open")
        if descriptor is None:
            descriptor, self._next = self._next, self._next + 1
        if not 0 < descriptor < 2**64:
            raise LocalProtocolError(f"transaction descriptor {descriptor} must be a non-zero u64")
        self.descriptor = descriptor
        return descriptor

    def end(self) -> int:
        if self.descriptor is None:
            raise LocalProtocolError("no transaction is open")
        descriptor, self.descriptor = self.descriptor, None
        return descriptor


@dataclass(frozen=True, slots=True)
class _Done:
    token: int
    status: int
    row_count: int
    cur_cmd: int

    # Written out: mypyc leaves a dataclass's generated __init__ interpreted (docs/design/compiled.md).
    def __init__(
        self,
        token: int,
        status: int,
        row_count: int,
        cur_cmd: int,
    ) -> None:
        object.__setattr__(self, "token", token)
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "row_count", row_count)
        object.__setattr__(self, "cur_cmd", cur_cmd)


class ResponseWriter:
    def __init__(
        self,
        *,
        traits: Traits,
        packet_size: int,
        spid: int,
        server_name: str,
        procedure_call: bool,
        transactions: TransactionTracker,
        attention: Callable[[], bool],
        on_finish: Callable[[], None],
    ) -> None:
        self.traits = traits
        self.server_name = server_name
        self.procedure_call = procedure_call
        self._transactions = transactions
        self._attention = attention
        self._on_finish = on_finish
        self._writer = MessageWriter(PacketType.TABULAR_RESULT, packet_size, spid)
        self._pending: _Done | None = None
        self._columns: Sequence[ColumnCodec] | None = None
        self._fast: tuple[Callable[[object], bytes], ...] | None = None  # every column's fast encoder, if all have one
        self._row_encoder: RowEncoder | None = None  # the result's, once a large batch of rows came
        self._memo: dict[object, bytes] = {}  # the row encoder's: values of this result set already encoded
        self._rows_in_result = 0
        self._statement_error = False
        self.rows_sent = 0

    # --- state --------------------------------------------------------------------------------------

    @property
    def cancelled(self) -> bool:
        """An ATTENTION arrived for this request: stop work and ``finish``."""
        return self._attention()

    @property
    def finished(self) -> bool:
        return self._writer.ended

    def _emit(self, data: bytes) -> bytes:
        if self._writer.ended:
            raise LocalProtocolError("the response is already finished")
        return self._writer.write(self._flush_pending(more=True) + data)

    def _flush_pending(self, *, more: bool) -> bytes:
        done, self._pending = self._pending, None
        if done is None:
            return b""
        status = done.status | (_MORE if more else 0)
        return tokens.encode_done(self.traits, status, done.row_count, done.token, done.cur_cmd)

    def _status(self, *, error: bool = False, server_error: bool = False) -> int:
        status = _INXACT if self._transactions.descriptor is not None else _FINAL
        if error or self._statement_error:
            status |= _ERROR
        if server_error:
            status |= _SRVERROR
        return status

    # --- environment and transactions ----------------------------------------------------------------

    def reset_ack(self, *, transaction_ended: bool = True) -> bytes:
        """ENVCHANGE 18 for a RESETCONNECTION request; the reset also forgets the open transaction."""
        if transaction_ended:
            self._transactions.descriptor = None
        return self._emit(tokens.env_reset_ack() if self.traits.transaction_env else b"")

    def database_changed(self, new: str, old: str) -> bytes:
        """ENVCHANGE 1 and INFO 5701, as SQL Server answers ``USE``."""
        return self._emit(tokens.env_database(new, old) + self._info(5701, new, state=1))

    def language_changed(self, new: str, old: str = "") -> bytes:
        return self._emit(tokens.env_language(new, old) + self._info(5703, new, state=1))

    def _info(self, number: int, *args: object, state: int) -> bytes:
        info = sql_error(number, *args, state=state)
        return tokens.encode_message(self.traits, number, state, 0, info.message, self.server_name)

    def begin_transaction(self, descriptor: int | None = None) -> bytes:
        """ENVCHANGE 8 (7.2+); from now on DONE tokens carry DONE_INXACT.  Returns the bytes."""
        descriptor = self._transactions.begin(descriptor)
        return self._emit(tokens.env_begin_transaction(descriptor) if self.traits.transaction_env else b"")

    def commit_transaction(self) -> bytes:
        descriptor = self._transactions.end()
        return self._emit(tokens.env_commit_transaction(descriptor) if self.traits.transaction_env else b"")

    def rollback_transaction(self) -> bytes:
        descriptor = self._transactions.end()
        data = tokens.env_rollback_transaction(descriptor) if self.traits.transaction_env else b""
        return self._emit(data)

    # --- messages and results ------------------------------------------------------------------------

    def message(self, error: SqlError) -> bytes:
        """INFO (severity ≤ 10) or ERROR; an ERROR marks the current statement's DONE with DONE_ERROR."""
        if error.severity > 10:
            self._statement_error = True
        return self._emit(
            tokens.encode_message(
                self.traits,
                error.number,
                error.state,
                error.severity,
                error.message,
                self.server_name,
                error.procedure,
                error.line,
            )
        )

    def result_set(self, columns: Sequence[ColumnSpec]) -> bytes:
        """COLMETADATA for a new result set (the previous one must have been ended by ``done``)."""
        if self._columns is not None:
            raise LocalProtocolError("the previous result set has no DONE yet")
        if not columns:
            raise LocalProtocolError("a result set needs at least one column")
        self._columns, self._fast, metadata = _RESULT_SETS.get(columns, self.traits)
        self._row_encoder = None
        self._memo = {}
        self._rows_in_result = 0
        return self._emit(metadata)

    def rows(self, rows: Iterable[Sequence[object]]) -> bytes:
        if self._columns is None:
            raise LocalProtocolError("rows without a result set")
        columns, traits = self._columns, self.traits
        encode = self._row_encoder
        # list | tuple, not Sized: an isinstance against an ABC runs Python code (every result set passes here)
        if encode is None and isinstance(rows, list | tuple) and len(rows) >= ROW_ENCODER_BATCH:
            encode = self._row_encoder = row_encoder(tuple(columns), traits.nbcrow)
        if encode is None:
            return self._rows_by_column(rows)
        data = bytearray()
        count = 0
        memo = self._memo
        for row in rows:
            try:  # a value the row encoder does not take (or a row of the wrong width): the general encoder
                data += encode(row, memo)
            except (*FAST_MISS, ValueError):
                data += tokens.encode_row(columns, row, traits)
            count += 1
        self._rows_in_result += count
        self.rows_sent += count
        return self._emit(bytes(data))

    def _rows_by_column(self, rows: Iterable[Sequence[object]]) -> bytes:
        """A few rows: each column's fast encoder in turn (no row encoder to make or look up)."""
        assert self._columns is not None
        columns, fast, traits = self._columns, self._fast, self.traits
        width = len(columns)
        data = bytearray()
        for row in rows:
            encoded = None
            if fast is not None and len(row) == width:
                try:  # the fast encoders; a value they do not take: the general encoder for the whole row
                    encoded = _fast_row(fast, row, traits.nbcrow)
                except FAST_MISS:
                    encoded = None
            data += encoded if encoded is not None else tokens.encode_row(columns, row, traits)
            self._rows_in_result += 1
            self.rows_sent += 1
        return self._emit(bytes(data))

    def order(self, columns: Sequence[int]) -> bytes:
        return self._emit(tokens.encode_order(columns))

    def done(
        self,
        row_count: int | None = None,
        *,
        error: bool = False,
        server_error: bool = False,
        cur_cmd: int = 0,
    ) -> bytes:
        """End a statement: DONE (DONEINPROC inside an RPC).  ``row_count`` sets DONE_COUNT; after a
        result set it defaults to the rows sent in it."""
        if row_count is None and self._columns is not None:
            row_count = self._rows_in_result
        status = self._status(error=error, server_error=server_error)
        if row_count is not None:
            status |= _COUNT
        token = TokenType.DONEINPROC if self.procedure_call else TokenType.DONE
        out = self._emit(b"")
        self._pending = _Done(token, status, row_count or 0, cur_cmd)
        self._columns = None
        self._statement_error = False
        return out

    # --- procedure calls -----------------------------------------------------------------------------

    def return_value(self, spec: ColumnSpec, value: object, ordinal: int = 0) -> bytes:
        """RETURNVALUE for an OUTPUT parameter named ``spec.name`` (e.g. sp_prepare's ``@handle``)."""
        self._close_result()
        codec = column_codec(spec, self.traits)
        return self._emit(tokens.encode_returnvalue(codec, value, self.traits, ordinal))

    def return_status(self, value: int) -> bytes:
        self._close_result()
        return self._emit(tokens.encode_returnstatus(value))

    def procedure_done(self, row_count: int | None = None, *, error: bool = False) -> bytes:
        """DONEPROC ending one call of a multi-call RPC request (``finish`` ends the last one)."""
        self._close_result()
        status = self._status(error=error) | (_COUNT if row_count is not None else 0)
        out = self._emit(b"")
        self._pending = _Done(TokenType.DONEPROC, status, row_count or 0, 0)
        self._statement_error = False
        return out

    def _close_result(self) -> None:
        if self._columns is not None:
            self.done()

    # --- the end -------------------------------------------------------------------------------------

    def finish(self, *, error: bool = False, server_error: bool = False) -> bytes:
        """The final token and EOM; the connection is idle again afterwards."""
        if self._writer.ended:
            raise LocalProtocolError("the response is already finished")
        self._close_result()
        final_token = TokenType.DONEPROC if self.procedure_call else TokenType.DONE
        pending, self._pending = self._pending, None
        extra = (_ERROR if error else 0) | (_SRVERROR if server_error else 0)
        if pending is not None and pending.token == final_token:
            finals = [_Done(pending.token, pending.status | extra, pending.row_count, pending.cur_cmd)]
        else:
            finals = [] if pending is None else [pending]
            finals.append(_Done(final_token, self._status(error=error, server_error=server_error), 0, 0))
        if self._attention():
            finals.append(_Done(TokenType.DONE, _ATTN, 0, 0))
        last = len(finals) - 1
        data = b"".join(
            tokens.encode_done(
                self.traits, d.status | (_MORE if i < last else 0), d.row_count, d.token, d.cur_cmd
            )
            for i, d in enumerate(finals)
        )
        out = self._writer.end(data)
        self._on_finish()
        return out
