"""The Celery application that runs export jobs.

Configured from Django settings prefixed `CELERY_`: with `CELERY_BROKER_URL` set (Redis),
`celery -A config worker` runs the jobs; without a broker `CELERY_TASK_ALWAYS_EAGER` is on and
a job runs in the process that asked for it, right after its request commits.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("safety_ledger")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
