"""Signed links to an order's tracking page.

The token names the order, cannot be guessed or altered, and never expires: the link in a
two-year-old shipping email must still open the page. It carries only the order's id.
"""

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
    try:
        value = signing.loads(token, salt=SALT)
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
