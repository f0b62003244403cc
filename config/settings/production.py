"""Production settings: everything in base, hardened for a deployment behind TLS.

Passes `manage.py check --deploy --fail-level WARNING`. Required in the environment:
`SECRET_KEY` (at least 50 characters), `ALLOWED_HOSTS`, `DATABASE_URL`. See docs/operations.md.
"""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import LOGGING as BASE_LOGGING
from config.settings.base import REST_FRAMEWORK

DEBUG = False

SECRET_KEY = env_str("SECRET_KEY")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured(
        "SECRET_KEY must be a random value of at least 50 characters "
        "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# TLS ends at the reverse proxy, which must set X-Forwarded-Proto and strip it from clients.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 63_072_000)  # two years
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"

# Every page, including the API documentation, under the strict policy.
CONTENT_SECURITY_POLICY_OVERRIDES = {}

# Bounded request bodies: the largest legitimate body is an event with a long narrative.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500
DATA_UPLOAD_MAX_NUMBER_FILES = 5

# JSON only: no browsable API, whatever BROWSABLE_API says.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}

REQUIRE_2FA = env_bool("REQUIRE_2FA", True)

STORAGES = {
    **STORAGES,  # noqa: F405  (attachments: the media root or a bucket, from the environment)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Logs carry request ids, paths and status codes, never request bodies or patient data:
# Django's request logger is kept at WARNING (it logs paths only), and nothing logs bodies.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # The base's quiet loggers (WeasyPrint's progress, font subsetting) stay quiet here too:
    # the start-up warm-up renders a PDF before the first request.
    "loggers": {
        **BASE_LOGGING["loggers"],
        "django.request": {"level": "WARNING"},
        "django.security": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
