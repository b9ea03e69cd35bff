"""The generic carrier webhook in the OpenAPI document, so /api/docs/ shows its format.

It is a plain Django view (signature first, stored before it is parsed), not a DRF one, so
drf-spectacular cannot see it; this post-processing hook adds its path by hand.
"""

from orders.models import ShipmentStatus

from .carriers.generic import SIGNATURE_HEADER

PATH = "/webhooks/carriers/generic/{store_slug}/"

_EVENT = {
    "type": "object",
    "required": ["occurred_at", "status"],
    "properties": {
        "occurred_at": {"type": "string", "format": "date-time", "description": "ISO 8601 with an offset."},
        "status": {"type": "string", "enum": list(ShipmentStatus.values)},
        "substatus": {"type": "string", "maxLength": 64},
        "message": {"type": "string", "maxLength": 500, "description": "What customers read."},
        "location": {"type": "string", "maxLength": 200},
    },
}
_UPDATE = {
    "type": "object",
    "required": ["tracking_number", "events"],
    "properties": {
        "id": {"type": "string", "description": "Your id for this update: the same id again is a duplicate."},
        "tracking_number": {"type": "string", "description": "As on the label; case and spaces are ignored."},
        "carrier": {"type": "string", "description": "When given, it must plausibly match the shipment's."},
        "estimated_delivery": {"type": "string", "format": "date"},
        "events": {"type": "array", "items": _EVENT, "description": "Scans in any order; known ones are ignored."},
    },
}
_DESCRIPTION = (
    "Our own carrier webhook, for carriers and tools without an integration of their own "
    "(AfterShip and EasyPost post to `/webhooks/carriers/aftership/{store_slug}/` and "
    "`/webhooks/carriers/easypost/{store_slug}/` in their own formats).\n\n"
    f"Sign the exact body bytes: `{SIGNATURE_HEADER}: sha256=<hex>`, the lower-case hex HMAC-SHA256 "
    "keyed with the store's generic webhook secret (admin: Tracking settings). Every update is "
    "stored before it is applied, so a shipment created later still receives it."
)


def add_generic_carrier_webhook(result, generator, request, public):
    """drf-spectacular post-processing hook: document the generic carrier webhook."""
    result.setdefault("paths", {})[PATH] = {
        "post": {
            "operationId": "carrier_webhook_generic",
            "summary": "Post tracking checkpoints (generic carrier webhook)",
            "description": _DESCRIPTION,
            "tags": ["webhooks"],
            "security": [],
            "parameters": [{"name": "store_slug", "in": "path", "required": True, "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _UPDATE}}},
            "responses": {
                "200": {"description": "Stored and applied, or a duplicate."},
                "400": {"description": "Not JSON, or not this format."},
                "401": {"description": "Missing or wrong signature; nothing was stored."},
                "404": {"description": "Unknown store."},
                "413": {"description": "Body over 1 MiB."},
            },
        }
    }
    return result
