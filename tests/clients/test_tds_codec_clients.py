"""Real clients against the TDS codec: pytds, pymssql, FreeTDS tsql, pyodbc + FreeTDS ODBC.

A tiny threaded TCP server on 127.0.0.1 drives ``TdsServerConnection`` with a test-only responder
(canned answers keyed by SQL text), so what is checked here is the codec: framing, login, every
column type, errors, row counts, transactions and ATTENTION, as each real client sees them.
A client's tests are skipped only when its package is not installed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import socket
import subprocess
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from quietus.errors import SqlError, sql_error
from quietus.protocol.tds import (
    NEED_DATA,
    PAUSED,
    Attention,
    ColumnSpec,
    ConnectionClosed,
    IgnoredRequest,
    Login,
    PreLoginRequest,
    ProtocolError,
    ResponseWriter,
    RpcRequest,
    SqlBatch,
    TdsServerConnection,
    TmRequestType,
    TransactionManagerRequest,
)

PASSWORD = "s3cret!"
GUID = uuid.UUID("6f9619ff-8b86-d011-b42d-00c04fc964ff")
ALL_TYPES = [
    (ColumnSpec("i", "int"), 2_000_000_000),
    (ColumnSpec("bi", "bigint"), -9_000_000_000_000),
    (ColumnSpec("si", "smallint"), -32000),
    (ColumnSpec("ti", "tinyint"), 255),
    (ColumnSpec("b", "bit"), True),
    (ColumnSpec("d", "decimal", precision=10, scale=3), Decimal("-1234567.891")),
    (ColumnSpec("n", "numeric", precision=38, scale=0), Decimal("12345678901234567890123456789012345678")),
    (ColumnSpec("f", "float"), 1.5e300),
    (ColumnSpec("r", "real"), 0.5),
    (ColumnSpec("m", "money"), Decimal("922337203685477.5807")),
    (ColumnSpec("sm", "smallmoney"), Decimal("-214748.3648")),
    (ColumnSpec("c", "char", 5), "abcde"),
    (ColumnSpec("vc", "varchar", 20), "café"),
    (ColumnSpec("nc", "nchar", 3), "ñøß"),
    (ColumnSpec("nv", "nvarchar", 30), "Grüße, 世界"),
    (ColumnSpec("nvmax", "nvarchar", None), "x" * 9000),
    (ColumnSpec("vcmax", "varchar", None), "long " * 1000),
    (ColumnSpec("dte", "date"), dt.date(2024, 2, 29)),
    (ColumnSpec("dtm", "datetime"), dt.datetime(2023, 12, 31, 23, 59, 59, 997000)),
    (ColumnSpec("dt2", "datetime2", scale=6), dt.datetime(1, 1, 1, 0, 0, 0, 1)),
    (ColumnSpec("sdt", "smalldatetime"), dt.datetime(2001, 2, 3, 4, 5)),
    (ColumnSpec("tm", "time", scale=6), dt.time(13, 14, 15, 123456)),
    (ColumnSpec("u", "uniqueidentifier"), GUID),
    (ColumnSpec("vb", "varbinary", 10), b"\x00\x01\xff"),
    (ColumnSpec("bn", "binary", 4), b"\xde\xad\xbe\xef"),
    (ColumnSpec("vbmax", "varbinary", None), bytes(range(256)) * 40),
]
ALL_TYPES_SPECS = [spec for spec, _ in ALL_TYPES]
ALL_TYPES_VALUES = tuple(value for _, value in ALL_TYPES)


@dataclass
class Responder:
    """Canned answers: the test's stand-in for the engine.  Records what the codec delivered."""

    seen: list[object] = field(default_factory=list)
    handles: int = 0

    def statement(self, text: str, w: ResponseWriter, params: dict[str, object] | None = None) -> bytes:
        q = " ".join(text.strip().rstrip(";").split()).upper()
        if params and q.startswith("SELECT @P"):  # echo the parameters back, typed by their Python value
            names = [name.strip().lower() for name in q[len("SELECT ") :].split(",")]
            values = [params[name] for name in names]
            specs = [echo_spec(name, value) for name, value in zip(names, values, strict=True)]
            return w.result_set(specs) + w.rows([values]) + w.done()
        if q in ("SELECT 1", "SELECT 1 AS ONE"):
            return w.result_set([ColumnSpec("one", "int")]) + w.rows([(1,)]) + w.done()
        if q == "SELECT ALL_TYPES":
            out = w.result_set(ALL_TYPES_SPECS) + w.rows([ALL_TYPES_VALUES])
            return out + w.rows([(None,) * len(ALL_TYPES)]) + w.done()
        if q == "SELECT TWO; SELECT THREE":
            out = w.result_set([ColumnSpec("two", "int")]) + w.rows([(2,)]) + w.done()
            return out + w.result_set([ColumnSpec("three", "nvarchar", 5)]) + w.rows([("3",), ("3b",)]) + w.done()
        if q == "SELECT * FROM NOPE":
            return w.message(sql_error(208, "nope")) + w.done()
        if q == "UPDATE T SET X = 1":
            return w.done(row_count=7)
        if q == "SELECT @@MAX_PRECISION":
            return w.result_set([ColumnSpec("", "tinyint")]) + w.rows([(38,)]) + w.done()
        if q.startswith("PRINT"):
            return w.message(SqlError(0, 10, 1, "hello from print")) + w.done()
        if q in ("BEGIN TRAN", "BEGIN TRANSACTION"):
            return w.begin_transaction() + w.done()
        if q in ("COMMIT TRAN", "COMMIT TRANSACTION", "IF @@TRANCOUNT > 0 COMMIT TRAN"):
            return (w.commit_transaction() if w_in_transaction(w) else b"") + w.done()
        if q in ("ROLLBACK TRAN", "ROLLBACK TRANSACTION", "IF @@TRANCOUNT > 0 ROLLBACK TRAN"):
            return (w.rollback_transaction() if w_in_transaction(w) else b"") + w.done()
        return w.done()  # SET ..., USE, sp_datatype_info_100 ...: a bare DONE is accepted

    def batch(self, text: str, w: ResponseWriter) -> bytes | None:
        if text.strip().upper().startswith("WAITFOR"):
            return None  # "runs" until an ATTENTION arrives
        return b"".join(self.statement(part, w) for part in split_statements(text)) + w.finish()

    def rpc(self, request: RpcRequest, w: ResponseWriter) -> bytes:
        out = b""
        for number, call in enumerate(request.calls):
            values = [p.value for p in call.parameters]
            fixed = {"sp_executesql": 2, "sp_prepexec": 3}.get(call.name, 0)  # then @P1, @P2… (maybe unnamed)
            params = {(p.name or f"@p{i}").lower(): p.value for i, p in enumerate(call.parameters[fixed:], 1)}
            if call.name == "sp_executesql":
                out += self.statement(str(values[0]), w, params)
            elif call.name == "sp_prepexec":
                self.handles += 1
                out += self.statement(str(values[2]), w, params)
                out += w.return_value(ColumnSpec(call.parameters[0].name or "@handle", "int"), self.handles)
            out += w.return_status(0)
            if number < len(request.calls) - 1:
                out += w.procedure_done()
        return out + w.finish()

    def transaction(self, request: TransactionManagerRequest, w: ResponseWriter) -> bytes:
        out = b""
        if request.request_type == TmRequestType.BEGIN_XACT:
            out += w.begin_transaction()
        elif request.request_type in (TmRequestType.COMMIT_XACT, TmRequestType.ROLLBACK_XACT):
            if w_in_transaction(w):
                commit = request.request_type == TmRequestType.COMMIT_XACT
                out += w.commit_transaction() if commit else w.rollback_transaction()
            if request.begin_new:
                out += w.begin_transaction()
        return out + w.finish()


