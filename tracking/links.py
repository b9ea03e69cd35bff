"""Signed links to an order's tracking page.

The token names the order, cannot be guessed or altered, and never expires: the link in a
two-year-old shipping email must still open the page. It carries only the order's id.
"""

from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "tracking.order"


def order_token(order) -> str:
    return token_for_order_id(order.pk)


def token_for_order_id(order_id: int) -> str:
    return signing.dumps(order_id, salt=SALT)


def order_id_from_token(token: str) -> int | None:
    """The order id a token names, or None when it was not made by us or was altered."""
    keys = (settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))
    if len(token) > _MEMO_MAX_LENGTH:  # not one of ours; kept out of memory
        return _order_id.__wrapped__(token, *keys)
    return _order_id(token, *keys)


# Customers reload their page often, and checking a signature costs a good part of serving a
# cached page again: what a token names depends only on the token and the keys (part of the
# memo's key, so a rotated key is never answered from memory). Our tokens are at most 70
# characters; a longer one is never remembered, so the memo stays around a megabyte.
_MEMO_MAX_LENGTH = 100


@lru_cache(maxsize=4096)
def _order_id(token: str, key: str, fallbacks: tuple[str, ...]) -> int | None:
    try:
        value = signing.loads(token, salt=SALT, key=key, fallback_keys=list(fallbacks))
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def page_path(token: str) -> str:
    return reverse("tracking:page", kwargs={"token": token})


def json_path(token: str) -> str:
    return reverse("tracking:json", kwargs={"token": token})


def track_url(order) -> str:
    """The absolute link that messages carry: PUBLIC_BASE_URL plus the order's signed page."""
    return settings.PUBLIC_BASE_URL + page_path(order_token(order))
