"""Feedback's reads."""

from dataclasses import dataclass

from orders.models import LineItem, Order

from .models import OrderProblems
from .projection import returned_quantities


@dataclass(frozen=True)
class ReviewableItem:
    line_item_id: int
    product_id: int
    title: str
    image_url: str


def reviewable_items(order: Order) -> list[ReviewableItem]:
    """The order's lines a customer may review: tied to a product, not every unit returned, one per
    product (two lines of the same product are one review)."""
    problems = OrderProblems.objects.filter(order=order).first()
    returned = returned_quantities(problems) if problems else {}
    seen: set[int] = set()
    items = []
    lines = LineItem.objects.filter(order=order).select_related("product").order_by("pk")
    for line in lines:
        if line.product_id is None or line.product_id in seen or returned.get(line.pk, 0) >= line.quantity:
            continue
        seen.add(line.product_id)
        items.append(
            ReviewableItem(
                line_item_id=line.pk,
                product_id=line.product_id,
                title=line.title,
                image_url=line.product.image_url if line.product else "",
            )
        )
    return items
