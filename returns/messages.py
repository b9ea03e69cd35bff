"""The customer messages of a return: kinds, what schedules them, and the data their templates read.

Each `return.*` step the customer should hear about schedules one message of a returns-owned
kind (declared in `ReturnsConfig.ready()`). The subscribers here decide which event schedules
which kind, so every message is keyed by the return — `<kind>:<channel>:order:<id>:return:<id>` —
and a second RMA on the same order gets messages of its own while a replayed event finds its
message already there. The kinds' triggers are plain names (`return_approved`), not event kinds,
so notifications does not also schedule them once per event.

Approval: a return whose items come back is told "approved" together with its label, once the
label is issued (`return.label_issued`, in the approval's transaction for the built-in provider,
later for a carrier's API); a reissued label is sent again under its own key. A "keep it" return
needs no label and is told on `return.approved`.
"""

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from notifications.registry import DefaultFlow, Kind, register, trigger_label
from notifications.services import messages_schedule
from orders.models import DomainEvent
from postpurchase.events import subscribe
from postpurchase.money import money_format

from . import events

REQUESTED = "return_requested"
APPROVED = "return_approved"
REJECTED = "return_rejected"
RECEIVED = "return_received"
RESOLVED = "return_resolved"

_AMOUNTS = ("items_amount", "refund_amount", "bonus_amount", "credit_amount", "amount_due", "shipping_fee")
TEMPLATES = Path(__file__).parent / "message_templates"


def template_data(data: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """The return's amounts as the customer writes money (`money.refund_amount` → "25,00 €")."""
    currency = str(data.get("currency") or "")
    money: dict[str, str] = {}
    for key in _AMOUNTS:
        try:
            amount = Decimal(str(data[key]))
        except (KeyError, InvalidOperation):
            continue
        money[key] = money_format(amount, currency, locale) if currency else str(amount)
    # A list even when absent: `message.data.items` would otherwise reach the dict's own method.
    items = data.get("items")
    return {"money": money, "items": items if isinstance(items, list) else []}


def _sample(store: Any, locale: str) -> dict[str, Any]:
    return {
        "number": "RMA-7KQ2M9XD",
        "status": "credited",
        "resolution": "store_credit",
        "currency": store.currency,
        "items_amount": "25.00",
        "refund_amount": "25.00",
        "bonus_amount": "2.50",
        "credit_amount": "27.50",
        "code": "CREDIT-8F2K4Q",
        "reason": "The item was worn.",
        "label_url": "https://example.com/returns/label/sample.pdf",
        "label_expires_at": "2026-12-14",
        "items": [{"title": "Linen tee", "quantity": 1, "amount": "25.00"}],
    }


KINDS = (
    (REQUESTED, "Return request received"),
    (APPROVED, "Return approved (with the label)"),
    (REJECTED, "Return rejected"),
    (RECEIVED, "Returned items received"),
    (RESOLVED, "Refund, credit or exchange issued"),
)


def email_kinds_register(kinds: Sequence[tuple[str, str]], sample: Callable[[Any, str], dict[str, Any]]) -> None:
    """Returns' and claims' kinds: transactional email, each triggered by the event of its name."""
    for name, label in kinds:
        register(
            Kind(
                name=name,
                label=label,
                app="returns",
                templates=TEMPLATES,
                channels=("email",),
                triggers=(name,),
                flows=(DefaultFlow(channel="email"),),
                sample=sample,
                data=template_data,
            )
        )
        trigger_label(name, label)


def kinds_register() -> None:
    email_kinds_register(KINDS, _sample)


def _schedule(kind: str, event: DomainEvent, *, key: str = "") -> None:
    messages_schedule(trigger=kind, event=event, episode=f"return:{event.data['return_id']}{key}")


@subscribe(events.RETURN_REQUESTED)
def return_requested(event: DomainEvent) -> None:
    _schedule(REQUESTED, event)


@subscribe(events.RETURN_APPROVED)
def return_approved(event: DomainEvent) -> None:
    if event.data.get("keep_items"):
        _schedule(APPROVED, event)


@subscribe(events.RETURN_LABEL_ISSUED)
def return_label_issued(event: DomainEvent) -> None:
    _schedule(APPROVED, event, key=f":label:{event.data.get('label_id', '')}")


@subscribe(events.RETURN_REJECTED)
def return_rejected(event: DomainEvent) -> None:
    _schedule(REJECTED, event)


@subscribe(events.RETURN_RECEIVED)
def return_received(event: DomainEvent) -> None:
    _schedule(RECEIVED, event)


@subscribe(events.RETURN_REFUNDED, events.RETURN_EXCHANGED, events.RETURN_CREDITED, events.RETURN_KEPT)
def return_resolved(event: DomainEvent) -> None:
    _schedule(RESOLVED, event)
