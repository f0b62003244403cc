"""The WSGI application. Importing it also warms the process up (`config.warmup`): with
gunicorn's `--preload` that happens once in the master, and every worker forked from it
starts warm. `SAFETY_LEDGER_WARM_UP=false` skips it (a quick shell, a one-off command)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

if os.environ.get("SAFETY_LEDGER_WARM_UP", "true").strip().lower() not in {"0", "false", "no"}:
    from config.warmup import warm_up

    warm_up()
