"""The activity monitor over real HTTPS (httpx, verifying the data directory's certificate) against a real server,
with real pytds sessions making the blocking chains it shows and the kill button ends."""

from __future__ import annotations

import contextlib
import datetime
import json
import re
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quietus.engine.scheduler import EngineThread
from quietus.server.app import Server
from quietus.server.config import ServerConfig
from tests.clients.server_harness import PASSWORD, WAIT_LIMIT, RunningServer, running_server
from tests.clients.test_kill_clients import background, query, running, spid
from tests.clients.test_server_clients import pytds_connect
from tests.isolation.test_kill_statement import RollbackGate, fill_big

httpx = pytest.importorskip("httpx")

LOW_LOGIN, LOW_PASSWORD = "monitor_low", "Low!Passw0rd"
PROCESS_LOGIN = "monitor_processadmin"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("monitor") / "data", monitor=True) as running_:
        with pytds_connect(running_, autocommit=True) as conn:
            query(conn, f"CREATE LOGIN {LOW_LOGIN} WITH PASSWORD = '{LOW_PASSWORD}'")
            query(conn, f"CREATE LOGIN {PROCESS_LOGIN} WITH PASSWORD = '{LOW_PASSWORD}'")
            query(conn, f"ALTER SERVER ROLE processadmin ADD MEMBER {PROCESS_LOGIN}")
            query(conn, "CREATE TABLE monitor_t (id int PRIMARY KEY, v int)")
            query(conn, "INSERT INTO monitor_t VALUES (1, 0), (2, 0)")
        yield running_


def client(server: RunningServer) -> Any:
    context = ssl.create_default_context(cafile=str(server.data_dir / "tls" / "quietus-tls.crt"))
    return httpx.Client(base_url=f"https://127.0.0.1:{server.monitor_port}", verify=context, timeout=WAIT_LIMIT)


def login_csrf(web: Any) -> str:
    page = web.get("/login")
    assert page.status_code == 200
    found = re.search(r"name=csrf value=([^>\s]+)", page.text)
    assert found is not None
    return found.group(1)


def log_in(web: Any, user: str = "sa", password: str = PASSWORD) -> Any:
    return web.post("/login", data={"csrf": login_csrf(web), "login": user, "password": password})


def page_csrf(web: Any) -> str:
    found = re.search(r'data-csrf="([^"]+)"', web.get("/").text)
    assert found is not None
    return found.group(1)


def state(web: Any, **params: Any) -> dict[str, Any]:
    answer = web.get("/api/state", params=params)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def metrics(web: Any) -> dict[str, float]:
    answer = web.get("/metrics")
    assert answer.status_code == 200
    values = {}
    for line in answer.text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def test_nothing_but_the_login_page_before_login(server: RunningServer) -> None:
    with client(server) as web:
        assert web.get("/").status_code == 303 and web.get("/").headers["location"] == "/login"
        for path in ("/api/state", "/events", "/kill/preview?session_id=51&serial=1", "/static/monitor.js"):
            assert web.get(path).status_code == 401, path
        assert web.post("/kill", data={"session_id": "51", "serial": "1"}).status_code == 401
        assert web.get("/static/monitor.css").status_code == 200


def test_a_failed_login_is_refused_and_logged_as_tds_logs_it(server: RunningServer) -> None:
    with client(server) as web:
        answer = log_in(web, "sa", "wrong password")
        assert answer.status_code == 401 and "Login failed for user" in answer.text
        assert web.get("/").status_code == 303
    log = server.errorlog_text()
    assert "Error: 18456, Severity: 14, State: 8." in log
    reason = "Password did not match that for the login provided."
    assert f"Login failed for user 'sa'. Reason: {reason} [CLIENT: 127.0.0.1]" in log


