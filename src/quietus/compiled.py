"""Which build of the TDS codec runs: the Python source, or the same source compiled by mypyc (docs/design/compiled.md).

The compiled build lives in a directory of its own (``quietus/_compiled/``, never on ``sys.path``, never beside the
sources), with ``manifest.json``: the SHA-256 of every source it was compiled from (the compiled modules and the
quietus modules they import directly) and the file of each extension module.  ``choose()`` runs once, when the
``quietus`` package is imported, before any codec module is: it uses the build only when every recorded hash
matches the source on disk and the build is for this interpreter, and then installs a finder that loads those
modules (and mypyc's shared library) from the build's files.  Otherwise the package runs its Python source, exactly
as without a build, and says why.  So an edited source is always what runs: a stale build is refused, never used.

``QUIETUS_COMPILED`` chooses: ``auto`` (the default: the build when it is fresh, else Python, with a warning when a
build is there but stale), ``0`` (Python, the build not even looked at), ``1`` (the build or nothing: importing
quietus raises ``CompiledBuildError`` when it is missing or stale; CI's compiled pass runs so).
``QUIETUS_COMPILED_DIR`` moves the build (tests use it).  ``RUNNING`` says what was chosen and why.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

# The modules compiled, chosen by the profile (docs/design/performance.md, "Fourth round"): the request decode
# (wire, buffer, types, requests), the response encode (tokens, packets, columns, fast encoders, the response
# writer) and the protocol state machine between them (events, connection); then the server glue above it on the
# TDS request path (the RPC calls, the result sink, the request machinery, the connection; "Second step: the
# server glue").  A compiled class's subclasses must be compiled too: SessionOwner and Listener bring the Oracle Net
# connection and both listeners.  Then the batch runner, the executor and the embedded API ("Fifth round: the
# compiled executor"); BatchRunner, ExecContext and Plan allow interpreted subclasses (mypyc_attr), so the Oracle
# runner, the function runner and other modules' plan nodes stay Python.  Never engine/scheduler.py
# (docs/design/compiled.md says why).
COMPILED_MODULES = (
    "quietus.protocol.tds.wire",
    "quietus.protocol.tds.buffer",
    "quietus.protocol.tds.types",
    "quietus.protocol.tds.requests",
    "quietus.protocol.tds.events",
    "quietus.protocol.tds.packets",
    "quietus.protocol.tds.columns",
    "quietus.protocol.tds.tokens",
    "quietus.protocol.tds.fast_encoders",
    "quietus.protocol.tds.response",
    "quietus.protocol.tds.connection",
    "quietus.protocol.tds.responses",
    "quietus.protocol.tds.client",
    "quietus.server.rpc",
    "quietus.server.tds_sink",
    "quietus.server.requests",
    "quietus.sessions.sql_text",
    "quietus.sql.results",
    "quietus.sessions.session",
    "quietus.sessions.requests",
    "quietus.server.accepting",
    "quietus.server.busy_poll",
    "quietus.server.connection",
    "quietus.server.tns_connection",
    "quietus.server.listener",
    "quietus.server.tns_listener",
    "quietus.memo",
    "quietus.engine.task",
    "quietus.engine.locks.manager",
    "quietus.engine.txn.manager",
    "quietus.engine.access",
    "quietus.sql.environment",
    "quietus.sql.context",
    "quietus.sql.operators",
    "quietus.sql.point_lookup",
    "quietus.sql.batch",
    "quietus.engine.txn.transaction",
    "quietus.sql.stored_procedures",
    "quietus.sql.types_convert",
    "quietus.dbapi",
    "quietus.sql.utf16",
    "quietus.engine.storage.usage",
    "quietus.engine.locks.resources",
    "quietus.engine.locks.modes",
    "quietus.engine.storage.keys",
    "quietus.sql.types_base",
    "quietus.sql.session_options",
    "quietus.sql.expressions",
)

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
PACKAGE_ROOT = Path(__file__).resolve().parent  # .../quietus
SOURCE_ROOT = PACKAGE_ROOT.parent  # the directory holding the quietus package
DEFAULT_BUILD_DIR = PACKAGE_ROOT / "_compiled"
MODES = ("auto", "0", "1")

log = logging.getLogger("quietus.compiled")


class CompiledBuildError(ImportError):
    """QUIETUS_COMPILED=1 and the compiled build cannot be used (missing, stale, or for another interpreter)."""


@dataclass(frozen=True)
class Running:
    """What ``choose`` decided: ``compiled`` True when the codec modules load from the build; ``reason`` in words."""

    compiled: bool
    mode: str
    reason: str
    build_dir: str

    def describe(self) -> str:
        which = "compiled (mypyc)" if self.compiled else "pure Python"
        return f"TDS codec: {which} ({self.reason})"


def build_dir() -> Path:
    return Path(os.environ.get("QUIETUS_COMPILED_DIR") or DEFAULT_BUILD_DIR)


def source_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def interpreter_tag() -> str:
    """The extension suffix this interpreter loads (``.cpython-311-x86_64-linux-gnu.so``): a build is for one."""
    return importlib.machinery.EXTENSION_SUFFIXES[0]


def check_build(directory: Path, source_root: Path = SOURCE_ROOT) -> tuple[dict[str, Path] | None, str]:
    """The build's files by module name when the build in ``directory`` is fresh for the sources under
    ``source_root``, else None; and the reason in words."""
    manifest_path = directory / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text())
    except FileNotFoundError:
        return None, f"no compiled build in {directory}"
    except (OSError, ValueError) as exc:
        return None, f"unreadable manifest {manifest_path}: {exc}"
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        return None, f"manifest {manifest_path} is of another format"
    if manifest.get("interpreter") != interpreter_tag():
        return None, f"build is for {manifest.get('interpreter')}, this interpreter loads {interpreter_tag()}"
    if tuple(manifest.get("modules", ())) != COMPILED_MODULES:
        return None, "build compiled another list of modules"
    sources: dict[str, str] = manifest.get("sources", {})
    for relative, recorded in sorted(sources.items()):
        try:
            current = source_hash(source_root / relative)
        except OSError:
            return None, f"stale: {relative} is gone"
        if current != recorded:
            return None, f"stale: {relative} changed since the build"
    files: dict[str, Path] = {}
    for module, filename in manifest.get("files", {}).items():
        path = directory / filename
        if not path.is_file():
            return None, f"build file {filename} is missing"
        files[module] = path
    if not all(module in files for module in COMPILED_MODULES):
        return None, "build lacks a compiled module"
    return files, f"build in {directory}, {len(sources)} sources verified"


class _BuildFinder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules (and mypyc's shared library) in the build's files, and nothing else."""

    def __init__(self, files: dict[str, Path]) -> None:
        self.files = files

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        file = self.files.get(fullname)
        if file is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(file))
        return importlib.util.spec_from_file_location(fullname, file, loader=loader)


