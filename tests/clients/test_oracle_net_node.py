"""node-oracledb (npm ``oracledb``, thin mode) against a real Quietus server over Oracle Net: connect, binds, query,
cancel, call timeout, close.

The driver is installed by scripts/bootstrap.sh (``./test``) into the gitignored ``.node`` directory; without it
(or without node) the test is skipped.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clients.oracle_long_call import LONG_QUERY, create_spin_table
from tests.clients.server_harness import PASSWORD, RunningServer, running_server

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / ".node" / "node_modules"

SCRIPT = r"""
const [CREATE, LONG_QUERY] = JSON.parse(process.argv[4]);
const oracledb = require("oracledb");
(async () => {
  const [port, password] = process.argv.slice(2);
  const out = {};
  let conn = await oracledb.getConnection({user: "sa", password, connectString: `127.0.0.1:${port}/master`});
  out.thin = oracledb.thin;
  await conn.execute(CREATE);
  await conn.execute("INSERT INTO node_t VALUES (:1, :2)", [1, "one"]);
  await conn.execute("INSERT INTO node_t VALUES (:id, :name)", {id: 2, name: "two"});
  await conn.execute("INSERT INTO node_t VALUES (:1, :2)", [3, "x".repeat(30000)]);  // several packets
  await conn.commit();
  out.long = (await conn.execute("SELECT name FROM node_t WHERE id = 3")).rows[0][0].length;
  await conn.execute("DELETE FROM node_t WHERE id = 3");
  await conn.commit();
  const result = await conn.execute("SELECT id, name FROM node_t ORDER BY id");
  out.rows = result.rows;
  out.columns = result.metaData.map(c => c.name);
  await conn.ping();
  // cancel: an in-band INTERRUPT marker; the call gets ORA-01013 and the connection lives on
  const running = conn.execute(LONG_QUERY).catch(e => e);
  await new Promise(resolve => setTimeout(resolve, 300));
  await conn.breakExecution();
  out.cancelled = (await running).errorNum;
  conn.callTimeout = 300;
  try { await conn.execute(LONG_QUERY); } catch (e) { out.timeout = e.code; }
  conn.callTimeout = 0;
  out.after = (await conn.execute("SELECT name FROM node_t WHERE id = :1", [2])).rows;
  await conn.close();
  try {
    await oracledb.getConnection({user: "sa", password: "wrong", connectString: `127.0.0.1:${port}/master`});
  } catch (e) {
    out.wrong = e.errorNum;
  }
  console.log(JSON.stringify(out));
})().catch(e => { console.error(e); process.exit(1); });
"""


CREATE = "CREATE TABLE node_t (id NUMBER(10) PRIMARY KEY, name CLOB)"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("oracle-node") / "data", oracle=True) as running:
        import oracledb

        dsn = f"127.0.0.1:{running.oracle_port}/master"
        with oracledb.connect(user="sa", password=PASSWORD, dsn=dsn) as conn, conn.cursor() as cur:
            create_spin_table(cur)
        yield running


def run_node(source: str, tmp_path: Path, *args: str) -> Any:
    """Run a node-oracledb script (its arguments after the script's path) and return the JSON it printed."""
    node = shutil.which("node")
    if node is None or not (NODE_MODULES / "oracledb").is_dir():
        pytest.skip("node or npm oracledb is not installed (scripts/bootstrap.sh installs it into .node)")
    script = tmp_path / "client.js"
    script.write_text(source, encoding="utf-8")
    done = subprocess.run(
        [node, str(script), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"NODE_PATH": str(NODE_MODULES), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_node_oracledb_connects_queries_and_closes(server: RunningServer, tmp_path: Path) -> None:
    out = run_node(SCRIPT, tmp_path, str(server.oracle_port), PASSWORD, json.dumps([CREATE, LONG_QUERY]))
    assert out["thin"] is True
    assert out["rows"] == [[1, "one"], [2, "two"]]
    assert out["columns"] == ["ID", "NAME"]
    assert out["wrong"] == 1017
    assert out["long"] == 30000
    assert out["cancelled"] == 1013
    assert out["timeout"] == "NJS-123"
    assert out["after"] == [["two"]]
