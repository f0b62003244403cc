"""No cold start: loading the WSGI application imports and warms what the first request of a
worker would (config.warmup), so with gunicorn's --preload the workers forked from the master
answer their first request at once.

Both tests run the application in fresh processes under production settings; neither opens a
database connection (the warm-up must not, or forked workers would share it)."""

import json
import statistics
import subprocess
import sys

import pytest

from tests.benchmarks.cold_start import (
    GUNICORN,
    ROOT,
    collect_static,
    first_request_seconds,
    production_env,
)


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory):
    """A deployment's var directory, its static files collected (once for both tests)."""
    path = tmp_path_factory.mktemp("cold-start")
    collect_static(path)
    return path


WARM_MODULES = [
    "pandas",
    "scipy.special",
    "weasyprint",
    "exports.pdf",
    "exports.summary_pdf",
    "reporting.summary",
    "drf_spectacular.openapi",
]
PROBE = """
import json, sys
import config.wsgi
from django.db import connections
from django.template import engines
from django.urls import get_resolver
from config.warmup import project_templates

loader = engines["django"].engine.template_loaders[0]
print(json.dumps({
    "modules": sorted(m for m in sys.argv[1].split(",") if m in sys.modules),
    "url_map_loaded": get_resolver()._populated,
    "templates": len(project_templates()),
    "templates_cached": len(loader.get_template_cache),
    "connections_open": [c.alias for c in connections.all() if c.connection is not None],
}))
"""


def test_loading_the_application_imports_and_warms_what_a_first_request_needs(var_dir):
    out = subprocess.run(  # noqa: S603  # nosec B603
        [sys.executable, "-c", PROBE, ",".join(WARM_MODULES)],
        cwd=ROOT,
        env=production_env(var_dir),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert probe["modules"] == sorted(WARM_MODULES)
    assert probe["url_map_loaded"]
    assert probe["templates"] > 30
    assert probe["templates_cached"] >= probe["templates"]
    assert probe["connections_open"] == []
    # The probe PDF of the warm-up logs nothing at INFO (WeasyPrint narrates every step).
    narrated = [line for line in out.stderr.splitlines() if " INFO weasyprint" in line]
    assert narrated == []


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed in this venv")
def test_a_fresh_gunicorn_worker_answers_its_first_request_quickly(var_dir):
    firsts = first_request_seconds(var_dir, workers=3)
    # Cold, the first request imported for about 3 s; warm, it takes tens of milliseconds.
    assert statistics.median(firsts) < 0.5, firsts
