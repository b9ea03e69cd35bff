"""The test suite: Postgres and Redis when DATABASE_URL / REDIS_URL are set, else SQLite and locmem."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-" + "k" * 50)

from .base import *  # noqa: F403

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "notifications.channels.sms.LocmemBackend"
# Tasks run inline, so an on-commit nudge delivers due messages within the test.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
if not REDIS_URL:  # noqa: F405 - the suite keeps nothing on disk; tests of the file cache configure their own
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Throwaway apps that declare message kinds and send-time holds from outside notifications (tests/apps).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.apps.fake_pillar", "tests.apps.fake_hold"]  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # Under libfaketime (the night run fakes 23:30 with it) no timed wait in CPython ever ends. The
    # pool's scheduler sleeps on one until its next maintenance task, which shrinks idle connections
    # every `max_idle` seconds (default 600); once that task falls due in a long run, closing the pool
    # at the end of the session waits for the scheduler forever. The suite's pool never needs
    # shrinking, so its first maintenance task comes after any run ends.
    DATABASES["default"]["OPTIONS"]["pool"]["max_idle"] = 24 * 3600  # noqa: F405
