"""Starting a crash-test workload as a child process (it is then killed with SIGKILL by the test)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def start_workload(script: Path, data_dir: Path, start: int, *extra: str) -> subprocess.Popen[str]:
    """Run ``script DATA_DIR START [EXTRA...]`` with this checkout's sources first on the path; stdout and stderr
    piped."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path.cwd() / "src"), str(Path.cwd())]))
    return subprocess.Popen(
        [sys.executable, str(script), str(data_dir), str(start), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