def test_a_login_sets_a_strict_http_only_cookie_and_shows_the_page(server: RunningServer) -> None:
    with client(server) as web:
        answer = log_in(web)
        assert answer.status_code == 303
        cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("quietus_monitor="))
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "secure", "samesite=strict", "path=/"} <= flags
        page = web.get("/")
        assert page.status_code == 200 and "Quietus monitor" in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
        own = [r for r in state(web)["sessions"]["rows"] if r["program"] == "Quietus monitor" and r["login"] == "sa"]
        assert own and own[0]["surface"] == "embedded"


def test_the_login_form_needs_its_csrf_token(server: RunningServer) -> None:
    with client(server) as web:
        login_csrf(web)
        for forged in ("forged", "fälscht"):  # not even a non-ASCII token may crash the comparison
            answer = web.post("/login", data={"csrf": forged, "login": "sa", "password": PASSWORD})
            assert answer.status_code == 403
        assert web.get("/").status_code == 303


def test_repeated_failures_from_one_address_are_throttled(tmp_path: Any) -> None:
    with running_server(tmp_path / "data", monitor=True) as fresh, client(fresh) as web:
        for _ in range(5):
            assert log_in(web, "sa", "wrong").status_code == 401
        answer = log_in(web, "sa", PASSWORD)  # even the right password waits for the window
        assert answer.status_code == 429 and int(answer.headers["retry-after"]) > 0
        assert fresh.errorlog_text().count("Error: 18456") == 5


def test_a_state_changing_request_without_the_csrf_token_is_refused(server: RunningServer) -> None:
    with client(server) as web, pytds_connect(server, autocommit=True) as victim:
        log_in(web)
        victim_id = spid(victim)
        serial = server.on_engine(lambda: server.instance.registry.get(victim_id).serial)
        for headers in ({}, {"X-CSRF-Token": "forged"}):
            answer = web.post("/kill", data={"session_id": victim_id, "serial": serial}, headers=headers)
            assert answer.status_code == 403 and "CSRF" in answer.json()["message"]
        assert query(victim, "SELECT 1") == [(1,)]  # untouched
        assert web.post("/logout").status_code == 403


def test_a_login_without_view_server_state_sees_itself_and_no_kill_button(server: RunningServer) -> None:
    with client(server) as web, pytds_connect(server, autocommit=True) as other:
        other_id = spid(other)
        assert log_in(web, LOW_LOGIN, LOW_PASSWORD).status_code == 303
        rows = state(web)["sessions"]["rows"]
        assert [r["login"] for r in rows] == [LOW_LOGIN]
        page = web.get("/").text
        assert 'data-can-kill="0"' in page and "class=kill" not in page
        serial = server.on_engine(lambda: server.instance.registry.get(other_id).serial)
        forged = web.post(
            "/kill", data={"session_id": other_id, "serial": serial}, headers={"X-CSRF-Token": page_csrf(web)}
        )
        assert forged.status_code == 403 and forged.json()["number"] == 6102
        assert query(other, "SELECT 1") == [(1,)]


def test_bad_query_parameters_are_refused(server: RunningServer) -> None:
    with client(server) as web:
        log_in(web)
        assert web.get("/api/state", params={"sort": "password"}).status_code == 400
        assert web.get("/api/state", params={"limit": "0"}).status_code == 400
        assert web.get("/api/state", params={"colour": "red"}).status_code == 400


