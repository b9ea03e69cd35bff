"""Finding an order by "order number + email": the one helper behind every customer form that
asks for them (tracking today; returns, loyalty and feedback reuse it).

It answers an unknown number and a wrong email alike, and it is rate limited so the form can be
used neither to learn which orders exist nor to guess a customer's email:

- the 21st attempt within a minute from one client is refused;
- so is a client's 11th wrong email for one order number. Only misses count against an order
  number, and only per client: counted from all clients together, strangers' guesses locked the
  real customer out. The right email always gets through while its client is within its limit.

The counters live in the shared cache (Redis, or without it a file cache in VAR_DIR that every
process of the machine shares), so the limits hold across web workers. While Redis is
unreachable they count in each process's memory (postpurchase.cache.counting_cache).
"""

from dataclasses import dataclass
from hashlib import sha256

from django.core.cache import BaseCache
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from orders.models import Store
from postpurchase.cache import counting_cache
from postpurchase.limits import client_ip
from tracking import selectors

LOOKUPS_PER_CLIENT = 20
MISSES_PER_ORDER_NUMBER = 10
LOOKUP_WINDOW_SECONDS = 60

NOT_FOUND = _("We couldn't find an order with that number and email. Please check both and try again.")
TOO_MANY = _("Too many attempts. Please wait a minute, then try again.")


@dataclass(frozen=True)
class Lookup:
    order_id: int | None  # the order found, else None
    error: str | Promise = ""  # what to tell the customer when nothing was found
    status: int = 200  # 429 when refused by a limit (send Retry-After: LOOKUP_WINDOW_SECONDS)


def lookup_allowed(request: HttpRequest, *, scope: str) -> bool:
    """Count one attempt of this client; False once it is over its limit. Call it for every POST,
    before validating the form, so malformed attempts count too."""
    return _allowed(f"{scope}:lookup:client:{client_ip(request)}", LOOKUPS_PER_CLIENT)


def order_lookup(request: HttpRequest, *, number: str, email: str, store: Store | None, scope: str) -> Lookup:
    """The order with this number and email (in `store` when given), under the per-order limits.

    `scope` names the form (tracking, returns, …) so each form counts its own attempts."""
    # Typed text in a cache key: hashed, so any input makes a valid key for any cache backend.
    typed = number.upper().lstrip("#")
    misses_key = f"{scope}:lookup:misses:" + sha256(f"{typed}|{client_ip(request)}".encode()).hexdigest()[:32]
    order_id = selectors.order_find_for_customer(number=number, email=email, store=store)
    if order_id is not None:
        return Lookup(order_id=order_id)
    # Refused only after this client's own misses on this number: the right email above was
    # never refused, whoever else guessed at the order.
    if not _misses_left(misses_key, MISSES_PER_ORDER_NUMBER):
        return Lookup(order_id=None, error=TOO_MANY, status=429)
    _allowed(misses_key, MISSES_PER_ORDER_NUMBER)
    return Lookup(order_id=None, error=NOT_FOUND)


def _allowed(key: str, limit: int) -> bool:
    """Count one attempt in a window that starts with the first attempt; True while within `limit`.

    While the shared cache is unreachable the attempts are counted in this process's memory
    (postpurchase.cache.counting_cache): the limit holds per process, the form keeps working."""
    counter = counting_cache()
    count = _count(counter, key)
    if counter is not counting_cache():  # the shared cache went away during this very count
        count = _count(counting_cache(), key)
    return count <= limit


def _count(counter: BaseCache, key: str) -> int:
    counter.add(key, 0, LOOKUP_WINDOW_SECONDS)
    try:
        return counter.incr(key)
    except ValueError:  # the window ended between add and incr
        counter.set(key, 1, LOOKUP_WINDOW_SECONDS)
        return 1


def _misses_left(key: str, limit: int) -> bool:
    """True while fewer than `limit` misses were counted under `key` in the current window."""
    return (counting_cache().get(key) or 0) < limit
