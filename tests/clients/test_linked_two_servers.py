

def test_a_coordinator_session_that_disconnects_leaves_both_parts_to_session_minus_2(
    pair: tuple[RunningServer, RunningServer],
) -> None:
    a, b = pair
    conn = pytds_connect(a, autocommit=True)
    cur = conn.cursor()
    cur.execute("BEGIN DISTRIBUTED TRANSACTION")
    cur.execute("UPDATE acct SET balance = 1 WHERE id = 1")
    cur.execute("EXEC ('UPDATE acct SET balance = 1 WHERE id = 1') AT B")
    conn.close()
    for server in (a, b):
        server.wait_for(lambda s=server: orphaned(s), "the part to pass to session -2")
        assert run(server, "SELECT situation, state FROM sys.dm_tran_units_of_work") == [("orphaned", "active")]
    uows = {run(server, "SELECT uow FROM sys.dm_tran_units_of_work")[0][0] for server in (a, b)}
    assert len(uows) == 1  # one unit of work on both servers
    for server in (a, b):
        run(server, f"KILL '{uows.pop() if False else next(iter(uows))}'")
        assert balances(server) == [(1, 100), (2, 200)]


def orphaned(server: RunningServer) -> bool:
    active = server.instance.env.databases["master"].txns.active.values()
    return any(t.uow is not None and t.session_id == -2 for t in active)
