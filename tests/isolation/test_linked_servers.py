"""Linked servers: sp_addlinkedserver / sp_addlinkedsrvlogin / sp_dropserver kept in master across a restart,
sys.servers and sys.linked_logins, the procedures' refusals, and four-part names that are never resolved locally."""

from __future__ import annotations

import asyncio
import datetime
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from quietus.admin.server_key import KEY_DIR, KEY_FILE, PREFIX, ServerKey
from quietus.engine.scheduler import Task
from quietus.server.linked import Decision
from tests.harness import Scenario, ScenarioSession, scenario
from tests.isolation.test_distributed_transactions import errors, prepare_and_leave, restart
from tests.isolation.test_kill_statement import login_session, on_engine

ADD = "EXEC sp_addlinkedserver @server = N'Q2', @srvproduct = N'', @provider = N'QUIETUS', @datasrc = N'127.0.0.1,1'"
LOGIN = "EXEC sp_addlinkedsrvlogin N'Q2', 'FALSE', NULL, N'remote_user', N'S3cret!pw'"
SERVERS = "SELECT server_id, name, provider, data_source, is_linked FROM sys.servers WHERE is_linked = 1"
LOGINS = "SELECT server_id, local_principal_id, uses_self_credential, remote_name FROM sys.linked_logins"


@pytest.fixture
def sc(tmp_path: Path) -> Iterator[Scenario]:
    with scenario(tmp_path) as running:
        running.session("setup").run("CREATE TABLE t (id INT PRIMARY KEY)")
        yield running


def test_a_linked_server_and_its_login_survive_a_restart_and_the_password_is_never_shown(sc: Scenario) -> None:
    s = sc.session("dba")
    s.run(ADD)
    s.run(LOGIN)
    assert s.rows(SERVERS) == [(1, "Q2", "QUIETUS", "127.0.0.1,1", True)]
    restart(sc)
    s = sc.session("again")
    assert s.rows(SERVERS) == [(1, "Q2", "QUIETUS", "127.0.0.1,1", True)]
    assert s.rows(LOGINS) == [(1, 0, False, "remote_user")]
    assert s.rows("SELECT name FROM sys.servers WHERE server_id = 0") == [(s.value("SELECT @@SERVERNAME"),)]
    everything = repr(s.rows("SELECT * FROM sys.servers")) + repr(s.rows("SELECT * FROM sys.linked_logins"))
    assert "S3cret" not in everything
    s.run("EXEC sp_dropserver 'q2'")
    restart(sc)
    assert sc.session("third").rows(SERVERS) == []


def test_the_procedures_refuse_what_sql_server_refuses(sc: Scenario) -> None:
    s = sc.session("dba")
    s.run(ADD)
    assert [n for n, _ in errors(s, ADD)] == [15028]
    assert [n for n, _ in errors(s, "EXEC sp_addlinkedserver 'Q3', '', 'MSDASQL', 'x'")] == [7403]
    assert [n for n, _ in errors(s, "EXEC sp_addlinkedsrvlogin 'nowhere', 'TRUE'")] == [15015]
    assert [n for n, _ in errors(s, "EXEC sp_dropserver 'nowhere'")] == [15015]
    assert [n for n, _ in errors(s, "EXEC sp_addlinkedsrvlogin 'Q2', 'TRUE', 'sa'")] == [50130]
    assert [n for n, _ in errors(s, "BEGIN TRAN; EXEC sp_addlinkedserver 'Q4', 'SQL Server'")] == [15002]
    s.run("ROLLBACK")
    s.run("EXEC sp_addlinkedserver 'Q5', 'SQL Server'")  # the SQL Server product: provider implied, datasrc = name
    assert s.rows("SELECT name, data_source FROM sys.servers WHERE name = 'Q5'") == [("Q5", "Q5")]


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM {}.master.dbo.t",
        "INSERT INTO {}.master.dbo.t VALUES (5)",
        "UPDATE {}.master.dbo.t SET id = 6",
        "DELETE FROM {}.master.dbo.t",
    ],
)
def test_a_four_part_name_is_never_resolved_locally(sc: Scenario, statement: str) -> None:
    s = sc.session("dba")
    s.run("INSERT INTO t VALUES (1)")
    assert [n for n, _ in errors(s, statement.format("nowhere"))] == [7202]
    s.run(ADD)
    found = errors(s, statement.format("Q2"))  # it goes to Q2, which has no login mapping for it (as SQL Server)
    assert [n for n, _ in found] == [7416]
    assert s.rows("SELECT id FROM t") == [(1,)]  # the local t is untouched


