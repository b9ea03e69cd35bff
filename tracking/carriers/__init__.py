"""Carrier webhook formats: how each provider signs its webhooks and what its payload says.

`/webhooks/carriers/<provider>/<store-slug>/` looks the provider up here. Each format verifies the
raw body with the store's secret and turns the payload into a plain `TrackingUpdate`;
`tracking.carriers.apply.tracking_update_apply` writes it. Stored rows are named
`carrier:<provider>` (`manage.py replay_webhooks --provider carrier:aftership`).
"""

from . import aftership, easypost, generic
from .base import CarrierFormat, Checkpoint, Envelope, TrackingUpdate

FORMATS: dict[str, CarrierFormat] = {f.name: f for f in (aftership.FORMAT, easypost.FORMAT, generic.FORMAT)}
PROVIDER_PREFIX = "carrier:"


def carrier_format(name: str) -> CarrierFormat | None:
    """The format served at /webhooks/carriers/<name>/…, if there is one."""
    return FORMATS.get(name)


def provider_name(name: str) -> str:
    """What a stored InboundWebhook of this format is called, e.g. "carrier:aftership"."""
    return PROVIDER_PREFIX + name


__all__ = [
    "FORMATS",
    "PROVIDER_PREFIX",
    "CarrierFormat",
    "Checkpoint",
    "Envelope",
    "TrackingUpdate",
    "carrier_format",
    "provider_name",
]
