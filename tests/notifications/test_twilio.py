"""SMS through Twilio: sending (against a fake Twilio over HTTP), status callbacks, inbound keywords."""

import time
from datetime import UTC, datetime, timedelta
from io import StringIO
from urllib.parse import urlencode

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from twilio.request_validator import RequestValidator

from notifications.models import Channel, Consent, Message, MessageState, Suppression
from notifications.services import messages_dispatch_due
from orders import services
from orders.models import DomainEvent, InboundWebhook
from tests.notifications.factories import opt_in_sms
from tests.notifications.fake_twilio import (  # noqa: F401 - fake_twilio_fixture provides `fake_twilio`
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM,
    created,
    error,
    fake_twilio_fixture,
    hang,
    rate_limited,
)
from tests.orders.factories import StoreFactory, place_order

pytestmark = pytest.mark.django_db

PHONE = "+4915112345678"
STATUS_PATH = "/webhooks/twilio/status/"
INBOUND_PATH = "/webhooks/twilio/inbound/"


@pytest.fixture(autouse=True)
def _twilio_account(settings):
    """Webhooks are signed with the account's auth token over a public URL unlike the test Host."""
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.PUBLIC_BASE_URL = "https://post-purchase.example.com"


@pytest.fixture(autouse=True)
def daytime():
    """10:00 UTC on a Monday, outside every store's quiet hours, so SMS go out at once."""
    with time_machine.travel(datetime(2026, 6, 1, 10, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def sms_customer_order(store, deliver, *, phone=PHONE):
    order = deliver(place_order, store, phone=phone)
    opt_in_sms(order.customer)
    return order


def ship(order, deliver, tracking_number="JD1") -> Message:
    shipment, _ = deliver(services.shipment_upsert, order=order, carrier="dhl", tracking_number=tracking_number)
    return Message.objects.get(shipment=shipment, channel=Channel.SMS)


@pytest.fixture
def sent_sms(store, deliver, fake_twilio):
    """A shipping SMS Twilio accepted: state `sent`, with Twilio's SID."""
    message = ship(sms_customer_order(store, deliver), deliver)
    assert message.state == MessageState.SENT
    return message


def twilio_post(client, path, params, *, token=AUTH_TOKEN, signed_url=None, **headers):
    """POST form fields as Twilio does, signed like Twilio signs them."""
    url = signed_url or settings.PUBLIC_BASE_URL + path
    signature = RequestValidator(token).compute_signature(url, params)
    return client.post(
        path,
        data=urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
        **headers,
    )


def status_callback(client, sid, status, **extra):
    params = {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "From": FROM,
        "To": PHONE,
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        **extra,
    }
    return twilio_post(client, STATUS_PATH, params)


def inbound_sms(client, body, *, sid="SM" + "1" * 32, phone=PHONE):
    params = {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "From": phone,
        "To": FROM,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
    }
    return twilio_post(client, INBOUND_PATH, params)


# --- sending ------------------------------------------------------------------------------------


def test_a_rate_limited_sms_is_retried_after_the_backoff_and_sent_exactly_once(store, deliver, fake_twilio, daytime):
    fake_twilio.answer(rate_limited(), created(sid="SM" + "b" * 32))
    order = sms_customer_order(store, deliver)

    message = ship(order, deliver)

    assert message.state == MessageState.SCHEDULED
    assert "429" in message.last_error
    assert len(fake_twilio.calls) == 1

    daytime.shift(timedelta(minutes=2))  # the first backoff is at most a minute
    messages_dispatch_due()
    messages_dispatch_due()

    message.refresh_from_db()
    assert message.state == MessageState.SENT
    assert message.provider_message_id == "SM" + "b" * 32
    assert len(fake_twilio.calls) == 2
    assert DomainEvent.objects.filter(order=order, kind="message.sent", data__channel="sms").count() == 1


def test_an_unsubscribed_number_fails_the_message_and_is_never_texted_again(store, deliver, fake_twilio):
    fake_twilio.answer(error(21610, "Attempt to send to unsubscribed recipient"))
    order = sms_customer_order(store, deliver)

    message = ship(order, deliver)

    assert message.state == MessageState.FAILED
    assert "21610" in message.reason
    assert Suppression.objects.filter(channel=Channel.SMS, address=PHONE).exists()

    later = ship(order, deliver, tracking_number="JD2")

    assert later.state == MessageState.SUPPRESSED
    assert len(fake_twilio.calls) == 1


def test_a_rejection_that_is_not_about_the_number_fails_without_suppressing_it(store, deliver, fake_twilio):
    fake_twilio.answer(error(21617, "The concatenated message body exceeds the 1600 character limit"))

    message = ship(sms_customer_order(store, deliver), deliver)

    assert message.state == MessageState.FAILED
    assert "21617" in message.reason
    assert not Suppression.objects.exists()


def test_a_hung_twilio_times_out_and_the_sms_is_retried_instead_of_holding_the_worker(
    store, deliver, fake_twilio, settings, daytime
):
    settings.TWILIO_TIMEOUT_SECONDS = 1
    fake_twilio.answer(hang(10))
    order = sms_customer_order(store, deliver)

    started = time.monotonic()
    message = ship(order, deliver)

    assert time.monotonic() - started < 5
    assert message.state == MessageState.SCHEDULED
    assert "unreachable" in message.last_error

    daytime.shift(timedelta(minutes=2))
    messages_dispatch_due()

    message.refresh_from_db()
    assert message.state == MessageState.SENT
    assert len(fake_twilio.calls) == 2


def test_the_sms_goes_through_the_messaging_service_with_a_public_status_callback(
    store, deliver, fake_twilio, settings
):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "c" * 32

    message = ship(sms_customer_order(store, deliver), deliver)

    [call] = fake_twilio.calls
    assert call["To"] == PHONE
    assert "JD1" in call["Body"]
    assert call["MessagingServiceSid"] == "MG" + "c" * 32
    assert "From" not in call
    assert call["StatusCallback"] == "https://post-purchase.example.com/webhooks/twilio/status/"
    assert message.provider_message_id.startswith("SM")


# --- status callbacks ---------------------------------------------------------------------------


def test_a_signed_delivered_callback_moves_the_sms_to_delivered_and_tells_the_timeline(client, sent_sms):
    response = status_callback(client, sent_sms.provider_message_id, "delivered")

    assert response.status_code == 204
    sent_sms.refresh_from_db()
    assert sent_sms.state == MessageState.DELIVERED
    event = DomainEvent.objects.get(order=sent_sms.order, kind="message.delivered")
    assert event.data["message_id"] == sent_sms.pk
    assert event.data["channel"] == "sms"


def test_a_callback_with_a_bad_or_missing_signature_is_refused_and_not_stored(client, sent_sms):
    params = {"MessageSid": sent_sms.provider_message_id, "MessageStatus": "delivered", "To": PHONE}

    forged = twilio_post(client, STATUS_PATH, params, token="not-the-auth-token")
    unsigned = client.post(STATUS_PATH, data=urlencode(params), content_type="application/x-www-form-urlencoded")

    assert forged.status_code == 403
    assert unsigned.status_code == 403
    assert not InboundWebhook.objects.exists()
    sent_sms.refresh_from_db()
    assert sent_sms.state == MessageState.SENT


def test_the_signature_is_checked_against_the_public_url_never_the_host_header(client, sent_sms):
    params = {"MessageSid": sent_sms.provider_message_id, "MessageStatus": "delivered", "To": PHONE}

    signed_for_host = twilio_post(
        client, STATUS_PATH, params, signed_url="http://evil.example.com" + STATUS_PATH, HTTP_HOST="testserver"
    )

    assert signed_for_host.status_code == 403
    behind_proxy = twilio_post(client, STATUS_PATH, params, HTTP_HOST="testserver")
    assert behind_proxy.status_code == 204


def test_a_late_sent_callback_never_moves_a_delivered_sms_back(client, sent_sms):
    status_callback(client, sent_sms.provider_message_id, "delivered")

    response = status_callback(client, sent_sms.provider_message_id, "sent")

    assert response.status_code == 204
    sent_sms.refresh_from_db()
    assert sent_sms.state == MessageState.DELIVERED


def test_the_same_callback_twice_is_processed_once(client, sent_sms):
    status_callback(client, sent_sms.provider_message_id, "delivered")

    again = status_callback(client, sent_sms.provider_message_id, "delivered")

    assert again.status_code == 204
    [webhook] = InboundWebhook.objects.filter(provider="twilio-status")
    assert webhook.attempts == 1
    assert webhook.store_id == sent_sms.store_id
    assert DomainEvent.objects.filter(kind="message.delivered").count() == 1


def test_an_undelivered_callback_for_a_landline_bounces_the_sms_and_suppresses_the_number(client, sent_sms):
    response = status_callback(client, sent_sms.provider_message_id, "undelivered", ErrorCode="30006")

    assert response.status_code == 204
    sent_sms.refresh_from_db()
    assert sent_sms.state == MessageState.BOUNCED
    assert "30006" in sent_sms.reason
    assert "30006" in sent_sms.last_error
    assert Suppression.objects.get(channel=Channel.SMS, address=PHONE).reason.startswith("Twilio error 30006")
    assert DomainEvent.objects.get(kind="message.bounced").data["reason"] == sent_sms.reason


def test_a_temporarily_unreachable_handset_fails_the_sms_but_keeps_the_number(client, sent_sms):
    status_callback(client, sent_sms.provider_message_id, "failed", ErrorCode="30003")

    sent_sms.refresh_from_db()
    assert sent_sms.state == MessageState.FAILED
    assert not Suppression.objects.exists()


def test_a_callback_that_beats_the_send_record_is_applied_by_a_replay(client, store, deliver, fake_twilio):
    sid = "SM" + "d" * 32
    fake_twilio.answer(created(sid=sid))

    early = status_callback(client, sid, "delivered")

    assert early.status_code == 204
    webhook = InboundWebhook.objects.get(provider="twilio-status")
    assert webhook.processed_at is None
    assert "no SMS" in webhook.error

    message = ship(sms_customer_order(store, deliver), deliver)
    call_command("replay_webhooks", stdout=StringIO())

    message.refresh_from_db()
    assert message.state == MessageState.DELIVERED


# --- inbound SMS --------------------------------------------------------------------------------


def test_stop_opts_out_suppresses_and_confirms_once_and_no_sms_follows(client, store, deliver, fake_twilio):
    order = sms_customer_order(store, deliver)

    first = inbound_sms(client, "  Stop ", sid="SM" + "1" * 32)
    second = inbound_sms(client, "STOP", sid="SM" + "2" * 32)

    assert first.status_code == 200
    assert first["Content-Type"].startswith("text/xml")
    assert "You are unsubscribed from Acme Outfitters messages. Reply START to resubscribe." in first.content.decode()
    assert "<Message>" not in second.content.decode()
    assert "<Response" in second.content.decode()
    consent = Consent.objects.get(customer=order.customer, channel=Channel.SMS)
    assert not consent.opted_in
    assert consent.source == "SMS keyword STOP"
    assert Suppression.objects.get(channel=Channel.SMS, address=PHONE).reason == "replied STOP"

    message = ship(order, deliver)

    assert message.state == MessageState.SUPPRESSED
    assert fake_twilio.calls == []


def test_start_opts_back_in_and_lifts_the_suppression(client, store, deliver, fake_twilio):
    order = sms_customer_order(store, deliver)
    inbound_sms(client, "STOP", sid="SM" + "1" * 32)

    response = inbound_sms(client, "start", sid="SM" + "2" * 32)

    assert "subscribed to Acme Outfitters messages again" in response.content.decode()
    consent = Consent.objects.get(customer=order.customer, channel=Channel.SMS)
    assert consent.opted_in
    assert consent.source == "SMS keyword START"
    assert not Suppression.objects.exists()
    assert ship(order, deliver).state == MessageState.SENT


def test_help_answers_with_the_stores_support_email(client, store, deliver):
    store.support_email = "help@acme.example"
    store.save()
    deliver(place_order, store, phone=PHONE)

    response = inbound_sms(client, "help")

    assert "help@acme.example" in response.content.decode()
    assert "Acme Outfitters" in response.content.decode()


def test_stop_from_a_number_two_stores_know_opts_out_of_both_without_naming_either(client, store, deliver):
    orders = [sms_customer_order(s, deliver) for s in (store, StoreFactory(slug="globex", name="Globex"))]

    response = inbound_sms(client, "UNSUBSCRIBE")

    assert "You are unsubscribed from our messages." in response.content.decode()
    assert not Consent.objects.filter(customer__in=[o.customer for o in orders], opted_in=True).exists()
    assert InboundWebhook.objects.get(provider="twilio-inbound").store is None


def test_any_other_text_is_stored_and_answered_with_an_empty_response(client, store, deliver):
    sms_customer_order(store, deliver)

    response = inbound_sms(client, "Where is my parcel?")

    assert response.status_code == 200
    assert "<Message>" not in response.content.decode()
    webhook = InboundWebhook.objects.get(provider="twilio-inbound")
    assert webhook.store == store
    assert "Where+is+my+parcel" in webhook.body
    assert Consent.objects.get(channel=Channel.SMS).opted_in


def test_an_unsigned_inbound_sms_is_refused_and_changes_nothing(client, store, deliver):
    order = sms_customer_order(store, deliver)

    response = client.post(
        INBOUND_PATH,
        data=urlencode({"MessageSid": "SM" + "1" * 32, "From": PHONE, "Body": "STOP"}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 403
    assert not InboundWebhook.objects.exists()
    assert Consent.objects.get(customer=order.customer, channel=Channel.SMS).opted_in
