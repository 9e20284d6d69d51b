"""The compiled TDS codec (quietus.compiled): used when asked and fresh, refused when stale, never mixed.

The first tests check the choice on manifests made here (they run in both CI passes); the last ones need the real
build (``python -m quietus.compiled_build``) and run in CI's compiled pass, where QUIETUS_COMPILED=1.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from quietus import compiled
from quietus.compiled_build import direct_imports, recorded_sources

COMPILED_PASS = os.environ.get("QUIETUS_COMPILED") == "1"

SHOW_FILES = (
    "import importlib, json, quietus.compiled as c; "
    "[importlib.import_module(name) for name in c.COMPILED_MODULES]; "
    "print(json.dumps([c.RUNNING.compiled, c.module_files()]))"
)


def fake_build(directory: Path, source_root: Path = compiled.SOURCE_ROOT, **changes: object) -> Path:
    """A build directory whose manifest records the current sources (its extension files are empty)."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {name: name.replace(".", "/") + compiled.interpreter_tag() for name in compiled.COMPILED_MODULES}
    for relative in files.values():
        (directory / relative).parent.mkdir(parents=True, exist_ok=True)
        (directory / relative).write_bytes(b"")
    manifest: dict[str, object] = {
        "format": compiled.MANIFEST_FORMAT,
        "interpreter": compiled.interpreter_tag(),
        "modules": list(compiled.COMPILED_MODULES),
        "files": files,
        "sources": recorded_sources(source_root),
    }
    manifest.update(changes)
    (directory / compiled.MANIFEST).write_text(json.dumps(manifest))
    return directory


def copy_sources(root: Path) -> Path:
    shutil.copytree(compiled.PACKAGE_ROOT, root / "quietus", ignore=shutil.ignore_patterns("_compiled", "__pycache__"))
    return root


def test_a_build_matching_every_source_is_accepted(tmp_path: Path) -> None:
    files, reason = compiled.check_build(fake_build(tmp_path / "build"))
    assert files is not None, reason
    assert set(compiled.COMPILED_MODULES) <= set(files)


def test_an_edited_compiled_module_makes_the_build_stale(tmp_path: Path) -> None:
    root = copy_sources(tmp_path / "src")
    build = fake_build(tmp_path / "build", root)
    assert compiled.check_build(build, root)[0] is not None
    types_py = root / "quietus/protocol/tds/types.py"
    types_py.write_text(types_py.read_text() + "\n# edited\n")
    files, reason = compiled.check_build(build, root)
    assert files is None
    assert reason == "stale: quietus/protocol/tds/types.py changed since the build"


def test_an_edited_direct_import_makes_the_build_stale(tmp_path: Path) -> None:
    """mypyc compiled against the modules the codec imports (their types, their Final constants): they count too."""
    assert "quietus.protocol.tds.versions" in direct_imports("quietus.protocol.tds.requests")
    root = copy_sources(tmp_path / "src")
    build = fake_build(tmp_path / "build", root)
    versions = root / "quietus/protocol/tds/versions.py"
    versions.write_text(versions.read_text().replace("0x74000004", "0x74000005"))
    files, reason = compiled.check_build(build, root)
    assert files is None
    assert "versions.py changed" in reason


def test_a_build_for_another_interpreter_or_module_list_is_refused(tmp_path: Path) -> None:
    other = fake_build(tmp_path / "a", interpreter=".cpython-312-x86_64-linux-gnu.so")
    assert compiled.check_build(other)[0] is None
    fewer = fake_build(tmp_path / "b", modules=list(compiled.COMPILED_MODULES[:-1]))
    assert compiled.check_build(fewer)[0] is None
    build = fake_build(tmp_path / "c")
    (build / ("quietus/protocol/tds/wire" + compiled.interpreter_tag())).unlink()
    files, reason = compiled.check_build(build)
    assert files is None and "missing" in reason


def test_no_build_and_mode_0_run_the_source(tmp_path: Path) -> None:
    env = {**os.environ, "QUIETUS_COMPILED_DIR": str(tmp_path / "none"), "QUIETUS_COMPILED": "auto"}
    done = subprocess.run([sys.executable, "-c", SHOW_FILES], env=env, capture_output=True, text=True, check=True)
    is_compiled, files = json.loads(done.stdout)
    assert not is_compiled
    assert all(path.endswith(".py") for path in files.values())
    assert done.stderr == ""  # no build: nothing to warn about
    env["QUIETUS_COMPILED"] = "sometimes"
    done = subprocess.run([sys.executable, "-c", SHOW_FILES], env=env, capture_output=True, text=True)
    assert done.returncode != 0 and "QUIETUS_COMPILED='sometimes'" in done.stderr


