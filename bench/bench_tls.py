"""TLS costs: connect + TLS handshake + login per second, and SELECT 1 round trips, with and without TLS; PostgreSQL
with ssl=on beside it in the same run.

    python bench/bench_tls.py [--seconds 5] [--no-postgres]

Quietus runs as `quietus serve` (TLS on, its self-signed certificate) in a subprocess; the clients are raw TDS
sockets on the codec's sans-IO client, so the client costs little:
  cleartext    PRELOGIN NOT_SUP, LOGIN7, queries in the clear
  TDS 7.x TLS  PRELOGIN ON, the TLS 1.2 handshake inside PRELOGIN packets (ssl.SSLObject over memory), LOGIN7 and
               queries over TLS
  TDS 8.0      TLS 1.3 first on the socket (ALPN tds/8.0), then PRELOGIN, LOGIN7, queries
PostgreSQL: a private cluster (bench_server.postgres_server) with ssl=on and the same kind of certificate; psycopg 3
with sslmode=disable and sslmode=require.  A Quietus login costs one argon2id hash (~50 ms of CPU), which bounds
logins per second with or without TLS.  Figures only; the test suite never asserts timings.
"""

from __future__ import annotations

import argparse
import os
import pwd
import socket
import ssl
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_server import PASSWORD, Tds, percentile, postgres_server, quietus_server, timed_loop
from quietus.protocol.tds.client import TdsClient
from quietus.protocol.tds.packets import PacketType, encode_message
from quietus.protocol.tds.prelogin import Encryption, encode_prelogin_request
from quietus.server.tls import make_self_signed


def _client_context(alpn: str | None, maximum: ssl.TLSVersion) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # trustServerCertificate
    context.maximum_version = maximum
    if alpn:
        context.set_alpn_protocols([alpn])
    return context


PRELOGIN_TLS = _client_context(None, ssl.TLSVersion.TLSv1_2)
STRICT_TLS = _client_context("tds/8.0", ssl.TLSVersion.MAXIMUM_SUPPORTED)


class Client(Tds):
    """bench_server's blocking raw TDS client, logged in over ``mode``: "clear", "tds7" (TLS inside PRELOGIN) or
    "strict" (TDS 8.0)."""

    def __init__(self, port: int, mode: str) -> None:
        raw = socket.create_connection(("127.0.0.1", port))
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock: Any = STRICT_TLS.wrap_socket(raw) if mode == "strict" else raw
        self.tds = TdsClient()
        if mode == "tds7":
            self._tds7_handshake(raw)
        else:
            self.sock.sendall(self.tds.prelogin())
            while self.tds.next_prelogin_reply() is None:
                self._read()
        self.sock.sendall(self.tds.login("sa", PASSWORD))
        if self.reply().login_ack is None:
            raise RuntimeError("login failed")

    def _tds7_handshake(self, raw: socket.socket) -> None:
        raw.sendall(encode_message(PacketType.PRELOGIN, encode_prelogin_request(encryption=Encryption.ON)))
        self.tds._expect_prelogin = True
        while (reply := self.tds.next_prelogin_reply()) is None:
            self._read()
        assert reply.encryption == Encryption.ON
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = PRELOGIN_TLS.wrap_bio(incoming, outgoing)
        pending = b""
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                raw.sendall(encode_message(PacketType.PRELOGIN, outgoing.read()))
            # one server flight: one PRELOGIN message (header type 0x12, EOM); take its payload
            while True:
                while len(pending) < 8 or len(pending) < int.from_bytes(pending[2:4], "big"):
                    pending += raw.recv(65536)
                length = int.from_bytes(pending[2:4], "big")
                incoming.write(pending[8:length])
                eom, pending = pending[1] & 1, pending[length:]
                if eom:
                    break
        if outgoing.pending:
            raw.sendall(encode_message(PacketType.PRELOGIN, outgoing.read()))
        self.sock = _TlsOverSocket(raw, tls, incoming, outgoing)


class _TlsOverSocket:
    """TLS records straight on the socket after a TDS 7.x handshake (an SSLObject over memory, as the server has)."""

    def __init__(self, raw: socket.socket, tls: ssl.SSLObject, incoming: ssl.MemoryBIO, outgoing: ssl.MemoryBIO):
        self.raw, self.tls, self.incoming, self.outgoing = raw, tls, incoming, outgoing

    def sendall(self, data: bytes) -> None:
        self.tls.write(data)
        self.raw.sendall(self.outgoing.read())

    def recv(self, size: int) -> bytes:
        while True:
            try:
                return self.tls.read(size)
            except ssl.SSLWantReadError:
                data = self.raw.recv(65536)
                if not data:
                    return b""
                self.incoming.write(data)

    def close(self) -> None:
        self.raw.close()


def measure(connect: Callable[[], Any], select1: Callable[[Any], None], seconds: float) -> dict[str, float]:
    def login() -> None:
        connect().close()

    logins, _ = timed_loop(login, seconds)
    conn = connect()
    count, latencies = timed_loop(lambda: select1(conn), seconds)
    conn.close()
    return {
        "logins_per_s": logins / seconds,
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "select1_per_s": count / seconds,
    }


def quietus_figures(seconds: float, work: Path) -> dict[str, dict[str, float]]:
    figures = {}
    with quietus_server(work / "quietus") as (_pid, port):
        for mode in ("clear", "tds7", "strict"):

            def select1(client: Client) -> None:
                assert client.batch("SELECT 1").rows == [(1,)]

            figures[f"Quietus {mode}"] = measure(lambda mode=mode: Client(port, mode), select1, seconds)
    return figures


def postgres_figures(seconds: float, work: Path) -> dict[str, dict[str, float]]:
    import psycopg

    certificate, key = make_self_signed("localhost")
    work.mkdir(parents=True, exist_ok=True)
    (work / "server.crt").write_bytes(certificate)
    (work / "server.key").write_bytes(key)
    os.chmod(work / "server.key", 0o600)
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        for name in ("server.crt", "server.key"):
            os.chown(work / name, user.pw_uid, user.pw_gid)
    ssl_options = f"-c ssl=on -c ssl_cert_file={work / 'server.crt'} -c ssl_key_file={work / 'server.key'}"
    figures = {}
    with postgres_server(work, 50, extra_options=ssl_options) as (_pid, port):
        for mode in ("disable", "require"):

            def connect(mode: str = mode) -> Any:
                return psycopg.connect(
                    host="127.0.0.1", port=port, user="bench", password=PASSWORD, dbname="postgres",
                    autocommit=True, sslmode=mode,
                )  # fmt: skip

            def select1(conn: Any) -> None:
                conn.execute("SELECT 1").fetchall()

            figures[f"PostgreSQL ssl {mode}"] = measure(connect, select1, seconds)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        os.chmod(work, 0o755)
        figures = quietus_figures(args.seconds, work)
        if not args.no_postgres:
            try:
                figures |= postgres_figures(args.seconds, work / "pg")
            except (ImportError, RuntimeError, OSError) as exc:
                print(f"note: PostgreSQL skipped: {exc}")
    print(f"{'':24} {'logins/s':>9} {'SELECT 1 p50 ms':>16} {'p99 ms':>8} {'SELECT 1/s':>11}")
    for name, f in figures.items():
        print(
            f"{name:24} {f['logins_per_s']:9.1f} {f['p50_ms']:16.3f} {f['p99_ms']:8.3f} {f['select1_per_s']:11.0f}"
        )


if __name__ == "__main__":
    main()