def test_a_blocking_chain_is_shown_and_killing_its_head_lets_the_waiter_proceed(server: RunningServer) -> None:
    head = pytds_connect(server, autocommit=False)
    waiter = pytds_connect(server, autocommit=True)
    try:
        head_id, waiter_id = spid(head), spid(waiter)
        query(head, "UPDATE monitor_t SET v = v + 1 WHERE id = 1")  # holds the row lock, then sleeps
        thread, outcome = background(lambda: query(waiter, "UPDATE monitor_t SET v = v + 10 WHERE id = 1"))
        server.wait_for(running(server, waiter_id, "LCK_M_"), "the waiter to block")
        head_serial = server.on_engine(lambda: server.instance.registry.get(head_id).serial)
        with client(server) as web:
            log_in(web, PROCESS_LOGIN, LOW_PASSWORD)  # processadmin: may see and kill
            moment = state(web)
            trees = [t for t in moment["blocking"] if t["session_id"] == head_id]
            assert trees, moment["blocking"]
            tree = trees[0]
            assert tree["is_head"] and tree["sleeping"] and tree["waiting_count"] == 1
            assert [w["session_id"] for w in tree["waiters"]] == [waiter_id]
            assert tree["waiters"][0]["wait_type"].startswith("LCK_M_")
            blocked = state(web, blocked=1)["sessions"]["rows"]
            assert [(r["session_id"], r["blocked_by"]) for r in blocked] == [(waiter_id, head_id)]
            assert f'data-session="{head_id}" data-serial="{head_serial}"' in web.get("/").text

            head_locks = web.get("/api/locks", params={"session_id": head_id}).json()["locks"]
            assert {"KEY", "X", "GRANT"} <= {v for lock in head_locks for v in lock.values()}, head_locks
            waiter_locks = web.get("/api/locks", params={"session_id": waiter_id}).json()["locks"]
            assert [lock["resource_type"] for lock in waiter_locks if lock["request_status"] == "WAIT"] == ["KEY"]

            preview = web.get("/kill/preview", params={"session_id": head_id, "serial": head_serial}).json()
            assert preview["rows_to_undo"] >= 1 and preview["waiting_directly"] == [waiter_id]

            csrf = {"X-CSRF-Token": page_csrf(web)}
            stale = web.post("/kill", data={"session_id": head_id, "serial": head_serial + 1}, headers=csrf)
            assert stale.status_code == 409 and stale.json()["number"] == 6106 and not stale.json()["killed"]
            assert server.on_engine(lambda: server.instance.registry.get(head_id).kill_reason) is None

            killed = web.post("/kill", data={"session_id": head_id, "serial": head_serial}, headers=csrf)
            assert killed.status_code == 200 and killed.json()["killed"], killed.text
            thread.join(WAIT_LIMIT)
            assert outcome == [[]], outcome  # the waiter's UPDATE completed
            history = state(web)["history"]
            assert history[0]["victim_session_id"] == head_id and history[0]["victim_serial"] == head_serial
            assert history[0]["killer_login_name"] == PROCESS_LOGIN
        assert f"(login '{PROCESS_LOGIN}'" in server.errorlog_text()
    finally:
        waiter.close()
        with contextlib.suppress(Exception):  # killed: its connection is gone
            head.close()


def test_server_sent_events_deliver_updates(server: RunningServer) -> None:
    with client(server) as web:
        log_in(web)
        events = 0
        seen_new = False
        newcomer = None
        with web.stream("GET", "/events", params={"q": "monitor-sse-probe"}) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            for line in stream.iter_lines():
                if not line.startswith("data: "):
                    continue
                events += 1
                rows = json.loads(line[6:])["sessions"]["rows"]
                if events == 1:
                    assert rows == []
                    newcomer = pytds_connect(server, autocommit=True, appname="monitor-sse-probe")
                elif rows:
                    seen_new = [r["program"] for r in rows] == ["monitor-sse-probe"]
                    break
                assert events < WAIT_LIMIT * 2, "no update arrived"
        assert newcomer is not None
        newcomer.close()
        assert seen_new and events >= 2


