"""Django settings: the operator-owned tier of configuration (environment / .env).

Business configuration that changes at run time lives in the database (platform.runtime_config);
this module only wires infrastructure. Production mode refuses placeholder secrets.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from postloan.modules import module_apps

BASE_DIR = Path(__file__).resolve().parent
env = environ.Env()
if Path(".env").is_file():
    env.read_env(".env")

POSTLOAN_ENV = env.str("POSTLOAN_ENV", default="development")
PRODUCTION = POSTLOAN_ENV == "production"
DATA_DIR = Path(env.str("POSTLOAN_DATA_DIR", default="var")).resolve()

_DEV_SECRET = "dev-insecure-postloan-secret-key-do-not-use-in-production"  # noqa: S105
# Development-only AES-256 key (base64 of 32 bytes); production must provide its own keys.
_DEV_ENCRYPTION_KEYS = "dev1:cG9zdGxvYW4tZGV2LWtleS0wMDAwMDAwMDAwMDAwMDA="
_DEV_HASH_KEY = "postloan-dev-lookup-hash-key"

SECRET_KEY = env.str("POSTLOAN_SECRET_KEY", default=_DEV_SECRET)
POSTLOAN_ENCRYPTION_KEYS = env.str("POSTLOAN_ENCRYPTION_KEYS", default=_DEV_ENCRYPTION_KEYS)
POSTLOAN_HASH_KEY = env.str("POSTLOAN_HASH_KEY", default=_DEV_HASH_KEY)

if PRODUCTION:
    _problems = []
    if SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 32:
        _problems.append("POSTLOAN_SECRET_KEY must be set to a random value of at least 32 characters")
    if POSTLOAN_ENCRYPTION_KEYS == _DEV_ENCRYPTION_KEYS:
        _problems.append("POSTLOAN_ENCRYPTION_KEYS must be set (id:base64-32-byte-key[,older ...])")
    if POSTLOAN_HASH_KEY == _DEV_HASH_KEY or len(POSTLOAN_HASH_KEY) < 32:
        _problems.append("POSTLOAN_HASH_KEY must be set to a random value of at least 32 characters")
    if _problems:
        raise ImproperlyConfigured("Refusing to start in production mode: " + "; ".join(_problems))

DEBUG = env.bool("POSTLOAN_DEBUG", default=False)
ALLOWED_HOSTS = env.list("POSTLOAN_ALLOWED_HOSTS", default=["*"] if not PRODUCTION else [])
CSRF_TRUSTED_ORIGINS = env.list("POSTLOAN_CSRF_TRUSTED_ORIGINS", default=[])

# Modules served by this process (`postloan serve --modules a,b`); the platform is always on.
POSTLOAN_MODULES = env.list("POSTLOAN_MODULES", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "ninja",  # serves Swagger UI from its own static files (no CDN)
    "postloan.platform",
    *module_apps(),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "postloan.platform.middleware.RequestIdMiddleware",
    "postloan.platform.middleware.ApiJsonErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "postloan.platform.middleware.UserPreferenceMiddleware",
    "postloan.platform.middleware.ModuleSwitchMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "postloan.urls"
WSGI_APPLICATION = "postloan.wsgi.application"

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
                "postloan.platform.context_processors.shell",
            ],
        },
    }
]

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'postloan.sqlite3'}")}
_db = DATABASES["default"]
if "mysql" in _db["ENGINE"]:
    import pymysql

    pymysql.install_as_MySQLdb()
    _db.setdefault("OPTIONS", {}).update(
        {"charset": "utf8mb4", "init_command": "SET sql_mode='STRICT_TRANS_TABLES'"}
    )
    _db["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
elif "sqlite" in _db["ENGINE"]:
    if _db["NAME"] not in ("", ":memory:"):
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file, not the in-memory default, so `postloan worker` processes started by the tests share it.
    _db["TEST"] = {"NAME": str(DATA_DIR / "test-postloan.sqlite3")}
_db["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# Broker for `postloan eod run --workers celery` and `postloan worker`: Redis or RabbitMQ (amqp://).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_QUEUE = env.str("POSTLOAN_CELERY_QUEUE", default="postloan")
# Partitions a local end-of-day run works on at once (PostgreSQL only; elsewhere one at a time).
EOD_THREADS = env.int("POSTLOAN_EOD_THREADS", default=2)
EOD_WORKER_TIMEOUT = env.int("POSTLOAN_EOD_WORKER_TIMEOUT", default=3600)  # seconds a run waits for workers
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "postloan"}}

AUTH_USER_MODEL = "platform.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "postloan.platform.auth_backend.RolePermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "platform:login"
LOGIN_REDIRECT_URL = "platform:home"

# Lock-out after repeated failures (django-axes): per username + IP, cool-off in hours.
AXES_FAILURE_LIMIT = env.int("POSTLOAN_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("POSTLOAN_LOGIN_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "postloan.platform.views.auth.lockout_response"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("POSTLOAN_SESSION_SECONDS", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_COOKIES = env.bool("POSTLOAN_SECURE_COOKIES", default=PRODUCTION)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_HSTS_SECONDS = env.int("POSTLOAN_HSTS_SECONDS", default=31536000)
    SECURE_SSL_REDIRECT = env.bool("POSTLOAN_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Tabler and ECharts set style attributes; no remote styles are ever loaded.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env.str("POSTLOAN_TIME_ZONE", default="Asia/Shanghai")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "filters": {"request_id": {"()": "postloan.platform.logging.RequestIdFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env.str("POSTLOAN_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

# Plugins are discovered through the "postloan.plugins" entry-point group; this list restricts
# which are enabled (empty = all discovered). Test code may also register plugins directly.
POSTLOAN_PLUGINS = env.list("POSTLOAN_PLUGINS", default=[])

os.environ.setdefault("POSTLOAN_DATA_DIR", str(DATA_DIR))
