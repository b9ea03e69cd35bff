import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications import registry
from notifications.context import preferences_token
from notifications.models import Channel, Consent, Message, MessageState, MessagingSettings, Preference
from notifications.services import messages_dispatch_due
from orders import services
from orders.models import DomainEvent
from tests.orders.factories import AGREED_TO_EMAIL, place_order

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def preferences_url(customer) -> str:
    return reverse("notifications:preferences", kwargs={"token": preferences_token(customer.pk)})


def unsubscribe_url(customer) -> str:
    return reverse("notifications:unsubscribe", kwargs={"token": preferences_token(customer.pk)})


def choices(**chosen) -> dict:
    """The preference form as a browser posts it: ticked boxes only, and the frequency."""
    form = {"frequency": chosen.pop("frequency", "normal")}
    form.update({name: "on" for name, ticked in chosen.items() if ticked})
    return form


def input_tag(page: str, name: str, value: str = "") -> str:
    """The <input> of that name (and value, for radios), to read its checked/disabled state."""
    pattern = rf'<input [^>]*name="{name}"' + (rf' value="{value}"' if value else "") + "[^>]*>"
    match = re.search(pattern, page)
    assert match, f"no input {name} {value}"
    return match.group()


# notifications' own follow-ups (other apps' optional kinds, such as feedback's, have their own tests)
FOLLOW_UPS = [kind.name for kind in registry.kinds() if kind.follow_up]


def deliver_whole_order(store, deliver, **kwargs):
    order = deliver(place_order, store, **kwargs)
    shipment, _ = deliver(services.shipment_upsert, order=order, carrier="dhl", tracking_number=order.number)
    deliver(
        services.tracking_event_add,
        shipment=shipment,
        occurred_at=timezone.now(),
        status="delivered",
        message="delivered",
    )
    return order


def dispatch_follow_ups():
    """Send each follow-up when it is due: thank-you after 2 days, recommendations after 10,
    the coupon after 21 (a follow-up dispatched a week late would be cancelled as stale)."""
    for days in (2, 10, 21):
        with time_machine.travel(START + timedelta(days=days, hours=1), tick=False):
            messages_dispatch_due()


@pytest.fixture
def customer(store):
    store.logo_url = "https://cdn.acme.example/logo.png"
    store.primary_color = "#ffcc00"
    store.support_email = "help@acme.example"
    store.save()
    return place_order(store, phone="+4915112345678").customer


def test_the_preference_page_shows_the_store_branding_and_masked_contact_details(client, customer):
    response = client.get(preferences_url(customer))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Acme Outfitters" in page
    assert 'src="https://cdn.acme.example/logo.png"' in page
    assert "--brand: #ffcc00" in page
    assert "--on-brand: #000000" in page  # a pale brand colour gets dark text
    assert "a•••e@example.com" in page
    assert "+49••••••••678" in page
    assert "ada.lovelace@example.com" not in page
    assert "+4915112345678" not in page
    for label in (
        "Emails about my orders",
        "Optional emails: tips, recommendations and offers",
        "Text messages (SMS) about my orders",
        "Optional text messages",
        "Only updates about my orders",
    ):
        assert label in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_order_emails_are_shown_as_always_on_and_cannot_be_switched_off(client, customer):
    page = client.get(preferences_url(customer)).content.decode()

    order_emails = input_tag(page, "order_emails")
    assert " checked" in order_emails
    assert " disabled" in order_emails
    assert "Always on" in page


def test_a_tampered_or_foreign_token_is_not_found(client, customer):
    token = preferences_token(customer.pk)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert client.get(f"/messages/preferences/{tampered}/").status_code == 404
    assert client.get("/messages/preferences/not-a-token/").status_code == 404
    assert client.post(f"/messages/unsubscribe/{tampered}/").status_code == 404
    assert not Consent.objects.exists()


def test_a_token_for_a_customer_that_no_longer_exists_is_not_found(client, customer):
    url = preferences_url(customer)
    customer.delete()

    assert client.get(url).status_code == 404


def test_saving_opts_in_to_sms_with_source_and_time_and_records_no_email_consent_never_given(client, customer):
    with time_machine.travel(START, tick=False):
        response = client.post(preferences_url(customer), choices(sms=True), follow=True)

    assert response.status_code == 200
    assert "Your preferences are saved." in response.content.decode()
    sms = Consent.objects.get(customer=customer, channel=Channel.SMS)
    assert (sms.opted_in, sms.optional_messages, sms.source, sms.recorded_at) == (True, False, "preference page", START)
    assert not Consent.objects.filter(customer=customer, channel=Channel.EMAIL).exists()
    changes = DomainEvent.objects.filter(kind="consent.changed", customer=customer)
    assert [e.data["channel"] for e in changes] == ["sms"]


def test_a_new_customer_sees_optional_email_unticked_until_they_agree(client, customer):
    page = client.get(preferences_url(customer)).content.decode()

    assert " checked" not in input_tag(page, "optional_email")


def test_a_customer_who_agreed_at_checkout_sees_optional_email_ticked(client, store):
    customer = place_order(store, marketing_consent=AGREED_TO_EMAIL).customer

    page = client.get(preferences_url(customer)).content.decode()

    assert " checked" in input_tag(page, "optional_email")


def test_where_the_store_may_email_until_opt_out_the_page_says_optional_email_comes(client, customer):
    MessagingSettings.objects.update_or_create(
        store=customer.store, defaults={"optional_email_requires_consent": False}
    )

    page = client.get(preferences_url(customer)).content.decode()

    assert " checked" in input_tag(page, "optional_email")
    assert "They come unless you switch them off here." in page


