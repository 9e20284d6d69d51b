"""SQLAlchemy 2 (mssql+pytds, mssql+pymssql, mssql+pyodbc over FreeTDS), pandas and Alembic against a real
Quietus server over a socket: what an application built on them does at connect, for DDL, DML with RETURNING
(compiled to OUTPUT), ORM queries, rollback, reflection, pool_pre_ping after a KILL, a DataFrame round trip, and an
Alembic autogenerate that must find nothing to do for an up-to-date model.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from typing import Any

import pytest

from tests.clients.server_harness import PASSWORD, RunningServer, running_server

sa = pytest.importorskip("sqlalchemy", reason="SQLAlchemy is not installed")
from sqlalchemy import inspect  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column  # noqa: E402


def _url(dialect: str, server: RunningServer, database: str) -> str:
    where = f"sa:{PASSWORD}@127.0.0.1:{server.port}/{database}"
    if dialect == "pytds":
        pytest.importorskip("sqlalchemy_pytds", reason="sqlalchemy-pytds is not installed")
        return f"mssql+pytds://{where}"
    if dialect == "pymssql":
        pytest.importorskip("pymssql", reason="pymssql is not installed")
        return f"mssql+pymssql://{where}"
    pyodbc = pytest.importorskip("pyodbc", reason="pyodbc is not installed")
    if "FreeTDS" not in pyodbc.drivers():
        pytest.skip("the FreeTDS ODBC driver (tdsodbc) is not installed")
    return f"mssql+pyodbc://{where}?driver=FreeTDS&TDS_Version=7.4"


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    born: Mapped[dt.date | None]


class Book(Base):
    __tablename__ = "book"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("author.id"), index=True)
    title: Mapped[str] = mapped_column(sa.Unicode(200))
    price: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(10, 2), server_default=sa.text("0"))


@pytest.fixture(scope="module", params=["pytds", "pymssql", "pyodbc"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server per dialect (Quietus has no CREATE DATABASE), with the model's tables made by create_all."""
    with running_server(tmp_path_factory.mktemp(f"orm_{request.param}") / "data") as running:
        running.dialect = request.param  # type: ignore[attr-defined]
        yield running


@pytest.fixture(scope="module")
def engine(server: RunningServer) -> Iterator[Any]:
    engine = sa.create_engine(_url(server.dialect, server, "master"), pool_pre_ping=True)  # type: ignore[attr-defined]
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def test_the_dialect_reads_the_server_version_from_version(engine: Any) -> None:
    with engine.connect() as conn:
        assert engine.dialect.server_version_info[:2] == (16, 0)
        assert conn.scalar(sa.text("SELECT schema_name()")) == "dbo"


def test_insert_returning_core_and_orm_queries_and_rollback(engine: Any) -> None:
    author, book = Author.__table__, Book.__table__
    with engine.begin() as conn:
        conn.execute(book.delete())
        conn.execute(author.delete())
        rows = [{"name": "Le Guin", "born": dt.date(1929, 10, 21)}, {"name": "Lem", "born": None}]
        ids = conn.execute(author.insert().returning(author.c.id, author.c.name), rows).all()
        assert sorted(name for _, name in ids) == ["Le Guin", "Lem"]
    first = {name: id_ for id_, name in ids}
    with Session(engine) as session:
        session.add_all([Book(author_id=first["Lem"], title="Solaris", price=decimal.Decimal("12.50")),
                         Book(author_id=first["Le Guin"], title="The Dispossessed")])  # fmt: skip
        session.commit()
        books = session.scalars(sa.select(Book).join(Author, Book.author_id == Author.id)
                                .where(Author.name == "Lem")).all()  # fmt: skip
        assert [(b.title, b.price) for b in books] == [("Solaris", decimal.Decimal("12.50"))]
        default_price = session.scalar(sa.select(Book.price).where(Book.title == "The Dispossessed"))
        assert default_price == 0
        session.add(Author(name="Nobody"))
        session.flush()
        session.rollback()
        assert session.scalar(sa.select(sa.func.count()).select_from(Author)) == 2
    with engine.connect() as conn:
        counts = conn.execute(sa.select(Author.name, sa.func.count(Book.id)).join(Book).group_by(Author.name)
                              .order_by(Author.name)).all()  # fmt: skip
        assert [tuple(row) for row in counts] == [("Le Guin", 1), ("Lem", 1)]


def test_reflection_sees_the_tables_keys_and_indexes(engine: Any) -> None:
    inspector = inspect(engine)
    assert {"author", "book"} <= set(inspector.get_table_names())
    columns = {c["name"]: c for c in inspector.get_columns("book")}
    assert list(columns) == ["id", "author_id", "title", "price"]
    assert isinstance(columns["title"]["type"], sa.NVARCHAR) and columns["title"]["type"].length == 200
    assert columns["price"]["type"].precision == 10 and columns["price"]["type"].scale == 2
    assert columns["price"]["default"] == "((0))" and columns["title"]["nullable"] is False
    assert columns["id"]["autoincrement"] is True and columns["id"]["identity"]["start"] == 1
    assert inspector.get_pk_constraint("book")["constrained_columns"] == ["id"]
    [fk] = inspector.get_foreign_keys("book")
    assert fk["constrained_columns"] == ["author_id"]
    assert (fk["referred_table"], fk["referred_columns"]) == ("author", ["id"])
    indexes = {i["name"]: i for i in inspector.get_indexes("book")}
    assert indexes["ix_book_author_id"]["column_names"] == ["author_id"]
    unique = [i["column_names"] for i in inspector.get_indexes("author") if i["unique"]]
    assert unique == [["name"]]
    reflected = sa.Table("book", sa.MetaData(), autoload_with=engine)
    assert [c.name for c in reflected.primary_key] == ["id"]
    assert [fk.target_fullname for fk in reflected.c.author_id.foreign_keys] == ["author.id"]