def fresh_build_or_skip() -> Path:
    directory = compiled.build_dir()
    files, reason = compiled.check_build(directory)
    if files is None:
        if COMPILED_PASS:
            pytest.fail(f"QUIETUS_COMPILED=1 but {reason}")
        pytest.skip(f"no fresh compiled build ({reason}); CI's compiled pass has one")
    return directory


def test_the_compiled_build_is_what_runs_when_asked() -> None:
    directory = fresh_build_or_skip()
    if COMPILED_PASS:  # this very process: the suite's codec is the compiled one
        assert compiled.RUNNING.compiled
        for name in compiled.COMPILED_MODULES:
            importlib.import_module(name)
        for name, path in compiled.module_files().items():
            assert path.startswith(str(directory)) and path.endswith(compiled.interpreter_tag()), (name, path)
    env = {**os.environ, "QUIETUS_COMPILED": "1"}
    done = subprocess.run([sys.executable, "-c", SHOW_FILES], env=env, capture_output=True, text=True, check=True)
    is_compiled, files = json.loads(done.stdout)
    assert is_compiled
    assert all(path.endswith(compiled.interpreter_tag()) for path in files.values()), files
    env["QUIETUS_COMPILED"] = "0"
    done = subprocess.run([sys.executable, "-c", SHOW_FILES], env=env, capture_output=True, text=True, check=True)
    is_compiled, files = json.loads(done.stdout)
    assert not is_compiled
    assert all(path.endswith(".py") for path in files.values()), files


def test_a_stale_build_is_refused_never_loaded(tmp_path: Path) -> None:
    """The real build with one recorded hash no longer matching (as after an edit of types.py): auto runs the
    source and says why; QUIETUS_COMPILED=1 refuses to start."""
    directory = fresh_build_or_skip()
    stale = tmp_path / "stale"
    shutil.copytree(directory, stale)
    manifest = json.loads((stale / compiled.MANIFEST).read_text())
    manifest["sources"]["quietus/protocol/tds/types.py"] = "0" * 64
    (stale / compiled.MANIFEST).write_text(json.dumps(manifest))
    env = {**os.environ, "QUIETUS_COMPILED_DIR": str(stale), "QUIETUS_COMPILED": "auto"}
    done = subprocess.run([sys.executable, "-c", SHOW_FILES], env=env, capture_output=True, text=True, check=True)
    is_compiled, files = json.loads(done.stdout)
    assert not is_compiled
    assert all(path.endswith(".py") for path in files.values()), files
    assert "running pure Python: stale: quietus/protocol/tds/types.py changed since the build" in done.stderr
    env["QUIETUS_COMPILED"] = "1"
    done = subprocess.run([sys.executable, "-c", SHOW_FILES], env=env, capture_output=True, text=True)
    assert done.returncode != 0
    assert "CompiledBuildError" in done.stderr and "types.py changed" in done.stderr


def test_the_executor_is_compiled_against_what_it_imports() -> None:
    """The batch runner and the executor are compiled (issue 13's fifth round): an edit of a module they were
    compiled against -- the DML, the planner, the engine's database -- makes the build stale like an edit of the
    codec's imports does."""
    executor = {"quietus.sql.batch", "quietus.sql.operators", "quietus.sql.point_lookup", "quietus.engine.access"}
    assert executor | {"quietus.engine.locks.manager", "quietus.sql.context", "quietus.dbapi"} <= set(
        compiled.COMPILED_MODULES
    )
    recorded = recorded_sources()
    for path in ("quietus/sql/dml.py", "quietus/sql/planner.py", "quietus/engine/database.py"):
        assert path in recorded, path


def test_interpreted_classes_derive_from_the_compiled_executor() -> None:
    """BatchRunner, ExecContext and Plan are compiled and allow interpreted subclasses (mypyc_attr): the Oracle
    runner and context, the function runner and the plan nodes of other modules stay Python and still run through
    the compiled base's methods."""
    from quietus.sql import batch, context, function_body, operators, windows
    from quietus.sql.oracle import runner

    for subclass, base in (
        (runner.OracleRunner, batch.BatchRunner),
        (function_body.FunctionRunner, batch.BatchRunner),
        (runner.OracleContext, context.ExecContext),
        (windows.Window, operators.Plan),
    ):
        assert issubclass(subclass, base)
        assert not sys.modules[subclass.__module__].__file__.endswith(compiled.interpreter_tag())  # type: ignore[union-attr]
    if COMPILED_PASS:
        for module in (batch, context, operators):
            assert module.__file__ is not None and module.__file__.endswith(compiled.interpreter_tag()), module
    import quietus

    with quietus.connect(None, autocommit=True) as conn:  # an embedded, in-memory instance
        cursor = conn.cursor()
        cursor.execute("CREATE TABLE w (id INT PRIMARY KEY, v INT)")
        cursor.execute("INSERT INTO w VALUES (1, 10), (2, 20), (3, 30)")
        # a window (an interpreted Plan node) over a compiled scan, a scalar function (the interpreted runner)
        cursor.execute("CREATE FUNCTION dbo.twice (@x INT) RETURNS INT AS BEGIN RETURN @x * 2 END")
        rows = cursor.execute("SELECT id, dbo.twice(v), SUM(v) OVER (ORDER BY id) FROM w ORDER BY id").fetchall()
        assert [tuple(row) for row in rows] == [(1, 20, 10), (2, 40, 30), (3, 60, 60)]


