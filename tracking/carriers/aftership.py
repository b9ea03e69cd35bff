"""AfterShip Tracking webhooks (the v4 "tracking_update" format and its dated successors).

AfterShip signs the raw body: `aftership-hmac-sha256` is the base64 HMAC-SHA256 under the
webhook secret from AfterShip's Settings > Webhooks, kept as `Store.aftership_secret`.

The body is `{"event", "event_id", "is_tracking_first_tag", "msg", "ts"}` where `msg` is the whole
tracking: `tracking_number`, `slug` (the courier), `tag`/`subtag`/`subtag_message` (its current
status), `checkpoints` (every scan so far, each with its own tag and subtag), `expected_delivery`
(newer versions: `latest_estimated_delivery`, `aftership_estimated_delivery_date`). Older
deliveries have no `event_id`; then the tracking id and `ts` name the event.
`checkpoint_time` is the local time of the scan and often has no offset; the store's time zone
is assumed for those.
"""

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime, tzinfo

from orders.models import ShipmentStatus, Store
from postpurchase.webhooks import base64_hmac_matches

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

SIGNATURE_HEADER = "aftership-hmac-sha256"

# AfterShip's nine delivery statuses ("tags") in our taxonomy: the same nine, renamed.
TAGS = {
    "Pending": ShipmentStatus.PENDING,
    "InfoReceived": ShipmentStatus.INFO_RECEIVED,
    "InTransit": ShipmentStatus.IN_TRANSIT,
    "OutForDelivery": ShipmentStatus.OUT_FOR_DELIVERY,
    "AttemptFail": ShipmentStatus.ATTEMPT_FAIL,
    "AvailableForPickup": ShipmentStatus.AVAILABLE_FOR_PICKUP,
    "Delivered": ShipmentStatus.DELIVERED,
    "Exception": ShipmentStatus.EXCEPTION,
    "Expired": ShipmentStatus.EXPIRED,
}


def verify(store: Store, body: bytes, headers: Mapping[str, str]) -> bool:
    return base64_hmac_matches((store.aftership_secret,), body, headers.get(SIGNATURE_HEADER, ""))


def envelope(payload: dict, body: bytes) -> Envelope:
    msg = as_object(payload.get("msg"), "msg")
    event_id = text(payload.get("event_id"), 200)
    if not event_id and msg.get("id") and payload.get("ts"):
        event_id = f"{text(msg['id'], 100)}:{text(payload['ts'], 40)}"
    return Envelope(topic=text(payload.get("event"), 100) or "tracking_update", event_id=event_id or body_digest(body))


def _status(tag: object, where: str) -> str | None:
    status = TAGS.get(tag) if isinstance(tag, str) else None
    if status is None and tag:
        logger.info("AfterShip %s: unknown tag %r skipped", where, tag)
    return status


def _checkpoint(raw: object, tz: tzinfo) -> Checkpoint | None:
    raw = as_object(raw, "a checkpoint")
    status = _status(raw.get("tag"), "checkpoint")
    if status is None:
        return None
    city = text(raw.get("city"), 100)
    return Checkpoint(
        occurred_at=moment(raw.get("checkpoint_time"), tz),
        status=status,
        substatus=text(raw.get("subtag"), 64),
        message=text(raw.get("message") or raw.get("subtag_message"), 500),
        location=(
            place(city, raw.get("state"), raw.get("country_iso3") or raw.get("country_name"))
            if city
            else text(raw.get("location"), 200)
        ),
    )


def _estimated_delivery(msg: dict) -> date | None:
    latest = msg.get("latest_estimated_delivery")
    latest = latest if isinstance(latest, dict) else {}
    edd = msg.get("aftership_estimated_delivery_date")
    edd = edd if isinstance(edd, dict) else {}
    return (
        day(msg.get("expected_delivery"))
        or day(latest.get("datetime") or latest.get("datetime_max"))
        or day(edd.get("estimated_delivery_date"))
    )


def _updated_at(payload: dict, msg: dict, tz: tzinfo) -> datetime | None:
    """When AfterShip last updated the tracking: the time of a status that has no scan."""
    for value in (msg.get("last_updated_at"), msg.get("updated_at")):
        try:
            return moment(value, tz)
        except ValueError:
            continue
    ts = payload.get("ts")
    return datetime.fromtimestamp(ts, UTC) if isinstance(ts, int) and not isinstance(ts, bool) else None


def parse(payload: dict, tz: tzinfo) -> TrackingUpdate:
    msg = as_object(payload.get("msg"), "msg")
    tracking_number = text(msg.get("tracking_number"), 100)
    if not tracking_number:
        raise ValueError("msg.tracking_number is required")
    scans = [_checkpoint(raw, tz) for raw in as_list(msg.get("checkpoints"), "msg.checkpoints")]
    status = _status(msg.get("tag"), "tracking")
    checkpoints = with_current_status(
        [c for c in scans if c is not None],
        status=status,
        at=_updated_at(payload, msg, tz),
        scanless=status == ShipmentStatus.EXPIRED,
        substatus=text(msg.get("subtag"), 64),
        message=text(msg.get("subtag_message"), 500),
    )
    return TrackingUpdate(
        tracking_number=tracking_number,
        carrier=text(msg.get("slug"), 64),
        checkpoints=checkpoints,
        estimated_delivery=_estimated_delivery(msg),
    )


FORMAT = CarrierFormat(
    name="aftership",
    verify=verify,
    envelope=envelope,
    parse=parse,
    kept_headers=("aftership-", "as-", "user-agent"),
)
