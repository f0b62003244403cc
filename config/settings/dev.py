"""Local demo settings used by `make run`: DEBUG on, SQLite unless DATABASE_URL is set."""

from config.settings.base import *  # noqa: F403

DEBUG = True
