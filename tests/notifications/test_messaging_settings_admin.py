"""The store's messaging settings in the admin: what reaches email headers is checked on save."""

import pytest
from django.core import mail

from notifications import kinds
from notifications.flows import messaging_for
from notifications.models import Channel, Message, MessageState
from notifications.services import messages_dispatch_due
from tests.notifications.test_template_admin import with_messaging_perms
from tests.orders.factories import place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant(owner):
    return with_messaging_perms(owner)


def change(client, messaging, **fields):
    data = {
        "store": messaging.store_id,
        "sender_name": messaging.sender_name,
        "reply_to": messaging.reply_to,
        "quiet_hours_start": "21:00",
        "quiet_hours_end": "08:00",
        "cap_per_day": 1,
        "cap_per_month": 5,
        "coupon_percent": 10,
        **fields,
    }
    return client.post(f"/admin/notifications/messagingsettings/{messaging.pk}/change/", data)


def test_a_newline_in_the_sender_name_is_refused_with_a_clear_error(client, merchant, store):
    messaging = messaging_for(store)
    client.force_login(merchant)

    page = change(client, messaging, sender_name="Acme\r\nBcc: everyone@example.com")

    assert page.status_code == 200
    assert "Line breaks, tabs and other control characters are not allowed here" in page.content.decode()
    messaging.refresh_from_db()
    assert messaging.sender_name == ""


def test_a_sender_name_longer_than_a_header_line_is_refused(client, merchant, store):
    messaging = messaging_for(store)
    client.force_login(merchant)

    page = change(client, messaging, sender_name="A" * 79)

    assert "At most 78 characters" in page.content.decode()


def test_a_plain_sender_name_is_saved_and_used_in_the_from_header(client, merchant, store):
    messaging = messaging_for(store)
    client.force_login(merchant)

    page = change(client, messaging, sender_name="Acme, the outfitters", reply_to="help@acme.example")

    assert page.status_code == 302
    place_order(store)
    messages_dispatch_due()
    (email,) = mail.outbox
    assert email.message()["From"] == '"Acme, the outfitters" <no-reply@localhost>'
    assert email.reply_to == ["help@acme.example"]


def test_a_sender_name_with_a_line_break_saved_before_the_check_still_sends_clean_headers(store):
    messaging = messaging_for(store)
    messaging.sender_name = "Acme\nBcc: everyone@example.com"
    messaging.save()
    place_order(store)

    messages_dispatch_due()

    message = Message.objects.get(kind=kinds.ORDER_CONFIRMATION, channel=Channel.EMAIL)
    assert message.state == MessageState.SENT
    (email,) = mail.outbox
    assert email.message()["From"] == '"Acme Bcc: everyone@example.com" <no-reply@localhost>'
    assert "Bcc" not in email.message()
