"""The server's own CPU per request, in process: a TDS connection on a fake transport, no sockets, no client.

    python -m bench.bench_request_cpu [--requests 2000] [--rounds 7] [--memory]

One ``TdsConnection`` of a real ``Instance`` is logged in (sa) and fed the bytes of a request with
``data_received``; its response goes to a transport that keeps nothing.  The figure is the thread's CPU time
(``time.thread_time``) per request, best and median of ``--rounds`` rounds of ``--requests`` requests: what the
server's Python costs per round trip -- codec, session, plan cache, executor, encoder -- without the network, the
loop's system calls or the client, and far steadier than a round trip on a loaded machine (another process taking
the CPU does not count).  Requests: ``SELECT 1`` as a SQL batch, and the point select of bench_server.py as
sp_executesql with one int parameter (pytds's and pyodbc's way); and both again after a ~2,000-character comment;
and a point UPDATE the same way (durable: the loop's part of its commit counts, the log's own thread does not;
``--memory`` runs every workload on an in-memory instance, where no commit waits).
Prints figures, asserts nothing (beyond each response having its one row).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_server import PASSWORD, POINT_SELECT, ROWS, SETUP
from quietus import compiled
from quietus.protocol.tds import RpcCall, RpcParameter
from quietus.protocol.tds.client import TdsClient
from quietus.protocol.tds.types import DEFAULT_COLLATION, TypeId, TypeInfo
from quietus.server.connection import TdsConnection
from quietus.server.instance import Instance
from quietus.server.listener import TdsListener


class _Transport:
    """What a connection needs of its transport; writes are collected until the benchmark drops them."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self._waiter: asyncio.Future[None] | None = None

    def write(self, data: bytes) -> None:
        self.written.append(bytes(data))
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def next_write(self) -> None:
        """Until the next write (a request that waited -- for the log's flush -- answers from the loop)."""
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 1433)}.get(name, default)

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


# What a long batch costs beyond a short one: the same statements after a comment of ~2,000 characters (a tool's
# batch, an ORM's generated text): what scans the text per request (masking, the text record) shows here.
LONG_COMMENT = "/* " + "a comment that makes this batch long " * 55 + "*/ "


def point_select(client: TdsClient, key: int, prefix: str = "", statement: str = POINT_SELECT) -> bytes:
    text = TypeInfo(TypeId.NVARCHAR, 8000, collation=DEFAULT_COLLATION)
    parameters = (
        RpcParameter("", prefix + statement, text),
        RpcParameter("", "@P1 int", text),
        RpcParameter("@P1", key, TypeInfo(TypeId.INTN, 4)),
    )
    return client.rpc([RpcCall(proc_id=10, parameters=parameters)])


POINT_UPDATE = "UPDATE accounts SET balance = balance + 1 WHERE id = @P1"


async def measure(requests: int, rounds: int, memory: bool) -> None:
    data_dir = None if memory else Path(tempfile.mkdtemp()) / "data"
    instance = Instance(data_dir, sa_password=PASSWORD, require_sa_password=True)
    await instance.start()
    try:
        connection = TdsConnection(TdsListener(instance))
        transport = _Transport()
        connection.connection_made(transport)  # type: ignore[arg-type]
        client = TdsClient()

        async def reply() -> Any:
            while True:
                for data in transport.written:
                    client.receive_data(data)
                transport.written.clear()
                answer = client.next_reply()
                if answer is not None:
                    return answer
                await asyncio.sleep(0.005)  # a login's password check runs in a worker thread

        connection.data_received(client.prelogin())  # answered at once
        for data in transport.written:
            client.receive_data(data)
        transport.written.clear()
        assert client.next_prelogin_reply() is not None
        connection.data_received(client.login("sa", PASSWORD))
        assert (await reply()).login_ack is not None, "login failed"
        connection.data_received(client.sql_batch(SETUP))
        assert not (await reply()).errors
        workloads = {
            "SELECT 1 (SQL batch)": [client.sql_batch("SELECT 1")] * 10,
            "point select (sp_executesql)": [point_select(client, key) for key in range(0, ROWS, ROWS // 10)],
            "SELECT 1, 2,000-char batch": [client.sql_batch(LONG_COMMENT + "SELECT 1")] * 10,
            "point select, 2,000-char text": [
                point_select(client, key, LONG_COMMENT) for key in range(0, ROWS, ROWS // 10)
            ],
            "point update (sp_executesql)": [
                point_select(client, key, statement=POINT_UPDATE) for key in range(0, ROWS, ROWS // 10)
            ],
        }
        for name, batch in workloads.items():
            for request in batch[:2]:  # warm: plan cache, text cache, column codecs
                connection.data_received(request)
                answer = await reply()
                assert not answer.errors and len(answer.rows) == (0 if "update" in name else 1), answer
            figures = []
            for _ in range(rounds):
                started = time.thread_time()
                for i in range(requests):
                    connection.data_received(batch[i % 10])
                    if not transport.written:  # it waits (a durable commit): its answer comes from the loop
                        await transport.next_write()
                    transport.written.clear()
                figures.append((time.thread_time() - started) / requests * 1e6)
                await asyncio.sleep(0)  # the loop's own work between rounds (timers, the log)
            print(
                f"{name:30} best {min(figures):6.1f} us, median {statistics.median(figures):6.1f} us of CPU a request"
            )
    finally:
        await instance.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--memory", action="store_true", help="an in-memory instance: no log, commits never wait")
    args = parser.parse_args()
    print(compiled.RUNNING.describe())  # which build of the codec these figures are for
    asyncio.run(measure(args.requests, args.rounds, args.memory))


if __name__ == "__main__":
    main()
