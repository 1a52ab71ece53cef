"""Settings for Followup CRM, read from the environment.

Every variable has a safe local default so that `make run` works on a fresh machine: SQLite
under `var/`, a filesystem Celery broker, the console e-mail backend. `FOLLOWUP_ENV=production`
switches to the production shape, in which a secret key and allowed hosts must be given and
`manage.py check --deploy` reports nothing.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = os.environ.get("FOLLOWUP_ENV", "development").strip().lower() == "production"

DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)

if PRODUCTION:
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to at least 50 characters in production."
        )
else:
    SECRET_KEY = os.environ.get(
        "SECRET_KEY", "development-only-key-never-use-in-production-0123456789abcdef"
    )

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "django_htmx",
    "phonenumber_field",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI served from our own static files: the machines reach no CDN.
    "drf_spectacular_sidecar",
    "django_filters",
    "simple_history",
    "axes",
    "csp",
    "followup_crm",
    "clients",
    "touchpoints",
    "surveys",
    "reports",
    "webhooks",
    "telephony",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "followup_crm.security.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "followup_crm.urls"
WSGI_APPLICATION = "followup_crm.wsgi.application"

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
                "followup_crm.context_processors.navigation",
                "followup_crm.context_processors.brand",
            ],
        },
    },
]

# Database: PostgreSQL when DATABASE_URL is set, otherwise SQLite under DATA_DIR.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
    # No JIT compilation: on the reports' aggregates (a few hundred thousand rows at most) it
    # spent 100–150 ms compiling for each query and saved less. A DATABASE_URL that sets its
    # own ?options= keeps them.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "db.sqlite3"),
            # web, worker and beat share the file: WAL and immediate transactions avoid
            # "database is locked" when two of them write at once.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
    # The reports' covering indexes (INCLUDE columns) are for PostgreSQL; SQLite builds them
    # as plain indexes, which is all the embedded default needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(os.environ.get("PASSWORD_MIN_LENGTH", "10"))},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes). The check runs first and refuses a locked-out login; the
# model backend then checks the password.
AUTHENTICATION_BACKENDS = [
    "followup_crm.security.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failures count per username *and* address together: colleagues behind one office NAT are not
# locked out by one person's typos, and nobody can lock a manager out from elsewhere by typing
# their name. A locked pair is refused even the right password until the cool-off has passed
# since its last failure; a successful login clears the count.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every management command
# API tokens (followup_crm.tokens): each works this many days from its creation, then the
# integration asks for a new one; a password change ends them all sooner.
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "90"))
# Logins and failed logins are kept this long for audit, then pruned by a nightly job.
LOGIN_RECORDS_KEEP_DAYS = int(os.environ.get("LOGIN_RECORDS_KEEP_DAYS", "180"))
AXES_LOCKOUT_CALLABLE = "followup_crm.security.lockout_response"
# The client's address: REMOTE_ADDR unless TRUSTED_PROXY_COUNT reverse proxies stand in front,
# each appending the address it saw to X-Forwarded-For. Then the client is the entry that the
# outermost of them appended, the Nth from the right (django-ipware counts the proxies listed
# *after* the client, hence the minus one); whatever the client wrote further left is ignored.
# IPWARE_STRICT off: entries that are no address are skipped, instead of the whole header being
# dropped for the proxy's own address, which would put everyone behind it on one address.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER: tuple[str, ...] = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT - 1
    AXES_IPWARE_PROXY_ORDER = "left-most"
    IPWARE_STRICT = False
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

# Sessions: a working day at most, and an hour without a request ends one sooner
# (followup_crm.security.SessionTimeoutMiddleware). The cookie dies with the browser.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 60 * 60)))
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)

# Content-Security-Policy (django-csp): everything from our own origin, no inline script or
# style anywhere, no eval, no frames of us elsewhere. Pages that need more say so with the
# csp decorators, for themselves only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Internationalisation: English and a complete Russian translation.
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

# The region used to read phone numbers written without a country code, and the country whose
# public holidays decide working days for calls.
PHONENUMBER_DEFAULT_REGION = os.environ.get("PHONE_REGION", "RU")
HOLIDAYS_COUNTRY = os.environ.get("HOLIDAYS_COUNTRY", "RU")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# E-mail: the console backend by default, SMTP (or any backend) from the environment.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Followup CRM <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Lifecycle rules. How a new buyer's account manager is chosen: "least_loaded" (fewest active
# clients), "round_robin", or "manual" (a director assigns each handoff by hand).
HANDOFF_ASSIGNMENT = os.environ.get("HANDOFF_ASSIGNMENT", "least_loaded")
if HANDOFF_ASSIGNMENT not in {"least_loaded", "round_robin", "manual"}:
    raise ImproperlyConfigured("HANDOFF_ASSIGNMENT must be least_loaded, round_robin or manual.")
# Bonus points a referrer earns when the person they referred buys (0: none).
REFERRAL_REWARD_POINTS = int(os.environ.get("REFERRAL_REWARD_POINTS", "500"))
# Every Nth purchase of a client is free (0: the rule is off).
BONUS_EVERY_NTH_FREE = int(os.environ.get("BONUS_EVERY_NTH_FREE", "0"))

# Import of clients and orders (CSV, XLSX): the largest file and the most rows taken at once.
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "10000"))
IMPORT_MAX_FILE_BYTES = int(os.environ.get("IMPORT_MAX_FILE_BYTES", str(10 * 1024 * 1024)))
# The most cells a file may hold (counted as the file is read, before its rows are parsed): a
# small XLSX can describe millions of empty cells.
IMPORT_MAX_CELLS = int(os.environ.get("IMPORT_MAX_CELLS", "200000"))

# The company as clients see it: in letters, messages and links.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
COMPANY_NAME = os.environ.get("COMPANY_NAME", "Followup Furniture")
COMPANY_PHONE = os.environ.get("COMPANY_PHONE", "+7 495 000-00-00")
COMPANY_EMAIL = os.environ.get("COMPANY_EMAIL", "hello@example.com")
# The company's brand on the pages clients open by link (survey, order page, unsubscribe):
# its site, its logo (a static file's path such as "brand/logo.svg", or an https:// address;
# empty: the name alone) and its colour (#rgb or #rrggbb: buttons and links, served as
# /brand.css: no inline style).
COMPANY_SITE = os.environ.get("COMPANY_SITE", SITE_URL)
COMPANY_LOGO = os.environ.get("COMPANY_LOGO", "")
COMPANY_COLOR = os.environ.get("COMPANY_COLOR", "#1f6feb")
if not re.fullmatch(r"#(?:[0-9A-Fa-f]{3}){1,2}", COMPANY_COLOR):
    raise ImproperlyConfigured("COMPANY_COLOR must be a colour such as #1f6feb.")
if COMPANY_LOGO and not (
    COMPANY_LOGO.startswith("https://") or re.fullmatch(r"[\w./-]+", COMPANY_LOGO)
):
    raise ImproperlyConfigured("COMPANY_LOGO must be a static file's path or an https:// URL.")
if COMPANY_LOGO.startswith("https://"):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(
        "/".join(COMPANY_LOGO.split("/", 3)[:3])
    )
# Who signs the director's letters; empty: the first user with the director role.
COMPANY_DIRECTOR_NAME = os.environ.get("COMPANY_DIRECTOR_NAME", "")
EMAIL_DOMAIN = os.environ.get("EMAIL_DOMAIN", "followup.local")
# These reach mail headers (the sender, a signature in a subject): one line each, or no mail
# could be sent at all.
for _name in (
    "COMPANY_NAME",
    "COMPANY_PHONE",
    "COMPANY_EMAIL",
    "COMPANY_DIRECTOR_NAME",
    "DEFAULT_FROM_EMAIL",
    "EMAIL_DOMAIN",
):
    if any(ord(char) < 32 or 127 <= ord(char) < 160 for char in globals()[_name]):
        raise ImproperlyConfigured(f"{_name} must be one line without control characters.")
del _name

# SMS: the console backend by default; touchpoints.sms.FileBackend writes files;
# touchpoints.sms.HttpBackend posts to a JSON provider.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "touchpoints.sms.ConsoleBackend")
SMS_FILE_PATH = os.environ.get("SMS_FILE_PATH", str(DATA_DIR / "sms"))
SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN", "")
SMS_HTTP_TIMEOUT = int(os.environ.get("SMS_HTTP_TIMEOUT", "10"))
SMS_SENDER = os.environ.get("SMS_SENDER", "Followup")
SMS_MAX_SEGMENTS = int(os.environ.get("SMS_MAX_SEGMENTS", "3"))

# Telephony (see the README): the PBX backend (telephony.pbx.ConsoleBackend prints,
# telephony.pbx.HttpBackend speaks a documented JSON, telephony.pbx.ZadarmaBackend Zadarma's API),
# its address, key and secret (the secret also checks the signatures of its call events).
TELEPHONY_BACKEND = os.environ.get("TELEPHONY_BACKEND", "telephony.pbx.ConsoleBackend")
TELEPHONY_API_URL = os.environ.get("TELEPHONY_API_URL", "https://api.zadarma.com")
TELEPHONY_API_KEY = os.environ.get("TELEPHONY_API_KEY", "")
TELEPHONY_API_SECRET = os.environ.get("TELEPHONY_API_SECRET", "")
TELEPHONY_TIMEOUT = int(os.environ.get("TELEPHONY_TIMEOUT", "10"))
# Telegram: the bot's token and name, the Bot API's address, and the secret in the address of
# the bot's webhook (/telephony/telegram/<secret>/). Messages go through TELEGRAM_BACKEND.
TELEGRAM_BACKEND = os.environ.get("TELEGRAM_BACKEND", "telephony.telegram.BotApiBackend")
TELEGRAM_BOT_TOKEN = os.environ.get("TELEGRAM_BOT_TOKEN", "")
TELEGRAM_BOT_NAME = os.environ.get("TELEGRAM_BOT_NAME", "")
TELEGRAM_API_URL = os.environ.get("TELEGRAM_API_URL", "https://api.telegram.org")
TELEGRAM_WEBHOOK_SECRET = os.environ.get("TELEGRAM_WEBHOOK_SECRET", "")

# When touchpoints may happen: calls inside the company's working hours (its time zone, its
# country's working days) and the client's daytime; messages only in the client's daytime.
WORK_HOURS = (
    int(os.environ.get("WORK_HOURS_START", "9")),
    int(os.environ.get("WORK_HOURS_END", "18")),
)
DAYTIME_HOURS = (
    int(os.environ.get("DAYTIME_HOURS_START", "10")),
    int(os.environ.get("DAYTIME_HOURS_END", "20")),
)
# A call or a postal task still not done this many days after it was due is marked missed.
MISSED_AFTER_DAYS = int(os.environ.get("MISSED_AFTER_DAYS", "7"))
# Planning keeps each anchor's active cadence steps in the process this many seconds: an edit
# in this process empties it at once, another process's edit is seen within this time.
CADENCE_CACHE_SECONDS = int(os.environ.get("CADENCE_CACHE_SECONDS", "60"))
# Surveys: the survey the "survey-invite" message links to, and how long an order's page link
# for its client works.
DEFAULT_SURVEY = os.environ.get("DEFAULT_SURVEY", "after-delivery")
ORDER_LINK_DAYS = int(os.environ.get("ORDER_LINK_DAYS", "180"))
# A call not answered (or busy) is tried again this many hours later, up to this many attempts.
CALL_RETRY_HOURS = int(os.environ.get("CALL_RETRY_HOURS", "2"))
CALL_MAX_ATTEMPTS = int(os.environ.get("CALL_MAX_ATTEMPTS", "3"))
# Sending: how long a dispatcher holds a claimed row, and the retries of temporary failures.
SEND_LEASE_SECONDS = int(os.environ.get("SEND_LEASE_SECONDS", "300"))
SEND_RETRY_BASE_SECONDS = int(os.environ.get("SEND_RETRY_BASE_SECONDS", "60"))
SEND_MAX_ATTEMPTS = int(os.environ.get("SEND_MAX_ATTEMPTS", "5"))
# Webhooks out: how long one POST may take, the first retry's delay (doubled each time, up to
# the cap), and how long a delivery is retried before it is marked failed.
WEBHOOK_TIMEOUT_SECONDS = int(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
WEBHOOK_RETRY_BASE_SECONDS = int(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", "30"))
WEBHOOK_RETRY_MAX_SECONDS = int(os.environ.get("WEBHOOK_RETRY_MAX_SECONDS", "3600"))
WEBHOOK_RETRY_FOR_SECONDS = int(os.environ.get("WEBHOOK_RETRY_FOR_SECONDS", str(24 * 3600)))

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport, which needs no
# server, so that a worker and Beat really run on the embedded default.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_TASK_HARD_TIME_LIMIT = 300
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A message not acknowledged within the visibility timeout is redelivered; it must outlast
    # the hard time limit so that a long task is never handed to a second worker while it runs.
    # A broker host that drops packets (rather than refusing) must not hold a request that
    # enqueues a task until the TCP timeout: the sweeps pick up what was not enqueued.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "visibility_timeout": CELERY_TASK_HARD_TIME_LIMIT * 4,
        "socket_connect_timeout": 5,
    }
else:
    BROKER_DIR = DATA_DIR / "broker"
    (BROKER_DIR / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# Results live in the database tables the tasks write; nobody waits on a Celery result.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = CELERY_TASK_HARD_TIME_LIMIT
CELERY_TASK_ACKS_LATE = False  # set per task, and only for idempotent ones
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# The health page calls Beat down when its last heartbeat is older than this.
HEARTBEAT_MAX_AGE_SECONDS = int(os.environ.get("HEARTBEAT_MAX_AGE_SECONDS", "180"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes reports every login at INFO; lockouts come at WARNING and stay.
    "loggers": {"axes": {"level": os.environ.get("AXES_LOG_LEVEL", "WARNING")}},
}

if PRODUCTION:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto (see README).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # The container health check talks plain HTTP to the web process itself.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# The REST API under /api/v1/ (clients/api.py) and its OpenAPI schema.
REST_FRAMEWORK = {
    # Token first: a request without credentials is then a 401 with a WWW-Authenticate header
    # (a 403 would tell an integration nothing about what to send).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "followup_crm.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Amounts are Decimal and travel as strings, never floats.
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "EXCEPTION_HANDLER": "followup_crm.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Followup CRM API",
    "DESCRIPTION": (
        "Clients, orders and their events, referrals and refusals. Authenticate with "
        "`Authorization: Token <key>` (POST /api/v1/auth/token/ gives a new key, or make a "
        "named one on /account/tokens/) or a session. A token expires API_TOKEN_DAYS (90 by "
        "default) days after it was made, and ends at once when its owner revokes it or "
        "changes their password; an expired token is a 401. "
        "Validation errors are 400 with a list of messages per field; an object you may not "
        "see is a 404."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Separate request and response components, so read-only fields are not shown as inputs.
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "clients.models.OrderStatus",
        "StageEnum": "clients.models.Stage",
        "ChannelEnum": "clients.models.Channel",
        "WebhookEventEnum": "webhooks.models.EventType",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
