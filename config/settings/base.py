"""Settings shared by every environment. Values that differ per deployment come from the
environment through `config.env`, which refuses values it cannot read."""

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    database_from_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    sqlite_database,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("SAFETY_LEDGER_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "django_filters",
    "django_htmx",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "audit",
    "events",
    "events.accounts",
    "events.notifications",
    "events.inquiries",
    "events.imports",
    "reporting",
    "exports",
]

MIDDLEWARE = [
    # First: every later reader of REMOTE_ADDR (lockout, access log) sees the client.
    "config.client_address.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "events.api.errors.ApiErrorBodyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "audit.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "config.middleware.SessionLimitsMiddleware",
    "events.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so it sees the outcome of the login view and answers a lockout.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "events.context_processors.roles",
                "events.notifications.context_processors.unread_notifications",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL", "")
DATABASES = {
    "default": (
        database_from_url(_database_url)
        if _database_url
        else sqlite_database(VAR_DIR / "safety_ledger.sqlite3")
    )
}
_replica_url = env_str("DATABASE_REPLICA_URL", "")
if _replica_url:
    DATABASES["replica"] = database_from_url(_replica_url)
DATABASE_ROUTERS = ["config.routers.ReportingReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Axes first: it refuses a locked-out username+IP before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Logins and failures go to the ledger's own access log (audit.receivers).
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Behind a reverse proxy the client's address comes from X-Forwarded-For, and only when the
# peer is a trusted proxy (config.client_address): list the proxies' addresses or networks,
# or give how many proxies stand in front (only if nothing else can reach the application).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# The API token endpoint answers a lockout in JSON; the login page with its template.
AXES_LOCKOUT_CALLABLE = "events.accounts.lockout.lockout_response"

# API tokens (knox digests, events.accounts.models.ApiToken): a token stops working this long
# after it was issued, or after this long without a request, whichever comes first.
KNOX_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105  (a model name)
API_TOKEN_MAX_AGE = timedelta(hours=env_int("API_TOKEN_MAX_AGE_HOURS", 30 * 24))
API_TOKEN_IDLE_TIMEOUT = timedelta(hours=env_int("API_TOKEN_IDLE_HOURS", 7 * 24))
REST_KNOX = {"TOKEN_TTL": API_TOKEN_MAX_AGE, "AUTO_REFRESH": False}

# Second factor (TOTP, with static recovery codes) for medical directors and auditors.
REQUIRE_2FA = env_bool("REQUIRE_2FA", False)
OTP_TOTP_ISSUER = "Safety Ledger"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").exists() else []
MEDIA_ROOT = VAR_DIR / "media"

# Attachments on events (events.inquiries): under the media root, never served by a static
# or media URL (downloads go through the application, scoped and logged). With
# ATTACHMENT_S3_BUCKET they go to an S3-compatible bucket through django-storages' S3 backend
# (which needs boto3: `pip install 'safety-ledger[s3]'`); credentials come from the usual
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables. See docs/operations.md.
ATTACHMENT_S3_BUCKET = env_str("ATTACHMENT_S3_BUCKET", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "attachments": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": ATTACHMENT_S3_BUCKET,
                "endpoint_url": env_str("ATTACHMENT_S3_ENDPOINT_URL", "") or None,
                "region_name": env_str("ATTACHMENT_S3_REGION", "") or None,
                "location": "attachments",
                "default_acl": None,
                "file_overwrite": False,
                "querystring_auth": True,
            },
        }
        if ATTACHMENT_S3_BUCKET
        else {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": MEDIA_ROOT / "attachments", "base_url": "/no-public-url/"},
        }
    ),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The largest attachment accepted, in megabytes (PDF, PNG or JPEG).
ATTACHMENT_MAX_MB = env_int("ATTACHMENT_MAX_MB", 10)
# A director's question is due this many days after it is asked (or asked again).
QUESTION_DUE_DAYS = env_int("QUESTION_DUE_DAYS", 3)
# Who tells people of a new question and of an answer (events.inquiries.notifications): a
# dotted path to a callable taking kind, recipients, link, key and event_id; empty logs the
# moment only.
INQUIRY_NOTIFIER = "events.notifications.inquiries.inquiry_notify"

# Exports written by jobs live here, outside any served directory.
EXPORTS_DIR = VAR_DIR / "exports"

# The ledger asks the apps above it who may read it and which downloads to offer (audit
# imports no app above it): the clinic's policy (events) with the exports' downloads.
AUDIT_LEDGER_POLICY = "exports.ledger_policy.ExportingLedgerPolicy"
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_EDIT = False

