"""Test settings: the same application, with fast password hashing and eager jobs."""

from config.settings.base import *  # noqa: F403
from config.settings.base import VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
EXPORTS_DIR = VAR_DIR / "test-exports"
AXES_VERBOSE = False
