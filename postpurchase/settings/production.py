"""Production: no defaults for secrets or hosts; `manage.py check --deploy` is clean."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ANYMAIL, STORAGES
from .env import env_bool, env_int, env_list, env_required, env_str

SECRET_KEY = env_required("SECRET_KEY")
env_required("ALLOWED_HOSTS")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
DEBUG = False

STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"

# TLS ends at the proxy in front of gunicorn, which sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
X_FRAME_OPTIONS = "DENY"

# The anymail provider is chosen by env, e.g. EMAIL_BACKEND=anymail.backends.postmark.EmailBackend
# with ANYMAIL_POSTMARK_SERVER_TOKEN=... (base.py turns ANYMAIL_* variables into ANYMAIL).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "anymail.backends.postmark.EmailBackend")

# The provider's tracking webhook (/webhooks/anymail/<esp>/tracking/) reports bounces and
# complaints, which suppress addresses: it answers 401 to everyone until its basic-auth secret
# ("user:password", at least 16 characters of password) is set, so production refuses to start
# without one whenever an anymail backend sends. EMAIL_TRACKING=false turns the requirement off.
EMAIL_TRACKING = env_bool("EMAIL_TRACKING", EMAIL_BACKEND.startswith("anymail."))
_webhook_secret = ANYMAIL.get("WEBHOOK_SECRET", "")
if EMAIL_TRACKING and len(_webhook_secret.partition(":")[2]) < 16:
    raise ImproperlyConfigured(
        "ANYMAIL_WEBHOOK_SECRET must be set to user:password (a password of 16+ random characters) "
        "while email tracking is enabled (EMAIL_TRACKING, on with an anymail EMAIL_BACKEND)"
    )
