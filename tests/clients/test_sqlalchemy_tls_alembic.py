"""SQLAlchemy over TLS (a server that refuses unencrypted clients) with each dialect's way to encrypt, and the
Alembic command line (init, revision --autogenerate, upgrade head, a second autogenerate that finds nothing)
against a real server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clients.server_harness import PASSWORD, RunningServer, running_server

sa = pytest.importorskip("sqlalchemy", reason="SQLAlchemy is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("sa_tls") / "data", force_encryption=True) as running:
        yield running


def _engine(dialect: str, server: RunningServer) -> Any:
    where = f"sa:{PASSWORD}@127.0.0.1:{server.port}/master"
    if dialect == "pytds":
        pytest.importorskip("sqlalchemy_pytds", reason="sqlalchemy-pytds is not installed")
        pytest.importorskip("OpenSSL", reason="pytds encrypts with pyOpenSSL, which is not installed")
        certificate = str(server.data_dir / "tls" / "quietus-tls.crt")
        return sa.create_engine(f"mssql+pytds://{where}", connect_args={"cafile": certificate, "validate_host": False})
    if dialect == "pymssql":
        pytest.importorskip("pymssql", reason="pymssql is not installed")
        return sa.create_engine(f"mssql+pymssql://{where}", connect_args={"encryption": "require"})
    pyodbc = pytest.importorskip("pyodbc", reason="pyodbc is not installed")
    if "FreeTDS" not in pyodbc.drivers():
        pytest.skip("the FreeTDS ODBC driver (tdsodbc) is not installed")
    return sa.create_engine(f"mssql+pyodbc://{where}?driver=FreeTDS&TDS_Version=7.4&Encryption=require")


@pytest.mark.parametrize("dialect", ["pytds", "pymssql", "pyodbc"])
def test_sqlalchemy_over_tls(server: RunningServer, dialect: str) -> None:
    engine = _engine(dialect, server)
    metadata = sa.MetaData()
    table = sa.Table(
        f"tls_{dialect}",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Unicode(40), nullable=False),
    )
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            inserted = conn.execute(table.insert().returning(table.c.id), [{"name": "ünï"}, {"name": "b"}]).all()
            assert sorted(row.id for row in inserted) == [1, 2]
        with engine.connect() as conn:
            assert conn.execute(sa.select(table.c.name).order_by(table.c.id)).scalars().all() == ["ünï", "b"]
            encrypted = "SELECT encrypt_option FROM sys.dm_exec_connections WHERE session_id = @@SPID"
            assert conn.scalar(sa.text(encrypted)) == "TRUE"
        assert [c["name"] for c in sa.inspect(engine).get_columns(table.name)] == ["id", "name"]
    finally:
        metadata.drop_all(engine)
        engine.dispose()


# -- the Alembic command line ---------------------------------------------------------------------------------

# (A ``Mapped[float]`` is SQLAlchemy 2.1's Double, which SQL Server stores and the dialect reflects as FLOAT(53):
# Alembic then proposes an alter_column on every run, against SQL Server as here, so the model avoids it.)
MODELS = """import datetime
import decimal

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Planet(Base):
    __tablename__ = "planet"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.Unicode(50), unique=True)
    mass: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(12, 3))
    found: Mapped[datetime.date | None]
"""


def _alembic(cwd: Path, *arguments: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "alembic", *arguments],
        cwd=cwd, capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(cwd)},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_alembic_cli_autogenerates_upgrades_and_then_finds_nothing(server: RunningServer, tmp_path: Path) -> None:
    pytest.importorskip("alembic", reason="Alembic is not installed")
    pytest.importorskip("pymssql", reason="pymssql is not installed")
    project = tmp_path / "project"
    project.mkdir()
    (project / "models.py").write_text(MODELS)
    _alembic(project, "init", "migrations")
    url = f"mssql+pymssql://sa:{PASSWORD}@127.0.0.1:{server.port}/master?encryption=require"
    ini = project / "alembic.ini"
    ini.write_text(re.sub(r"(?m)^sqlalchemy\.url = .*$", lambda _: f"sqlalchemy.url = {url}", ini.read_text()))
    env = project / "migrations" / "env.py"
    metadata = "from models import Base\ntarget_metadata = Base.metadata"
    env.write_text(env.read_text().replace("target_metadata = None", metadata))

    _alembic(project, "revision", "--autogenerate", "-m", "planets")
    [first] = (project / "migrations" / "versions").glob("*planets.py")
    assert "op.create_table('planet'" in first.read_text() or 'op.create_table("planet"' in first.read_text()
    _alembic(project, "upgrade", "head")
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        assert {"planet", "alembic_version"} <= set(inspector.get_table_names())
        assert [c["name"] for c in inspector.get_columns("planet")] == ["id", "name", "mass", "found"]
    finally:
        engine.dispose()

    _alembic(project, "revision", "--autogenerate", "-m", "nothing")
    [second] = (project / "migrations" / "versions").glob("*nothing.py")
    upgrade = second.read_text().split("def upgrade()")[1].split("def downgrade()")[0]
    assert "op." not in upgrade  # an up-to-date model: an empty migration
    assert "pass" in upgrade