def test_saving_the_same_choices_again_keeps_the_first_opt_in_as_evidence(client, customer):
    with time_machine.travel(START, tick=False):
        client.post(preferences_url(customer), choices(sms=True, optional_email=True))

    with time_machine.travel(START + timedelta(days=3), tick=False):
        client.post(preferences_url(customer), choices(sms=True, optional_email=True))

    assert Consent.objects.get(customer=customer, channel=Channel.SMS).recorded_at == START
    assert Consent.objects.get(customer=customer, channel=Channel.EMAIL).recorded_at == START
    assert DomainEvent.objects.filter(kind="consent.changed").count() == 2


def test_the_page_shows_what_was_saved(client, customer):
    client.post(preferences_url(customer), choices(sms=True, optional_sms=True, frequency="weekly"))

    page = client.get(preferences_url(customer)).content.decode()

    assert " checked" in input_tag(page, "sms")
    assert " checked" in input_tag(page, "optional_sms")
    assert " checked" not in input_tag(page, "optional_email")
    assert " checked" in input_tag(page, "frequency", "weekly")


def test_the_preference_form_refuses_a_post_without_csrf_token(customer):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(preferences_url(customer), choices(sms=True))

    assert response.status_code == 403
    assert not Consent.objects.exists()


def test_optional_sms_without_sms_is_explained_and_nothing_is_saved(client, customer):
    response = client.post(preferences_url(customer), choices(optional_sms=True))

    assert response.status_code == 200
    page = response.content.decode()
    assert "also choose text messages about your orders" in page
    assert 'aria-invalid="true"' in page
    assert not Consent.objects.exists()


def test_a_customer_without_a_phone_number_cannot_opt_in_to_sms(client, store):
    customer = place_order(store, email="noel@example.com").customer

    page = client.get(preferences_url(customer)).content.decode()
    client.post(preferences_url(customer), choices(sms=True, optional_email=True))

    assert "We have no mobile number for you." in page
    assert not Consent.objects.filter(channel=Channel.SMS).exists()


def test_the_page_speaks_the_customers_language(client, customer):
    customer.locale = "de"
    customer.save()

    response = client.get(preferences_url(customer), HTTP_ACCEPT_LANGUAGE="fr")

    assert response["Content-Language"] == "de"
    assert '<html lang="de">' in response.content.decode()


def test_only_order_updates_are_sent_to_a_customer_who_asked_for_essentials(client, store, deliver):
    with time_machine.travel(START, tick=False):
        order = deliver_whole_order(store, deliver)
        client.post(preferences_url(order.customer), choices(optional_email=True, frequency="essential"))

    dispatch_follow_ups()

    assert Preference.objects.get(customer=order.customer).frequency == "essential"
    optional = Message.objects.filter(transactional=False, kind__in=FOLLOW_UPS)
    assert optional.count() == 3
    assert {m.state for m in optional} == {MessageState.SUPPRESSED}
    assert all("only updates about their orders" in m.reason for m in optional)
    assert sorted(m.kind for m in Message.objects.filter(state=MessageState.SENT)) == [
        "delivered",
        "order_confirmation",
        "shipped",
    ]


def test_one_click_unsubscribe_needs_no_csrf_token_and_keeps_order_emails_coming(store, deliver):
    with time_machine.travel(START, tick=False):
        customer = place_order(store).customer
    mail_client = Client(enforce_csrf_checks=True)

    response = mail_client.post(
        unsubscribe_url(customer), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    consent = Consent.objects.get(customer=customer, channel=Channel.EMAIL)
    assert (consent.opted_in, consent.optional_messages, consent.source) == (True, False, "one-click unsubscribe")

    with time_machine.travel(START, tick=False):
        deliver_whole_order(store, deliver, number="#2002", external_id="2002")
    dispatch_follow_ups()

    optional = Message.objects.filter(transactional=False, kind__in=FOLLOW_UPS)
    assert {m.state for m in optional} == {MessageState.SUPPRESSED}
    assert all("unsubscribed from optional email" in m.reason for m in optional)
    updates = Message.objects.filter(order__number="#2002", transactional=True)
    assert sorted(m.kind for m in updates) == ["delivered", "order_confirmation", "shipped"]
    assert {m.state for m in updates} == {MessageState.SENT}


def test_opening_the_unsubscribe_link_changes_nothing(client, customer):
    response = client.get(unsubscribe_url(customer))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<form method="post">' in page
    assert 'name="List-Unsubscribe" value="One-Click"' in page
    assert f'href="{preferences_url(customer)}"' in page
    assert not Consent.objects.exists()
    assert not DomainEvent.objects.filter(kind="consent.changed").exists()


def test_an_optional_email_carries_a_one_click_unsubscribe_link_that_works(client, store, deliver):
    with time_machine.travel(START, tick=False):
        order = deliver_whole_order(store, deliver, marketing_consent=AGREED_TO_EMAIL)
    assert all("List-Unsubscribe" not in email.extra_headers for email in mail.outbox)  # order updates

    with time_machine.travel(START + timedelta(days=2, hours=1), tick=False):
        messages_dispatch_due()

    thank_you = mail.outbox[-1]
    assert thank_you.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = thank_you.extra_headers["List-Unsubscribe"].strip("<>")
    response = client.post(urlsplit(link).path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "You are unsubscribed from optional emails" in response.content.decode()
    consent = Consent.objects.get(customer=order.customer, channel=Channel.EMAIL)
    assert consent.optional_messages is False
