"""Local demo settings used by `make run`: DEBUG on, SQLite unless DATABASE_URL is set."""

from config.env import env_str
from config.settings.base import *  # noqa: F403

DEBUG = True
# No mail server on a developer's machine: notification e-mails are printed to the console.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
