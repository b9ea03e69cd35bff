"""Carrier webhook payloads as the providers send them, and signed POSTs to our endpoint.

What they are based on (looked up, not guessed):

- AfterShip: the Tracking webhook body `{"event", "event_id", "is_tracking_first_tag", "msg", "ts"}`
  from AfterShip's "Webhook Specifications" page, with `msg` shaped like AfterShip's own v4 sample
  (a USPS tracking with seven checkpoints: `checkpoint_time` in local time without an offset,
  `tag`/`subtag`/`subtag_message`, `location`, `city`, `state`, `country_iso3`, and
  `expected_delivery`). Signature: "Webhook Signature" page, `aftership-hmac-sha256` = base64
  HMAC-SHA256 of the raw body.
- EasyPost: the Event fixture `official/fixtures/event-body.json` of the EasyPost/examples
  repository (a FedEx `tracker.updated` Event with its Tracker in `result`), and the signature as
  `validate_webhook` in easypost-python computes it (NFKD secret, `hmac-sha256-hex=` + hex).
- Generic: our own format, docs/carrier-webhooks.md.

Signatures are computed here, independently of the code under test.
"""

import base64
import hashlib
import hmac
import json
import unicodedata
import uuid

from django.urls import reverse

AFTERSHIP_SECRET = "as_whsec_9f3c2a71b0d84e6c"
EASYPOST_SECRET = "ep_whsec_4d1e8b2f7a"
GENERIC_SECRET = "pp_carrier_secret_7c41"

DHL_NUMBER = "JD014600006281230704"
FEDEX_NUMBER = "776598214631"


# -- AfterShip ---------------------------------------------------------------------------------


def aftership_checkpoint(
    checkpoint_time: str,
    tag: str,
    subtag: str,
    subtag_message: str,
    message: str,
    *,
    city: str | None = "LEIPZIG",
    state: str | None = None,
    country_iso3: str = "DEU",
    slug: str = "dhl",
) -> dict:
    return {
        "slug": slug,
        "city": city,
        "created_at": "2024-05-16T08:05:31+00:00",
        "location": f"{city}, {country_iso3}" if city else None,
        "country_name": {"DEU": "Germany", "GBR": "United Kingdom"}.get(country_iso3, ""),
        "message": message,
        "country_iso3": country_iso3,
        "tag": tag,
        "subtag": subtag,
        "subtag_message": subtag_message,
        "checkpoint_time": checkpoint_time,
        "coordinates": [],
        "state": state,
        "zip": None,
        "raw_tag": "",
    }


LABEL_CREATED = aftership_checkpoint(
    "2024-05-14T10:12:00",
    "InfoReceived",
    "InfoReceived_001",
    "Info Received",
    "The shipment data has been sent to DHL electronically",
)
PICKED_UP = aftership_checkpoint(
    "2024-05-14T17:40:00", "InTransit", "InTransit_002", "Acceptance scan", "The shipment has been picked up"
)
HUB_SCAN = aftership_checkpoint(
    "2024-05-15T03:05:00",
    "InTransit",
    "InTransit_003",
    "Arrival scan",
    "The shipment has been processed in the parcel center",
    city="EAST MIDLANDS",
    country_iso3="GBR",
)
OUT_FOR_DELIVERY = aftership_checkpoint(
    "2024-05-16T07:58:00",
    "OutForDelivery",
    "OutForDelivery_001",
    "Out for Delivery",
    "The shipment has been loaded onto the delivery vehicle",
    city="LONDON",
    country_iso3="GBR",
)
DELIVERED = aftership_checkpoint(
    "2024-05-16T13:21:00",
    "Delivered",
    "Delivered_001",
    "Delivered",
    "The shipment has been successfully delivered",
    city="LONDON",
    country_iso3="GBR",
)


