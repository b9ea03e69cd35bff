"""Settings shared by every environment. Values come from the environment only."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from postpurchase.csp import ADMIN_REPLACEMENTS, DOCS_REPLACEMENTS

from .env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Where the development defaults keep their state: SQLite file, embedded broker, beat schedule.
VAR_DIR = Path(env_str("VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-not-secret-" + "x" * 40

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
# The URL customers and providers reach us at; webhook signatures (Twilio) are computed on it.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [PUBLIC_BASE_URL])

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
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "anymail",
    "csp",
    "axes",
    "postpurchase",
    "orders",
    "tracking",
    "notifications",
    "returns",
    "loyalty",
    "feedback",
    "insights",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "postpurchase.csp.ContentSecurityPolicyMiddleware",
    "postpurchase.limits.RequestLimitsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Staff users are the actor of what their admin requests change (the audit log).
    "postpurchase.audit.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "postpurchase.urls"
WSGI_APPLICATION = "postpurchase.wsgi.application"

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
            ],
        },
    },
]


def _database(url: str) -> dict:
    """Postgres gets Django's native psycopg 3 pool; SQLite gets WAL so web and worker share it."""
    config = dj_database_url.parse(url)
    if config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_MAX_AGE"] = 0  # the pool owns connection lifetimes
        config["OPTIONS"] = {
            "pool": {
                "min_size": 1,
                "max_size": env_int("DB_POOL_MAX_SIZE", 10),
                # How long a request waits for a connection; /healthz answers 503 after it.
                "timeout": env_int("DB_POOL_TIMEOUT", 10),
            },
            # Lets the few statements run on a server-side binding cursor be prepared (the outbox's
            # per-message hand-over, notifications/services/step.py). Django's own cursors bind on
            # the client unless DB_SERVER_SIDE_BINDING is set: measured, not yet the default (ADR
            # 0011). A transaction-pooling PgBouncer needs 1.21+.
            "prepare_threshold": 5,
            "server_side_binding": env_bool("DB_SERVER_SIDE_BINDING", False),
        }
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "timeout": 20,
            # IMMEDIATE takes the write lock at BEGIN, so concurrent writers wait
            # instead of failing with "database is locked" halfway through.
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config


DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Admin logins are throttled (postpurchase/logins.py): after LOGIN_FAILURE_LIMIT failures for a
# username, or from one client address, that username or address is locked out for
# LOGIN_LOCKOUT_MINUTES, even with the right password. `manage.py unlock_login` lifts it.
AUTHENTICATION_BACKENDS = [
    "postpurchase.logins.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: per user, and per client
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "postpurchase.limits.client_ip"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploads (return and review photos). Never served as a folder: no MEDIA_URL route exists; feedback
# serves a review's photo only while the review is published, return photos are for staff only.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
# GDPR exports (`export_customer`, Shopify's customers/data_request) are written here, one file each.
PRIVACY_EXPORT_DIR = Path(env_str("PRIVACY_EXPORT_DIR") or VAR_DIR / "exports")
# Provider callbacks without a store (email and SMS status) keep their raw body this many days (`prune`).
WEBHOOK_RETENTION_DAYS = env_int("WEBHOOK_RETENTION_DAYS", 30)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Inbound webhook and API bodies above these sizes are refused with 413 before anything is parsed.
WEBHOOK_MAX_BODY_BYTES = 1024 * 1024
API_MAX_BODY_BYTES = 1024 * 1024
# An order with more line items is refused, with a message saying so (API, webhooks, import).
ORDER_MAX_LINE_ITEMS = env_int("ORDER_MAX_LINE_ITEMS", 500)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

RETURN_PHOTO_MAX_BYTES = env_int("RETURN_PHOTO_MAX_BYTES", 10 * 1024 * 1024)

# Content-Security-Policy (django-csp 4, postpurchase/csp.py, decision 0006): strict by default,
# so customer pages run nothing inline; an inline <style> needs the request's nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "https:", "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}
CSP_AREA_REPLACEMENTS = [("/admin/", ADMIN_REPLACEMENTS), ("/api/docs/", DOCS_REPLACEMENTS)]

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, but an unreachable Redis is an empty cache (postpurchase/cache.py).
            "BACKEND": "postpurchase.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that hangs must not hang the page: short timeouts, then a miss.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    # Without Redis, a file cache that every process of the machine shares: each gunicorn worker
    # then counts the same lookup attempts (a per-process memory cache let every worker allow its
    # own 20) and serves the same cached pages.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport, so a fresh
# machine runs a real worker and beat with nothing installed. Celery only delivers work;
# every decision lives in the database (docs/architecture.md).
CELERY_BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    # Made here, before anything publishes: web, `seed_demo` and beat all send before (or without)
    # a worker, and kombu's filesystem transport does not create its folders.
    for _folder in {"queue", "processed", "control"}:
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A nudge must not hang a web request when the broker is down: the sweeper delivers anyway.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Delivers whatever is due even when every nudge was lost (broker outage, dead worker).
    "messages-sweep": {"task": "notifications.tasks.messages_dispatch_due_task", "schedule": 5.0},
    # Flags late, silent and lost shipments (the tracking app); delay notices follow from its events.
    "shipments-check-delays": {"task": "tracking.tasks.shipments_check_delays_task", "schedule": 15 * 60.0},
    # Records return_window.closed once per order (returns); loyalty releases pending points on it.
    "returns-close-windows": {"task": "returns.tasks.returns_close_windows_task", "schedule": 60 * 60.0},
    # Publishes reviews held 14 days without a moderator's decision (feedback).
    "reviews-publish-unreviewed": {"task": "feedback.tasks.reviews_publish_unreviewed_task", "schedule": 60 * 60.0},
    # Review requests and surveys for stores that assume delivery some days after the promised date.
    "feedback-assume-delivered": {"task": "feedback.tasks.feedback_assume_delivered_task", "schedule": 60 * 60.0},
    # Loyalty's moments: birthdays on the day in each customer's zone, expiry warnings and expiry.
    "loyalty-birthdays": {"task": "loyalty.tasks.loyalty_birthdays_task", "schedule": 60 * 60.0},
    "loyalty-expiry": {"task": "loyalty.tasks.loyalty_expiry_task", "schedule": 60 * 60.0},
    "loyalty-tiers": {"task": "loyalty.tasks.loyalty_tiers_task", "schedule": 24 * 60 * 60.0},
    # The dashboard's rollup (insights): today and yesterday often, a trailing window and the cohorts nightly.
    "insights-rollup-recent": {"task": "insights.tasks.insights_rollup_recent_task", "schedule": 10 * 60.0},
    "insights-rollup-nightly": {
        "task": "insights.tasks.insights_rollup_nightly_task",
        "schedule": crontab(hour=3, minute=15),
    },
    # Empties webhook bodies and message data past each store's retention (orders.privacy.prune).
    "data-prune": {"task": "orders.tasks.data_prune_task", "schedule": 24 * 60 * 60.0},
    "webhooks-process-pending": {
        "task": "orders.tasks.webhooks_process_pending_task",
        "schedule": 60.0,
    },
}

