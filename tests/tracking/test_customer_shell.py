"""A store's own entry point, and the page a customer sees when a link does not work."""

import pytest

from tests.orders.factories import place_order
from tests.tracking.page_helpers import EMAIL, opened
from tracking import links

pytestmark = pytest.mark.django_db


def test_a_stores_entry_point_is_branded_before_the_lookup(client, store, other_store):
    store.primary_color = "#0f766e"
    store.save()

    response = client.get("/s/acme/track/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Acme Outfitters" in html
    assert "--brand: #0f766e;" in html
    assert "Globex" not in html


def test_the_stores_entry_point_looks_only_in_that_store(client, store, other_store):
    place_order(other_store, number="#1001", email=EMAIL)
    mine = place_order(store, number="#2002", email=EMAIL)

    found = client.post("/s/acme/track/", {"order_number": "2002", "email": EMAIL})
    elsewhere = client.post("/s/acme/track/", {"order_number": "1001", "email": EMAIL})

    assert opened(found) == mine.pk
    assert elsewhere.status_code == 200
    assert "couldn" in elsewhere.content.decode()


def test_the_short_store_address_leads_to_its_tracking_form(client, store):
    response = client.get("/s/acme/")

    assert response.status_code == 302
    assert response["Location"] == "/s/acme/track/"


def test_an_unknown_store_entry_point_looks_like_the_plain_form(client, store, other_store):
    unknown = client.get("/s/no-such-shop/track/")

    assert unknown.status_code == 200
    assert "Acme Outfitters" not in unknown.content.decode()


def test_a_broken_tracking_link_gets_a_page_that_leads_back_to_the_lookup(client, store, other_store):
    response = client.get("/track/not-a-real-token/", HTTP_ACCEPT_LANGUAGE="de")

    html = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="de">' in html
    assert "Dieser Link funktioniert nicht" in html
    assert 'href="/track/"' in html


def test_a_link_to_a_deleted_order_is_a_404_with_the_way_back(client, store):
    order = place_order(store)
    token = links.order_token(order)
    order.delete()

    response = client.get(links.page_path(token))

    assert response.status_code == 404
    assert "Look up your order" in response.content.decode()


def test_a_404_under_a_stores_address_wears_its_brand(client, store, other_store):
    response = client.get("/s/acme/nothing-here/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "Acme Outfitters" in html
    assert 'href="/s/acme/track/"' in html


@pytest.mark.parametrize(
    "path", ["/track/not-a-real-token/", "/messages/preferences/forged/", "/messages/unsubscribe/x/"]
)
def test_a_broken_personal_link_gets_the_customer_page_even_while_debugging(client, store, settings, path):
    settings.DEBUG = True  # make run's default: Django would show its technical 404 page

    response = client.get(path)

    assert response.status_code == 404
    assert "Look up your order" in response.content.decode()
