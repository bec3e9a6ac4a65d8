"""Settings shared by every environment. Values come from the environment (see .env.example)."""

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config import env as cfg

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = False
SECRET_KEY = cfg.env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = cfg.csv_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "simple_history",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "accounts",
    "schemes",
    "milestones",
    "risks",
    "finance",
    "dashboard",
    "metrics",
    "api",
    "reporting",
    "returns",
    "programme_load",
    "cases",
    "notifications",
    "search",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks a session verified by a one-time password (request.user.is_verified()).
    "django_otp.middleware.OTPMiddleware",
    # Every page needs a login unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session time-outs, then the second factor: see accounts/middleware.py.
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy (Django 5.2 has none built in): see CONTENT_SECURITY_POLICY below.
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records who made each change in the audit history.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Counts failed sign-ins and locks out (see AXES_* below); last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
    # `make run` with no Redis: runs the beat schedule in-process (core/schedule.py); not installed otherwise.
    "core.middleware.InProcessBeatMiddleware",
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
                "accounts.context_processors.navigation",
                "schemes.context_processors.programme_picker",
                "schemes.context_processors.inbox_badges",
            ],
        },
    },
]

DATABASES = {"default": cfg.database_config("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Seconds a connection is kept between requests (production.py: 60; `make bench-load` runs as production does).
DATABASES["default"].setdefault("CONN_MAX_AGE", cfg.integer("CONN_MAX_AGE", 0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The audit history's "why" column is a text field: a reason longer than 100 characters (django-simple-history's
# default CharField) would be refused by PostgreSQL. Must be set before the history models are built.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

AUTH_USER_MODEL = "accounts.User"
# django-axes checks each sign-in before the password is tried.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8  # a working day
# Signed out after this long without a request, and this long after signing in whatever the activity.
SESSION_IDLE_TIMEOUT = cfg.integer("SESSION_IDLE_TIMEOUT_MINUTES", 30) * 60
SESSION_ABSOLUTE_TIMEOUT = cfg.integer("SESSION_ABSOLUTE_TIMEOUT_HOURS", 10) * 60 * 60

# Sign-in throttling (django-axes, with the rules in accounts/throttle.py). Failures are counted for each
# username-and-address pair and for each address. A pair gets AXES_FAILURE_LIMIT failures free, then waits
# 1, 2, 4... minutes after each further failure, up to AXES_COOLOFF_MINUTES: the same username from any other
# address is never slowed, so nobody can lock someone else out. An address gets SIGN_IN_ADDRESS_FAILURE_LIMIT
# failures across all usernames (password spraying), then the same growing waits up to an hour. Failures are
# forgotten a day after the last one; a successful sign-in clears that pair only.
TRUSTED_PROXY_COUNT = cfg.integer("TRUSTED_PROXY_COUNT", 0)
SIGN_IN_PAIR_FREE_FAILURES = cfg.integer("AXES_FAILURE_LIMIT", 5)
SIGN_IN_PAIR_MAX_DELAY = timedelta(minutes=cfg.integer("AXES_COOLOFF_MINUTES", 15))
SIGN_IN_ADDRESS_FREE_FAILURES = cfg.integer("SIGN_IN_ADDRESS_FAILURE_LIMIT", 50)
SIGN_IN_ADDRESS_MAX_DELAY = timedelta(minutes=60)
AXES_HANDLER = "accounts.throttle.SignInThrottleHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
# The handler decides; axes locks when it reports one failure that matters (see SignInThrottleHandler).
AXES_FAILURE_LIMIT = 1
AXES_COOLOFF_TIME = timedelta(hours=24)  # how long failures are remembered after the last one
AXES_RESET_ON_SUCCESS = True
# A try refused while waiting is not counted: the owner trying again must not lengthen their own wait.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.throttle.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"
# Behind the reverse proxy every request comes from the proxy's address: the client's is read from
# X-Forwarded-For, TRUSTED_PROXY_COUNT entries from the right (accounts.addresses.client_address).
AXES_CLIENT_IP_CALLABLE = "accounts.addresses.client_address"
# At most this many password-reset e-mails asked for from one address in an hour (then 429).
PASSWORD_RESET_PER_ADDRESS_PER_HOUR = cfg.integer("PASSWORD_RESET_PER_ADDRESS_PER_HOUR", 10)
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link works for a day

# Multi-factor authentication (django-otp, TOTP): every user can turn it on from their account; with
# MFA_REQUIRED (on in production) everyone must set it up before using the site.
MFA_REQUIRED = cfg.boolean("MFA_REQUIRED", False)
OTP_TOTP_ISSUER = "BCF programme"
# Failed recovery codes slow down further tries, as wrong app codes do (django-otp's doubling back-off).
OTP_RECOVERY_THROTTLE_FACTOR = 1

# --- Single sign-on (OpenID Connect, mozilla-django-oidc; see accounts/sso.py and the README) -----------
# Off unless a client id is set; password sign-in stays available either way.
OIDC_RP_CLIENT_ID = cfg.env.str("OIDC_RP_CLIENT_ID", default="")
SSO_ENABLED = bool(OIDC_RP_CLIENT_ID)
SSO_PROVIDER_NAME = cfg.env.str("SSO_PROVIDER_NAME", default="your organisation's account")
OIDC_RP_CLIENT_SECRET = cfg.env.str("OIDC_RP_CLIENT_SECRET", default="")
# The ID token's "iss" must be exactly this, and its "aud" must name OIDC_RP_CLIENT_ID.
OIDC_OP_ISSUER = cfg.env.str("OIDC_OP_ISSUER", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = cfg.env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = cfg.env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = cfg.env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = cfg.env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:sso_callback"
LOGIN_REDIRECT_URL_FAILURE = "accounts:login"
# People are matched to existing (invited) accounts by a verified e-mail address. The e-mail domains SSO is
# trusted for are set per partnership (Partnership.sso_email_domains, on the programme's set-up page). This
# old site-wide list is read only once, by migration accounts 0008, to fill in the partnerships that existed
# then; sign-in never reads it.
OIDC_ALLOWED_EMAIL_DOMAINS = [d.lower().lstrip("@") for d in cfg.csv_list("OIDC_ALLOWED_EMAIL_DOMAINS")]
# Claims any one of which, when true, says the provider has verified the e-mail address. Entra ID sends no
# email_verified: add the optional claim xms_edov (domain owner verified) and list it here.
OIDC_EMAIL_VERIFIED_CLAIMS = cfg.csv_list("OIDC_EMAIL_VERIFIED_CLAIMS", ["email_verified"])
# true only when the identity provider itself demands a second factor at every sign-in (e.g. an Entra ID
# Conditional Access policy): SSO sign-ins then count as two-step. Otherwise this site still asks for its code.
OIDC_IDP_ENFORCES_MFA = cfg.boolean("OIDC_IDP_ENFORCES_MFA", False)
if SSO_ENABLED:
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "accounts.sso.SSOBackend"]
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Scripts only from our own static files: no inline scripts, no eval, nothing from another origin (assets
# are vendored). Inline style attributes are allowed: htmx and the server-drawn SVG charts set them, and a
# style cannot run code.
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
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Celery -----------------------------------------------------------------
# With REDIS_URL a real worker runs the tasks; without it they run in-process,
# so a laptop with nothing but Python still works.
REDIS_URL = cfg.redis_url("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Each worker process reserves one task at a time (with acks_late, the one it is running): tasks here are long
# (a report's part takes seconds), and a worker holding the next part in reserve while it lays one out would leave
# another worker idle and the parts built one after the other.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# A broker that is down must not hang a web request (celery#4296).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    # One quick retry: kombu otherwise waits 2 s before it, so a stopped Redis took over 2 s to report.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    # A task whose worker died is redelivered after this long (Redis' default is an hour); longer than the
    # tasks' 300 s hard time limit, so a task still running is never handed to a second worker.
    "visibility_timeout": 600,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- NHS England quarterly returns (returns app) ------------------------------
# Drafted by the schedule this many days after each quarter ends; reminders this many days before the steering
# group meets. The DatabaseScheduler above also reads CELERY_BEAT_SCHEDULE.
RETURN_DRAFT_DAYS_AFTER_QUARTER = cfg.integer("RETURN_DRAFT_DAYS_AFTER_QUARTER", 10)
REMINDER_DAYS_BEFORE_STEERING = cfg.integer("REMINDER_DAYS_BEFORE_STEERING", 5)
# Once install-wide, which sent every partnership's summary to the same addresses; now each programme's own.
if cfg.env.str("RETURNS_PROGRAMME_OFFICE_EMAILS", default=""):
    raise ImproperlyConfigured(
        "RETURNS_PROGRAMME_OFFICE_EMAILS is no longer read: it sent every partnership's reminder summary to the same "
        "addresses. Give them on each programme's set-up page (Also send the reminder summary to) and unset it."
    )
DEFAULT_FROM_EMAIL = cfg.env.str("DEFAULT_FROM_EMAIL", default="bcf-programme@localhost")
# The site's address, for links in e-mails sent by the schedule (no request to take it from).
SITE_URL = cfg.env.str("SITE_URL", default="http://127.0.0.1:8000")
# Where the accessibility statement (/accessibility/) asks people to report a problem or ask for another format.
ACCESSIBILITY_CONTACT_EMAIL = cfg.env.str("ACCESSIBILITY_CONTACT_EMAIL", default=DEFAULT_FROM_EMAIL)
# Background jobs (core.jobs) are published on a short-lived connection of their own: with the broker down,
# "Build now" must answer well inside 2 s.
JOB_PUBLISH_TIMEOUT = 1
JOB_PUBLISH_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1, "max_retries": 0}
# Without `celery beat` (a laptop with no Redis), local.py runs this schedule in-process instead (core/schedule.py).
IN_PROCESS_BEAT = False
CELERY_BEAT_SCHEDULE = {
    "draft-due-quarterly-returns": {
        "task": "returns.tasks.draft_due_returns",
        "schedule": crontab(hour=6, minute=15),
    },
    "period-update-reminders": {
        "task": "returns.tasks.send_update_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    # Issue 21: the weekly e-mail of what is due, to leads who opted in (notifications.DigestPreference).
    "weekly-digest": {
        "task": "schemes.tasks.send_weekly_digests",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
    },
}

# Highlight reports for programmes with more schemes than this are built by a worker, with a progress page.
HIGHLIGHT_REPORT_BACKGROUND_SCHEMES = cfg.integer("HIGHLIGHT_REPORT_BACKGROUND_SCHEMES", 20)
# A report with more schemes than this is cut into parts of about this many schemes, each laid out by its own
# Celery task (a chord) on whichever worker is free, then joined. Only in the background (so also above
# HIGHLIGHT_REPORT_BACKGROUND_SCHEMES) and with a broker; in-process it is laid out in one piece.
HIGHLIGHT_REPORT_PART_SCHEMES = cfg.integer("HIGHLIGHT_REPORT_PART_SCHEMES", 30)
# An unchanged programme's draft comes back from the cache (keyed on its data's SHA-256) for this long.
HIGHLIGHT_REPORT_DRAFT_CACHE_SECONDS = cfg.integer("HIGHLIGHT_REPORT_DRAFT_CACHE_SECONDS", 24 * 60 * 60)
# Drafts cost 2-14 s of CPU each: each person may ask for this many a minute (django-ratelimit's "N/m" form);
# more get 429 with a message. Every request counts, whether or not its PDF came from the cache.
HIGHLIGHT_REPORT_DRAFT_RATE = cfg.env.str("HIGHLIGHT_REPORT_DRAFT_RATE", default="6/m")

# --- Cache --------------------------------------------------------------------
# Shared by every gunicorn worker and Celery worker: Redis when REDIS_URL is set; otherwise files under .cache/,
# which every process on the laptop shares and which need no set-up (its counters are not atomic across
# processes, which a laptop can live with).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "bcf-cache",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": BASE_DIR / ".cache" / "django",
        }
    }

DEMO_PASSWORD = cfg.env.str("DEMO_PASSWORD", default="trafford-demo-2015")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": cfg.env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every layout step at INFO; keep its warnings (e.g. a refused fetch) only.
    "loggers": {"weasyprint": {"level": "WARNING"}, "weasyprint.progress": {"level": "WARNING"}},
}

# --- Spreadsheet uploads (core.spreadsheets) ---------------------------------------------------------------
# Checked before anything parses an upload. A real 500-scheme x 20-milestone workbook is about 0.5 MB, unpacks
# to about 5 MB (each part 11-15 times its packed size) and has about 10,500 rows and 115,000 cells.
SPREADSHEET_UPLOAD_MAX_MB = cfg.integer("SPREADSHEET_UPLOAD_MAX_MB", 5)
SPREADSHEET_UNPACKED_MAX_MB = cfg.integer("SPREADSHEET_UNPACKED_MAX_MB", 20)
SPREADSHEET_MAX_PARTS = cfg.integer("SPREADSHEET_MAX_PARTS", 200)
# A part may unpack to at most this many times its packed size (Apache POI's default limit is 100 too).
SPREADSHEET_MAX_RATIO = cfg.integer("SPREADSHEET_MAX_RATIO", 100)
# Rows and cells leave 4-5 times the real programme's; counting them is most of the check's time on a hostile
# file (about a second at the cell limit).
SPREADSHEET_MAX_ROWS = cfg.integer("SPREADSHEET_MAX_ROWS", 50_000)
SPREADSHEET_MAX_CELLS = cfg.integer("SPREADSHEET_MAX_CELLS", 500_000)

# Money, separation of duties (issue 15): a decision moving more than this many pounds between allocations
# (repurposing, release, reversal) is approved only as a key decision with its reference and 28-day notice.
# Take the figure from your council's constitution.
KEY_DECISION_THRESHOLD = cfg.integer("KEY_DECISION_THRESHOLD", 500000)
