"""Production: every secret from the environment, no defaults. `manage.py check --deploy` passes."""

from config import env as cfg

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = cfg.require("SECRET_KEY")
cfg.require("DATABASE_URL")
DATABASES = {"default": cfg.database_config("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = cfg.integer("CONN_MAX_AGE", 60)
ALLOWED_HOSTS = cfg.csv_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("ALLOWED_HOSTS is not set: give the site's host names, comma-separated.")
CSRF_TRUSTED_ORIGINS = cfg.csv_list("CSRF_TRUSTED_ORIGINS")

STATIC_ROOT = BASE_DIR / "staticfiles"  # noqa: F405 - filled by collectstatic in the image
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# TLS is terminated in front of gunicorn; trust its header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = cfg.boolean("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = cfg.integer("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Everyone signs in with a second factor in production (set MFA_REQUIRED=false only for a trial install).
MFA_REQUIRED = cfg.boolean("MFA_REQUIRED", True)

EMAIL_BACKEND = cfg.env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = cfg.env.str("EMAIL_HOST", default="localhost")
DEFAULT_FROM_EMAIL = cfg.env.str("DEFAULT_FROM_EMAIL", default="bcf-programme-office@localhost")
