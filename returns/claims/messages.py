"""The customer messages of claims and late parcels: kinds, what schedules them, their data.

Keyed by the claim (`episode=claim:<id>`), so a replayed event finds its message already there.
A claim is told once that it was received, and once that it was approved — on the resolution's
event (`claim.refunded`, `claim.credited`, `claim.reshipped`), which carries the credit code or
the reship, so the customer reads one approval with everything in it. The late parcel's choices
are scheduled by `claims.late` (owner-scheduled: its trigger names no event).
"""

from typing import Any

from notifications.services import messages_schedule
from orders.models import DomainEvent
from postpurchase.events import subscribe
from returns import events
from returns.messages import email_kinds_register

CLAIM_REQUESTED = "claim_requested"
CLAIM_APPROVED = "claim_approved"
CLAIM_REJECTED = "claim_rejected"
LATE_CHOICES = "late_parcel_choices"


def _sample(store: Any, locale: str) -> dict[str, Any]:
    return {
        "number": "CLM-7KQ2M9XD",
        "problem": "damaged",
        "status": "credited",
        "resolution": "store_credit",
        "currency": store.currency,
        "items_amount": "25.00",
        "refund_amount": "25.00",
        "credit_amount": "25.00",
        "code": "CREDIT-8F2K4Q",
        "reason": "The photo shows no damage.",
        "items": [{"title": "Linen tee", "quantity": 1, "amount": "25.00"}],
        "choices_url": "https://example.com/returns/late/sample/",
        "carrier": "dhl",
        "tracking_number": "JD014600003828",
    }


KINDS = (
    (CLAIM_REQUESTED, "Problem report received"),
    (CLAIM_APPROVED, "Problem report approved (reship, refund or credit)"),
    (CLAIM_REJECTED, "Problem report rejected"),
    (LATE_CHOICES, "Late parcel: what would you like to do?"),
)


def kinds_register() -> None:
    email_kinds_register(KINDS, _sample)


def _schedule(kind: str, event: DomainEvent) -> None:
    messages_schedule(trigger=kind, event=event, episode=f"claim:{event.data['return_id']}")


@subscribe(events.CLAIM_REQUESTED)
def claim_requested(event: DomainEvent) -> None:
    _schedule(CLAIM_REQUESTED, event)


@subscribe(events.CLAIM_REFUNDED, events.CLAIM_CREDITED, events.CLAIM_RESHIPPED)
def claim_resolved(event: DomainEvent) -> None:
    _schedule(CLAIM_APPROVED, event)


@subscribe(events.CLAIM_REJECTED)
def claim_rejected(event: DomainEvent) -> None:
    _schedule(CLAIM_REJECTED, event)
