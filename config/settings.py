"""Settings for the township portal: one module, every value read from the environment.

Development (``make run``) works with no environment at all: DEBUG on, SQLite under var/,
Redis on 127.0.0.1. Production (``DJANGO_ENV=production``) refuses to start without
SECRET_KEY and ALLOWED_HOSTS and turns on secure cookies, HSTS and a strict CSP.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"
DEBUG = env.bool("DEBUG", default=not PRODUCTION)

if PRODUCTION:
    missing = [
        name
        for name in ("SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY")
        if not env.str(name, default="")
    ]
    if missing:
        raise ImproperlyConfigured("Production mode needs these environment variables: " + ", ".join(missing))
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me-0123456789abcdefghijklmnop")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "axes",
    "csp",
    "django_htmx",
    "common",
    "org",
    "projects",
    "beneficiaries",
    "publicity",
    "partycare",
    # After partycare only so the Party care menu keeps its order; it sits below partycare.
    "fieldwork",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "org.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Inside SessionMiddleware: it marks the session for saving before that one writes it.
    "org.middleware.SessionRenewalMiddleware",
    # Inside AuthenticationMiddleware: the lazily loaded user and session follow its rule too.
    "org.middleware.ReplicaReadMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "org.middleware.DatabaseUnavailableMiddleware",
    # Last: it must see the response of the authentication backends.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "django.template.context_processors.i18n",
                "org.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite only as make run's embedded default; tests and production use PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections in production (a connection per request costs a TCP + auth round trip);
# none in development, where the embedded SQLite file needs none.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60 if PRODUCTION else 0)
# A restarted PostgreSQL must not leave the web process with a dead connection.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # make run's embedded database is written by the web process and a Celery worker at once:
    # WAL lets readers go on while one writes, IMMEDIATE takes the write lock when a transaction
    # starts (a reader upgrading to a writer mid-transaction is what raises "database is locked"
    # at once, without waiting), and the timeout lets a writer wait its turn.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        }
    )
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # No JIT: the pages' queries are short, but a list annotated per row (projects with their
    # progress and funds) is estimated dear enough for PostgreSQL to compile it, with inlining
    # and optimisation once the estimates grow: on the bench that added 0.2 s to 3 s to the
    # county reviewer's project list, which takes 0.15 s without it (issue 17).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
# An optional read replica (a streaming standby of the primary): GET pages and exports read it,
# writes and the reads right after them stay on the primary (org.db_router, with
# org.middleware.ReplicaReadMiddleware and common.jobs). Without it the router changes nothing.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
# How long after a write a user's requests keep reading the primary (a cookie): longer than the
# replica's usual lag, short enough that the replica takes the reading.
DATABASE_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=5)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    for key in ("ATOMIC_REQUESTS", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
        DATABASES["replica"][key] = DATABASES["default"][key]
    if DATABASES["replica"]["ENGINE"] == DATABASES["default"]["ENGINE"]:
        DATABASES["replica"]["OPTIONS"] = {
            **DATABASES["default"].get("OPTIONS", {}),
            **DATABASES["replica"].get("OPTIONS", {}),
        }
    # Tests get no database of their own for it: it points at the test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["org.db_router.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth and security baseline (MLPS level 3 habits) ---------------------------------------
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "org.passwords.ComplexityValidator", "OPTIONS": {"min_classes": 3}},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lock an account (username + address) after 5 failed logins; an officer unlocks it in the
# admin (Axes → access attempts) or it unlocks itself after AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.int("AXES_COOLOFF_MINUTES", default=30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_VERBOSE = False

# Idle sessions expire: the cookie is renewed on every request and dies after N idle minutes.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# The idle timeout is renewed at most once a minute (org.middleware.SessionRenewalMiddleware), not
# by a write on every request: a page view that only reads writes nothing (read replicas, WAL).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = env.int("SESSION_RENEW_SECONDS", default=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content security policy: everything from the portal itself, nothing from elsewhere.
# Inline styles stay allowed (Bootstrap progress bars and ECharts size elements with style="").
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Never served as static files, in any mode: config/media.py serves each stored file only after
# asking who may see the record holding it (job results and reports: their own downloads only).
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default=(
                "whitenoise.storage.CompressedManifestStaticFilesStorage"
                if PRODUCTION
                else "django.contrib.staticfiles.storage.StaticFilesStorage"
            ),
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Excel imports (core.excel): the largest upload, and the most its zip may unpack to.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_BYTES", default=200 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Cache, Redis, Celery -------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
if env.bool("CACHE_LOCAL", default=False):
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers a message that a worker took (acks_late) but has not acknowledged within the
# visibility timeout, to another worker: it must be longer than the longest task (a county's
# anomaly checks, a large import or export), or a long task runs twice. Those that must never run
# twice also hold a lock (the anomaly checks: a PostgreSQL advisory lock per county).
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=6 * 3600)
if CELERY_VISIBILITY_TIMEOUT < 60:
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT is in seconds: 60 or more.")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": 2,
}
# A nightly anomaly run still "running" after this many seconds is taken for dead (its workers
# were lost) and set aside by the next start; by default the visibility timeout.
ANOMALY_RUN_TIMEOUT = env.int("ANOMALY_RUN_TIMEOUT", default=CELERY_VISIBILITY_TIMEOUT)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The shortest public notice (公示), in calendar days counting both ends: the county's rule is 7.
# The one place this number lives: the notice form, the services (publicity notices, the
# three-round enrolment notices, party aid notices) and the database's check constraint on
# publicity.PublicNotice all read it. The constraint is built from it when the models load, so a
# new value shows up in `manage.py makemigrations` as a publicity migration: make and apply it,
# or the database keeps holding notices to the old value (`make test` fails on
# `makemigrations --check` until the migration exists).
NOTICE_MIN_DAYS = env.int("NOTICE_MIN_DAYS", default=7)
if NOTICE_MIN_DAYS < 1:
    raise ImproperlyConfigured("NOTICE_MIN_DAYS must be 1 or more.")
# Days a finished job's files (exports with whole ID numbers, uploaded rosters) are kept.
JOB_FILE_RETENTION_DAYS = env.int("JOB_FILE_RETENTION_DAYS", default=7)
# A web request that sends a task must not hang when Redis is down: fail fast, the job waits
# and common.job_requeue sends it later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["org.api.permissions.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "common.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "120/minute", "login": "20/minute"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Township livelihood portal API",
    "DESCRIPTION": "Scoped API of the township livelihood portal. Every endpoint answers only "
    "what the authenticated user's division and role allow; others get 404.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema tells how to reach every endpoint: only logged-in users read it.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "kind" field with their own choices: name each enum once.
    "ENUM_NAME_OVERRIDES": {
        "SubmissionKindEnum": "publicity.models.InfoSubmission.Kind",
        "ActivityKindEnum": "publicity.models.Activity.Kind",
        "NoticeKindEnum": "publicity.models.PublicNotice.Kind",
        "CallbackMethodEnum": "beneficiaries.models.Callback.Method",
        "SurveyResponseMethodEnum": "publicity.models.SurveyResponse.Method",
        "MonthlyReportStatusEnum": "reports.models.MonthlyReport.Status",
        # a batch's status in the list and in the detail (with its held lines): one enum
        "BatchStatusEnum": "beneficiaries.models.PaymentBatch.Status",
        # a standard is priced per month/quarter/year; a batch pays a month … year or a span
        "StandardPeriodEnum": "beneficiaries.models.SubsidyStandard.Period",
        "BatchPeriodEnum": "beneficiaries.models.PaymentBatch.Period",
    },
}

# --- Personal data at rest (core/crypto.py) -------------------------------------------
# Fernet keys, newest first (rotation: add the new key in front, run the re-encryption, drop
# the old one). The blind index key must never change once data exists. In development both
# are derived from SECRET_KEY; production refuses to start without them (see above).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
BLIND_INDEX_KEY = env.str("BLIND_INDEX_KEY", default="")

# --- Portal ---------------------------------------------------------------------------------
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="Minsheng-2026")
SUPERVISION_HOTLINE = env.str("SUPERVISION_HOTLINE", default="0558-12345")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