def test_metrics_match_the_views(server: RunningServer) -> None:
    head = pytds_connect(server, autocommit=False)
    waiter = pytds_connect(server, autocommit=True)
    try:
        query(head, "UPDATE monitor_t SET v = v + 1 WHERE id = 2")
        waiter_id = spid(waiter)
        thread, outcome = background(lambda: query(waiter, "UPDATE monitor_t SET v = v + 10 WHERE id = 2"))
        server.wait_for(running(server, waiter_id, "LCK_M_"), "the waiter to block")
        with client(server) as web, pytds_connect(server, autocommit=True) as observer:
            values = metrics(web)  # from the loopback: no login needed
            sessions = query(observer, "SELECT COUNT(*) FROM sys.dm_exec_sessions WHERE is_user_process = 1")[0][0]
            blocked = query(observer, "SELECT COUNT(*) FROM sys.dm_exec_requests WHERE blocking_session_id <> 0")
            heads = query(observer, "SELECT COUNT(*) FROM sys.dm_exec_blocking_chains WHERE is_head = 1")
            kills = query(observer, "SELECT COUNT(*) FROM sys.dm_exec_kill_history")[0][0]
            counted = sum(v for k, v in values.items() if k.startswith("quietus_sessions{"))
            assert counted == sessions
            assert values["quietus_blocked_sessions"] == blocked[0][0] == 1
            assert values["quietus_blocking_heads"] == heads[0][0] == 1
            assert values["quietus_lock_waits"] == 1 and values["quietus_longest_block_seconds"] >= 0
            assert sum(v for k, v in values.items() if k.startswith("quietus_kill_history{")) == kills
        head.rollback()
        thread.join(WAIT_LIMIT)
        assert outcome == [[]]
    finally:
        waiter.close()
        head.close()


