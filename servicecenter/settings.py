"""Django settings for servicecenter, read from the environment (see .env.example).

With no environment at all it runs on a bare machine: SQLite file, Celery tasks executed in-process,
local-memory cache, DEBUG on. SECRET_KEY, DATABASE_URL, REDIS_URL, ALLOWED_HOSTS and DEBUG switch it
to production.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Production is declared by giving a SECRET_KEY; DEBUG may still be set explicitly either way.
_secret = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=not _secret)
if not _secret and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
SECRET_KEY = _secret or "django-insecure-development-only-servicecenter-key-not-for-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "simple_history",
    "axes",
    "servicecenter",
    "counter",
    "billing",
    "staffing",
    "evaluation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "servicecenter.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "servicecenter.middleware.IdleSessionTimeoutMiddleware",
    "servicecenter.middleware.ForcePasswordChangeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "servicecenter.urls"
WSGI_APPLICATION = "servicecenter.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "servicecenter.context_processors.hall_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections: measured 4.4x the throughput of a connection per request here.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
    # Taking a payment runs statements prepared once per session (servicecenter/prepared.py, which turns
    # psycopg's preparing on only while they run): connect to PostgreSQL itself or through a session-mode
    # pooler — not a transaction-mode one — and leave psycopg's prepare_threshold unset (Django's default).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery ----------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {"default": env.cache("CACHE_URL", default=REDIS_URL or "locmemcache://")}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without Redis there is no worker: tasks run in-process so a bare machine needs nothing else.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = timedelta(hours=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Shanghai"
WORKER_PING_TIMEOUT = env.float("WORKER_PING_TIMEOUT", default=5.0)
WORKER_OK_SECONDS = env.int("WORKER_OK_SECONDS", default=15)  # /healthz reuses a worker answer this long

# --- Auth and security ------------------------------------------------------------------------------
AUTH_USER_MODEL = "servicecenter.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Refuses every sign-in from an address over LOGIN_FAILURES_PER_ADDRESS, whatever page it comes from.
    "servicecenter.auth_policy.AddressThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout after 5 failed logins for 10 minutes (等保 2.0 login-failure control), per username so that a
# hall sharing one public address is not locked out as a whole.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=10))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Failures are counted in the cache (Redis in production, shared by every web process): a sign-in then
# costs no lockout queries at all.
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
# Failed sign-ins from one address (any usernames) before that address is refused for the cool-off.
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=30)
# axes warns when the address is not a lockout key; here it must not be (one NAT address per hall).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
if "LocMemCache" in CACHES["default"]["BACKEND"]:
    # The embedded default runs a single process, where a local-memory count of failures is exact.
    SILENCED_SYSTEM_CHECKS.append("axes.W001")
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "servicecenter.views.auth.lockout_response"
AXES_VERBOSE = False
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are audit events of our own

# Idle sessions end after this many seconds without a request.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Accounts created by seed_demo may skip the first-login password change (make run); administrators'
# new accounts never do.
DEMO_USERS_MUST_CHANGE_PASSWORD = env.bool("DEMO_USERS_MUST_CHANGE_PASSWORD", default=False)
# Audit events are kept at least 180 days (等保 2.0 asks for six months of logs).
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
if AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured("AUDIT_RETENTION_DAYS must be at least 180.")

# Behind our own reverse proxy (docker-compose publishes the app on loopback only): trust the scheme and
# the client address it reports. Never on a port that clients reach directly.
USE_X_FORWARDED_FOR = env.bool("BEHIND_PROXY", default=False)
if USE_X_FORWARDED_FOR:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Internationalisation ---------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Files only a permission-checked view hands out (monthly statements): never under MEDIA_URL.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.path("PRIVATE_ROOT", default=BASE_DIR / "private")},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- API --------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["servicecenter.drf.IsAuthenticatedWithOwnPassword"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "servicecenter.drf.Pagination",
    "EXCEPTION_HANDLER": "servicecenter.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "servicecenter API",
    "DESCRIPTION": "Counter operations of a city-gas customer service hall (客服中心).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["servicecenter.drf.IsAuthenticatedWithOwnPassword"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "Role": "servicecenter.roles.Role.choices",
        "TicketStatus": "counter.models.Ticket.Status",
        "WindowPostStatus": "counter.models.WindowPost.Status",
        "BusinessStatus": "counter.models.Business.Status",
        "AccountStatus": "counter.models.GasAccount.Status",
        "BillStatus": "counter.models.Bill.Status",
        "ComplaintStatus": "counter.models.Complaint.Status",
        "IncidentStatus": "counter.models.Incident.Status",
        "VisitStep": "counter.models.Visit.Step",
        "ChecklistKind": "counter.models.ChecklistItem.Kind",
        "IncidentKind": "counter.models.IncidentKind",
        "AuditEventKind": "servicecenter.models.AuditEvent.Kind",
        "TillState": "billing.models.Till.State",
        "HallDayState": "billing.models.HallDay.State",
        "ReversalState": "billing.models.Reversal.State",
        "PaymentStatus": "billing.models.Payment.Status",
        "CardWrite": "billing.models.Payment.CardWrite",
        "ReceiptStatus": "billing.models.Receipt.Status",
        "ReceiptBookStatus": "billing.models.ReceiptBook.Status",
        "TenderKind": "billing.models.Tender.Kind",
        "FeeItemKind": "billing.models.FeeItem.Kind",
        # A statement's and a company report's builds go through the same states.
        "BuildState": "billing.models.CompanyReport.State",
        "PeriodKind": "billing.models.CompanyReport.Kind",
    },
}

# --- Logging ----------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint and fontTools log every layout step at INFO: a statement would fill the worker's log.
    "loggers": {name: {"level": "WARNING"} for name in ("axes", "weasyprint", "fontTools")},
}
