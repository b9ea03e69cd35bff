"""Helpers shared by the tracking page tests (test_tracking_lookup.py, test_tracking_page*.py)."""

import re
from datetime import UTC, datetime, timedelta

from orders import services
from orders.models import ShipmentStatus
from tracking import links

EMAIL = "ada.lovelace@example.com"
SCANNED = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)


def ship(order, number="JD0001", *, items=None, events=0, status=ShipmentStatus.IN_TRANSIT, **kwargs):
    shipment, _ = services.shipment_upsert(
        order=order,
        carrier="DHL",
        tracking_number=number,
        tracking_url=f"https://carrier.example/track/{number}",
        items=items,
        status=status,
        shipped_at=SCANNED - timedelta(days=1),
        **kwargs,
    )
    for n in range(events):
        services.tracking_event_add(
            shipment=shipment,
            occurred_at=SCANNED + timedelta(hours=n),
            status=ShipmentStatus.IN_TRANSIT,
            message=f"Scan {n} of {number}",
            location="Leipzig, DE",
        )
    return shipment


def page(client, order, **params):
    return client.get(links.page_path(links.order_token(order)), params)


def look_up(client, number, email, ip="10.0.0.1", **params):
    query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
    return client.post(f"/track/{query}", {"order_number": number, "email": email}, REMOTE_ADDR=ip)


def opened(response) -> int | None:
    """The order whose signed page a lookup redirected to."""
    assert response.status_code == 302, response.status_code
    match = re.fullmatch(r"/track/([^/]+)/(\?.*)?", response["Location"])
    return links.order_id_from_token(match[1]) if match else None
