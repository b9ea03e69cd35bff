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


def loyalty_url(customer: Customer) -> str:
    return settings.PUBLIC_BASE_URL + reverse("loyalty:page", kwargs={"token": member_token(customer)})
