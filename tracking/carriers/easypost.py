"""EasyPost webhooks: Event objects, of which `tracker.created` and `tracker.updated` carry tracking.

EasyPost signs the raw body with the webhook's secret, kept as `Store.easypost_secret`:
`X-Hmac-Signature: hmac-sha256-hex=<hex HMAC-SHA256>`, the secret NFKD-normalised and UTF-8
encoded first, as EasyPost's own client libraries do (`validate_webhook`).

An Event is `{"id": "evt_…", "object": "Event", "description", "result", …}`; for tracker events
`result` is the whole Tracker: `tracking_code`, `carrier`, `status`, `status_detail`,
`est_delivery_date`, `carrier_detail.est_delivery_date_local` and `tracking_details` (every scan so
far: `datetime`, `message`, `status`, `status_detail`, `tracking_location{city,state,country,zip}`).
EasyPost sends other events to the same URL (batches, refunds, insurance…): they are stored
and skipped. Redeliveries keep the event id.
"""

import hmac
import logging
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, tzinfo

from orders.models import ShipmentStatus, Store
from postpurchase.webhooks import hmac_sha256

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
    place,
    text,
    with_current_status,
)

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hmac-Signature"
SIGNATURE_PREFIX = "hmac-sha256-hex="

# EasyPost's tracker statuses in our taxonomy. EasyPost has no failed-attempt status (it is a
# status_detail, kept as the substatus); a return, a failure, a cancelled label or a tracker in
# error all mean the parcel will not arrive as planned.
STATUSES = {
    "unknown": ShipmentStatus.PENDING,
    "pre_transit": ShipmentStatus.INFO_RECEIVED,
    "in_transit": ShipmentStatus.IN_TRANSIT,
    "out_for_delivery": ShipmentStatus.OUT_FOR_DELIVERY,
    "available_for_pickup": ShipmentStatus.AVAILABLE_FOR_PICKUP,
    "delivered": ShipmentStatus.DELIVERED,
    "return_to_sender": ShipmentStatus.EXCEPTION,
    "failure": ShipmentStatus.EXCEPTION,
    "cancelled": ShipmentStatus.EXCEPTION,
    "error": ShipmentStatus.EXCEPTION,
}
# Tracker statuses EasyPost reports without a tracking detail of their own.
SCANLESS = ("cancelled", "error")
TRACKER_EVENTS = ("tracker.created", "tracker.updated")


def signature(secret: str, body: bytes) -> str:
    """The header value EasyPost sends for `body` under `secret`."""
    return SIGNATURE_PREFIX + hmac_sha256(unicodedata.normalize("NFKD", secret), body).hex()


def verify(store: Store, body: bytes, headers: Mapping[str, str]) -> bool:
    given = headers.get(SIGNATURE_HEADER, "").strip()
    if not store.easypost_secret or not given:
        return False
    return hmac.compare_digest(signature(store.easypost_secret, body).encode(), given.lower().encode())


def envelope(payload: dict, body: bytes) -> Envelope:
    description = text(payload.get("description"), 100)
    if not description:
        raise ValueError("an EasyPost Event has a description")
    if description in TRACKER_EVENTS:
        as_object(payload.get("result"), "result")
    return Envelope(topic=description, event_id=text(payload.get("id"), 200) or body_digest(body))


def _status(value: object, where: str) -> str | None:
    status = STATUSES.get(value) if isinstance(value, str) else None
    if status is None and value:
        logger.info("EasyPost %s: unknown status %r skipped", where, value)
    return status


def _checkpoint(raw: object, tz: tzinfo) -> Checkpoint | None:
    raw = as_object(raw, "a tracking detail")
    status = _status(raw.get("status"), "tracking detail")
    if status is None:
        return None
    where = raw.get("tracking_location")
    where = where if isinstance(where, dict) else {}
    return Checkpoint(
        occurred_at=moment(raw.get("datetime"), tz),
        status=status,
        substatus=text(raw.get("status_detail"), 64),
        message=text(raw.get("message") or raw.get("description"), 500),
        location=place(where.get("city"), where.get("state"), where.get("country")),
    )


def _estimated_delivery(tracker: dict) -> date | None:
    detail = tracker.get("carrier_detail")
    detail = detail if isinstance(detail, dict) else {}
    return day(detail.get("est_delivery_date_local")) or day(tracker.get("est_delivery_date"))


def _updated_at(tracker: dict, tz: tzinfo) -> datetime | None:
    try:
        return moment(tracker.get("updated_at"), tz)
    except ValueError:
        return None


def parse(payload: dict, tz: tzinfo) -> TrackingUpdate | None:
    if text(payload.get("description"), 100) not in TRACKER_EVENTS:
        return None
    tracker = as_object(payload.get("result"), "result")
    tracking_number = text(tracker.get("tracking_code"), 100)
    if not tracking_number:
        raise ValueError("result.tracking_code is required")
    scans = [_checkpoint(raw, tz) for raw in as_list(tracker.get("tracking_details"), "result.tracking_details")]
    detail = text(tracker.get("status_detail"), 64)
    checkpoints = with_current_status(
        [c for c in scans if c is not None],
        status=_status(tracker.get("status"), "tracker"),
        at=_updated_at(tracker, tz),
        scanless=tracker.get("status") in SCANLESS,
        substatus=detail,
        message=detail.replace("_", " ").capitalize(),
    )
    return TrackingUpdate(
        tracking_number=tracking_number,
        carrier=text(tracker.get("carrier"), 64),
        checkpoints=checkpoints,
        estimated_delivery=_estimated_delivery(tracker),
    )


FORMAT = CarrierFormat(
    name="easypost",
    verify=verify,
    envelope=envelope,
    parse=parse,
    kept_headers=("x-hmac-signature", "x-timestamp", "x-path", "user-agent"),
)