# Quietus closes a killed idle session's connection without a word, as SQL Server does (MS-TDS 3.3.4: no response
# is sent); what a pre-ping then sees is the client library's, and it does not depend on how the socket closes (the
# same with a FIN and with a reset, tried both ways).  pytds raises ClosedConnectionError("Server closed connection"),
# an InterfaceError, and sqlalchemy-pytds's is_disconnect knows only ProgrammingError texts and "[08S01]".  FreeTDS
# ODBC (1.3) reports the first statement on the dead socket after the pool's reset-on-return rollback as HY000
# "Unknown error (0)" (only the calls after it say 08S01 "Communication link failure", which SQLAlchemy's pyodbc
# dialect counts), so the ping raises instead of reconnecting.  Both are client-side; a handle_error event that sets
# is_disconnect for these errors works around them.
PING_LIMITS = {
    "pytds": "sqlalchemy-pytds does not take pytds's ClosedConnectionError for a disconnect",
    "pyodbc": "FreeTDS ODBC reports the closed connection as HY000, which SQLAlchemy does not take for a disconnect",
}


def test_pool_pre_ping_replaces_a_killed_connection(
    engine: Any, server: RunningServer, request: pytest.FixtureRequest
) -> None:
    pytds = pytest.importorskip("pytds", reason="python-tds is not installed")
    limit = PING_LIMITS.get(server.dialect)  # type: ignore[attr-defined]
    if limit is not None:
        request.applymarker(pytest.mark.xfail(reason=limit, strict=True))
    _kill_pooled_connection(engine, server, pytds)
    with engine.connect() as conn:  # the ping finds the connection dead and the pool makes a new one
        assert conn.scalar(sa.text("SELECT 1")) == 1
        assert conn.scalar(sa.text("SELECT COUNT(*) FROM author")) == 2


def _kill_pooled_connection(engine: Any, server: RunningServer, pytds: Any) -> None:
    with engine.connect() as conn:
        spid = conn.scalar(sa.text("SELECT @@SPID"))
    # the connection now waits in the pool; another client KILLs its session
    with pytds.connect("127.0.0.1", port=server.port, user="sa", password=PASSWORD, autocommit=True) as killer:
        killer.cursor().execute(f"KILL {spid}")
    server.wait_for(lambda: all(s.session_id != spid for s in server.instance.registry), f"session {spid} gone")


def test_pool_pre_ping_with_the_workaround_for_the_client_side_limits(server: RunningServer) -> None:
    """The PING_LIMITS workaround: a handle_error listener that takes the drivers' closed-connection errors for a
    disconnect; then every dialect's pre-ping replaces the killed connection."""
    pytds = pytest.importorskip("pytds", reason="python-tds is not installed")
    engine = sa.create_engine(_url(server.dialect, server, "master"), pool_pre_ping=True)  # type: ignore[attr-defined]

    @sa.event.listens_for(engine, "handle_error")
    def closed_is_a_disconnect(context: Any) -> None:
        error = context.original_exception
        if isinstance(error, pytds.ClosedConnectionError) or "Unknown error (0)" in str(error):
            context.is_disconnect = True

    try:
        _kill_pooled_connection(engine, server, pytds)
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT 1")) == 1
    finally:
        engine.dispose()


def test_pandas_round_trips_every_common_dtype(engine: Any) -> None:
    pd = pytest.importorskip("pandas", reason="pandas is not installed")
    frame = pd.DataFrame({
        "i": pd.Series([1, -2, 3], dtype="int64"),
        "f": [1.5, -0.25, 1e10],
        "b": [True, False, True],
        "s": ["a", "ünïcode", "x" * 300],
        # pandas makes datetime columns: values on their 1/300 s grid come back unchanged
        "t": pd.to_datetime(["2026-12-06 05:00:00.123", "1999-01-01 00:00:00.000", "2100-02-28 23:59:59.997"]),
        "n": pd.Series([1, None, 3], dtype="Int64"),
        "o": [None, "x", None],
    })  # fmt: skip
    frame.to_sql("frame", engine, if_exists="replace", index=False)
    try:
        _read_back(pd, frame, engine)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE frame"))


def _read_back(pd: Any, frame: Any, engine: Any) -> None:
    back = pd.read_sql("SELECT i, f, b, s, t, n, o FROM frame ORDER BY i DESC", engine)
    back = back.sort_values("i", ascending=False)
    expected = frame.sort_values("i", ascending=False)
    assert back["i"].tolist() == expected["i"].tolist()
    assert back["f"].tolist() == expected["f"].tolist()
    assert back["b"].astype(bool).tolist() == expected["b"].tolist()
    assert back["s"].tolist() == expected["s"].tolist()
    assert [pd.Timestamp(v) for v in back["t"]] == expected["t"].tolist()
    assert [None if pd.isna(v) else int(v) for v in back["n"]] == [3, 1, None]
    assert [None if pd.isna(v) else v for v in back["o"]] == [None, None, "x"]


def test_alembic_autogenerate_finds_nothing_for_an_up_to_date_model(engine: Any) -> None:
    pytest.importorskip("alembic", reason="Alembic is not installed")
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
    extra = sa.MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(extra)
    sa.Table("missing", extra, sa.Column("id", sa.Integer, primary_key=True))
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), extra)
    assert [d[0] for d in differences] == ["add_table"]
