"""Signed links to a member's loyalty page: the token names the customer and cannot be altered."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from orders.models import Customer

SALT = "loyalty.member"


def member_token(customer: Customer) -> str:
    return signing.dumps(customer.pk, salt=SALT)


def customer_id_from_token(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def page_path(customer_id: int) -> str:
    return reverse("loyalty:page", kwargs={"token": signing.dumps(customer_id, salt=SALT)})


def loyalty_url_for_id(customer_id: int) -> str:
    return settings.PUBLIC_BASE_URL + page_path(customer_id)


def loyalty_url(customer: Customer) -> str:
    return loyalty_url_for_id(customer.pk)


def referral_url(store_slug: str, code: str) -> str:
    """The link a member shares: the friend's page, where they claim their first-order code."""
    return settings.PUBLIC_BASE_URL + reverse("store-loyalty-referral", kwargs={"store_slug": store_slug, "code": code})
