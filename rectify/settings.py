"""Settings for Rectify. Every value can be set from the environment; the defaults make a
fresh checkout run on an embedded SQLite database."""

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str = "False") -> bool:
    return os.getenv(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    return int(os.getenv(name, str(default)))


DEBUG = envbool("DEBUG")
TESTING = "pytest" in sys.modules

# Management commands and tests run with a development key; serving through WSGI/ASGI
# with DEBUG off refuses it (see rectify/wsgi.py).
DEVELOPMENT_SECRET_KEY = "django-insecure-rectify-development-only"
SECRET_KEY = os.getenv("SECRET_KEY") or DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = [h for h in os.getenv("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.getenv("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rectify.apps.RectifyConfig",
    "django_filters",
    "simple_history",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "issues",
    "audit",
    "users",
    "notify",
    "outbox",
    "reports",
    "bench",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "rectify.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Denials (403/404) and downloads (Content-Disposition) into the audit log.
    "audit.middleware.AuditMiddleware",
    "rectify.middleware.SessionTimeoutMiddleware",
    "rectify.second_factor.SecondFactorMiddleware",
    "rectify.middleware.PasswordExpiryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "issues.changesets.ChangeSetMiddleware",
    # Last, as axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rectify.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "rectify.wsgi.application"

# SQLite by default so a checkout just works; PostgreSQL through DATABASE_URL=postgres://…
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not envbool("DB_JIT"):
    # PostgreSQL's JIT compiles the dashboards' aggregate queries anew on every request and
    # spent 200 ms of the national overview's 480 (docs/performance.md); the pages' queries
    # are short, so it is off unless DB_JIT=1.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A county's office writes at the same moment from several browsers. Each transaction
    # takes SQLite's write lock when it begins (IMMEDIATE), so a second writer waits for it
    # (up to `timeout` seconds) instead of failing with "database is locked" halfway through;
    # WAL lets readers go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": envint("SQLITE_TIMEOUT", 30),
            "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"),
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "issues.User"
# Login security (等保 2.0 level 3, issue 13).
# Axes counts failed logins in the database. An account is locked after LIMIT failures,
# and so is a client address (whatever username it tries), for COOLOFF minutes; an
# administrator unlocks earlier in the admin (Axes › Access attempts: delete the
# user's rows; axes has no Chinese catalogue) or with
# `manage.py axes_reset_username <username>` / `axes_reset_ip <ip>`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
RECTIFY_LOGIN_FAILURE_LIMIT = envint("RECTIFY_LOGIN_FAILURE_LIMIT", 5)
RECTIFY_LOGIN_COOLOFF_MINUTES = envint("RECTIFY_LOGIN_COOLOFF_MINUTES", 30)
AXES_ENABLED = envbool("AXES_ENABLED", "True")
AXES_FAILURE_LIMIT = RECTIFY_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(minutes=RECTIFY_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "rectify.accounts.lockout_response"
# The client's address: REMOTE_ADDR, or behind nginx (BEHIND_HTTPS_PROXY=1) the address nginx
# appended to X-Forwarded-For (rectify/accounts.py).
AXES_CLIENT_IP_CALLABLE = "rectify.accounts.client_ip"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        # Django's, with a Chinese message.
        "NAME": "rectify.accounts.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Days after which a user must choose a new password; 0 = never.
RECTIFY_PASSWORD_MAX_AGE_DAYS = envint("RECTIFY_PASSWORD_MAX_AGE_DAYS", 0)

# Second factor (rectify/second_factor.py): when on, an account holding an administrator
# duty (系统/安全/审计管理员) pairs an authenticator app at its first login and then enters
# its 6-digit TOTP code after the password. Off by default so the demo's accounts log in
# with a password alone; turn on in production with RECTIFY_ADMIN_OTP_REQUIRED=1.
RECTIFY_ADMIN_OTP_REQUIRED = envbool("RECTIFY_ADMIN_OTP_REQUIRED")
OTP_TOTP_ISSUER = "整改台账"

# Sessions end after IDLE minutes without a request and at the latest MAX_HOURS after login
# (rectify/middleware.py, which logs out with a message; 0 turns either off). The stored
# session outlives both (SESSION_COOKIE_AGE, two weeks) so that the message can be given;
# the cookie ends with the browser.
RECTIFY_SESSION_IDLE_MINUTES = envint("RECTIFY_SESSION_IDLE_MINUTES", 30)
RECTIFY_SESSION_MAX_HOURS = envint("RECTIFY_SESSION_MAX_HOURS", 12)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded evidence lives outside the static path and is served only through views
# that check the user's county.
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", BASE_DIR / "media"))
# The nation's and provinces' .xlsx 台账 built in the background by `manage.py
# prepare_workbooks` (cron or --loop) and served at once while the data is unchanged; off,
# each download builds its workbook (fine for one county's machine without a worker).
RECTIFY_PREPARED_WORKBOOKS = envbool("RECTIFY_PREPARED_WORKBOOKS")

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# HTTPS in production (docs/deploy.md): `manage.py check --deploy` is clean with
# SECURE_COOKIES=1 SECURE_SSL_REDIRECT=1 SECURE_HSTS_SECONDS=31536000
# SECURE_HSTS_INCLUDE_SUBDOMAINS=1 SECURE_HSTS_PRELOAD=1. Behind nginx terminating TLS, set
# BEHIND_HTTPS_PROXY=1 so Django trusts the proxy's X-Forwarded-Proto (and nothing else may
# reach the app servers directly).
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = envbool("SECURE_COOKIES")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD")
if envbool("BEHIND_HTTPS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The load balancer's health check (/healthz) comes over plain HTTP from the proxy.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content-Security-Policy (django-csp). No inline script runs: page data travels in
# json_script islands (type application/json) and behaviour lives in static/js/. ECharts needs
# no eval. Styles allow 'unsafe-inline': templates set computed values in style attributes
# (chart heights, progress bar widths, signature indents), ECharts' tooltips write HTML with
# style attributes, and the report page embeds the official-document CSS that
# `export_report` also embeds in its standalone file; with scripts locked a style cannot run
# code. img-src data: is for Bootstrap's CSS icons (select arrows, checks, the menu button).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Business settings
# Deadlines: yellow (即将到期) when due within WARNING days — the ledger, the tallies, the
# dashboards, the reminder mails, the daily notifications and the robots' digest all read
# issues.models.warning_days(); the ledger also notes, with the number of days, everything due
# within UPCOMING days.
RECTIFY_WARNING_DAYS = envint("RECTIFY_WARNING_DAYS", 3)
RECTIFY_UPCOMING_DAYS = envint("RECTIFY_UPCOMING_DAYS", 14)
RECTIFY_MAX_UPLOAD_BYTES = envint("RECTIFY_MAX_UPLOAD_MB", 20) * 1024 * 1024
# Imports: a document or workbook larger than this is refused, and so is a 台账 with more rows.
RECTIFY_IMPORT_MAX_BYTES = envint("RECTIFY_IMPORT_MAX_MB", 10) * 1024 * 1024
RECTIFY_IMPORT_MAX_ROWS = envint("RECTIFY_IMPORT_MAX_ROWS", 5000)
# Hard limits on what an import may cost (issues.importing.limits): a .docx/.xlsx archive is
# checked before it is opened; text, columns, the parsed data kept and the time spent reading
# and parsing are bounded; the parsed data of batches older than KEEP_DAYS is dropped
# (manage.py purge_import_data, daily).
RECTIFY_IMPORT_MAX_COLUMNS = envint("RECTIFY_IMPORT_MAX_COLUMNS", 200)
RECTIFY_IMPORT_MAX_UNZIPPED_BYTES = envint("RECTIFY_IMPORT_MAX_UNZIPPED_MB", 50) * 1024 * 1024
RECTIFY_IMPORT_MAX_XML_BYTES = envint("RECTIFY_IMPORT_MAX_XML_MB", 10) * 1024 * 1024
RECTIFY_IMPORT_MAX_MEMBERS = envint("RECTIFY_IMPORT_MAX_MEMBERS", 2000)
RECTIFY_IMPORT_MAX_RATIO = envint("RECTIFY_IMPORT_MAX_RATIO", 100)
RECTIFY_IMPORT_MAX_CHARS = envint("RECTIFY_IMPORT_MAX_CHARS", 200_000)
RECTIFY_IMPORT_MAX_LINES = envint("RECTIFY_IMPORT_MAX_LINES", 20_000)
RECTIFY_IMPORT_MAX_STORED_BYTES = envint("RECTIFY_IMPORT_MAX_STORED_KB", 2048) * 1024
RECTIFY_IMPORT_MAX_SECONDS = envint("RECTIFY_IMPORT_MAX_SECONDS", 5)
RECTIFY_IMPORT_KEEP_DAYS = envint("RECTIFY_IMPORT_KEEP_DAYS", 90)
# LibreOffice (rectify.lib.office), optional: the PDF downloads and the .doc/.wps/.rtf/.odt
# imports need it. RECTIFY_SOFFICE names the program (a path, or a name on PATH; default
# soffice or libreoffice on PATH). One conversion at a time across the site's processes (a
# flock on RECTIFY_OFFICE_LOCK), each within TIMEOUT seconds, its input and output bounded.
RECTIFY_SOFFICE = os.getenv("RECTIFY_SOFFICE", "")
RECTIFY_OFFICE_TIMEOUT = envint("RECTIFY_OFFICE_TIMEOUT", 60)
RECTIFY_OFFICE_MAX_INPUT_BYTES = envint("RECTIFY_OFFICE_MAX_INPUT_MB", 20) * 1024 * 1024
RECTIFY_OFFICE_MAX_OUTPUT_BYTES = envint("RECTIFY_OFFICE_MAX_OUTPUT_MB", 50) * 1024 * 1024
RECTIFY_OFFICE_LOCK = os.getenv(
    "RECTIFY_OFFICE_LOCK", str(Path(tempfile.gettempdir()) / "rectify-office.lock")
)
# Files converted before they are read (a PDF, a scan, a .doc through LibreOffice): at most
# MAX_PAGES pages, read within CONVERT_SECONDS (the parse after keeps MAX_SECONDS); a PDF page
# drawn for OCR at most OCR_MAX_PIXELS, an image no larger either.
RECTIFY_IMPORT_MAX_PAGES = envint("RECTIFY_IMPORT_MAX_PAGES", 100)
RECTIFY_IMPORT_CONVERT_SECONDS = envint("RECTIFY_IMPORT_CONVERT_SECONDS", 90)
# OCR (rectify.lib.ocr), optional: Tesseract with its simplified-Chinese data reads scans and
# images, poppler's pdftoppm draws a scanned PDF's pages for it. RECTIFY_TESSERACT names the
# program (default tesseract on PATH); each page within OCR_TIMEOUT seconds; at most
# OCR_MAX_PAGES pages of a file are recognised (a page takes seconds).
RECTIFY_TESSERACT = os.getenv("RECTIFY_TESSERACT", "")
RECTIFY_PDFTOPPM = os.getenv("RECTIFY_PDFTOPPM", "")
RECTIFY_OCR_TIMEOUT = envint("RECTIFY_OCR_TIMEOUT", 60)
RECTIFY_OCR_MAX_PAGES = envint("RECTIFY_OCR_MAX_PAGES", 10)
RECTIFY_OCR_MAX_PIXELS = envint("RECTIFY_OCR_MAX_PIXELS", 40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Mail (reminders): console by default; SMTP when EMAIL_HOST is set.
EMAIL_BACKEND = os.getenv(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.getenv("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.getenv("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL")
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "rectify@localhost")
SITE_URL = os.getenv("SITE_URL", "http://127.0.0.1:8000")

# Channels beyond the browser (outbox, docs/notifications.md). Which are on, comma-separated
# from email, wecom (企业微信 group robots), dingtalk (钉钉 group robots), sms.
RECTIFY_OUTBOX_CHANNELS = [
    c.strip()
    for c in os.getenv("RECTIFY_OUTBOX_CHANNELS", "email,wecom,dingtalk,sms").split(",")
    if c.strip()
]
# The SMS backend (a dotted path): the console one writes to the log; the JSON gateway one
# posts to RECTIFY_SMS_GATEWAY_URL with its token.
RECTIFY_SMS_BACKEND = os.getenv("RECTIFY_SMS_BACKEND", "outbox.backends.sms.console.ConsoleBackend")
RECTIFY_SMS_GATEWAY_URL = os.getenv("RECTIFY_SMS_GATEWAY_URL", "")
RECTIFY_SMS_GATEWAY_TOKEN = os.getenv("RECTIFY_SMS_GATEWAY_TOKEN", "")
RECTIFY_SMS_SIGN_NAME = os.getenv("RECTIFY_SMS_SIGN_NAME", "整改台账")
# Seconds an HTTP request to a robot or the SMS gateway may take; no retry inside a request.
RECTIFY_OUTBOX_TIMEOUT = envint("RECTIFY_OUTBOX_TIMEOUT", 10)
# A failed delivery is tried again by the next runs, up to this many attempts in all.
RECTIFY_OUTBOX_MAX_ATTEMPTS = envint("RECTIFY_OUTBOX_MAX_ATTEMPTS", 5)
# Robot URLs must be https; tests (and only tests) allow http://127.0.0.1.
RECTIFY_OUTBOX_ALLOW_LOCAL_HTTP = envbool("RECTIFY_OUTBOX_ALLOW_LOCAL_HTTP")
RECTIFY_PAGE_SIZE = envint("RECTIFY_PAGE_SIZE", 50)
# The auditor's .xlsx export refuses a search with more events than this (narrow the dates).
RECTIFY_AUDIT_EXPORT_MAX_ROWS = envint("RECTIFY_AUDIT_EXPORT_MAX_ROWS", 100_000)
# 一票否决: a project whose overall progress is under this percentage is at risk.
RECTIFY_RED_LINE_PERCENT = envint("RECTIFY_RED_LINE_PERCENT", 40)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "WARNING")},
}
