from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from orders.models import ApiKey, Store

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_create_store_creates_a_store_with_its_secrets():
    run("create_store", "shop", "--name", "Shop", "--currency", "eur", "--shopify-secret", "s1")

    store = Store.objects.get(slug="shop")
    assert (store.name, store.currency, store.shopify_secret) == ("Shop", "EUR", "s1")


def test_create_store_again_rotates_the_shopify_secret_and_keeps_the_old_one():
    run("create_store", "shop", "--name", "Shop", "--shopify-secret", "s1")

    run("create_store", "shop", "--name", "Shop", "--shopify-secret", "s2")

    store = Store.objects.get(slug="shop")
    assert store.shopify_secrets == ("s2", "s1")
    assert Store.objects.count() == 1


def test_create_store_rejects_a_bad_currency_clearly():
    with pytest.raises(CommandError, match="currency"):
        run("create_store", "shop", "--name", "Shop", "--currency", "euro")


def test_create_api_key_prints_a_working_key_alone_on_its_last_line(store, client):
    out = run("create_api_key", store.slug)

    key = out.strip().splitlines()[-1]
    assert ApiKey.objects.for_raw_key(key).store == store
    assert client.get("/api/v1/orders/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_create_api_key_for_an_unknown_store_says_how_to_create_it():
    with pytest.raises(CommandError, match="create_store"):
        run("create_api_key", "nope")


def test_create_store_refuses_a_time_zone_that_does_not_exist():
    with pytest.raises(CommandError, match="not a time zone name"):
        run("create_store", "shop", "--name", "Shop", "--timezone", "Europe/Atlantis")

    assert not Store.objects.filter(slug="shop").exists()


def test_a_store_zone_stored_before_validation_falls_back_to_utc():
    store = Store.objects.create(slug="old", name="Old", timezone="Mars/Olympus")

    assert str(store.zone) == "UTC"
    assert str(Store(timezone="Europe/Berlin").zone) == "Europe/Berlin"


def test_explain_order_tells_the_orders_story_in_time_order(store):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from orders import services
    from tests.orders.factories import place_order

    order = place_order(store, number="#1042")
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        services.shipment_upsert(order=order, carrier="dhl", tracking_number="JD1", actor="test")

    lines = run("explain_order", "1042", "--store", store.slug).splitlines()

    assert lines[0].startswith("Order #1042 of acme: ")
    placed = next(i for i, line in enumerate(lines) if "Order placed" in line)
    shipped = next(i for i, line in enumerate(lines) if "Shipment created: DHL JD1" in line)
    assert 0 < placed < shipped
    assert "Status placed → shipped" in lines[-1]


def test_explain_order_says_clearly_when_the_order_does_not_exist(store):
    with pytest.raises(CommandError, match="has no order '9999'"):
        run("explain_order", "9999", "--store", store.slug)