REST_FRAMEWORK = {
    # Token first: its `WWW-Authenticate: Token` header makes a request without credentials
    # a 401 on every endpoint (session authentication has no such header, so DRF sends 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "events.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "events.api.errors.exception_handler",
}
if env_bool("BROWSABLE_API", DEBUG):
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "Safety Ledger API",
    "DESCRIPTION": "Adverse-event reporting for ketamine infusion clinics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Code lists shared by several fields get one schema name each.
    "ENUM_NAME_OVERRIDES": {
        "YesNoNotApplicableEnum": "events.choices.YesNoNA",
        "SessionStatusEnum": "events.choices.SessionStatus",
        "SessionStartStatusEnum": "events.api.serializers.sessions.START_STATUSES",
        "SessionFinishStatusEnum": "events.api.serializers.sessions.FINISH_STATUSES",
        "EventStatusEnum": "events.choices.EventStatus",
        "SuggestionStatusEnum": "events.choices.SuggestionStatus",
        "ExportKindEnum": "exports.models.ExportKind",
    },
}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_ACKS_LATE = True
# Exports run in their own queue, so dedicated workers (`celery -A config worker -Q exports`)
# take them and a long listing never delays other work (docs/performance.md, scale-out).
CELERY_TASK_ROUTES = {"exports.*": {"queue": "exports"}}
# `celery -A config beat` recomputes the safety summary's stale monthly rollups this often
# (without a broker, run `manage.py refresh_rollups` from cron instead; docs/operations.md).
ROLLUP_REFRESH_SECONDS = env_int("ROLLUP_REFRESH_SECONDS", 300)
# The daily review digest goes out at this hour (UTC); e-mails that are due (retries, lost
# tasks) are swept every minute. Without a broker, cron runs `manage.py send_notifications`.
REVIEW_DIGEST_HOUR_UTC = env_int("REVIEW_DIGEST_HOUR_UTC", 6)
if not 0 <= REVIEW_DIGEST_HOUR_UTC <= 23:
    raise ImproperlyConfigured("REVIEW_DIGEST_HOUR_UTC must be an hour from 0 to 23.")
CELERY_BEAT_SCHEDULE = {
    "refresh-monthly-rollups": {
        "task": "reporting.refresh_rollups",
        "schedule": ROLLUP_REFRESH_SECONDS,
    },
    "deliver-due-notifications": {"task": "notifications.deliver_due", "schedule": 60},
    "review-digest": {
        "task": "notifications.review_digest",
        "schedule": crontab(hour=REVIEW_DIGEST_HOUR_UTC, minute=0),
    },
}
CELERY_TIMEZONE = "UTC"

# E-mail (notifications). SMTP with these settings; EMAIL_BACKEND may name another backend
# (e.g. django.core.mail.backends.console.EmailBackend on a developer's machine).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both.")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Safety Ledger <safety-ledger@localhost>")
# Links in e-mails point here (the address people open the application at).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
if not PUBLIC_BASE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("PUBLIC_BASE_URL must be an http(s) URL.")
# A notification e-mail that fails this many times is marked failed (visible in the admin).
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 8)

# Filing an event with the same term as one already on file for the same session (or the
# same patient within a day), with an onset this close, asks for confirmation first.
DUPLICATE_ONSET_WINDOW_MINUTES = env_int("DUPLICATE_ONSET_WINDOW_MINUTES", 60)

# Where our FHIR StructureDefinitions (extensions) are published: their canonical URLs are
# <base>/StructureDefinition/<name> (exports.fhir.extension_url).
FHIR_CANONICAL_BASE = env_str("FHIR_CANONICAL_BASE", "https://safety-ledger.example.org/fhir")
if not FHIR_CANONICAL_BASE.startswith(("https://", "http://")):
    raise ImproperlyConfigured("FHIR_CANONICAL_BASE must be an http(s) URL.")

