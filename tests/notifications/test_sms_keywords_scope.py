"""Inbound SMS keywords from a number that customers of several stores share: START and YES lift
a STOP but never opt anyone in to a store they did not opt in to; HELP names the stores."""

import pytest

from notifications.models import Channel, Consent, Suppression
from tests.notifications.test_twilio import (  # noqa: F401 - autouse fixtures of the Twilio tests
    PHONE,
    _twilio_account,
    daytime,
    inbound_sms,
    sms_customer_order,
)
from tests.orders.factories import place_order

pytestmark = pytest.mark.django_db


def sms_opted_in(customer) -> bool:
    return Consent.objects.filter(customer=customer, channel=Channel.SMS, opted_in=True).exists()


@pytest.mark.parametrize("word", ["YES", "START"])
def test_a_yes_from_a_number_opts_in_no_customer_who_never_opted_in(client, store, other_store, deliver, word):
    orders = [deliver(place_order, s, phone=PHONE) for s in (store, other_store)]

    inbound_sms(client, word)

    assert not any(sms_opted_in(order.customer) for order in orders)


def test_start_after_stop_restores_only_the_store_the_customer_had_opted_in_to(client, store, other_store, deliver):
    opted_in = sms_customer_order(store, deliver)
    never_asked = deliver(place_order, other_store, phone=PHONE)
    inbound_sms(client, "STOP", sid="SM" + "1" * 32)

    inbound_sms(client, "START", sid="SM" + "2" * 32)

    assert sms_opted_in(opted_in.customer)
    assert not sms_opted_in(never_asked.customer)
    assert not Suppression.objects.filter(channel=Channel.SMS, address=PHONE).exists()


def test_start_never_undoes_an_opt_out_the_customer_gave_on_the_preference_page(client, store, deliver):
    order = sms_customer_order(store, deliver)
    Consent.objects.filter(customer=order.customer).update(opted_in=False, source="preference page")

    inbound_sms(client, "START")

    assert not sms_opted_in(order.customer)


def test_start_leaves_a_merchants_own_suppression_of_the_number_in_place(client, store, deliver):
    sms_customer_order(store, deliver)
    Suppression.objects.create(store=store, channel=Channel.SMS, address=PHONE, reason="asked us by phone")
    inbound_sms(client, "STOP", sid="SM" + "1" * 32)

    inbound_sms(client, "START", sid="SM" + "2" * 32)

    assert list(Suppression.objects.values_list("store", "reason")) == [(store.pk, "asked us by phone")]


def test_help_names_every_store_that_texts_the_number(client, store, other_store, deliver):
    for s in (store, other_store):
        deliver(place_order, s, phone=PHONE)

    reply = inbound_sms(client, "HELP").content.decode()

    assert "Acme Outfitters" in reply
    assert "Globex" in reply
    assert "Reply STOP to unsubscribe" in reply
