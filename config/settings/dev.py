"""Local demo settings used by `make run`: DEBUG on, SQLite unless DATABASE_URL is set."""

from config.env import env_str
from config.settings.base import *  # noqa: F403

DEBUG = True
# No mail server on a developer's machine: notification e-mails are printed to the console.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

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
