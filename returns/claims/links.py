"""Signed links to a late parcel's choice page. The token names the offer and cannot be altered;
it does not expire (the page itself says when the parcel arrived and there is nothing to do)."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "returns.late_offer"


def offer_token(offer_id: int) -> str:
    return signing.dumps(offer_id, salt=SALT)


def offer_id_from_token(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def offer_path(offer_id: int) -> str:
    return reverse("returns:late", kwargs={"token": offer_token(offer_id)})


def offer_url(offer_id: int) -> str:
    return settings.PUBLIC_BASE_URL + offer_path(offer_id)
