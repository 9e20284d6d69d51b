"""Build the compiled TDS codec with mypyc into its own directory, with the manifest ``quietus.compiled`` checks.

    python -m quietus.compiled_build [--if-stale] [--required] [--dir DIR]

Needs mypy (the ``test`` extra; mypyc ships with it), a C compiler and the Python headers.  Without them it says so
and exits 0 -- the package runs its Python source -- unless ``--required`` (CI), when it exits 1.  ``--if-stale``
does nothing when the build in DIR is already fresh.  The C sources and objects go to ``build/mypyc`` under the
current directory; the extension modules go to a new ``build-<time>-<pid>`` directory under DIR, and DIR's
``manifest.json`` is replaced last, in one rename: an interrupted build leaves the previous manifest (and its build)
as they were.  The previous build's directory is kept, older ones are removed.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import sys
import sysconfig
import time
from pathlib import Path

from quietus.compiled import (
    COMPILED_MODULES,
    MANIFEST,
    MANIFEST_FORMAT,
    SOURCE_ROOT,
    build_dir,
    check_build,
    interpreter_tag,
    source_hash,
)

GROUP = "quietus_tds"  # mypyc's shared library of the compiled modules: quietus_tds__mypyc


def module_source(module: str, source_root: Path = SOURCE_ROOT) -> Path | None:
    base = source_root / module.replace(".", "/")
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def direct_imports(module: str, source_root: Path = SOURCE_ROOT) -> set[str]:
    """The quietus modules ``module`` imports by name (with their packages): what mypyc compiled it against."""
    path = module_source(module, source_root)
    assert path is not None, module
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] != "quietus":
                continue
            for end in range(1, len(parts) + 1):
                if module_source(".".join(parts[:end]), source_root) is not None:
                    found.add(".".join(parts[:end]))
    return found


def recorded_sources(source_root: Path = SOURCE_ROOT) -> dict[str, str]:
    """Relative path → SHA-256 of the compiled modules and the quietus modules they import directly."""
    modules = set(COMPILED_MODULES)
    for module in COMPILED_MODULES:
        modules |= direct_imports(module, source_root)
    sources: dict[str, str] = {}
    for module in sorted(modules):
        path = module_source(module, source_root)
        assert path is not None, module
        sources[path.relative_to(source_root).as_posix()] = source_hash(path)
    return sources


def missing_tools() -> str | None:
    """Why this machine cannot compile, or None."""
    try:
        import mypyc.build  # noqa: F401
    except ImportError:
        return "mypyc is not installed (pip install mypy)"
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler})"
    include = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not include.is_file():
        return f"no Python headers ({include})"
    return None


def current_build_directories(target: Path) -> set[str]:
    try:
        manifest = json.loads((target / MANIFEST).read_text())
        return {Path(path).parts[0] for path in manifest["files"].values()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return set()


def build(target: Path, work: Path) -> dict[str, str]:
    """Compile COMPILED_MODULES into a new ``build-*`` directory under ``target`` and point ``target``'s manifest at
    it; return the manifest's files.

    The manifest is replaced in one rename, and the previous build is kept (older ones are removed): a process that
    checked the old manifest and has not yet loaded its modules still finds their files."""
    from mypyc.build import mypycify
    from setuptools import Distribution

    sources = recorded_sources()  # hashed before compiling: an edit during the build makes the build stale
    paths = [str(module_source(module)) for module in COMPILED_MODULES]
    target.mkdir(parents=True, exist_ok=True)
    name = f"build-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{os.getpid()}"
    staging = target / name
    cwd = Path.cwd()
    try:
        os.chdir(SOURCE_ROOT)  # mypy names the modules from the paths: quietus.protocol.tds.wire ...
        extensions = mypycify(
            [os.path.relpath(path, SOURCE_ROOT) for path in paths] + [f"--cache-dir={work / 'mypy-cache'}"],
            opt_level="3",
            target_dir=str(work / "c"),
            group_name=GROUP,
        )
        distribution = Distribution({"name": "quietus-compiled", "ext_modules": extensions})
        command = distribution.get_command_obj("build_ext")
        command.build_lib = str(staging)
        command.build_temp = str(work / "temp")
        command.inplace = False
        distribution.run_command("build_ext")
        files: dict[str, str] = {}
        for extension in extensions:
            relative = extension.name.replace(".", "/") + interpreter_tag()
            if not (staging / relative).is_file():
                raise RuntimeError(f"mypyc built no {relative}")
            files[extension.name] = f"{name}/{relative}"
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        os.chdir(cwd)
    keep = {name} | current_build_directories(target)  # the build the manifest points at now, fresh or not: kept
    manifest = {
        "format": MANIFEST_FORMAT,
        "interpreter": interpreter_tag(),
        "python": sys.version.split()[0],
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "modules": list(COMPILED_MODULES),
        "files": files,
        "sources": sources,
    }
    written = target / f".{MANIFEST}.{os.getpid()}"
    written.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    os.replace(written, target / MANIFEST)
    for old in target.iterdir():
        if old.is_dir() and old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quietus.compiled_build", description=__doc__.split("\n")[0])
    parser.add_argument("--if-stale", action="store_true", help="do nothing when the build is fresh")
    parser.add_argument("--required", action="store_true", help="fail (exit 1) when it cannot compile (CI)")
    parser.add_argument("--dir", type=Path, default=None, help="the build directory (default quietus/_compiled)")
    parser.add_argument("--work", type=Path, default=Path("build/mypyc"), help="C sources and objects")
    options = parser.parse_args(argv)
    target = (options.dir or build_dir()).resolve()
    if options.if_stale:
        files, reason = check_build(target)
        if files is not None:
            print(f"compiled TDS codec up to date ({reason})")
            return 0
    why_not = missing_tools()
    if why_not is not None:
        print(f"note: cannot compile the TDS codec: {why_not}; the package runs pure Python", file=sys.stderr)
        return 1 if options.required else 0
    started = time.monotonic()
    try:
        build(target, options.work.resolve())
    except Exception as exc:  # a compile error: say so, and fail only when the build is required
        print(f"note: compiling the TDS codec failed: {exc!r}; the package runs pure Python", file=sys.stderr)
        return 1 if options.required else 0
    print(f"compiled TDS codec built in {target} ({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
