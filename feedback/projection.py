"""Feedback's projection of open problems per order (`OrderProblems`), fed by other apps' events.

Feedback never reads returns' or tracking's tables: it listens to their events by name and payload
keys, so a return or a delay may open and close in any app without feedback importing it.
"""

from typing import Any

from orders.models import DomainEvent

from .models import OrderProblems

# A return in one of these statuses is still open: the customer may be disappointed, or waiting.
RETURN_OPEN = frozenset({"requested", "approved", "label_issued", "in_transit", "received"})
# The units of a return in one of these statuses are gone for good (refunded, exchanged, credited, kept).
RETURN_DONE = frozenset({"refunded", "exchanged", "credited", "kept"})


def _data(event: DomainEvent) -> dict[str, Any]:
    data = getattr(event, "data", None)  # a published event that is not a timeline row carries none
    return data if isinstance(data, dict) else {}


def _problems(event: DomainEvent, *, create: bool = True) -> OrderProblems | None:
    """The order's row, locked; made on first need (news that only closes a problem makes none)."""
    order_id: int | None = getattr(event, "order_id", None)
    if order_id is None:
        return None
    if not create:
        return OrderProblems.objects.select_for_update().filter(order_id=order_id).first()
    # The services that record these events lock the order row first, so one order's events
    # reach us one at a time; the row lock here is for anyone else that writes it.
    problems, _ = OrderProblems.objects.select_for_update().get_or_create(
        order_id=order_id, defaults={"store_id": event.store_id}
    )
    return problems


def _since(event: DomainEvent) -> str:
    return event.created_at.isoformat()


def return_changed(event: DomainEvent) -> None:
    """`return.<status>`: a return opens, moves on, or ends."""
    data = _data(event)
    return_id, status = data.get("return_id"), data.get("status") or event.kind.split(".", 1)[1]
    problems = _problems(event)
    if problems is None or return_id is None:
        return
    key = str(return_id)
    if status in RETURN_OPEN:
        problems.open_returns.setdefault(key, _since(event))
    else:
        problems.open_returns.pop(key, None)
    if status in RETURN_DONE:
        for item in data.get("items") or []:
            line = str(item.get("line_item_id"))
            # Keyed by return, so a replayed event counts its units once.
            problems.returned_lines.setdefault(line, {})[key] = int(item.get("quantity") or 0)
    problems.save()


def _shipment_key(event: DomainEvent) -> str | None:
    shipment_id = _data(event).get("shipment_id")
    return None if shipment_id is None else str(shipment_id)


def shipment_delayed(event: DomainEvent) -> None:
    problems, key = _problems(event), _shipment_key(event)
    if problems is not None and key is not None:
        problems.delayed.setdefault(key, _since(event))
        problems.save()


def shipment_delay_cleared(event: DomainEvent) -> None:
    problems, key = _problems(event, create=False), _shipment_key(event)
    if problems is not None and key is not None:
        problems.delayed.pop(key, None)
        if _data(event).get("delivered"):  # arrived after all: neither lost nor stuck any more
            problems.lost.pop(key, None)
            problems.exceptions.pop(key, None)
        problems.save()


def shipment_possibly_lost(event: DomainEvent) -> None:
    problems, key = _problems(event), _shipment_key(event)
    if problems is not None and key is not None:
        problems.lost.setdefault(key, _since(event))
        problems.save()


def shipment_status_changed(event: DomainEvent) -> None:
    """An exception opens a problem; any later status of that shipment closes it (and a delivery
    also ends the fear that it was lost)."""
    key, to = _shipment_key(event), _data(event).get("to")
    problems = _problems(event, create=to == "exception")
    if problems is None or key is None:
        return
    if to == "exception":
        problems.exceptions.setdefault(key, _since(event))
    else:
        problems.exceptions.pop(key, None)
        if to == "delivered":
            problems.lost.pop(key, None)
    problems.save()


def order_returned(event: DomainEvent) -> None:
    problems = _problems(event)
    if problems is not None:
        problems.returned = True
        problems.save()


def returned_quantities(problems: OrderProblems) -> dict[int, int]:
    """Units of each line item that came back (or were refunded and kept), over every return."""
    return {int(line): sum(by_return.values()) for line, by_return in problems.returned_lines.items()}
