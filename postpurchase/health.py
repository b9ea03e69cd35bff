"""/healthz: is this process able to serve? The database, the cache and the broker, each on its own.

Only the database is essential: without it nothing works, so the answer is 503 (load balancers
and docker's healthcheck take the process out). Without the cache pages render from the database
and without the broker the beat's sweep delivers once it is back (docs/architecture.md): the
answer stays 200 and says what is down. Error details go to the log, not to the public answer.
"""

import logging

from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, JsonResponse

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 1


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    cache = caches["default"]
    if hasattr(cache, "ping"):
        cache.ping()
    else:  # local memory (development): nothing to reach
        cache.get("healthz")


def _broker() -> None:
    from postpurchase.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS)


CHECKS = {"database": _database, "cache": _cache, "broker": _broker}


def healthz(request: HttpRequest) -> JsonResponse:
    status = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means "down", the log says why
            logger.warning("healthz: %s is down (%s: %s)", name, type(exc).__name__, exc)
            status[name] = "down"
        else:
            status[name] = "ok"
    ok = status["database"] == "ok"
    return JsonResponse({"ok": ok, **status}, status=200 if ok else 503)
