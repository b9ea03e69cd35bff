"""What every workflow service does first: lock the return (after its order), and move it."""

from collections.abc import Sequence

from orders.models import Order
from postpurchase.exceptions import InvalidTransition
from returns.models import ReturnRequest


def return_lock(return_id: int) -> ReturnRequest:
    """Lock the return's order, then the return (orders before returns, as everywhere)."""
    order_id = ReturnRequest.objects.values_list("order_id", flat=True).get(pk=return_id)
    Order.objects.select_for_update(of=("self",)).filter(pk=order_id).first()
    return (
        ReturnRequest.objects.select_for_update(of=("self",))
        .select_related("store", "order", "customer")
        .get(pk=return_id)
    )


def return_move(rr: ReturnRequest, status: str, *, fields: Sequence[str] = ()) -> None:
    if not rr.can_move_to(status):
        raise InvalidTransition(rr.status, status)
    rr.status = status
    rr.save(update_fields=["status", "updated_at", *fields])
