"""anymail tracking webhooks, through Postmark's: plain JSON, one event per POST."""

import base64
import json
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from notifications.email_events import provider_for
from notifications.models import Channel, Consent, Message, MessageState, Suppression
from notifications.services import messages_claim
from orders import services
from orders.models import DomainEvent, InboundWebhook
from orders.tasks import webhooks_process_pending_task
from tests.orders.factories import place_order

pytestmark = pytest.mark.django_db

URL = "/webhooks/anymail/postmark/tracking/"
AUTH = "Basic " + base64.b64encode(b"postmark:s3cret-hook").decode()


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "postmark:s3cret-hook"}


@pytest.fixture
def sent(store, deliver) -> Message:
    """The order confirmation, handed to the provider."""
    order = deliver(place_order, store)
    message = Message.objects.get(order=order)
    assert message.state == MessageState.SENT
    return message


def post(client, payload: dict, auth: str = AUTH):
    return client.post(URL, json.dumps(payload), content_type="application/json", HTTP_AUTHORIZATION=auth)


def _about(message: Message) -> dict:
    return {
        "MessageStream": "outbound",
        "ServerID": 23,
        "MessageID": message.provider_message_id,
        "Metadata": {"outbox_id": str(message.pk)},
        "Tag": "order_confirmation",
    }


def delivery(message: Message, **changes) -> dict:
    return {
        "RecordType": "Delivery",
        **_about(message),
        "Recipient": message.recipient,
        "DeliveredAt": "2026-11-23T16:33:54.9070259Z",
        "Details": "smtp;250 2.0.0 OK 1700000000 q1-20020a170906",
        **changes,
    }


def bounce(message: Message, **changes) -> dict:
    return {
        "RecordType": "Bounce",
        **_about(message),
        "ID": 4323372036854775807,
        "Type": "HardBounce",
        "TypeCode": 1,
        "Name": "Hard bounce",
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": message.recipient,
        "From": "no-reply@acme.example",
        "BouncedAt": "2026-11-23T16:35:12.1234567Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Your order #1001",
        **changes,
    }


def spam_complaint(message: Message) -> dict:
    return bounce(
        message,
        RecordType="SpamComplaint",
        ID=4323372036854775808,
        Type="SpamComplaint",
        TypeCode=512,
        Name="Spam complaint",
        Description="The subscriber explicitly marked this email as spam.",
        Details="Test spam complaint details",
        CanActivate=False,
    )


def subscription_change(message: Message) -> dict:
    return {
        "RecordType": "SubscriptionChange",
        **_about(message),
        "ChangedAt": "2026-11-23T16:40:00Z",
        "Recipient": message.recipient,
        "Origin": "Recipient",
        "SuppressSending": True,
        "SuppressionReason": "ManualSuppression",
    }


def test_a_delivery_marks_the_message_delivered_on_the_order_timeline(client, sent):
    response = post(client, delivery(sent))

    assert response.status_code == 200
    sent.refresh_from_db()
    assert sent.state == MessageState.DELIVERED
    assert DomainEvent.objects.filter(order=sent.order, kind="message.delivered", actor="anymail:postmark").count() == 1
    webhook = InboundWebhook.objects.get()
    assert (webhook.provider, webhook.store, webhook.topic) == (provider_for("Postmark"), sent.store, "delivered")
    assert webhook.processed_at is not None


def test_a_bounce_marks_the_message_bounced_and_the_next_email_to_the_address_is_suppressed(client, sent, deliver):
    response = post(client, bounce(sent))

    assert response.status_code == 200
    sent.refresh_from_db()
    assert sent.state == MessageState.BOUNCED
    assert "unable to deliver" in sent.reason
    assert Suppression.objects.get(channel=Channel.EMAIL, address="ada.lovelace@example.com").reason == "bounced"
    assert DomainEvent.objects.filter(order=sent.order, kind="message.bounced").count() == 1

    deliver(services.shipment_upsert, order=sent.order, carrier="dhl", tracking_number="JD1")

    shipped = Message.objects.get(kind="shipped", channel=Channel.EMAIL)
    assert shipped.state == MessageState.SUPPRESSED
    assert "suppression list" in shipped.reason
    assert len(mail.outbox) == 1  # the confirmation only


def test_a_message_is_found_by_the_providers_message_id_alone(client, sent):
    post(client, delivery(sent, Metadata={}))

    sent.refresh_from_db()
    assert sent.state == MessageState.DELIVERED


def test_metadata_from_another_system_does_not_move_our_message(client, sent):
    post(client, delivery(sent, Metadata={"outbox_id": str(sent.pk)}, MessageID="other-system-id", Recipient="x@y.z"))

    sent.refresh_from_db()
    assert sent.state == MessageState.SENT


