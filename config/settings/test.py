"""Test settings: the same application, with fast password hashing and eager jobs."""

from config.settings.base import *  # noqa: F403
from config.settings.base import VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
# Export jobs run eagerly when their transaction commits (pytest-django's
# django_capture_on_commit_callbacks in TestCase tests): deterministic, no thread.
EXPORT_JOB_RUNNER = "celery"
EXPORTS_DIR = VAR_DIR / "test-exports"
AXES_VERBOSE = False

# A read-replica alias mirrored to the test database, so routing reports to a replica can be
# tested (tests/performance/test_replica_routing.py). Reports stay on the primary unless a
# test routes them there: a mirror is another connection and cannot see a test's uncommitted
# rows.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
REPORTING_DATABASE = "default"

# Serve static files from the apps' folders, as in development: there is no collectstatic run.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Attachments of the test run, apart from the demo's.
STORAGES = {  # noqa: F405
    **STORAGES,  # noqa: F405
    "attachments": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": VAR_DIR / "test-media" / "attachments",
            "base_url": "/no-public-url/",
        },
    },
}

# A sample sender for the E2B(R3) export, so its messages carry every element FDA's
# postmarket rules require (a deployment sets its own through E2B_SENDER_* variables).
E2B_SENDER = {
    "organisation": "Safety Ledger Demo Clinics",
    "department": "Clinical Safety",
    "title": "Dr",
    "given_name": "Dana",
    "family_name": "Director",
    "street": "1 Example Way",
    "city": "Springfield",
    "state": "IL",
    "postcode": "62701",
    "telephone": "2175550100",
    "fax": "2175550101",
    "email": "safety@example.org",
}