def choose() -> Running:
    """Decide once which build runs, install the finder for the compiled one; called by ``quietus/__init__``."""
    mode = os.environ.get("QUIETUS_COMPILED", "auto").strip().lower() or "auto"
    directory = build_dir()
    if mode not in MODES:
        raise CompiledBuildError(f"QUIETUS_COMPILED={mode!r}: expected one of {', '.join(MODES)}")
    if mode == "0":
        return Running(False, mode, "QUIETUS_COMPILED=0", str(directory))
    loaded = [name for name in COMPILED_MODULES if name in sys.modules]
    if loaded:  # too late to choose: the Python source is already in use (cannot happen through quietus/__init__)
        files, reason = None, f"{loaded[0]} was imported before the choice"
    else:
        files, reason = check_build(directory)
    if files is None:
        if mode == "1":
            raise CompiledBuildError(
                f"QUIETUS_COMPILED=1 but the compiled build cannot be used: {reason} "
                "(build it with `QUIETUS_COMPILED=0 python -m quietus.compiled_build`)"
            )
        if (directory / MANIFEST).exists():
            log.warning("compiled TDS codec not used, running pure Python: %s", reason)
        return Running(False, mode, reason, str(directory))
    sys.meta_path.insert(0, _BuildFinder(files))
    return Running(True, mode, reason, str(directory))


def module_files() -> dict[str, str]:
    """Where each compiled module was loaded from (for tests and benchmarks: a ``.so`` when compiled)."""
    return {name: str(getattr(sys.modules.get(name), "__file__", None)) for name in COMPILED_MODULES}


RUNNING = choose()