def test_a_redelivered_event_is_applied_once(client, sent):
    post(client, bounce(sent))
    post(client, bounce(sent))
    post(client, delivery(sent))
    post(client, delivery(sent))

    assert InboundWebhook.objects.count() == 2
    assert DomainEvent.objects.filter(kind="message.bounced").count() == 1
    assert Suppression.objects.count() == 1


def test_a_delivery_reported_after_a_bounce_does_not_move_the_message_back(client, sent):
    post(client, bounce(sent))

    post(client, delivery(sent))

    sent.refresh_from_db()
    assert sent.state == MessageState.BOUNCED
    assert not DomainEvent.objects.filter(kind="message.delivered").exists()


def test_wrong_or_missing_basic_auth_is_refused_and_nothing_is_stored(client, sent):
    wrong = "Basic " + base64.b64encode(b"postmark:guess").decode()

    responses = [post(client, bounce(sent), auth=wrong), post(client, bounce(sent), auth="")]

    assert [r.status_code for r in responses] == [401, 401]
    assert not InboundWebhook.objects.exists()
    assert not Suppression.objects.exists()
    sent.refresh_from_db()
    assert sent.state == MessageState.SENT


@pytest.mark.parametrize("secret", [None, ""], ids=["no-secret-setting", "empty-secret"])
def test_without_a_configured_secret_a_forged_bounce_is_refused_and_suppresses_nobody(client, sent, settings, secret):
    settings.ANYMAIL = {} if secret is None else {"WEBHOOK_SECRET": secret}

    response = post(client, bounce(sent), auth="")

    assert response.status_code == 401
    assert not InboundWebhook.objects.exists()
    assert not Suppression.objects.exists()


def test_a_spam_complaint_suppresses_the_address_and_stops_optional_email(client, sent):
    post(client, spam_complaint(sent))

    assert Suppression.objects.get(address=sent.recipient).reason == "spam"
    consent = Consent.objects.get(customer=sent.customer, channel=Channel.EMAIL)
    assert (consent.opted_in, consent.optional_messages, consent.source) == (True, False, "Postmark: complained")
    assert DomainEvent.objects.filter(kind="consent.changed", customer=sent.customer).count() == 1
    assert DomainEvent.objects.filter(order=sent.order, kind="message.complained").count() == 1


def test_an_unsubscribe_reported_by_the_provider_stops_optional_email_only(client, sent):
    post(client, subscription_change(sent))

    consent = Consent.objects.get(customer=sent.customer, channel=Channel.EMAIL)
    assert (consent.opted_in, consent.optional_messages) == (True, False)
    assert not Suppression.objects.exists()
    sent.refresh_from_db()
    assert sent.state == MessageState.SENT


def test_opens_and_clicks_are_stored_but_change_nothing(client, sent):
    post(
        client,
        {
            "RecordType": "Open",
            **_about(sent),
            "FirstOpen": True,
            "Recipient": sent.recipient,
            "ReceivedAt": "2026-11-23T17:00:00Z",
            "Platform": "WebMail",
            "ReadSeconds": 5,
            "UserAgent": "Mozilla/5.0",
        },
    )

    sent.refresh_from_db()
    assert sent.state == MessageState.SENT
    assert InboundWebhook.objects.get().topic == "opened"
    assert not DomainEvent.objects.filter(kind__startswith="message.").exclude(kind="message.sent").exists()


def test_a_bounce_for_an_email_we_do_not_know_still_suppresses_the_address_once(client, db):
    stranger = {
        "RecordType": "Bounce",
        "ID": 99,
        "Type": "HardBounce",
        "MessageID": "5e9c0d3a-0000-4000-8000-000000000000",
        "Metadata": {},
        "Email": "Gone@Example.com",
        "BouncedAt": "2026-11-23T16:35:12Z",
        "Description": "Unknown user",
    }

    post(client, stranger)
    post(client, stranger)

    assert Suppression.objects.get().address == "gone@example.com"
    webhook = InboundWebhook.objects.get()
    assert webhook.store is None


def test_an_event_that_overtakes_the_send_record_is_applied_by_the_sweeper(client, store):
    order = place_order(store)
    (message_id,) = messages_claim()  # a worker claimed it and is calling the provider
    message = Message.objects.get(pk=message_id)
    message.provider_message_id = "b7bc2f4a-e38e-4336-af7d-e6c392c2f817"  # what the provider will report

    post(client, delivery(message))

    webhook = InboundWebhook.objects.get()
    assert webhook.processed_at is None
    assert "still being sent" in webhook.error
    # The worker records the send (as messages_deliver does) ...
    Message.objects.filter(pk=message_id).update(
        state=MessageState.SENT, sent_at=timezone.now(), provider_message_id=message.provider_message_id
    )
    # ... and a minute later the sweeper applies the event.
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        webhooks_process_pending_task()

    message.refresh_from_db()
    assert message.state == MessageState.DELIVERED
    assert DomainEvent.objects.filter(order=order, kind="message.delivered").count() == 1