def aftership_payload(
    checkpoints: list[dict],
    *,
    tracking_number: str = DHL_NUMBER,
    slug: str = "dhl",
    tag: str | None = None,
    event_id: str | None = None,
    expected_delivery: str | None = "2024-05-17",
    **msg_overrides,
) -> dict:
    """A `tracking_update` whose `msg` is the whole tracking with these checkpoints (oldest first)."""
    last = checkpoints[-1] if checkpoints else {"tag": "Pending", "subtag": "Pending_001", "subtag_message": "Pending"}
    msg = {
        "id": "n33xyn2b61cm3kosdtnvu00e",
        "tracking_number": tracking_number,
        "title": tracking_number,
        "note": None,
        "origin_country_iso3": "DEU",
        "destination_country_iso3": "GBR",
        "courier_destination_country_iso3": "GBR",
        "shipment_package_count": 1,
        "active": True,
        "order_id": "5612345678901",
        "order_number": "#1001",
        "order_date": "2024-05-14T09:15:02+00:00",
        "customer_name": "Ada Lovelace",
        "source": "api",
        "emails": ["ada.lovelace@example.com"],
        "smses": [],
        "return_to_sender": False,
        "custom_fields": {},
        "tag": tag or last["tag"],
        "subtag": last["subtag"] if tag is None else f"{tag}_001",
        "subtag_message": last["subtag_message"] if tag is None else tag,
        "tracked_count": 4,
        "expected_delivery": expected_delivery,
        "signed_by": None,
        "shipment_type": "DHL Parcel International",
        "created_at": "2024-05-14T10:20:11+00:00",
        "updated_at": "2024-05-16T13:30:05+00:00",
        "slug": slug,
        "language": None,
        "shipment_pickup_date": "2024-05-14T17:40:00",
        "shipment_delivery_date": None,
        "last_updated_at": "2024-05-16T13:30:05+00:00",
        "checkpoints": checkpoints,
        "order_promised_delivery_date": None,
        "delivery_type": None,
        "pickup_location": None,
        "pickup_note": None,
        "courier_tracking_link": f"https://www.dhl.com/gb-en/home/tracking.html?tracking-id={tracking_number}",
        "first_attempted_at": None,
        "on_time_status": "on-time",
        "on_time_difference": 0,
        "order_tags": [],
        "aftership_estimated_delivery_date": None,
    }
    msg.update(msg_overrides)
    return {
        "event": "tracking_update",
        "event_id": event_id or str(uuid.uuid4()),
        "is_tracking_first_tag": True,
        "msg": msg,
        "ts": 1715866205,
    }


