"""The event kinds tracking records, the builders of their payloads, and their wording.

Subscribers (notifications' delay notice) import the kinds from here; nothing else spells them.
"""

from datetime import date, datetime
from typing import Any

from orders.events import describes, shipment_label
from orders.models import Shipment

SHIPMENT_DELAYED = "shipment.delayed"  # a new delay episode: customers get one notice per episode
SHIPMENT_DELAY_CLEARED = "shipment.delay_cleared"
SHIPMENT_POSSIBLY_LOST = "shipment.possibly_lost"


def _label(shipment: Shipment) -> dict[str, Any]:
    return {"carrier": shipment.carrier, "tracking_number": shipment.tracking_number}


def shipment_delayed_data(
    *, shipment: Shipment, reason: str, cause: str, at: datetime, latest: date | None
) -> dict[str, Any]:
    """`cause` is exception | late | no_scan; `latest` the last day of the estimate that passed."""
    return {
        **_label(shipment),
        "shipment_id": shipment.pk,
        "episode": shipment.delay_episode,
        "reason": reason,
        "cause": cause,
        "at": at.isoformat(),
        "estimated_delivery_to": latest.isoformat() if latest else None,
    }


def shipment_delay_cleared_data(*, shipment: Shipment, reason: str, delivered: bool, at: datetime) -> dict[str, Any]:
    return {
        **_label(shipment),
        "shipment_id": shipment.pk,
        "episode": shipment.delay_episode,
        "reason": reason,
        "delivered": delivered,
        "at": at.isoformat(),
    }


def shipment_possibly_lost_data(*, shipment: Shipment, at: datetime) -> dict[str, Any]:
    last = shipment.last_event_at.isoformat() if shipment.last_event_at else None
    return {**_label(shipment), "shipment_id": shipment.pk, "at": at.isoformat(), "last_event_at": last}


@describes(SHIPMENT_DELAYED)
def _describe_delayed(data: dict[str, Any]) -> str:
    episode = data.get("episode", 1)
    again = f" (delay {episode})" if isinstance(episode, int) and episode > 1 else ""
    return f"Shipment {shipment_label(data)} delayed{again}: {data.get('reason', '')}"


@describes(SHIPMENT_DELAY_CLEARED)
def _describe_delay_cleared(data: dict[str, Any]) -> str:
    back = "delivered after its delay" if data.get("delivered") else "back on track"
    return f"Shipment {shipment_label(data)} {back}"


@describes(SHIPMENT_POSSIBLY_LOST)
def _describe_possibly_lost(data: dict[str, Any]) -> str:
    return f"Shipment {shipment_label(data)} possibly lost: no news from the carrier for 7 days"
