"""Only http(s) URLs are accepted from any ingest path, and only http(s) URLs are ever rendered as
links: on the tracking page, in its JSON and in emails."""

import pytest
from django.contrib.auth.models import Permission

from notifications.context import message_context
from notifications.models import Message
from notifications.rendering import env
from orders import services
from orders.models import Shipment, Store
from postpurchase.exceptions import DomainError
from postpurchase.safe_urls import http_url
from tests.orders.factories import UserFactory, place_order
from tests.orders.shopify_payloads import fulfillment_payload, order_payload, post_webhook
from tracking import links

pytestmark = pytest.mark.django_db

EVIL = "javascript:alert(document.cookie)"


@pytest.mark.parametrize(
    "url",
    [
        EVIL,
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>",
        "vbscript:msgbox",
        "ftp://example.com/x",
        "//evil.example/x",
        "https://",
        "http:/x",
        "https://a b.example/",
    ],
)
def test_only_absolute_http_urls_pass_the_filter(url):
    assert http_url(url) == ""


@pytest.mark.parametrize("url", ["https://carrier.example/t?n=1&x=%20", "http://example.com", "HTTPS://EXAMPLE.COM/a"])
def test_http_and_https_urls_pass_the_filter(url):
    assert http_url(url) == url


def test_a_shopify_fulfillment_with_a_javascript_tracking_url_ships_without_the_link(
    client, store, django_capture_on_commit_callbacks
):
    post_webhook(client, store, "orders/create", order_payload())

    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(client, store, "fulfillments/create", fulfillment_payload(tracking_url=EVIL, tracking_urls=[EVIL]))

    shipment = Shipment.objects.get()
    assert shipment.tracking_number == "RM123456785GB"
    assert shipment.tracking_url == ""


@pytest.mark.parametrize("url", [EVIL, "ftp://carrier.example/track"])
def test_the_api_refuses_a_tracking_url_that_is_not_http(api, store, url):
    order = place_order(store)

    response = api.post(
        f"/api/v1/orders/{order.pk}/shipments/", {"tracking_url": url, "tracking_number": "1"}, format="json"
    )

    assert response.status_code == 400
    assert "tracking_url" in response.json()["extra"]["fields"]
    assert not Shipment.objects.exists()


def test_the_shipment_service_refuses_it_for_every_other_path(store):
    order = place_order(store)

    with pytest.raises(DomainError):
        services.shipment_upsert(order=order, carrier="DHL", tracking_number="1", tracking_url=EVIL)

    assert not Shipment.objects.exists()


@pytest.mark.parametrize(
    ("url", "field", "value"),
    [("/admin/orders/store/{pk}/change/", "logo_url", "ftp://cdn.example/logo.png")],
)
def test_the_admin_refuses_a_url_that_is_not_http(client, store, url, field, value):
    user = UserFactory(username="acme-owner", stores=[store])
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="orders"))
    client.force_login(user)
    page = client.get(url.format(pk=store.pk))
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}

    response = client.post(url.format(pk=store.pk), {**data, field: value})

    assert response.status_code == 200
    assert "starts with http:// or https://" in response.content.decode()
    store.refresh_from_db()
    assert getattr(store, field) == ""


def test_a_javascript_url_stored_before_the_checks_is_never_a_link(client, store, django_capture_on_commit_callbacks):
    order = place_order(store)
    Store.objects.filter(pk=store.pk).update(logo_url=EVIL)
    with django_capture_on_commit_callbacks(execute=True):
        shipment, _ = services.shipment_upsert(order=order, carrier="DHL", tracking_number="JD1")
    Shipment.objects.filter(pk=shipment.pk).update(tracking_url=EVIL)
    token = links.order_token(order)

    page = client.get(links.page_path(token)).content.decode()
    data = client.get(links.json_path(token)).json()

    assert "javascript:" not in page
    assert "javascript:" not in str(data)
    assert "JD1" in page


def test_an_email_never_links_a_url_that_is_not_http_even_from_a_merchants_template(store):
    order = place_order(store)
    shipment, _ = services.shipment_upsert(order=order, carrier="DHL", tracking_number="JD1")
    Shipment.objects.filter(pk=shipment.pk).update(tracking_url=EVIL)
    Store.objects.filter(pk=store.pk).update(logo_url=EVIL)
    message = Message.objects.select_related("store", "order", "shipment", "customer").get(kind="shipped")

    context = message_context(message)
    merchant_wrote = env.from_string('<a href="{{ shipment.tracking_url }}">{{ shipment.tracking_number }}</a>')

    assert context["shipment"]["tracking_url"] == ""
    assert context["store"]["logo_url"] == ""
    assert "javascript:" not in merchant_wrote.render(**context)
    assert env.from_string("{{ u|http_url }}").render(u=EVIL) == ""
