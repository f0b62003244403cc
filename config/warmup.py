"""Start-up warm-up: do in the process that loads the application what the first request of
each worker would otherwise do, so workers forked from a preloaded gunicorn master share it
and answer their first request as fast as their hundredth.

- the URL map, and with it every view module and what they import (pandas and scipy for
  the reports, WeasyPrint for the PDFs, DRF and the OpenAPI machinery);
- every project template, compiled into the cached loader;
- one small PDF, so WeasyPrint has loaded its fonts and Pango before the fork.

Nothing here reads the database (no patient data; a connection must not be opened in the
master, or forked workers would share it). matplotlib is not warmed: the charts are drawn as
SVG by `reporting.charts` and nothing imports it.
"""

import logging
import time
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.template import engines
from django.urls import get_resolver

log = logging.getLogger(__name__)

_PDF_PROBE = "<html><body><p>Safety Ledger start-up check.</p></body></html>"


def warm_up() -> float:
    """Warm the process up; returns the seconds it took."""
    started = time.perf_counter()
    _load_url_map()
    _compile_templates()
    _render_probe_pdf()
    # Defensive: nothing above queries, but a connection opened here would be shared by
    # every forked worker.
    connections.close_all()
    elapsed = time.perf_counter() - started
    log.info("Warm-up done in %.2f s", elapsed)
    return elapsed


def _load_url_map() -> None:
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018  (imports every URLconf and view module)
    resolver.reverse_dict  # noqa: B018  (builds the reverse lookup used by every page)


def project_templates() -> list[str]:
    root = Path(settings.BASE_DIR) / "templates"
    return sorted(str(path.relative_to(root)) for path in root.rglob("*.html"))


def _compile_templates() -> None:
    engine = engines["django"]
    for name in project_templates():
        engine.get_template(name)


def _render_probe_pdf() -> None:
    from weasyprint import HTML

    from exports.pdf import safe_url_fetcher

    HTML(string=_PDF_PROBE, base_url=None, url_fetcher=safe_url_fetcher()).write_pdf()
