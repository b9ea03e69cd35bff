"""Our own carrier webhook format, for carriers and tools without an integration of their own.

`X-PostPurchase-Signature: sha256=<hex HMAC-SHA256 of the raw body>` under the store's
`TrackingSettings.webhook_secret`. The body (docs/carrier-webhooks.md has an example):

    {"id": "…", "tracking_number": "…", "carrier": "…", "estimated_delivery": "YYYY-MM-DD",
     "events": [{"occurred_at": ISO 8601, "status": one of ours, "substatus", "message", "location"}]}

Only `tracking_number` and `events` are required, and each event's `occurred_at` and `status`.
Statuses are our taxonomy's values; anything else is refused (400) so a sender learns at once.
"""

import hmac
from collections.abc import Mapping
from datetime import tzinfo

from orders.models import ShipmentStatus, Store
from postpurchase.webhooks import hmac_sha256
from tracking.models import TrackingSettings

from .base import (
    CarrierFormat,
    Checkpoint,
    Envelope,
    TrackingUpdate,
    as_list,
    as_object,
    body_digest,
    day,
    moment,
    text,
)

SIGNATURE_HEADER = "X-PostPurchase-Signature"
SIGNATURE_PREFIX = "sha256="
TOPIC = "tracking_update"


def signature(secret: str, body: bytes) -> str:
    """The header value a sender puts on `body` signed with `secret`."""
    return SIGNATURE_PREFIX + hmac_sha256(secret, body).hex()


def verify(store: Store, body: bytes, headers: Mapping[str, str]) -> bool:
    given = headers.get(SIGNATURE_HEADER, "").strip()
    # A read, not TrackingSettings.for_store: an unsigned request must not create a row.
    secret = TrackingSettings.objects.filter(store=store).values_list("webhook_secret", flat=True).first()
    if not secret or not given:
        return False
    return hmac.compare_digest(signature(secret, body).encode(), given.lower().encode())


def envelope(payload: dict, body: bytes) -> Envelope:
    return Envelope(topic=TOPIC, event_id=text(payload.get("id"), 200) or body_digest(body))


def _checkpoint(raw: object, tz: tzinfo) -> Checkpoint:
    raw = as_object(raw, "an event")
    status = raw.get("status")
    if status not in ShipmentStatus.values:
        raise ValueError(f"unknown status {status!r}; use one of {', '.join(ShipmentStatus.values)}")
    return Checkpoint(
        occurred_at=moment(raw.get("occurred_at"), tz),
        status=status,
        substatus=text(raw.get("substatus"), 64),
        message=text(raw.get("message"), 500),
        location=text(raw.get("location"), 200),
    )


def parse(payload: dict, tz: tzinfo) -> TrackingUpdate:
    tracking_number = text(payload.get("tracking_number"), 100)
    if not tracking_number:
        raise ValueError("tracking_number is required")
    if "events" not in payload:
        raise ValueError("events is required (it may be empty)")
    estimated = payload.get("estimated_delivery")
    if estimated and day(estimated) is None:
        raise ValueError(f"estimated_delivery is not a day: {estimated!r}")
    checkpoints = [_checkpoint(raw, tz) for raw in as_list(payload["events"], "events")]
    return TrackingUpdate(
        tracking_number=tracking_number,
        carrier=text(payload.get("carrier"), 64),
        checkpoints=tuple(sorted(checkpoints, key=lambda c: c.occurred_at)),
        estimated_delivery=day(estimated),
    )


FORMAT = CarrierFormat(
    name="generic",
    verify=verify,
    envelope=envelope,
    parse=parse,
    kept_headers=("x-postpurchase-", "user-agent"),
)