def test_without_a_compiler_the_build_says_so_and_fails_only_when_required(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from quietus import compiled_build

    monkeypatch.setattr(compiled_build, "missing_tools", lambda: "no C compiler (cc)")
    assert compiled_build.main(["--dir", str(tmp_path / "build")]) == 0
    assert "cannot compile the TDS codec: no C compiler (cc); the package runs pure Python" in capsys.readouterr().err
    assert compiled_build.main(["--dir", str(tmp_path / "build"), "--required"]) == 1
    assert not (tmp_path / "build" / compiled.MANIFEST).exists()


def written_out_inits() -> list[tuple[type, tuple[Any, ...] | None]]:
    """The dataclasses of the compiled modules whose ``__init__`` is written out (mypyc leaves a dataclass's
    generated ``__init__`` interpreted, ~0.6 µs a call, several a request; a written-out one compiles), each with
    arguments of its fields' types, a different value for each field (None: its fields' types are the server's
    own objects; built with placeholders in the pure pass only)."""
    from quietus.protocol.tds import client, packets, requests, response, responses, types
    from quietus.server import rpc
    from quietus.sessions import sql_text
    from quietus.sql import results

    info = types.TypeInfo(0x26, 4)
    call = requests.RpcCall("p", 10, 2, (requests.RpcParameter("@P1", 7, info, 1),))
    return [
        (types.TypeInfo, (0xE7, 8000, 10, 2, b"\x09\x04\xd0\x00\x34", ("dbo", "t"))),
        (requests.AllHeaders, (5, 2, ((3, b"x"),))),
        (requests.RpcParameter, ("@P1", 7, info, 1)),
        (requests.RpcCall, ("p", 10, 2, call.parameters)),
        (requests.RpcRequest, ((call,), 9, requests.ResetConnection.RESET)),
        (packets.PacketHeader, (1, 2, 3, 4, 5, 6)),
        (packets.Message, (4, b"x", 2, True)),
        (response._Done, (1, 2, 3, 4)),
        (responses.Done, (0xFD, 0x10, 0xC1, 1)),
        (responses.ColumnDescription, ("id", info, 9, 2)),
        (responses.ColumnMetadata, ((responses.ColumnDescription("id", info, 9, 2),),)),
        (responses.Row, ((1, "x"), True)),
        (responses.ReturnStatus, (3,)),
        (client.Reply, ((responses.ReturnStatus(3),),)),
        (results.StatementDone, (7, True, "SELECT")),
        (sql_text.InputBuffer, (sql_text.RPC_EVENT, 3, "sp_executesql", "(@P1 int)")),
        (rpc.RequestContext, None),
    ]


@pytest.mark.parametrize(("cls", "arguments"), written_out_inits(), ids=lambda item: getattr(item, "__name__", ""))
def test_a_written_out_dataclass_init_takes_and_sets_exactly_its_fields(
    cls: type, arguments: tuple[Any, ...] | None
) -> None:
    fields = dataclasses.fields(cls)
    # Whether this process runs the build, not whether the pass demands it: the default mode (auto) runs a fresh
    # build too, and a compiled class neither shows its signature nor takes placeholder objects for its fields.
    if not compiled.RUNNING.compiled:  # the source's signature (a compiled method's is not introspectable)
        parameters = list(inspect.signature(cls).parameters.values())
        assert [p.name for p in parameters] == [f.name for f in fields]
        assert [p.default for p in parameters] == [
            inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default for f in fields
        ]
        arguments = arguments or tuple(object() for _ in fields)
    if arguments is None:
        return
    made = cls(*arguments)
    assert [getattr(made, f.name) for f in fields] == list(arguments)  # each argument in its own field
    assert made == cls(**{f.name: value for f, value in zip(fields, arguments, strict=True)})
    if cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(made, fields[0].name, arguments[0])
