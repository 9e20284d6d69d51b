"""TLS settings against real clients: drivers with their defaults, force_encryption, TLS turned off, and the
certificate (self-signed once per data directory, or configured)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from quietus.protocol.tds.packets import PacketType, encode_message
from quietus.protocol.tds.prelogin import Encryption, encode_prelogin_request, parse_prelogin
from quietus.server.tls import CERTIFICATE_FILE, self_signed_certificate
from tests.clients.server_harness import PASSWORD, RawClient, RunningServer, running_server

ENCRYPT_OPTION = "SELECT encrypt_option FROM sys.dm_exec_connections WHERE session_id = @@SPID"


def pymssql_option(server: RunningServer, **kwargs: Any) -> str:
    pymssql = pytest.importorskip("pymssql", reason="pymssql is not installed")
    conn = pymssql.connect(
        server="127.0.0.1", port=str(server.port), user="sa", password=PASSWORD, login_timeout=10, **kwargs
    )
    try:
        cur = conn.cursor()
        cur.execute(ENCRYPT_OPTION)
        value: str = cur.fetchone()[0]
        cur.execute("SELECT 6 * 7")  # after a login-only TLS handshake the connection goes on in cleartext
        assert cur.fetchone()[0] == 42
        return value
    finally:
        conn.close()


def pyodbc_connect(server: RunningServer, extra: str = "") -> Any:
    pyodbc = pytest.importorskip("pyodbc", reason="pyodbc is not installed")
    if "FreeTDS" not in pyodbc.drivers():
        pytest.skip("the FreeTDS ODBC driver (tdsodbc) is not installed")
    dsn = f"DRIVER={{FreeTDS}};SERVER=127.0.0.1;PORT={server.port};UID=sa;PWD={PASSWORD};{extra}"
    return pyodbc.connect(dsn, timeout=10, autocommit=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with running_server(tmp_path_factory.mktemp("tls") / "data") as running:
        yield running


def test_drivers_with_their_defaults_connect_and_encrypt_as_they_asked(server: RunningServer) -> None:
    pytds = pytest.importorskip("pytds", reason="python-tds is not installed")
    # pytds without cafile says NOT_SUP: nothing is encrypted
    with pytds.connect("127.0.0.1", port=server.port, user="sa", password=PASSWORD) as conn, conn.cursor() as cur:
        cur.execute(ENCRYPT_OPTION)
        assert cur.fetchone()[0] == "FALSE"
    # FreeTDS's default ("request") says OFF: only the LOGIN7 goes over TLS, as SQL Server does it
    assert pymssql_option(server) == "FALSE"
    with pyodbc_connect(server) as conn:
        assert conn.execute(ENCRYPT_OPTION).fetchone()[0] == "FALSE"
    assert pymssql_option(server, encryption="require") == "TRUE"


def test_force_encryption_encrypts_or_refuses(tmp_path: Path) -> None:
    pytds = pytest.importorskip("pytds", reason="python-tds is not installed")
    with running_server(tmp_path / "data", force_encryption=True) as server:
        # FreeTDS told "encryption off" still sends NOT_SUP; the reply REQ makes it encrypt all the same
        assert pymssql_option(server, encryption="off") == "TRUE"
        # pytds cannot encrypt without a CA file: it refuses, in its own words, on the reply REQ
        with pytest.raises(pytds.Error, match="required by server"):
            pytds.connect("127.0.0.1", port=server.port, user="sa", password=PASSWORD, login_timeout=10)
        # a client that ignores REQ and logs in in cleartext is cut off, and the error log says why
        client = RawClient(server.port, timeout=5)
        try:
            client.send(encode_message(PacketType.PRELOGIN, encode_prelogin_request(encryption=Encryption.NOT_SUP)))
            while (reply := client.tds.next_prelogin_reply()) is None:
                client._read()
            assert reply.encryption == Encryption.REQ
            client.send(client.tds.login("sa", PASSWORD))
            assert client.closed_by_server()
        finally:
            client.close()
        assert "LOGIN7 arrived unencrypted" in server.errorlog_text()


def test_tls_turned_off_answers_not_sup(tmp_path: Path) -> None:
    pyodbc = pytest.importorskip("pyodbc", reason="pyodbc is not installed")
    with running_server(tmp_path / "data", tls=False) as server:
        with pytest.raises(pyodbc.Error):
            pyodbc_connect(server, "Encryption=require")  # the client wants TLS; the server has none
        with pyodbc_connect(server) as conn:
            assert conn.execute(ENCRYPT_OPTION).fetchone()[0] == "FALSE"
        client = RawClient(server.port, timeout=5)
        try:
            client.send(encode_message(PacketType.PRELOGIN, encode_prelogin_request(encryption=Encryption.ON)))
            data = client.sock.recv(4096)
            assert parse_prelogin(data[8:]).encryption == Encryption.NOT_SUP
        finally:
            client.close()
        assert not (tmp_path / "data" / "tls").exists()  # no certificate is made when TLS is off


def test_the_certificate_is_made_once_and_a_configured_one_replaces_it(tmp_path: Path) -> None:
    pytds = pytest.importorskip("pytds", reason="python-tds is not installed")
    pytest.importorskip("OpenSSL", reason="pytds encrypts with pyOpenSSL, which is not installed")
    data = tmp_path / "data"
    with running_server(data):
        made = (data / "tls" / CERTIFICATE_FILE).read_bytes()
    with running_server(data) as server:
        assert (data / "tls" / CERTIFICATE_FILE).read_bytes() == made  # reused: clients that trust it still do
    mine = self_signed_certificate(tmp_path / "mine")
    with running_server(data, tls_certificate=mine.certificate, tls_key=mine.key) as server:
        options = {"port": server.port, "user": "sa", "password": PASSWORD, "validate_host": False}
        with pytds.connect("127.0.0.1", cafile=str(mine.certificate), **options) as conn, conn.cursor() as cur:
            cur.execute(ENCRYPT_OPTION)
            assert cur.fetchone()[0] == "TRUE"
        # the data directory's own certificate is not the one served any more: verifying with it fails
        with pytest.raises(Exception, match=r"(?i)certificate|ssl"):
            pytds.connect("127.0.0.1", cafile=str(data / "tls" / CERTIFICATE_FILE), login_timeout=10, **options)
        assert "certificate" in server.errorlog_text() and str(mine.certificate) in server.errorlog_text()


def test_attention_and_large_values_over_tls(server: RunningServer) -> None:
    """An ATTENTION (client timeout) inside TLS cancels the WAITFOR and the connection goes on; values far larger than
    one TLS record (16 KB) cross both ways."""
    pytds = pytest.importorskip("pytds", reason="python-tds is not installed")
    pytest.importorskip("OpenSSL", reason="pytds encrypts with pyOpenSSL, which is not installed")
    cafile = str(server.data_dir / "tls" / CERTIFICATE_FILE)
    options = {"port": server.port, "user": "sa", "password": PASSWORD, "cafile": cafile, "validate_host": False}
    with pytds.connect("127.0.0.1", autocommit=True, timeout=1, **options) as conn, conn.cursor() as cur:
        with pytest.raises(TimeoutError):
            cur.execute("WAITFOR DELAY '00:00:30'")
        cur.execute("SELECT 42")
        assert cur.fetchall() == [(42,)]
    big = "Grüße " * 200_000 + "!"  # (LEN ignores trailing blanks, as in SQL Server)
    with pytds.connect("127.0.0.1", autocommit=True, **options) as conn, conn.cursor() as cur:
        cur.execute("SELECT %s, LEN(%s)", (big, big))
        assert cur.fetchone() == (big, len(big))
