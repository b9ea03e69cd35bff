"""Marketing consent given at checkout (API, Shopify, import) decides optional messages."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from notifications.context import preferences_token
from notifications.flows import messaging_for
from notifications.models import Channel, Consent, Message, MessageState, MessagingSettings
from notifications.services import messages_dispatch_due
from orders import services
from orders.inputs import MarketingConsent
from orders.models import Customer, DomainEvent
from tests.orders.factories import AGREED_TO_EMAIL, place_order
from tests.orders.import_helpers import our_order, run_import, write_csv
from tests.orders.shopify_payloads import order_payload, post_webhook

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def consent(email: str, channel: str) -> tuple[bool, bool, str] | None:
    found = Consent.objects.filter(customer__email=email, channel=channel).first()
    return (found.opted_in, found.optional_messages, found.source) if found else None


def deliver_and_wait_for_the_thank_you(store, deliver, **order) -> Message:
    with time_machine.travel(START, tick=False):
        placed = deliver(place_order, store, **order)
        shipment, _ = deliver(services.shipment_upsert, order=placed, carrier="dhl", tracking_number="JD1")
        deliver(services.tracking_event_add, shipment=shipment, occurred_at=START, status="delivered")
    mail.outbox = []
    with time_machine.travel(START + timedelta(days=2, hours=1), tick=False):
        messages_dispatch_due()
    return Message.objects.get(order=placed, kind="thank_you")


def test_without_consent_the_optional_follow_up_is_suppressed_with_a_clear_reason(store, deliver):
    thank_you = deliver_and_wait_for_the_thank_you(store, deliver)

    assert thank_you.state == MessageState.SUPPRESSED
    assert thank_you.reason == "the customer has not agreed to optional email (the store sends it only with consent)"
    assert mail.outbox == []


def test_with_consent_at_checkout_the_optional_follow_up_is_sent(store, deliver):
    thank_you = deliver_and_wait_for_the_thank_you(store, deliver, marketing_consent=AGREED_TO_EMAIL)

    assert thank_you.state == MessageState.SENT
    assert len(mail.outbox) == 1


def test_a_store_where_opt_out_is_lawful_sends_optional_email_until_the_customer_says_no(store, deliver):
    settings = messaging_for(store)
    settings.optional_email_requires_consent = False
    settings.save()

    thank_you = deliver_and_wait_for_the_thank_you(store, deliver)

    assert thank_you.state == MessageState.SENT


def test_a_store_requires_consent_for_optional_email_unless_it_says_otherwise(store):
    assert MessagingSettings.objects.create(store=store).optional_email_requires_consent is True


def test_the_api_records_what_the_customer_agreed_to_at_checkout(api, store):
    body = {
        "number": "#1",
        "email": "ada@example.com",
        "phone": "+4915112345678",
        "currency": "EUR",
        "placed_at": "2026-11-01T09:00:00Z",
        "line_items": [{"title": "Linen tee", "quantity": 1, "unit_price": "25.00"}],
        "marketing_consent": {"email": True, "sms": False},
    }

    response = api.post("/api/v1/orders/", body, format="json")

    assert response.status_code == 201, response.json()
    assert consent("ada@example.com", Channel.EMAIL) == (True, True, "checkout (api)")
    assert consent("ada@example.com", Channel.SMS) == (False, False, "checkout (api)")
    recorded = Consent.objects.get(customer__email="ada@example.com", channel=Channel.EMAIL).recorded_at
    assert recorded == datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    changes = DomainEvent.objects.filter(kind="consent.changed", customer__email="ada@example.com")
    assert sorted(e.data["channel"] for e in changes) == ["email", "sms"]


def test_the_api_refuses_consent_that_is_not_yes_or_no(api):
    body = {
        "number": "#1",
        "email": "ada@example.com",
        "currency": "EUR",
        "line_items": [{"title": "Linen tee", "quantity": 1, "unit_price": "25.00"}],
        "marketing_consent": {"email": "maybe"},
    }

    response = api.post("/api/v1/orders/", body, format="json")

    assert response.status_code == 400
    assert "marketing_consent" in str(response.json())
    assert not Customer.objects.exists()


def test_an_order_that_says_nothing_about_marketing_records_no_consent(store):
    place_order(store)

    assert not Consent.objects.exists()


def test_shopify_customer_consent_states_become_consent_for_email_and_sms(client, store):
    payload = order_payload()
    payload["customer"]["email_marketing_consent"] = {
        "state": "subscribed",
        "opt_in_level": "single_opt_in",
        "consent_updated_at": "2024-05-14T10:14:50+01:00",
    }
    payload["customer"]["sms_marketing_consent"] = {
        "state": "subscribed",
        "opt_in_level": "single_opt_in",
        "consent_updated_at": "2024-05-14T10:14:55+01:00",
        "consent_collected_from": "SHOPIFY",
    }

    post_webhook(client, store, "orders/create", payload)

    assert consent("ada.lovelace@example.com", Channel.EMAIL) == (True, True, "checkout (shopify)")
    assert consent("ada.lovelace@example.com", Channel.SMS) == (True, True, "checkout (shopify)")
    sms = Consent.objects.get(channel=Channel.SMS)
    assert sms.recorded_at == datetime(2024, 5, 14, 9, 14, 55, tzinfo=UTC)


def test_shopify_buyer_accepts_marketing_is_consent_but_an_unticked_box_is_not_a_refusal(client, store):
    post_webhook(client, store, "orders/create", order_payload(buyer_accepts_marketing=False))
    assert not Consent.objects.exists()

    post_webhook(client, store, "orders/updated", order_payload(buyer_accepts_marketing=True))

    assert consent("ada.lovelace@example.com", Channel.EMAIL) == (True, True, "checkout (shopify)")


def test_a_pending_double_opt_in_is_not_consent_yet(client, store):
    payload = order_payload()
    payload["customer"]["email_marketing_consent"] = {"state": "pending", "opt_in_level": "confirmed_opt_in"}

    post_webhook(client, store, "orders/create", payload)

    assert not Consent.objects.exists()


def test_a_replayed_or_older_statement_never_undoes_what_the_customer_said_since(client, store):
    post_webhook(client, store, "orders/create", order_payload(buyer_accepts_marketing=True))
    customer = Customer.objects.get()
    client.post(
        reverse("notifications:unsubscribe", kwargs={"token": preferences_token(customer.pk)}),
        {"List-Unsubscribe": "One-Click"},
    )

    post_webhook(client, store, "orders/updated", order_payload(buyer_accepts_marketing=True, note="gift"))

    assert consent("ada.lovelace@example.com", Channel.EMAIL) == (True, False, "one-click unsubscribe")


def test_a_later_checkout_consent_wins_over_an_earlier_refusal(store):
    place_order(store, number="#1", marketing_consent=MarketingConsent(email=False), placed_at=START)

    place_order(store, number="#2", marketing_consent=MarketingConsent(email=True), placed_at=START + timedelta(days=1))

    assert consent("ada.lovelace@example.com", Channel.EMAIL) == (True, True, "checkout (api)")
    assert DomainEvent.objects.filter(kind="consent.changed").count() == 2


def test_the_csv_import_records_consent_columns_and_a_second_run_changes_nothing(tmp_path, store):
    rows = our_order(1, accepts_email_marketing="yes", accepts_sms_marketing="no") + our_order(
        2, accepts_email_marketing=""
    )
    path = write_csv(tmp_path / "orders.csv", rows)

    out, status = run_import(path)
    run_import(path)

    assert status == 0, out
    assert consent("customer1@example.com", Channel.EMAIL) == (True, True, "checkout (import)")
    assert consent("customer1@example.com", Channel.SMS) == (False, False, "checkout (import)")
    assert consent("customer2@example.com", Channel.EMAIL) is None
    assert DomainEvent.objects.filter(kind="consent.changed").count() == 2


def test_the_csv_import_refuses_a_consent_cell_that_is_not_yes_or_no(tmp_path, store):
    path = write_csv(tmp_path / "orders.csv", our_order(1, accepts_email_marketing="sure"))

    out, status = run_import(path)

    assert status == 1
    assert "accepts_email_marketing 'sure' is not yes or no" in out
    assert not Consent.objects.exists()
