"""The first request of a fresh gunicorn worker (production settings, `--preload`).

`--max-requests 1` has each worker serve one request and be replaced by a fresh fork, so each
request timed here is the first of a fresh worker. A gunicorn hook marks each worker ready,
and a request is sent only once its worker is (a request sent earlier would also time the
fork). The request is an API list without credentials (a 401): it goes through the URL map,
the middleware and DRF, and needs no database.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
SECRET = "k3y-for-the-cold-start-measure-only-" + "x9Q2" * 10


def production_env(var_dir: Path) -> dict:
    """Production settings with what they require; plain HTTP on the loopback."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SAFETY_LEDGER_VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
    }


def collect_static(var_dir: Path) -> None:
    """Production serves hashed static files from a manifest (the URL map names one), so
    collect them into `var_dir` once, as a deployment does before starting gunicorn."""
    if (var_dir / "static" / "staticfiles.json").exists():
        return
    subprocess.run(  # noqa: S603  # nosec B603
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=production_env(var_dir) | {"SAFETY_LEDGER_WARM_UP": "false"},
        check=True,
        timeout=600,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_workers(ready: Path, count: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while len(list(ready.iterdir())) < count:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited")
        if time.monotonic() > deadline:
            raise RuntimeError("no fresh worker in time")
        time.sleep(0.05)


def _time_request(url: str) -> float:
    started = time.perf_counter()
    try:
        urllib.request.urlopen(url, timeout=60)  # noqa: S310  # nosec B310 (loopback)
    except urllib.error.HTTPError as answer:
        if answer.code != 401:
            raise
    return time.perf_counter() - started


def first_request_seconds(var_dir: Path, workers: int = 3, warm_up: bool = True) -> list[float]:
    """The first request's time of `workers` fresh workers, one after another."""
    collect_static(var_dir)
    ready = var_dir / "ready"
    ready.mkdir(parents=True)
    config = var_dir / "gunicorn.conf.py"
    hook = f"    open({str(ready)!r} + f'/{{worker.pid}}', 'w').close()\n"
    config.write_text("def post_worker_init(worker):\n" + hook)
    port = _free_port()
    env = production_env(var_dir) | {"SAFETY_LEDGER_WARM_UP": "true" if warm_up else "false"}
    server = subprocess.Popen(  # noqa: S603  # nosec B603
        [
            str(GUNICORN),
            "config.wsgi:application",
            "--config",
            str(config),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--preload",
            "--max-requests",
            "1",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/v1/events/"
        times = []
        for number in range(1, workers + 1):
            _wait_for_workers(ready, number, server)
            times.append(_time_request(url))
        return times
    finally:
        server.terminate()
        server.wait(timeout=30)
