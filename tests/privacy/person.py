"""One person known to every app of a store, and a scan of every text and JSON column for them.

`seed_person` makes the person the way they would reach us: a signed Shopify order (so the raw
webhook body holds their email, phone, names and addresses), a delivery scan in their town, a
bounce and a STOP, SMS consent, a return with a note and a label, points adjusted by staff with a
reason naming them, a referral that named their address, a review and a survey answer, a Twilio
callback from their phone. `traces` then looks for them in every column of every model.
"""

import copy
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from feedback.models import SurveyAnswer
from feedback.reviews import ReviewInput, reviews_submit
from loyalty.ledger import account_for
from loyalty.models import Referral
from loyalty.programme import programme_for
from loyalty.services import points_adjust
from notifications.models import Channel, Suppression
from orders import services
from orders.models import Customer, InboundWebhook, Order, Store
from returns.services import return_approve
from tests.notifications.factories import opt_in_sms
from tests.orders.factories import UserFactory, place_order
from tests.orders.shopify_payloads import order_payload, post_webhook
from tests.returns.factories import request_return

EMAIL = "augusta.byron@example.org"
PHONE = "+4915112345678"
FIRST, LAST = "Augusta", "Byronsdottir"
STREET = "17 Erasure Lane"
TOWN = "Privacyville"
# Every way the person may be written down: the scan must find none of them after erasure.
NEEDLES = [EMAIL, PHONE, "4915112345678", "151 12345678", FIRST, LAST, STREET, TOWN]

_REPLACE = {
    "Ada Lovelace": f"{FIRST} {LAST}",
    "Ada": FIRST,
    "Lovelace": LAST,
    "ada.lovelace@example.com": EMAIL,
    "Ada.Lovelace@Example.com": "Augusta.Byron@Example.org",
    "12 Analytical Street": STREET,
    "London": TOWN,
    "020 7946 0958": "+49 151 12345678",
}


def _personal(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _personal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_personal(v) for v in value]
    return _REPLACE.get(value, value) if isinstance(value, str) else value


def shopify_order_payload(**overrides: Any) -> dict:
    payload = _personal(copy.deepcopy(order_payload(**overrides)))
    payload["phone"] = PHONE
    payload["customer"]["phone"] = PHONE
    return payload


@dataclass
class Seeded:
    store: Store
    order: Order
    customer: Customer
    other: Order


def seed_person(client, store: Store) -> Seeded:
    programme_for(store)
    assert post_webhook(client, store, "orders/create", shopify_order_payload()).status_code == 200
    order = Order.objects.get(store=store, email=EMAIL)
    customer = Customer.objects.get(store=store, email=EMAIL)
    other = place_order(store, number="#2001", email="grace@example.com", first_name="Grace", last_name="Hopper")

    shipment, _ = services.shipment_upsert(order=order, carrier="dhl", tracking_number="JD1")
    services.tracking_event_add(
        shipment=shipment, occurred_at=timezone.now() - timedelta(hours=2), status="delivered", location=f"{TOWN} DE"
    )

    Suppression.objects.create(store=None, channel=Channel.EMAIL, address=EMAIL, reason="bounced")
    Suppression.objects.create(store=None, channel=Channel.SMS, address=PHONE, reason="STOP")
    opt_in_sms(customer)
    InboundWebhook.objects.create(
        provider="twilio-inbound", store=None, topic="", headers={}, body=f"From=%2B{PHONE[1:]}&Body=STOP"
    )

    rr = request_return(order, (0, 1), customer_note=f"Please call {FIRST} on {PHONE}")
    return_approve(return_id=rr.pk, actor="owner")

    staff = UserFactory(username="owner", stores=[store])
    points_adjust(customer=customer, points=100, reason=f"Goodwill for {FIRST} {LAST}", staff_user_id=staff.pk)
    referrer = Customer.objects.get(store=store, email="grace@example.com")
    Referral.objects.create(store=store, referrer=account_for(referrer), friend_email=EMAIL, created_at=timezone.now())

    line = order.line_items.first()
    reviews_submit(order=order, inputs=[ReviewInput(line_item_id=line.pk, rating=5, body=f"{FIRST} loves it")])
    SurveyAnswer.objects.create(store=store, order=order, survey="nps", score=9, comment=f"Thanks, {FIRST} {LAST}")
    return Seeded(store=store, order=order, customer=customer, other=other)


def _text_columns(model: type[models.Model]) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField)
    ]


def traces(needles: list[str] = NEEDLES) -> list[str]:
    """`model.field: needle` for every text and JSON column of every model that still holds a needle."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for name in _text_columns(model):
            rows = model._base_manager.annotate(_scanned=Cast(name, TextField()))
            for needle in needles:
                if rows.filter(_scanned__icontains=needle).exists():
                    found.append(f"{model._meta.label}.{name}: {needle}")
    return found