# Days the nightly rollup recomputes (insights.tasks): late returns, answers and deliveries land in
# the day they belong to; older days keep what they had.
INSIGHTS_ROLLUP_DAYS = env_int("INSIGHTS_ROLLUP_DAYS", 45)

# Messages marked as handed to the provider at a time (notifications/services/handover.py): a kill
# leaves at most this many per sending thread in doubt; more saves a round trip per message.
OUTBOX_HANDOVER_GROUP = env_int("OUTBOX_HANDOVER_GROUP", 1)
# A claim's lease: a killed worker's messages wait this long before a sweep takes them over. Keep
# it above the outbox tasks' hard time limit (240 s, notifications/tasks.py).
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 300)

# Rendering a merchant's template (notifications/render_limits.py): wall-clock seconds, and sizes.
MESSAGE_RENDER_SECONDS = env_float("MESSAGE_RENDER_SECONDS", 2.0)
MESSAGE_EMAIL_MAX_BYTES = env_int("MESSAGE_EMAIL_MAX_BYTES", 512 * 1024)
MESSAGE_SMS_MAX_CHARS = env_int("MESSAGE_SMS_MAX_CHARS", 1600)
# SMTP blocks for ever without it; a hung provider must not hold a worker past its lease.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Post-purchase <no-reply@localhost>")

# SMS backends work like email backends: twilio in production, console/file in development.
SMS_BACKEND = env_str("SMS_BACKEND", "notifications.channels.sms.ConsoleBackend")
SMS_FILE_PATH = env_str("SMS_FILE_PATH") or str(VAR_DIR / "sms.jsonl")
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_FROM = env_str("TWILIO_FROM")
TWILIO_MESSAGING_SERVICE_SID = env_str("TWILIO_MESSAGING_SERVICE_SID")
# The twilio SDK has no timeout of its own; a hung provider must not hold a worker.
TWILIO_TIMEOUT_SECONDS = env_int("TWILIO_TIMEOUT_SECONDS", 10)
TWILIO_API_BASE_URL = env_str("TWILIO_API_BASE_URL")  # only to point the SDK at a fake server in tests

# Return labels (returns.labels): the built-in PDF, or a carrier API's provider class.
RETURN_LABEL_PROVIDER = env_str("RETURN_LABEL_PROVIDER", "returns.labels.builtin.BuiltinLabelProvider")

# anymail: tracking webhooks at /webhooks/anymail/<esp>/tracking/, protected by HTTP basic auth
# ("user:password" in ANYMAIL_WEBHOOK_SECRET; without it they answer 401, see notifications/urls_anymail.py). Provider settings come as ANYMAIL_<NAME> env vars.
ANYMAIL = {key.removeprefix("ANYMAIL_"): value for key, value in os.environ.items() if key.startswith("ANYMAIL_")}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["orders.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["orders.auth.HasStoreKey"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # One JSON parser with our limits (size, depth, NUL); no form or multipart bodies.
    "DEFAULT_PARSER_CLASSES": ["postpurchase.limits.SafeJSONParser"],
    "EXCEPTION_HANDLER": "postpurchase.exceptions.api_exception_handler",
    # Proxies in front of us: set to 1 behind one, so per-IP limits see the client, not the proxy.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Post-purchase API",
    "DESCRIPTION": "Orders, shipments and tracking events for one store. "
    "Authenticate with `Authorization: Bearer <key>` (see `manage.py create_api_key`).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI and ReDoc from the installed sidecar package: the docs work with no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tracking.schema.add_generic_carrier_webhook",
    ],
    # Orders and shipments both have a `status`: name their enums rather than let a hash decide.
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.OrderStatus",
        "ShipmentStatusEnum": "orders.models.ShipmentStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
