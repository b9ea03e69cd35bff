"""The cache may go away; the pages that use it must not.

`ResilientRedisCache` is Django's Redis cache, except that an error talking to Redis is logged
and answered as a miss: `get` returns the default, `set` stores nothing, `incr` finds no key.
After an error it does not try Redis again for `RETRY_SECONDS`, so a Redis that hangs instead
of refusing costs one short timeout (the socket timeouts in settings), not one per call.
Customer pages then render from the database, as on a cold cache; the messages never depended
on Redis for correctness (the outbox table decides).

`counting_cache()` is what a caller that must keep counting uses: while Redis is away, the
tracking lookup's rate limit counts attempts per process in local memory (see
docs/architecture.md, "Cache outage").
"""

import logging
import threading
import time
from collections.abc import Callable
from functools import wraps

from django.core.cache import BaseCache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
_local = LocMemCache("outage-fallback", {"OPTIONS": {"MAX_ENTRIES": 10_000}})


def _when_down(answer: Callable[..., object]):
    """Run the method against Redis; if Redis is down (or was a moment ago), `answer(*args)`."""

    def decorate(method):
        @wraps(method)
        def guarded(self, *args, **kwargs):
            if self._down_until > time.monotonic():
                return answer(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except (RedisError, OSError) as exc:
                self._went_down(exc)
                return answer(*args, **kwargs)

        return guarded

    return decorate


def _missing(*args, **kwargs):
    raise ValueError("the key is not in the cache (the cache is unreachable)")


class ResilientRedisCache(RedisCache):
    """Django's RedisCache; an unreachable Redis is an empty cache (see the module docstring)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _went_down(self, exc: BaseException) -> None:
        with self._lock:
            first = self._down_until <= time.monotonic()
            self._down_until = time.monotonic() + RETRY_SECONDS
        if first:
            logger.warning(
                "cache unreachable (%s: %s); treating it as empty, next try in %g s",
                type(exc).__name__,
                exc,
                RETRY_SECONDS,
            )

    @property
    def is_down(self) -> bool:
        return self._down_until > time.monotonic()

    def ping(self) -> None:
        """Raise if Redis does not answer (for /healthz); ignores the retry pause."""
        self._cache.get_client(None, write=False).ping()

    add = _when_down(lambda *a, **k: False)(RedisCache.add)
    get = _when_down(lambda key, default=None, version=None: default)(RedisCache.get)
    set = _when_down(lambda *a, **k: None)(RedisCache.set)
    touch = _when_down(lambda *a, **k: False)(RedisCache.touch)
    delete = _when_down(lambda *a, **k: False)(RedisCache.delete)
    get_many = _when_down(lambda *a, **k: {})(RedisCache.get_many)
    has_key = _when_down(lambda *a, **k: False)(RedisCache.has_key)
    incr = _when_down(_missing)(RedisCache.incr)
    set_many = _when_down(lambda data, *a, **k: list(data))(RedisCache.set_many)
    delete_many = _when_down(lambda *a, **k: None)(RedisCache.delete_many)
    clear = _when_down(lambda *a, **k: False)(RedisCache.clear)


def counting_cache(alias: str = "default") -> BaseCache:
    """The cache to count in (rate limits): the shared one, or this process's memory while the
    shared one is unreachable, so a limit still holds per process instead of not at all."""
    shared = caches[alias]
    if getattr(shared, "is_down", False):
        return _local
    return shared
