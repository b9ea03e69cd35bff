"""What only the customer's pages need: finding an order by number and email, and the
tracking page's extras (recommendations, care instructions)."""

import hmac
from decimal import Decimal
from hashlib import sha256

from django.core.cache import cache

from orders.models import Order, normalize_email
from orders.selectors import products_recommended_for
from postpurchase.safe_urls import http_url

from .data import Care, Recommendation, TrackingPage
from .loading import order_load, tracking_from

RECOMMENDATIONS_TTL = 10 * 60
RECOMMENDATIONS_LIMIT = 3


# Order numbers are unique per store only: the same number may exist in a few stores.
_LOOKUP_CANDIDATES = 50


def order_find_for_customer(*, number: str, email: str, store=None) -> int | None:
    """The id of the order with this number (with or without "#") placed with this email.

    An unknown number and a wrong email both give None, after the same work: the answer must
    not tell a stranger that an order number exists. Emails are compared in constant time.
    """
    bare = number.strip().lstrip("#").strip()
    if not bare:
        return None
    numbers = {bare, f"#{bare}", bare.upper(), f"#{bare.upper()}"}
    orders = Order.objects.filter(number__in=numbers)
    if store is not None:
        orders = orders.for_store(store)
    wanted = normalize_email(email).encode()
    found = None
    rows = list(orders.order_by("pk").values_list("pk", "email")[:_LOOKUP_CANDIDATES])
    for pk, order_email in rows or [(None, "")]:
        # No early exit: every candidate is compared, matching or not.
        if hmac.compare_digest(normalize_email(order_email).encode(), wanted) and pk is not None and found is None:
            found = pk
    return found


def _recommendations(order: Order, product_ids: list[int]) -> list[Recommendation]:
    """Keyed by the store and the set of products bought, so orders alike share one entry."""
    digest = sha256(",".join(map(str, product_ids)).encode()).hexdigest()[:32]
    key = f"tracking:recommendations:{order.store_id}:{digest}"
    rows = cache.get(key)
    if rows is None:
        rows = [
            (p.title, p.url, p.image_url, str(p.price))
            for p in products_recommended_for(order, limit=RECOMMENDATIONS_LIMIT)
        ]
        cache.set(key, rows, RECOMMENDATIONS_TTL)
    currency = order.store.currency
    return [
        Recommendation(
            title=title, url=http_url(url), image_url=http_url(image), price=Decimal(price), currency=currency
        )
        for title, url, image, price in rows
    ]


def tracking_page(order_id: int) -> TrackingPage | None:
    """What the customer's tracking page shows: `order_tracking`, plus recommendations and care
    instructions of the products bought. (The page's language follows the order's, so the view
    asks `faq_for` once it has chosen.)

    Three queries when recommendations are cached, a few more when not.
    """
    order = order_load(order_id)
    if order is None:
        return None
    tracking = tracking_from(order)
    care = {}
    for item in tracking.items:
        if item.product_id and item.care_instructions.strip():
            care.setdefault(item.product_id, Care(title=item.title, instructions=item.care_instructions))
    return TrackingPage(
        tracking=tracking,
        recommendations=_recommendations(order, tracking.product_ids),
        care=list(care.values()),
    )