# E2B(R3) ICSR export (exports.e2b). The sender identifier (N.1.3, N.2.r.2, in C.1.1) is
# agreed with the receiver (FDA: a DUNS number or the like); the receivers default to FDA's
# postmarket route. The MedDRA version goes with the terms' MedDRA codes, which the clinic
# records under its own licence. FDA's postmarket rules want the sender's contact person,
# address, telephone, fax and e-mail (C.3.3, C.3.4): a value left empty leaves its element
# out of the message.
E2B_SENDER_IDENTIFIER = env_str("E2B_SENDER_IDENTIFIER", "SAFETYLEDGER")
E2B_BATCH_RECEIVER = env_str("E2B_BATCH_RECEIVER", "ZZFDA")
E2B_MESSAGE_RECEIVER = env_str("E2B_MESSAGE_RECEIVER", "CDER")
E2B_COUNTRY = env_str("E2B_COUNTRY", "US")
E2B_MEDDRA_VERSION = env_str("E2B_MEDDRA_VERSION", "")
E2B_SENDER = {
    key: env_str(f"E2B_SENDER_{key.upper()}", "")
    for key in (
        "organisation",
        "department",
        "title",
        "given_name",
        "family_name",
        "street",
        "city",
        "state",
        "postcode",
        "telephone",
        "fax",
        "email",
    )
}

# The cache holds derived figures only (the dashboard's summary, keyed by the data it was
# computed from). Several web workers should share one: CACHE_URL=redis://127.0.0.1:6379/1.
_cache_url = env_str("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
        if _cache_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# A session still "in progress" this many minutes after its planned end is listed as a
# data-quality item on the safety dashboard and in the PDF (someone forgot to close it).
OPEN_SESSION_MARGIN_MINUTES = env_int("OPEN_SESSION_MARGIN_MINUTES", 120)


# Downloads the safety reports offer, as (label, URL name): the exports app provides them and
# configuration wires them here, so reporting names no exports URL.
REPORT_DOWNLOADS = [
    ("PDF safety summary", "safety-summary-pdf"),
    ("CSV listing", "events-csv"),
    ("CSV scores", "scores-csv"),
    ("FHIR scores", "scores-fhir"),
    ("FHIR bundle", "events-fhir"),
    ("E2B(R3) XML (signed off)", "events-e2b"),
]
# The same for an event's page: (label, URL name taking the event's id, offered for a voided
# event too, or the one status it is offered for). A voided event was entered in error, so it
# is no FHIR AdverseEvent; only a signed-off event is reported as an E2B(R3) case.
EVENT_DOWNLOADS = [
    ("Case report (PDF)", "event-case-report", True),
    ("FHIR R4 JSON", "event-fhir", False),
    ("E2B(R3) XML", "event-e2b", "signed_off"),
]
# Downloads of the benefit-risk table (reporting.benefit_risk_views), as for the reports.
BENEFIT_RISK_DOWNLOADS = [("CSV", "benefit-risk-csv")]
# Who runs export jobs (exports.services.jobs._dispatch): Celery workers when there is a broker,
# otherwise a thread in each web process (exports.worker); "manual" leaves them for
# `manage.py run_export_jobs`. Jobs never run inside the request that asks for them.
EXPORT_JOB_RUNNER = env_choice(
    "EXPORT_JOB_RUNNER", "celery" if CELERY_BROKER_URL else "thread", ("celery", "thread", "manual")
)
# The in-process worker looks at the queue this often even when nothing wakes it.
# Imports (events.imports): the largest file accepted, where uploaded files are kept, and
# how jobs run ("celery" with a broker, "thread" in the web process, "manual": a command).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 64 * 1024 * 1024)
IMPORTS_DIR = VAR_DIR / "imports"
IMPORT_JOB_RUNNER = env_choice(
    "IMPORT_JOB_RUNNER", "celery" if CELERY_BROKER_URL else "thread", ("celery", "thread", "manual")
)
EXPORT_WORKER_POLL_SECONDS = env_int("EXPORT_WORKER_POLL_SECONDS", 5)
# A running job that records no progress for this long lost its worker, and is queued again.
EXPORT_JOB_STALE_SECONDS = env_int("EXPORT_JOB_STALE_SECONDS", 120)
# The longest period a report, a dashboard or an export may cover; longer is a 400.
REPORT_MAX_PERIOD_YEARS = env_int("REPORT_MAX_PERIOD_YEARS", 10)

SESSION_COOKIE_AGE = 12 * 60 * 60  # absolute limit of a login
SESSION_IDLE_TIMEOUT = 15 * 60
# Activity must not push the absolute limit back (config.middleware.SessionLimitsMiddleware).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False

# Content security policy (config.middleware): same-origin scripts and styles only, no
# framing. The Swagger page loads its bundle from a CDN and is relaxed on its own path;
# production settings drop that exception.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
CONTENT_SECURITY_POLICY_OVERRIDES = {
    "/api/docs/": (
        "default-src 'self'; img-src 'self' data: https://cdn.jsdelivr.net; "
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # PDF layout and font subsetting narrate every step at INFO.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
