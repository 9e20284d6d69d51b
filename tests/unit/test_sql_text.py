"""SQL handles, statement offsets and the bounded text cache (quietus.sessions.sql_text)."""

from __future__ import annotations

from quietus.sessions.sql_text import RunningText, SqlTextCache, plan_handle, sql_handle


def test_handles_are_stable_distinct_and_laid_out_as_sql_servers() -> None:
    first, again, other = sql_handle("SELECT 1"), sql_handle("SELECT 1"), sql_handle("SELECT 2")
    assert first == again != other
    assert len(first) == 44 and first[:4] == b"\x02\x00\x00\x00" and first[24:] == bytes(20)
    plan = plan_handle("SELECT 1", "master")
    assert plan[:4] == b"\x06\x00\x00\x00" and len(plan) == 44
    assert plan == plan_handle("SELECT 1", "MASTER") != plan_handle("SELECT 1", "tempdb")


def test_the_cache_finds_a_text_by_either_handle_and_forgets_the_least_recently_used() -> None:
    cache = SqlTextCache(capacity=2)
    one = cache.remember("SELECT 1", "master")
    assert cache.lookup(one.sql_handle) is one and cache.lookup(one.plan_handle) is one
    cache.remember("SELECT 2", "master")
    cache.remember("SELECT 1", "master")  # used again: now the most recent
    cache.remember("SELECT 3", "master")  # pushes out SELECT 2
    assert cache.lookup(sql_handle("SELECT 2")) is None
    assert cache.lookup(plan_handle("SELECT 2", "master")) is None
    assert cache.lookup(one.sql_handle) is not None
    assert cache.lookup(b"\x02" + bytes(43)) is None


def _extract(text: str, start: int, end: int) -> str:
    """The classic DBA expression: SUBSTRING(text, start/2 + 1, ((end = -1 ? DATALENGTH : end) - start)/2 + 1),
    evaluated on UTF-16 code units."""
    units = text.encode("utf-16-le")
    stop = len(units) if end == -1 else end + 2
    return units[start:stop].decode("utf-16-le")


def test_offsets_are_utf16_byte_offsets_and_minus_one_at_the_end_of_the_batch() -> None:
    batch = "SELECT 'é𝄞';\nUPDATE t SET v = 1 WHERE id = 1;\nSELECT 2 ;  \n"
    running = RunningText(SqlTextCache().remember(batch, "master"), masked=False)
    update = "UPDATE t SET v = 1 WHERE id = 1"
    running.at(batch.index(update), len(update))
    assert running.start == len("SELECT 'é𝄞';\n".encode("utf-16-le"))  # the clef takes four bytes
    assert _extract(batch, running.start, running.end) == update
    running.at(batch.index("SELECT 2"), len("SELECT 2"))
    assert running.end == -1  # only ';' and blanks follow
    assert _extract(batch, running.start, running.end).rstrip(" ;\n") == "SELECT 2"


def test_a_masked_batch_shows_its_whole_replacement() -> None:
    running = RunningText(SqlTextCache().remember("-- masked", "master"), masked=True)
    running.at(40, 10)
    assert (running.start, running.end) == (0, -1)


def test_the_cache_is_bounded_by_characters_and_keeps_one_entry_per_database() -> None:
    cache = SqlTextCache(capacity=10, characters=100)
    big = "SELECT '" + "x" * 60 + "'"
    cache.remember(big, "master")
    cache.remember(big, "tempdb")  # the same text in another database: another plan, the same sql_handle
    assert len(cache) == 1  # 2 x 69 characters > 100: the older one went
    assert cache.lookup(plan_handle(big, "master")) is None
    kept = cache.lookup(sql_handle(big))
    assert kept is not None and kept.database == "tempdb"
    cache.remember("SELECT 1", "master")
    assert cache.lookup(sql_handle(big)) is not None and len(cache) == 2
