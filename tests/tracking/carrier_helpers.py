"""Helpers shared by the carrier webhook tests (test_carrier_webhooks_*.py)."""

from io import StringIO

from django.core.management import call_command

from orders.events import SHIPMENT_STATUS_CHANGED
from orders.models import DomainEvent, InboundWebhook, Shipment, TrackingEvent
from orders.services import shipment_upsert
from tests.orders.factories import place_order


def _ship(store, *, carrier: str, tracking_number: str, number: str) -> Shipment:
    order = place_order(store, number=number)
    shipment, _created = shipment_upsert(order=order, carrier=carrier, tracking_number=tracking_number)
    return shipment


def _status_changes(shipment: Shipment) -> list[tuple[str, str]]:
    events = DomainEvent.objects.filter(kind=SHIPMENT_STATUS_CHANGED, data__shipment_id=shipment.pk)
    return [(e.data["from"], e.data["to"]) for e in events.order_by("created_at", "id")]


def _checkpoints(shipment: Shipment) -> list[tuple]:
    return [
        (e.occurred_at, e.status, e.substatus, e.message, e.location)
        for e in shipment.events.order_by("occurred_at", "id")
    ]


def _counts() -> tuple[int, int, int]:
    return InboundWebhook.objects.count(), TrackingEvent.objects.count(), DomainEvent.objects.count()


def _replay(*args) -> str:
    out = StringIO()
    call_command("replay_webhooks", *args, stdout=out)
    return out.getvalue()
