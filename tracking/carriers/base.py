"""What every carrier format turns a webhook into, and the small parsing helpers they share.

A format's functions are pure: JSON in, plain data out, no queries. They raise ValueError for a
payload they cannot read, which the view answers with 400 before anything is stored.
"""

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from django.utils.dateparse import parse_date, parse_datetime

from orders.models import ShipmentStatus, Store


@dataclass(frozen=True)
class Checkpoint:
    """One carrier scan, already in our taxonomy."""

    occurred_at: datetime  # aware, in UTC, so the same scan always has the same fingerprint
    status: str  # a ShipmentStatus value
    substatus: str = ""  # the provider's finer code: AfterShip subtag, EasyPost status_detail
    message: str = ""  # what the carrier says, for people
    location: str = ""


@dataclass(frozen=True)
class TrackingUpdate:
    """Everything one webhook says about one parcel."""

    tracking_number: str
    carrier: str = ""  # as the provider names it ("dhl", "FedEx"); "" when not said
    checkpoints: tuple[Checkpoint, ...] = ()
    estimated_delivery: date | None = None


@dataclass(frozen=True)
class Envelope:
    """What is stored with the raw body: the kind of event and the provider's id for it."""

    topic: str
    event_id: str


@dataclass(frozen=True)
class CarrierFormat:
    """One provider's webhook format.

    - `verify(store, body, headers)`: is the raw body signed with this store's secret?
    - `envelope(payload, body)`: topic and event id; ValueError if the payload is not this format.
    - `parse(payload, tz)`: the update it carries, or None for an event without tracking news;
      ValueError if it cannot be read. `tz` is assumed for times given without an offset.
    - `kept_headers`: prefixes of the request headers worth storing with the row.
    """

    name: str
    verify: Callable[[Store, bytes, Mapping[str, str]], bool]
    envelope: Callable[[dict, bytes], Envelope]
    parse: Callable[[dict, tzinfo], TrackingUpdate | None]
    kept_headers: tuple[str, ...]


# -- helpers -----------------------------------------------------------------------------------


def text(value: object, limit: int) -> str:
    """A trimmed string; JSON null and non-strings the provider leaves empty become ""."""
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()[:limit]


def moment(value: object, tz: tzinfo) -> datetime:
    """An ISO 8601 time in UTC; one without an offset is read in `tz`."""
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise ValueError(f"not a date and time: {value!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)


def day(value: object) -> date | None:
    """The calendar day of "2024-05-17" or "2024-05-17T00:00:00Z" as written; None if not a day.

    Providers write delivery estimates as midnight of the day meant, so the day is taken as
    written rather than converted to another zone.
    """
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return parse_date(value[:10])
    except ValueError:
        return None


def place(*parts: object) -> str:
    """Location parts joined with commas, skipping empty ones."""
    return ", ".join(p for p in (text(part, 100) for part in parts) if p)[:200]


def body_digest(body: bytes) -> str:
    """An event id for a payload without one: the same body is the same event."""
    return "sha256:" + hashlib.sha256(body).hexdigest()


def as_list(value: object, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{what} must be a list")
    return value


def as_object(value: object, what: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be an object")
    return value


_NOT_ALNUM = re.compile(r"[^0-9a-z]")
# Names people and providers use for the same carrier, after normalising.
_CARRIER_ALIASES = {
    "unitedstatespostalservice": "usps",
    "unitedparcelservice": "ups",
    "federalexpress": "fedex",
    "deutschepost": "dhl",
    "dhlparcel": "dhl",
    "dhlexpress": "dhl",
    "dhlecommerce": "dhl",
    "royalmailgroup": "royalmail",
    "canadapost": "canadapost",
    "postescanada": "canadapost",
}


def carrier_key(name: str) -> str:
    """A carrier's name for comparison: "DHL Express", "dhl-express" and "dhl" all give "dhl"."""
    key = _NOT_ALNUM.sub("", name.lower())
    return _CARRIER_ALIASES.get(key, key)


def carriers_match(ours: str, theirs: str) -> bool:
    """Could both names mean the same carrier? An unknown name on either side matches any."""
    a, b = carrier_key(ours), carrier_key(theirs)
    return not a or not b or a == b or a.startswith(b) or b.startswith(a)


def tracking_key(number: str) -> str:
    """A tracking number as carriers print it: no spaces, upper case."""
    return re.sub(r"\s+", "", number).upper()


def with_current_status(
    checkpoints: list[Checkpoint],
    *,
    status: str | None,
    at: datetime | None,
    scanless: bool = False,
    substatus: str = "",
    message: str = "",
) -> tuple[Checkpoint, ...]:
    """The checkpoints oldest first, plus one for the provider's current status when no scan says it.

    Some statuses come without a scan (`scanless`: AfterShip's Expired, an EasyPost tracker that is
    cancelled or in error), and a tracking may have a status before its first scan. Such a status
    is added as a checkpoint at the provider's update time, never before the newest scan. Other
    statuses are left to the scans, so a status that merely lags them adds nothing. Pending never
    adds anything.
    """
    ordered = sorted(checkpoints, key=lambda c: c.occurred_at)
    if status is None or status == ShipmentStatus.PENDING or at is None:
        return tuple(ordered)
    if ordered and (not scanless or ordered[-1].status == status):
        return tuple(ordered)
    if ordered:
        at = max(at, ordered[-1].occurred_at)
    return (*ordered, Checkpoint(occurred_at=at, status=status, substatus=substatus, message=message))
