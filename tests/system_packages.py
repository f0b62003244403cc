"""Programs from Debian packages that some tests need. `make test` installs them when run as
root (`scripts/system-packages.sh`); otherwise the tests that need one are skipped, with the
line to run as the reason."""

import shutil
from pathlib import Path

import pytest

INSTALL = "sudo scripts/system-packages.sh (or apt-get install {package}), then run again"


def require_program(program: str, package: str) -> str:
    """The program's path, or skip the test saying which package to install."""
    path = shutil.which(program) or (program if Path(program).is_absolute() else None)
    if path is None or not Path(path).exists():
        pytest.skip(f"{program} not found: {INSTALL.format(package=package)}")
    return path