def echo_spec(name: str, value: object) -> ColumnSpec:
    if isinstance(value, bool):
        return ColumnSpec(name, "bit")
    if isinstance(value, int):
        return ColumnSpec(name, "bigint")
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return ColumnSpec(name, "decimal", precision=38, scale=-exponent if isinstance(exponent, int) else 0)
    if isinstance(value, float):
        return ColumnSpec(name, "float")
    if isinstance(value, bytes):
        return ColumnSpec(name, "varbinary", None)
    if isinstance(value, dt.datetime):
        return ColumnSpec(name, "datetime2", scale=6)
    if isinstance(value, dt.date):
        return ColumnSpec(name, "date")
    if isinstance(value, uuid.UUID):
        return ColumnSpec(name, "uniqueidentifier")
    return ColumnSpec(name, "nvarchar", None)


def w_in_transaction(w: ResponseWriter) -> bool:
    return w._transactions.descriptor is not None


def split_statements(text: str) -> list[str]:
    if " ".join(text.split()).upper() == "SELECT TWO; SELECT THREE":
        return [text]
    return [part for part in text.split(";") if part.strip()] or [text]


class Server:
    """A threaded TCP server on 127.0.0.1 speaking TDS through the codec."""

    def __init__(self) -> None:
        self.responder = Responder()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.events: list[object] = []
        self.errors: list[str] = []
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._spid = 50
        self._lock = threading.Lock()
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    def _serve(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                self._spid += 1
                self._sockets.append(sock)
                thread = threading.Thread(target=self._connection, args=(sock, self._spid), daemon=True)
                self._threads.append(thread)
            thread.start()

    def _connection(self, sock: socket.socket, spid: int) -> None:
        conn = TdsServerConnection(spid=spid, server_name="CODECSRV")
        try:
            while True:
                event = conn.next_event()
                if event is NEED_DATA or event is PAUSED:
                    data = sock.recv(65536)
                    conn.receive_data(data)
                    continue
                with self._lock:
                    self.events.append(event)
                out = self._answer(conn, event)
                if out is None:
                    return
                sock.sendall(out)
        except OSError:
            pass
        except Exception as exc:  # surface responder bugs in the test, not as a hang
            with self._lock:
                self.errors.append(repr(exc))
        finally:
            sock.close()

    def _answer(self, conn: TdsServerConnection, event: object) -> bytes | None:
        r = self.responder
        if isinstance(event, PreLoginRequest):
            return conn.send_prelogin_reply()
        if isinstance(event, Login):
            if event.login7.password != PASSWORD:
                return conn.send_login_failure(event.login7.user_name)
            return conn.send_login_ack(database=event.login7.database or "master")
        if isinstance(event, SqlBatch):
            return r.batch(event.text, conn.respond()) or b""
        if isinstance(event, RpcRequest):
            return r.rpc(event, conn.respond())
        if isinstance(event, TransactionManagerRequest):
            return r.transaction(event, conn.respond())
        if isinstance(event, IgnoredRequest):
            return conn.respond().finish(error=True)
        if isinstance(event, Attention):
            return conn.respond().finish() if event.during_request else conn.send_attention_ack()
        if isinstance(event, ProtocolError | ConnectionClosed):
            return None
        raise AssertionError(f"unexpected event {event!r}")

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() blocked in _serve
        self.listener.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout=5)
        self._accept.join(timeout=5)

    def of_type(self, kind: type) -> list:  # type: ignore[type-arg]
        with self._lock:
            return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    try:
        yield srv
    finally:
        srv.stop()
    assert srv.errors == []