def test_a_rollback_in_progress_shows_its_progress(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = RollbackGate(monkeypatch, after=1000)
    with pytds_connect(server, autocommit=True) as dba, pytds_connect(server, autocommit=True) as victim:
        dba.cursor().execute("ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = OFF")
        fill_big(dba.cursor())
        victim_id = spid(victim)
        gate.session_id = victim_id
        victim.cursor().execute("BEGIN TRAN; UPDATE big SET v = 1")
        dba.cursor().execute(f"KILL {victim_id}")
        server.wait_for(lambda: gate.holding, "the rollback to reach the gate")
        try:
            with client(server) as web:
                log_in(web)
                (rollback,) = [r for r in state(web)["rollbacks"] if r["session_id"] == victim_id]
                assert rollback["command"] == "KILLED/ROLLBACK"
                assert 0 < rollback["percent"] < 100 and rollback["remaining_ms"] > 0
                assert 0 < rollback["rows_done"] < rollback["rows_total"]
                assert "<progress max=100" in web.get("/").text
                values = metrics(web)
                assert values["quietus_rollbacks_in_progress"] == 1
                assert values["quietus_rollback_rows_pending"] == rollback["rows_total"] - rollback["rows_done"]
                assert "estimate" in web.get("/").text
                before = state(web)["estimator"]
        finally:
            server.on_engine(gate.open)
        server.wait_for(lambda: server.instance.registry.get(victim_id) is None, "the victim to end")
        server.wait_for(
            lambda: any(r.result.rows_undone for r in server.instance.env.services["kills"]), "the rollback's record"
        )
        with client(server) as web:
            log_in(web)
            after = state(web)["estimator"]  # the finished rollback's estimates are now measured
        assert after["finished"] == before["finished"] + 1 and after["estimates"] > before["estimates"]
        assert isinstance(after["mean_error_percent"], float) and after["mean_error_percent"] >= 0
        dba.cursor().execute("DROP TABLE big; DROP TABLE d")


def test_killing_the_monitors_own_session_logs_the_browser_out(server: RunningServer) -> None:
    with client(server) as web, pytds_connect(server, autocommit=True) as dba:
        log_in(web)
        own = int(re.search(r'data-own="(\d+)"', web.get("/").text).group(1))  # type: ignore[union-attr]
        query(dba, f"KILL {own}")
        server.wait_for(lambda: server.instance.registry.get(own) is None, "the monitor's session to end")
        assert web.get("/").status_code == 303
        assert web.get("/api/state").status_code == 401


def test_a_monitor_port_in_use_leaves_the_server_running_without_it(tmp_path: Any) -> None:
    with running_server(tmp_path / "first", monitor=True) as first:
        taken = first.monitor_port
        thread = EngineThread("quietus-test-second")
        config = ServerConfig(
            port=0, oracle_port=0, monitor_port=taken, data_dir=tmp_path / "second", sa_password=PASSWORD
        )
        second = Server(config)
        thread.call(second.start())
        try:
            assert second.monitor_address is None

            async def log_text() -> str:
                return "\n".join(e.text for e in second.instance.errorlog.read(0))

            assert f"The activity monitor cannot listen on 127.0.0.1:{taken}" in thread.call(log_text())
            with pytds_connect(first, port=second.address[1], autocommit=True) as conn:
                assert query(conn, "SELECT 1") == [(1,)]
        finally:
            thread.call(second.stop())
            thread.stop()


def test_the_grafana_dashboard_reads_only_metrics_the_server_exports(server: RunningServer) -> None:
    dashboard = Path(__file__).resolve().parents[2] / "docs" / "grafana" / "quietus-monitor.json"
    wanted = set(re.findall(r"quietus_[a-z_]+", dashboard.read_text(encoding="utf-8")))
    with client(server) as web:
        exported = set(re.findall(r"^# TYPE (quietus_[a-z_]+)", web.get("/metrics").text, re.MULTILINE))
    exported |= {f"{name}_total" for name in exported}  # a counter's samples carry _total
    assert wanted and wanted <= exported, wanted - exported


def test_kill_many_kills_exactly_the_previewed_sessions(server: RunningServer) -> None:
    batch = [pytds_connect(server, autocommit=True, appname="monitor-batch-job") for _ in range(3)]
    late = None
    try:
        ids = sorted(spid(conn) for conn in batch)
        with client(server) as web:
            log_in(web, PROCESS_LOGIN, LOW_PASSWORD)
            preview = web.get("/kill/many/preview", params={"q": "monitor-batch-job"})
            assert preview.status_code == 200
            targets = preview.json()["targets"]
            assert sorted(t["session_id"] for t in targets) == ids
            late = pytds_connect(server, autocommit=True, appname="monitor-batch-job")  # matches, not previewed
            csrf = {"X-CSRF-Token": page_csrf(web)}
            chosen = ",".join(f"{t['session_id']}:{t['serial']}" for t in targets)
            assert web.post("/kill/many", data={"targets": chosen}).status_code == 403  # no CSRF token
            answer = web.post("/kill/many", data={"targets": chosen}, headers=csrf).json()
            assert answer["killed"] == 3 and all(result["killed"] for result in answer["results"])
            for session_id in ids:
                server.wait_for(lambda session_id=session_id: server.instance.registry.get(session_id) is None, "end")
            assert query(late, "SELECT 1") == [(1,)]  # matched the filter only after the preview: untouched
            again = web.post("/kill/many", data={"targets": chosen}, headers=csrf).json()
            assert again["killed"] == 0 and {r["number"] for r in again["results"]} <= {6106}
            assert web.post("/kill/many", data={"targets": "51"}, headers=csrf).status_code == 400
        with client(server) as low:
            log_in(low, LOW_LOGIN, LOW_PASSWORD)
            assert low.get("/kill/many/preview").status_code == 403
    finally:
        for conn in [*batch, late]:
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()


def test_logging_out_closes_the_monitors_session(server: RunningServer) -> None:
    with client(server) as web:
        log_in(web)
        own = int(re.search(r'data-own="(\d+)"', web.get("/").text).group(1))  # type: ignore[union-attr]
        assert server.on_engine(lambda: server.instance.registry.get(own)) is not None
        answer = web.post("/logout", data={"csrf": page_csrf(web)})
        assert answer.status_code == 303 and answer.headers["location"] == "/login"
        assert server.on_engine(lambda: server.instance.registry.get(own)) is None
        assert web.get("/api/state").status_code == 401


def test_a_monitor_request_counts_as_a_request_of_its_session(server: RunningServer) -> None:
    """So an open page is never idle for idle_session_timeout, and dm_exec_sessions shows when it last read."""
    with client(server) as web:
        log_in(web)
        own = int(re.search(r'data-own="(\d+)"', web.get("/").text).group(1))  # type: ignore[union-attr]

        def last_end() -> Any:
            return server.on_engine(lambda: server.instance.registry.get(own).last_request_end_time)

        before = last_end()
        server.wait_for(lambda: datetime.datetime.now() > before, "the clock to move")
        web.get("/api/state")
        assert last_end() > before


def test_an_oracle_net_session_is_shown_and_killed_the_oracle_way(tmp_path: Path) -> None:
    oracledb = pytest.importorskip("oracledb")
    with running_server(tmp_path / "data", oracle=True, monitor=True) as both, client(both) as web:
        conn = oracledb.connect(user="sa", password=PASSWORD, dsn=f"127.0.0.1:{both.oracle_port}/master")
        try:
            session_id = conn.session_id
            log_in(web)
            (row,) = [r for r in state(web)["sessions"]["rows"] if r["session_id"] == session_id]
            assert row["surface"] == "Oracle Net"
            assert [r["session_id"] for r in state(web, surface="Oracle Net")["sessions"]["rows"]] == [session_id]
            killed = web.post(
                "/kill",
                data={"session_id": session_id, "serial": row["serial"]},
                headers={"X-CSRF-Token": page_csrf(web)},
            )
            assert killed.json()["killed"]
            with pytest.raises(oracledb.DatabaseError) as caught:  # an idle Oracle client learns on its next call
                conn.ping()
            assert caught.value.args[0].code == 28
        finally:
            with contextlib.suppress(Exception):
                conn.close()


def test_failed_logins_are_counted_on_every_surface_once(server: RunningServer) -> None:
    with client(server) as web:
        before = metrics(web)["quietus_failed_logins_total"]
        with pytest.raises(Exception):  # noqa: B017 (pytds raises its own LoginError)
            pytds_connect(server, password="not the password")
        assert metrics(web)["quietus_failed_logins_total"] == before + 1
        assert log_in(web, "sa", "not the password either").status_code == 401
        assert metrics(web)["quietus_failed_logins_total"] == before + 2


def test_engine_counters_in_metrics(server: RunningServer) -> None:
    """Commits, deadlocks and the log's flush latency come from the engine's own counters and move with them."""
    with client(server) as web, pytds_connect(server, autocommit=True) as first:
        before = metrics(web)
        query(
            first, "CREATE TABLE metrics_dl (id INT PRIMARY KEY, v INT); INSERT INTO metrics_dl VALUES (1, 0), (2, 0)"
        )
        second = pytds_connect(server, autocommit=False)
        other = pytds_connect(server, autocommit=False)
        try:
            second_id, other_id = spid(second), spid(other)
            query(second, "UPDATE metrics_dl SET v = 1 WHERE id = 1")
            query(other, "UPDATE metrics_dl SET v = 1 WHERE id = 2")
            one = background(lambda: query(second, "UPDATE metrics_dl SET v = 2 WHERE id = 2"))
            server.wait_for(running(server, second_id, "LCK_M_"), "the first to wait")
            two = background(lambda: query(other, "UPDATE metrics_dl SET v = 2 WHERE id = 1"))  # closes the cycle
            for thread, _ in (one, two):
                thread.join(WAIT_LIMIT)
            outcomes = one[1] + two[1]
            assert sum(isinstance(o, Exception) and "deadlock" in str(o) for o in outcomes) == 1, outcomes
            survivor = second if not isinstance(one[1][0], Exception) else other
            survivor.commit()
            assert other_id != second_id
        finally:
            other.close()
            second.close()
        after = metrics(web)
    assert after["quietus_deadlocks_total"] == before["quietus_deadlocks_total"] + 1
    assert after["quietus_commits_total"] >= before["quietus_commits_total"] + 2  # the CREATE+INSERT, the survivor
    assert after["quietus_log_flush_seconds_count"] > before["quietus_log_flush_seconds_count"]
    assert after['quietus_log_flush_seconds_bucket{le="+Inf"}'] == after["quietus_log_flush_seconds_count"]
