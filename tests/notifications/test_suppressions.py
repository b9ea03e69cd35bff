"""Who a suppression silences: provider-reported entries every store, a merchant's own entries only
their store; staff see and add only their stores' entries, superusers see all."""

import pytest
from django.contrib.auth.models import Permission

from notifications.models import Channel, Message, MessageState, Suppression
from tests.orders.factories import UserFactory, place_order

pytestmark = pytest.mark.django_db

EMAIL = "ada@example.com"


def staff_of(store, username):
    user = UserFactory(username=username, stores=[store])
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="notifications",
            codename__in=["view_suppression", "add_suppression", "change_suppression", "delete_suppression"],
        )
    )
    return user


def confirmation_state(store, deliver) -> str:
    order = deliver(place_order, store, email=EMAIL)
    return Message.objects.get(order=order, channel=Channel.EMAIL).state


def add(client, **fields):
    data = {"channel": "email", "address": "Ada@Example.com", "reason": "asked us to stop", **fields}
    return client.post("/admin/notifications/suppression/add/", data)


def test_a_merchants_suppression_silences_only_their_own_store(client, store, other_store, deliver):
    client.force_login(staff_of(store, "acme-staff"))

    response = add(client, store=store.pk)

    assert response.status_code == 302
    entry = Suppression.objects.get()
    assert (entry.store, entry.address) == (store, EMAIL)
    assert confirmation_state(store, deliver) == MessageState.SUPPRESSED
    assert confirmation_state(other_store, deliver) == MessageState.SENT


def test_a_provider_reported_suppression_silences_every_store(store, other_store, deliver):
    Suppression.objects.create(channel=Channel.EMAIL, address=EMAIL, reason="hard bounce")

    assert confirmation_state(store, deliver) == MessageState.SUPPRESSED
    assert confirmation_state(other_store, deliver) == MessageState.SUPPRESSED


@pytest.mark.parametrize("which", ["other-store", "no-store"])
def test_staff_cannot_add_a_suppression_for_another_store_or_for_every_store(client, store, other_store, which):
    client.force_login(staff_of(store, "acme-staff"))

    response = add(client, store=other_store.pk if which == "other-store" else "")

    assert response.status_code == 200  # the form again, with its error
    assert not Suppression.objects.exists()


def test_staff_see_only_their_stores_suppressions(client, store, other_store):
    Suppression.objects.create(store=store, channel=Channel.EMAIL, address="ours@example.com", reason="asked")
    Suppression.objects.create(store=other_store, channel=Channel.EMAIL, address="theirs@example.com", reason="asked")
    Suppression.objects.create(channel=Channel.EMAIL, address="bounced@example.com", reason="hard bounce")
    client.force_login(staff_of(store, "acme-staff"))

    page = client.get("/admin/notifications/suppression/").text
    form = client.get("/admin/notifications/suppression/add/").text

    assert "ours@example.com" in page
    assert "theirs@example.com" not in page
    assert "bounced@example.com" not in page
    assert "Globex" not in page + form


def test_superusers_see_every_suppression(client, store, other_store):
    Suppression.objects.create(store=other_store, channel=Channel.EMAIL, address="theirs@example.com", reason="asked")
    Suppression.objects.create(channel=Channel.EMAIL, address="bounced@example.com", reason="hard bounce")
    client.force_login(UserFactory(username="root", is_superuser=True))

    page = client.get("/admin/notifications/suppression/").text

    assert "theirs@example.com" in page
    assert "bounced@example.com" in page
