"""Non-trivial reads of orders' tables."""

from datetime import datetime, timedelta

from django.db.models import Count, Sum
from django.utils import timezone

from orders.models import InboundWebhook, LineItem, Order, OrderStatus, Product, Store

# Younger webhooks may still be in the middle of their inline processing.
WEBHOOK_RETRY_AFTER = timedelta(seconds=60)
# After this many failures a webhook waits for a person (`manage.py replay_webhooks`).
WEBHOOK_MAX_ATTEMPTS = 8
WEBHOOK_RETRY_BATCH = 100


def webhooks_pending_for_retry(*, now: datetime | None = None, limit: int = WEBHOOK_RETRY_BATCH) -> list[int]:
    """Ids of stored webhooks not processed yet that deserve another try, oldest first."""
    cutoff = (now or timezone.now()) - WEBHOOK_RETRY_AFTER
    return list(
        InboundWebhook.objects.pending()
        .filter(received_at__lt=cutoff, attempts__lt=WEBHOOK_MAX_ATTEMPTS)
        .order_by("received_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


BESTSELLER_WINDOW = timedelta(days=90)


def products_recommended_for(order: Order, *, limit: int = 3) -> list[Product]:
    """Products to suggest after `order`: bought together with its products by other customers
    of the store, most often first, topped up with the store's bestsellers of the last 90 days.
    Never a product already in the order. A few queries, none per product."""
    in_order = set(order.line_items.exclude(product=None).values_list("product_id", flat=True))
    others = (
        LineItem.objects.filter(order__store_id=order.store_id, product__isnull=False)
        .exclude(product_id__in=in_order)
        .exclude(order__status=OrderStatus.CANCELLED)
    )
    together = (
        others.filter(order__line_items__product_id__in=in_order)
        .values("product_id")
        .annotate(n=Count("order_id", distinct=True))
        .order_by("-n", "product_id")[:limit]
    )
    ranked = [row["product_id"] for row in together]
    if len(ranked) < limit:
        bestsellers = (
            others.filter(order__placed_at__gte=timezone.now() - BESTSELLER_WINDOW)
            .exclude(product_id__in=ranked)
            .values("product_id")
            .annotate(n=Sum("quantity"))
            .order_by("-n", "product_id")[: limit - len(ranked)]
        )
        ranked += [row["product_id"] for row in bestsellers]
    products = Product.objects.in_bulk(ranked)
    return [products[pk] for pk in ranked if pk in products]


def order_find(*, store: Store, number: str) -> Order | None:
    """The store's order by the number a person types, with or without its '#'."""
    typed = number.strip()
    bare = typed.lstrip("#")
    found = {o.number: o for o in Order.objects.filter(store=store, number__in={typed, bare, f"#{bare}"})}
    return found.get(typed) or found.get(f"#{bare}") or found.get(bare)
