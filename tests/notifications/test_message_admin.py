import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.utils import timezone

from notifications import admin_messages
from notifications.models import Consent, Message, MessageState, Suppression
from orders import services
from orders.admin import OrderAdmin
from tests.orders.factories import UserFactory, place_order

pytestmark = pytest.mark.django_db


def grant(user, *codenames):
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="notifications", codename__in=codenames)
    )
    return user


@pytest.fixture
def viewer(owner):
    """The store's owner, allowed to look at messages, suppressions and consents."""
    return grant(owner, "view_message", "view_suppression", "view_consent")


@pytest.fixture
def operator(owner):
    """The store's owner, allowed to act on messages and keep the suppression list."""
    return grant(owner, "view_message", "change_message", "view_suppression", "add_suppression", "delete_suppression")


@pytest.fixture
def outsider(other_store):
    """Staff of another store, with every messaging permission."""
    user = UserFactory(username="outsider", stores=[other_store])
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["orders", "notifications"]))
    return user


@pytest.fixture
def order(store, deliver):
    """#1042: the confirmation went out, the SMS about the shipment was suppressed (no opt-in)."""
    order = deliver(place_order, store, number="#1042", email="ada@example.com", phone="+4915112345678")
    deliver(services.shipment_upsert, order=order, carrier="dhl", tracking_number="JD1")
    return order


def action(client, name, messages):
    return client.post(
        "/admin/notifications/message/",
        {"action": name, "_selected_action": [m.pk for m in messages]},
        follow=True,
    )


def test_the_order_page_shows_the_orders_messages_with_state_and_reason(client, viewer, order):
    client.force_login(viewer)

    page = client.get(f"/admin/orders/order/{order.pk}/change/")

    assert page.status_code == 200
    assert "Order confirmation" in page.text
    assert "Sent" in page.text
    assert "Suppressed" in page.text
    assert "the customer has not opted in to SMS" in page.text


def test_the_message_inline_is_added_to_the_order_page_once():
    assert [i for i in OrderAdmin.inlines if i.model is Message] == [admin_messages.MessageInline]


def test_the_message_list_shows_masked_recipients_states_reasons_and_a_link_to_the_order(client, viewer, order):
    client.force_login(viewer)

    page = client.get("/admin/notifications/message/")

    assert page.status_code == 200
    assert "a***@example.com" in page.text
    assert "+49********678" in page.text
    assert "the customer has not opted in to SMS" in page.text
    assert f'href="/admin/orders/order/{order.pk}/change/"' in page.text


def test_messages_are_found_by_order_number_without_its_hash(client, viewer, order, store):
    place_order(store, number="#2000", external_id="y")
    client.force_login(viewer)

    page = client.get("/admin/notifications/message/", {"q": "1042"})

    assert f'href="/admin/orders/order/{order.pk}/change/"' in page.text
    assert "#2000" not in page.text


def test_a_staff_user_of_another_store_cannot_see_the_stores_messages(client, outsider, order):
    message = Message.objects.filter(order=order).first()
    client.force_login(outsider)

    listing = client.get("/admin/notifications/message/")
    detail = client.get(f"/admin/notifications/message/{message.pk}/change/", follow=True)

    assert listing.status_code == 200
    assert "#1042" not in listing.text
    assert "a***@example.com" not in listing.text
    assert "Acme Outfitters" not in listing.text  # not even in the store filter
    assert "doesn\u2019t exist" in detail.text


def test_the_resend_action_sends_a_copy(client, operator, order, django_capture_on_commit_callbacks):
    confirmation = Message.objects.get(order=order, kind="order_confirmation")
    client.force_login(operator)

    with django_capture_on_commit_callbacks(execute=True):
        page = action(client, "resend", [confirmation])

    assert "Scheduled 1 message(s) to be sent again." in page.text
    assert Message.objects.filter(dedupe_key=f"{confirmation.dedupe_key}:resend:1", state=MessageState.SENT).exists()
    assert len(mail.outbox) == 3  # confirmation, shipped, and the copy


def test_the_resend_action_says_why_it_refuses_a_suppressed_message(client, operator, order):
    suppressed = Message.objects.get(order=order, channel="sms")
    client.force_login(operator)

    page = action(client, "resend", [suppressed])

    assert "was suppressed (the customer has not opted in to SMS)" in page.text
    assert Message.objects.filter(order=order).count() == 3


def test_the_cancel_action_cancels_only_scheduled_messages(client, operator, store, order):
    later = place_order(store, number="#2", external_id="2")  # its confirmation waits for a worker
    waiting = Message.objects.get(order=later)
    sent = Message.objects.get(order=order, kind="order_confirmation")
    client.force_login(operator)

    page = action(client, "cancel_scheduled", [waiting, sent])

    assert "Cancelled 1 message(s); 1 were not scheduled" in page.text
    waiting.refresh_from_db()
    sent.refresh_from_db()
    assert (waiting.state, sent.state) == (MessageState.CANCELLED, MessageState.SENT)
    assert later.events.filter(kind="message.cancelled").exists()


def test_the_message_page_is_read_only(client, operator, order):
    message = Message.objects.filter(order=order).first()
    client.force_login(operator)

    page = client.get(f"/admin/notifications/message/{message.pk}/change/")

    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert client.post(f"/admin/notifications/message/{message.pk}/delete/").status_code == 403


def test_a_superuser_can_delete_a_suppression(client, order):
    entry = Suppression.objects.create(channel="email", address="ada@example.com", reason="hard bounce")
    client.force_login(UserFactory(username="root", is_superuser=True))

    client.post(f"/admin/notifications/suppression/{entry.pk}/delete/", {"post": "yes"})

    assert not Suppression.objects.filter(pk=entry.pk).exists()


def test_consents_are_shown_only_to_the_customers_store(client, viewer, outsider, order):
    Consent.objects.create(
        customer=order.customer, channel="sms", opted_in=True, source="checkout", recorded_at=timezone.now()
    )

    client.force_login(viewer)
    ours = client.get("/admin/notifications/consent/")
    client.force_login(outsider)
    theirs = client.get("/admin/notifications/consent/")

    assert "checkout" in ours.text
    assert "checkout" not in theirs.text


def test_the_message_list_filters_the_messages_in_doubt(client, viewer, order):
    doubtful = order.messages.filter(state=MessageState.SENT).first()
    Message.objects.filter(pk=doubtful.pk).update(state=MessageState.FAILED, provider_called_at=timezone.now())
    client.force_login(viewer)

    page = client.get("/admin/notifications/message/", {"in_doubt": "yes"})

    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [doubtful]
