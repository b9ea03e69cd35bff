"""Finding an order on /track/ by its number and email: answers, rate limits, store links."""

import re

import pytest

from tests.orders.factories import place_order
from tests.tracking.page_helpers import EMAIL, look_up, opened

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


NOT_FOUND = "We couldn&#x27;t find an order with that number and email."


def without_csrf(response) -> str:
    """The page without what differs on every response: the CSRF token and the CSP nonce."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'nonce="[^"]+"', "", html)


def test_the_form_labels_its_fields_order_number_and_email(client):
    response = client.get("/track/")

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<label for="id_order_number">Order number</label>', html)
    assert re.search(r'<label for="id_email">Email</label>', html)


def test_the_right_number_and_email_open_the_orders_page(client, store):
    order = place_order(store, number="#1001", email=EMAIL)

    response = look_up(client, "1001", "  Ada.Lovelace@EXAMPLE.com ")

    assert response.status_code == 302
    assert opened(response) == order.pk
    followed = client.get(response["Location"])
    assert followed.status_code == 200
    assert "<h1>Order #1001</h1>" in followed.content.decode()


def test_the_number_may_be_typed_with_its_hash(client, store):
    order = place_order(store, number="#1001", email=EMAIL)

    response = look_up(client, "#1001", EMAIL)

    assert opened(response) == order.pk


def test_a_wrong_email_and_an_unknown_number_get_the_same_answer(client, store):
    place_order(store, number="#1001", email=EMAIL)

    wrong_email = look_up(client, "1001", "someone.else@example.com")
    unknown_number = look_up(client, "9999", "someone.else@example.com")

    assert wrong_email.status_code == unknown_number.status_code == 200
    assert NOT_FOUND in wrong_email.content.decode()
    # The same page, but for the number typed back into the form.
    assert without_csrf(wrong_email).replace('value="1001"', 'value="9999"') == without_csrf(unknown_number)


def test_the_same_number_in_two_stores_finds_the_order_of_that_email(client, store, other_store):
    place_order(store, number="#1001", email=EMAIL)
    theirs = place_order(other_store, number="#1001", email="grace@example.com")

    response = look_up(client, "1001", "grace@example.com")

    assert opened(response) == theirs.pk


def test_the_21st_attempt_in_a_minute_from_one_client_is_refused(client, store):
    place_order(store, number="#1001", email=EMAIL)
    for n in range(20):
        assert look_up(client, f"{n}", EMAIL).status_code == 200

    refused = look_up(client, "1001", EMAIL)
    elsewhere = look_up(client, "1001", EMAIL, ip="10.0.0.2")

    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "Too many attempts. Please wait a minute, then try again." in refused.content.decode()
    assert elsewhere.status_code == 302


def test_strangers_guessing_at_an_order_never_lock_out_its_customer(client, store):
    order = place_order(store, number="#1001", email=EMAIL)
    for n in range(30):
        look_up(client, "1001", f"guess{n}@example.com", ip=f"10.0.1.{n}")

    response = look_up(client, "#1001", EMAIL, ip="10.0.2.1")

    assert response.status_code == 302
    assert opened(response) == order.pk


def test_a_client_gets_10_wrong_emails_a_minute_on_one_order_number(client, store):
    place_order(store, number="#1001", email=EMAIL)
    for n in range(10):
        assert look_up(client, "1001", f"guess{n}@example.com").status_code == 200

    refused = look_up(client, "#1001", "guess10@example.com")
    other_number = look_up(client, "1002", "guess11@example.com")

    assert refused.status_code == 429
    assert other_number.status_code == 200


def test_the_right_email_gets_through_after_the_clients_own_typos(client, store):
    order = place_order(store, number="#1001", email=EMAIL)
    for n in range(12):
        look_up(client, "1001", f"ada.lovelace{n}@example.com")

    response = look_up(client, "1001", EMAIL)

    assert opened(response) == order.pk


def test_a_spoofed_forwarded_for_header_does_not_dodge_the_limit(client, store):
    for n in range(20):
        client.post(
            "/track/", {"order_number": n, "email": EMAIL}, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}"
        )

    refused = client.post("/track/", {"order_number": "x", "email": EMAIL}, REMOTE_ADDR="10.0.0.1")

    assert refused.status_code == 429


def test_a_store_link_brands_the_form_and_looks_only_in_that_store(client, store, other_store):
    store.primary_color = "#ffdd00"
    store.save()
    place_order(other_store, number="#1001", email=EMAIL)

    response = look_up(client, "1001", EMAIL, store="acme")

    html = response.content.decode()
    assert NOT_FOUND in html
    assert "Acme Outfitters" in html
    assert "--brand: #ffdd00; --on-brand: #000000;" in html


def test_the_bare_form_wears_the_brand_of_the_only_store(client, store):
    response = client.get("/track/")

    assert "Acme Outfitters" in response.content.decode()


def test_the_bare_form_stays_neutral_when_several_stores_share_the_installation(client, store, other_store):
    html = client.get("/track/").content.decode()

    assert "Acme Outfitters" not in html
    assert "Globex" not in html


def test_an_unknown_store_slug_shows_the_plain_form_and_no_store_name(client, store, other_store):
    plain = client.get("/track/")
    unknown = client.get("/track/", {"store": "no-such-store"})

    html = without_csrf(unknown)
    assert unknown.status_code == 200
    assert html == without_csrf(plain)
    assert "Acme Outfitters" not in html
    assert "Globex" not in html