def connect_pytds(server: Server, **kwargs: object):  # type: ignore[no-untyped-def]
    pytds = pytest.importorskip("pytds", reason="python-tds is not installed")
    options = {
        "database": "db1",
        "user": "sa",
        "password": PASSWORD,
        "port": server.port,
        "login_timeout": 5,
        "timeout": 5,
        **kwargs,
    }
    return pytds.connect("127.0.0.1", **options)


def test_pytds_values_of_every_type(server: Server) -> None:
    with connect_pytds(server, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("select 1")
        assert cur.fetchall() == [(1,)]
        assert cur.description[0][0] == "one"
        cur.execute("select all_types")
        rows = cur.fetchall()
        assert tuple(rows[0]) == ALL_TYPES_VALUES
        assert tuple(rows[1]) == (None,) * len(ALL_TYPES)
        cur.execute("select two; select three")
        assert cur.fetchall() == [(2,)]
        assert cur.nextset()
        assert cur.fetchall() == [("3",), ("3b",)]


def test_pytds_error_rowcount_and_rpc_parameters(server: Server) -> None:
    pytds = pytest.importorskip("pytds")
    with connect_pytds(server, autocommit=True) as conn, conn.cursor() as cur:
        with pytest.raises(pytds.ProgrammingError) as caught:
            cur.execute("select * from nope")
        error = caught.value
        assert (error.msg_no, error.severity, error.state, error.line, error.srvname) == (
            208,
            16,
            1,
            1,
            "CODECSRV",
        )
        assert error.text == "Invalid object name 'nope'."
        cur.execute("update t set x = 1")
        assert cur.rowcount == 7
        values = (
            5,
            "ünï",
            Decimal("12.345"),
            dt.datetime(2020, 1, 2, 3, 4, 5, 678000),
            GUID,
            2.5,
        )
        cur.execute("select " + ", ".join(["%s"] * len(values)), values)
        assert cur.fetchall() == [values]
    rpc = server.of_type(RpcRequest)[-1]
    assert rpc.calls[0].name == "sp_executesql"


def test_pytds_transactions_echo_descriptors(server: Server) -> None:
    with connect_pytds(server, autocommit=False) as conn:
        with conn.cursor() as cur:
            cur.execute("update t set x = 1")
        conn.commit()
        with conn.cursor() as cur:
            cur.execute("select 1")
        conn.rollback()
    tm = server.of_type(TransactionManagerRequest)
    assert [(r.request_type, r.begin_new, r.transaction_descriptor) for r in tm] == [
        (TmRequestType.BEGIN_XACT, False, 0),
        (TmRequestType.COMMIT_XACT, True, 1),
        (TmRequestType.ROLLBACK_XACT, True, 2),
    ]
    assert [b.transaction_descriptor for b in server.of_type(SqlBatch)] == [1, 2]


def test_pytds_attention_idle_and_mid_request(server: Server) -> None:
    pytds = pytest.importorskip("pytds")
    with connect_pytds(server, autocommit=True, timeout=0.5) as conn, conn.cursor() as cur:
        cur.execute("select all_types")  # rows left unread: pytds cancels before the next request
        cur.execute("select 1")
        assert cur.fetchall() == [(1,)]
        with pytest.raises(pytds.TimeoutError):
            cur.execute("WAITFOR DELAY '00:01:00'")
        cur.execute("select 1")
        assert cur.fetchall() == [(1,)]
    attentions = server.of_type(Attention)
    assert Attention(during_request=True) in attentions


def test_pytds_login_failure(server: Server) -> None:
    pytds = pytest.importorskip("pytds")
    with pytest.raises(pytds.OperationalError) as caught:
        connect_pytds(server, password="wrong")
    assert caught.value.msg_no == 18456


pymssql_versions = pytest.mark.parametrize("tds_version", ["7.4", "7.3", "7.2", "7.1"])


@pymssql_versions
def test_pymssql_values_errors_and_transactions(server: Server, tds_version: str) -> None:
    pymssql = pytest.importorskip("pymssql", reason="pymssql is not installed")
    conn = pymssql.connect(
        server="127.0.0.1",
        port=str(server.port),
        user="sa",
        password=PASSWORD,
        database="db1",
        login_timeout=5,
        timeout=5,
        tds_version=tds_version,
    )
    try:
        cur = conn.cursor()
        cur.execute("select 1")
        assert cur.fetchall() == [(1,)]
        cur.execute("select all_types")
        row, nulls = cur.fetchall()
        expected = list(ALL_TYPES_VALUES)
        if tds_version in ("7.1", "7.2"):  # date/time types arrive as SQL Server's down-level strings
            names = [spec.name for spec in ALL_TYPES_SPECS]
            expected[names.index("dte")] = "2024-02-29"
            expected[names.index("dt2")] = "0001-01-01 00:00:00.000001"
            expected[names.index("tm")] = "13:14:15.123456"
        assert list(row) == expected
        assert nulls == (None,) * len(ALL_TYPES)
        cur.execute("update t set x = 1")
        assert cur.rowcount == 7
        with pytest.raises(pymssql.ProgrammingError) as caught:
            cur.execute("select * from nope")
        assert caught.value.args[0] == 208
        conn.commit()
    finally:
        conn.close()
    batches = server.of_type(SqlBatch)
    texts = [b.text for b in batches]
    assert "BEGIN TRAN" in texts and "COMMIT TRAN" in texts
    after_begin = batches[texts.index("BEGIN TRAN") + 1]
    assert after_begin.transaction_descriptor == (None if tds_version == "7.1" else 1)


def test_pymssql_login_failure(server: Server) -> None:
    pymssql = pytest.importorskip("pymssql", reason="pymssql is not installed")
    with pytest.raises(pymssql.OperationalError) as caught:
        pymssql.connect(server="127.0.0.1", port=str(server.port), user="sa", password="wrong", login_timeout=5)
    assert b"18456" in str(caught.value).encode() or 18456 in caught.value.args[0]


def test_tsql_smoke(server: Server) -> None:
    if shutil.which("tsql") is None:
        pytest.skip("FreeTDS tsql (freetds-bin) is not installed")
    script = "select 1\ngo\nselect * from nope\ngo\nupdate t set x = 1\ngo\nquit\n"
    result = subprocess.run(
        ["tsql", "-H", "127.0.0.1", "-p", str(server.port), "-U", "sa", "-P", PASSWORD, "-D", "db1"],
        input=script,
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "LANG": "C.UTF-8"},
    )
    assert "one\n1\n" in result.stdout
    assert "(1 row affected)" in result.stdout
    assert "Msg 208 (severity 16, state 1) from CODECSRV Line 1" in result.stdout + result.stderr


