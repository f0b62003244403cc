"""Django in a fresh interpreter, for tests that need a process of their own: on the test
settings, with SQLite in a file under the test's own directory (whatever database the suite
itself runs on)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_django(script: str, var_dir: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """Run `script` (which calls `django.setup()` itself) with `var_dir` as the data
    directory; return the finished process, output captured as text."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DATABASE_REPLICA_URL"}
    }
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings.test", "SAFETY_LEDGER_VAR_DIR": str(var_dir)}
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