def aftership_signature(body: bytes, secret: str = AFTERSHIP_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def aftership_headers(body: bytes, secret: str = AFTERSHIP_SECRET) -> dict:
    return {
        "aftership-hmac-sha256": aftership_signature(body, secret),
        "as-webhook-version": "2024-04",
        "User-Agent": "AfterShipTrackingWebhook/4.0.0 (https://www.aftership.com)",
    }


def post_aftership(client, store, payload: dict, *, secret: str = AFTERSHIP_SECRET):
    body = json.dumps(payload).encode()
    return post_raw(client, "aftership", store.slug, body, aftership_headers(body, secret))


# -- EasyPost ----------------------------------------------------------------------------------


def easypost_detail(at: str, status: str, status_detail: str, message: str, city, state, zip_code) -> dict:
    return {
        "object": "TrackingDetail",
        "message": message,
        "description": message,
        "status": status,
        "status_detail": status_detail,
        "datetime": at,
        "source": "FedEx",
        "carrier_code": "",
        "tracking_location": {
            "object": "TrackingLocation",
            "city": city,
            "state": state,
            "country": "US",
            "zip": zip_code,
        },
    }


FEDEX_DETAILS = [
    easypost_detail(
        "2024-07-31T15:00:00Z",
        "pre_transit",
        "label_created",
        "Shipment information sent to FedEx",
        None,
        None,
        "32837",
    ),
    easypost_detail("2024-07-31T19:27:00Z", "in_transit", "arrived_at_facility", "Picked up", "ORLANDO", "FL", "32809"),
    easypost_detail(
        "2024-08-01T14:42:13Z", "in_transit", "departed_facility", "Departed FedEx location", "ORLANDO", "FL", "32809"
    ),
    easypost_detail("2024-08-02T18:35:20Z", "in_transit", "unknown", "On the way", "EDISON TWP", "NJ", "08817"),
]
FEDEX_OUT_FOR_DELIVERY = easypost_detail(
    "2024-08-05T08:02:00Z",
    "out_for_delivery",
    "out_for_delivery",
    "On FedEx vehicle for delivery",
    "BROOKLYN",
    "NY",
    "11201",
)
FEDEX_DELIVERED = easypost_detail(
    "2024-08-05T14:47:00Z", "delivered", "arrived_at_destination", "Delivered", "BROOKLYN", "NY", "11201"
)


def easypost_event(
    details: list[dict],
    *,
    tracking_code: str = FEDEX_NUMBER,
    carrier: str = "FedEx",
    status: str | None = None,
    event_id: str | None = None,
    description: str = "tracker.updated",
    est_delivery_date: str | None = "2024-08-05T00:00:00Z",
) -> dict:
    """An EasyPost Event whose result is the Tracker with these tracking details (oldest first)."""
    last = details[-1] if details else {"status": "unknown", "status_detail": "unknown"}
    return {
        "description": description,
        "mode": "production",
        "previous_attributes": {"status": "in_transit"},
        "created_at": "2024-08-02T19:26:52.000Z",
        "pending_urls": ["https://shop.example.com/webhooks/carriers/easypost/acme/"],
        "completed_urls": [],
        "updated_at": "2024-08-02T19:26:52.000Z",
        "id": event_id or f"evt_{uuid.uuid4().hex}",
        "user_id": "user_060ab38db3c04ffaa60f262e5781a9be",
        "status": "pending",
        "object": "Event",
        "result": {
            "id": "trk_c8e0edb5bb284caa934a0d3db23a148z",
            "object": "Tracker",
            "mode": "production",
            "tracking_code": tracking_code,
            "status": status or last["status"],
            "status_detail": last["status_detail"],
            "created_at": "2024-07-31T14:45:27Z",
            "updated_at": "2024-08-02T19:26:51Z",
            "signed_by": None,
            "weight": 614.4,
            "est_delivery_date": est_delivery_date,
            "shipment_id": None,
            "carrier": carrier,
            "tracking_details": details,
            "carrier_detail": {
                "object": "CarrierDetail",
                "service": "FEDEX_GROUND",
                "container_type": None,
                "est_delivery_date_local": est_delivery_date[:10] if est_delivery_date else None,
                "est_delivery_time_local": None,
                "origin_location": "ORLANDO FL US",
                "destination_location": "BROOKLYN HGTS NY US",
                "guaranteed_delivery_date": None,
                "alternate_identifier": None,
                "initial_delivery_attempt": None,
            },
            "finalized": False,
            "is_return": False,
            "public_url": f"https://track.easypost.com/{tracking_code}",
        },
    }


def easypost_signature(body: bytes, secret: str = EASYPOST_SECRET) -> str:
    key = unicodedata.normalize("NFKD", secret).encode("utf-8")
    return "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def post_easypost(client, store, payload: dict, *, secret: str = EASYPOST_SECRET):
    body = json.dumps(payload).encode()
    headers = {"X-Hmac-Signature": easypost_signature(body, secret), "User-Agent": "EasyPost WebHook Agent 1.0"}
    return post_raw(client, "easypost", store.slug, body, headers)


# -- generic -----------------------------------------------------------------------------------


def generic_payload(events: list[dict], *, tracking_number: str = DHL_NUMBER, **fields) -> dict:
    return {"id": f"upd-{uuid.uuid4().hex[:12]}", "tracking_number": tracking_number, "events": events, **fields}


def generic_signature(body: bytes, secret: str = GENERIC_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_generic(client, store, payload: dict, *, secret: str = GENERIC_SECRET):
    body = json.dumps(payload).encode()
    return post_raw(client, "generic", store.slug, body, {"X-PostPurchase-Signature": generic_signature(body, secret)})


def post_raw(client, provider: str, store_slug: str, body: bytes, headers: dict):
    url = reverse("carrier-webhook", args=[provider, store_slug])
    return client.post(url, data=body, content_type="application/json", headers=headers)
