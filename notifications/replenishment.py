"""Replenishment reminders: "your coffee is running out", once, when a bought product is used up.

A product may say how long one unit lasts (`Product.lasts_days`). When an order is delivered,
each of its lines whose product says so gets one reminder, due `lasts_days x quantity` days after
delivery, with a link to reorder: the store's `reorder_url_pattern` (`{sku}`, `{quantity}`) or
else the product's page. It is an optional (marketing) message: consent, the frequency cap and
quiet hours apply as for any other, and other apps' holds (an open claim) may hold it.

The message is written at delivery, due then (`not_before`: the outbox's long delays live in the
table), and checked once more at send time: a newer order of the same customer containing the
product cancels it — they reordered already.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from notifications.flows import messaging_for
from notifications.holds import HeldMessage, Hold, register_hold
from notifications.models import Message
from notifications.registry import DefaultFlow, Kind, register, trigger_label
from notifications.services import message_schedule_for_customer
from orders import events
from orders.models import DomainEvent, LineItem, Order, OrderStatus, Product
from postpurchase.events import subscribe
from postpurchase.safe_urls import http_url

REPLENISHMENT = "replenishment_reminder"
TEMPLATES = Path(__file__).parent / "message_templates"


def _sample(store: Any, locale: str) -> dict[str, Any]:
    return {
        "title": "Ground coffee, 500 g",
        "sku": "COFFEE-500",
        "quantity": 2,
        "reorder_url": "https://shop.example.com/products/coffee",
    }


def kind_register() -> None:
    register(
        Kind(
            name=REPLENISHMENT,
            label="Replenishment reminder",
            app="notifications",
            templates=TEMPLATES,
            channels=("email",),
            triggers=(REPLENISHMENT,),
            flows=(DefaultFlow(channel="email", transactional=False),),
            sample=_sample,
        )
    )
    trigger_label(REPLENISHMENT, "A bought product is running out")
    register_hold(name="notifications.replenishment", kinds=[REPLENISHMENT], check=not_reordered)


def reorder_url(pattern: str, product: Product, quantity: int) -> str:
    """The store's reorder link for this product, else the product's page; "" when neither is safe."""
    if pattern:
        url = pattern.replace("{sku}", product.sku).replace("{quantity}", str(quantity))
        if http_url(url):
            return url
    return http_url(product.url)


@subscribe(events.ORDER_STATUS_CHANGED)
def order_delivered(event: DomainEvent) -> None:
    """One reminder per line whose product lasts N days, due N x quantity days after delivery."""
    order = event.order
    if event.data.get("to") != OrderStatus.DELIVERED or order is None or order.customer is None or order.is_import:
        return
    pattern = messaging_for(order.store).reorder_url_pattern
    lines = order.line_items.select_related("product").filter(product__lasts_days__isnull=False)
    for line in lines:
        product = line.product
        assert product is not None
        assert product.lasts_days is not None
        link = reorder_url(pattern, product, line.quantity)
        if not link:
            continue
        due = event.created_at + timedelta(days=product.lasts_days * line.quantity)
        message_schedule_for_customer(
            store=order.store,
            kind=REPLENISHMENT,
            order=order,
            key=f"replenish:{order.pk}:{line.pk}",
            not_before=due,
            data={
                "due_at": due.isoformat(),
                "product_id": product.pk,
                "sku": product.sku,
                "title": line.title,
                "quantity": line.quantity,
                "reorder_url": link,
            },
        )


def not_reordered(messages: Sequence[HeldMessage], now: datetime) -> Mapping[int, Hold | None]:
    """Cancel when the customer ordered the product again since (3 queries)."""
    data = dict(Message.objects.filter(id__in=[m.id for m in messages]).values_list("id", "data"))
    placed = dict(Order.objects.filter(id__in={m.order_id for m in messages}).values_list("id", "placed_at"))
    customers = {m.customer_id for m in messages if m.customer_id is not None}
    products = {int(d["product_id"]) for d in data.values() if isinstance(d, dict) and d.get("product_id")}
    bought: dict[tuple[int, int], list[datetime]] = {}
    for customer_id, product_id, at in LineItem.objects.filter(
        order__customer_id__in=customers, product_id__in=products
    ).values_list("order__customer_id", "product_id", "order__placed_at"):
        bought.setdefault((customer_id, product_id), []).append(at)
    answers: dict[int, Hold | None] = {}
    for message in messages:
        said = data.get(message.id) or {}
        ordered_at = placed.get(message.order_id) if message.order_id is not None else None
        later = [
            at
            for at in bought.get((message.customer_id or 0, said.get("product_id") or 0), [])
            if ordered_at is not None and at > ordered_at
        ]
        if later:
            answers[message.id] = Hold.cancel("the customer ordered this product again")
    return answers