def test_remote_dml_that_also_reads_a_local_table_is_refused_whole(sc: Scenario) -> None:
    s = sc.session("dba")
    s.run("INSERT INTO t VALUES (1)")
    s.run(ADD)
    found = errors(s, "INSERT INTO Q2.master.dbo.t SELECT id FROM t")
    assert [n for n, _ in found] == [50131] and "Q2" in found[0][1]
    assert [n for n, _ in errors(s, "INSERT INTO nowhere.master.dbo.t SELECT id FROM t")] == [7202]


SECRET = "Zebra-Quartz-8817-pw"  # distinctive, so a match in a file can only be the password


def files_holding(directory: Path, text: str) -> list[str]:
    """Every file under ``directory`` whose bytes hold ``text`` in UTF-8 or UTF-16 (log, checkpoints, tables)."""
    needles = (text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be"))
    return sorted(
        str(path.relative_to(directory))
        for path in directory.rglob("*")
        if path.is_file() and any(needle in path.read_bytes() for needle in needles)
    )


def stored_password(s: ScenarioSession) -> tuple[str | None, str | None]:
    """(the stored rmtpassword, the password it opens to) of linked server Q2, read on the engine."""
    catalog = s.connection.instance.env.services["linked_servers"]
    server = on_engine(s, lambda: catalog.find("Q2"))
    return server.stored_password, server.remote_password


def test_the_remote_password_is_in_no_file_of_the_data_directory(sc: Scenario) -> None:
    s = sc.session("dba")
    s.run(ADD)
    s.run(f"EXEC sp_addlinkedsrvlogin N'Q2', 'FALSE', NULL, N'remote_user', N'{SECRET}'")
    s.run("CHECKPOINT")  # the table's rows in a checkpoint file too
    s.run(f"EXEC sp_addlinkedsrvlogin N'Q2', 'FALSE', NULL, N'remote_user', N'{SECRET}2'")  # an update's log record
    stored, opened = stored_password(s)
    assert opened == f"{SECRET}2" and stored is not None and stored.startswith(PREFIX) and SECRET not in stored
    restart(sc)
    s = sc.session("again")
    assert stored_password(s)[1] == f"{SECRET}2"  # opened with the key file after a restart
    data = Path(str(sc.database))
    assert files_holding(data, SECRET) == []
    key = data / KEY_DIR / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    assert files_holding(data, key.read_bytes().hex()) == []


def test_a_password_stored_in_plain_text_before_keeps_working_and_is_sealed_at_the_next_start(
    sc: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ServerKey, "seal", lambda _self, text, _purpose: text)  # what earlier versions stored
    s = sc.session("dba")
    s.run(ADD)
    s.run(f"EXEC sp_addlinkedsrvlogin N'Q2', 'FALSE', NULL, N'remote_user', N'{SECRET}'")
    assert stored_password(s) == (SECRET, SECRET)
    data = Path(str(sc.database))
    assert files_holding(data, SECRET) != []  # the scan finds a plain password when there is one
    restart(sc)
    monkeypatch.undo()
    s = sc.session("again")
    stored, opened = stored_password(s)
    assert opened == SECRET and stored is not None and stored.startswith(PREFIX)
    s.run("CHECKPOINT")
    restart(sc)
    assert stored_password(sc.session("third")) == (stored, SECRET)


def test_a_key_file_that_does_not_open_the_password_is_15466_when_it_is_used(sc: Scenario) -> None:
    s = sc.session("dba")
    s.run(ADD)
    s.run(f"EXEC sp_addlinkedsrvlogin N'Q2', 'FALSE', NULL, N'remote_user', N'{SECRET}'")
    restart(sc)
    (Path(str(sc.database)) / KEY_DIR / KEY_FILE).write_bytes(bytes(32))  # another key
    s = sc.session("again")  # the server starts; the linked server is still listed
    assert s.rows(SERVERS) == [(1, "Q2", "QUIETUS", "127.0.0.1,1", True)]
    assert [n for n, _ in errors(s, "EXEC ('SELECT 1') AT Q2")] == [15466]


def test_alter_any_linked_server_and_alter_any_login_are_what_the_procedures_need(sc: Scenario) -> None:
    """SQL Server's permissions: sp_addlinkedserver and sp_dropserver need ALTER ANY LINKED SERVER (setupadmin has
    it), sp_addlinkedsrvlogin needs ALTER ANY LOGIN (securityadmin has it); CONTROL SERVER covers both; 15247."""
    setup = sc.session("setup")
    for login in ("linker", "mapper", "setup_member", "nobody"):
        setup.run(f"CREATE LOGIN {login} WITH PASSWORD = 'pw'")
    setup.run("GRANT ALTER ANY LINKED SERVER TO linker; GRANT ALTER ANY LOGIN TO mapper")
    setup.run("ALTER SERVER ROLE setupadmin ADD MEMBER setup_member")
    nobody, linker = login_session(sc, "nobody"), login_session(sc, "linker")
    mapper, member = login_session(sc, "mapper"), login_session(sc, "setup_member")
    for procedure in (ADD, LOGIN, "EXEC sp_dropserver 'Q2'"):
        assert [n for n, _ in errors(nobody, procedure)] == [15247]
    linker.run(ADD)
    assert [n for n, _ in errors(linker, LOGIN)] == [15247]  # mapping a login is ALTER ANY LOGIN's
    assert [n for n, _ in errors(mapper, "EXEC sp_addlinkedserver 'Q3', 'SQL Server'")] == [15247]
    mapper.run(LOGIN)
    assert nobody.rows(LOGINS) == [(1, 0, False, "remote_user")]
    linker.run("EXEC sp_dropserver 'Q2'")
    member.run(ADD)  # setupadmin adds and removes linked servers
    assert linker.value("SELECT HAS_PERMS_BY_NAME(NULL, NULL, 'ALTER ANY LINKED SERVER')") == 1
    assert nobody.value("SELECT HAS_PERMS_BY_NAME(NULL, NULL, 'ALTER ANY LINKED SERVER')") == 0
    assert setup.rows(
        "SELECT type, permission_name, state FROM sys.server_permissions WHERE permission_name LIKE '%LINKED%'"
    ) == [("ALLS", "ALTER ANY LINKED SERVER", "G")]
    setup.run("DENY ALTER ANY LINKED SERVER TO linker")
    assert [n for n, _ in errors(linker, "EXEC sp_dropserver 'Q2'")] == [15247]
    setup.run("REVOKE ALTER ANY LINKED SERVER FROM linker")
    assert [n for n, _ in errors(linker, "EXEC sp_dropserver 'Q2'")] == [15247]
    member.run("EXEC sp_dropserver 'Q2'")
    assert setup.rows(SERVERS) == []


@pytest.mark.parametrize(("outcome", "expected"), [("C", [(1,), (42,)]), ("A", [(1,)])], ids=["commit", "abort"])
def test_a_coordinators_own_part_left_in_doubt_by_an_earlier_version_is_decided_by_its_log_at_start(
    sc: Scenario, outcome: str, expected: list[tuple[int]]
) -> None:
    """Before the decision and the local work were one commit record, a crash between the two left the
    coordinator's part prepared with its decision logged: at the next start the coordinator decides it as logged
    (a prepared part without a decision row is another coordinator's and stays in doubt: other tests)."""
    sc.session("setup").run("INSERT INTO t VALUES (1)")
    uow = prepare_and_leave(sc, "INSERT INTO t VALUES (42)")  # the old order: local prepare first ...
    s = sc.session("dba")
    coordinator = s.connection.instance.env.services["dtc"]

    async def log_the_decision() -> None:  # ... then the decision row, then the crash
        task = Task(asyncio.get_running_loop())
        await task.run(coordinator.log.write, task, Decision(uow, outcome, ["b"], [], datetime.datetime.now()), None)

    s.connection._engine.thread.call(log_the_decision())
    restart(sc)
    s = sc.session("again")
    assert s.rows("SELECT COUNT(*) FROM sys.dm_tran_units_of_work") == [(0,)]
    assert s.rows("SELECT id FROM t ORDER BY id") == expected
    word = "committed" if outcome == "C" else "rolled back"
    log = (Path(str(sc.database)) / "log" / "ERRORLOG").read_text()
    assert f"UOW {{{str(uow).upper()}}} coordinated here was in doubt at start-up; {word}" in log