def connect_pyodbc(server: Server, **kwargs: object):  # type: ignore[no-untyped-def]
    pyodbc = pytest.importorskip("pyodbc", reason="pyodbc is not installed")
    if "FreeTDS" not in pyodbc.drivers():
        pytest.skip("FreeTDS ODBC driver (tdsodbc) is not installed")
    dsn = f"DRIVER={{FreeTDS}};SERVER=127.0.0.1;PORT={server.port};UID=sa;PWD={PASSWORD};DATABASE=db1"
    return pyodbc.connect(dsn, timeout=5, **kwargs)


def test_pyodbc_values_errors_and_prepared_parameters(server: Server) -> None:
    conn = connect_pyodbc(server, autocommit=False)
    try:
        cur = conn.cursor()
        cur.execute("select all_types")
        row, nulls = cur.fetchall()
        expected = [str(v).upper() if isinstance(v, uuid.UUID) else v for v in ALL_TYPES_VALUES]
        assert list(row) == expected
        assert list(nulls) == [None] * len(ALL_TYPES)
        cur.execute("update t set x = 1")
        assert cur.rowcount == 7
        with pytest.raises(Exception, match=r"42S02.*Invalid object name 'nope'\. \(208\)"):
            cur.execute("select * from nope")
        cur.execute("select ?, ?", 41, "zwölf")
        assert [tuple(r) for r in cur.fetchall()] == [(41, "zwölf")]
        conn.commit()
    finally:
        conn.close()
    prepexec = [r for r in server.of_type(RpcRequest) if r.calls[0].name == "sp_prepexec"]
    assert prepexec and prepexec[0].calls[0].parameters[0].output
    tm = server.of_type(TransactionManagerRequest)
    assert tm[0].request_type == TmRequestType.BEGIN_XACT
    assert any(r.request_type == TmRequestType.COMMIT_XACT and r.transaction_descriptor == 1 for r in tm)
