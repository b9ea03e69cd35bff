"""The signed tracking page of an order: timeline, progress, parcels, estimates, delays and the store's extras."""

import re
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

import pytest

from orders import services
from orders.inputs import LineItemInput, ShipmentItemInput
from orders.models import Order, Product, Shipment
from tests.orders.factories import StoreFactory, UserFactory, place_order
from tests.tracking.page_helpers import page, ship
from tracking import links
from tracking.models import FaqEntry, TrackingSettings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


TIMES = "\N{MULTIPLICATION SIGN}"


def test_a_tampered_token_is_a_404(client, store):
    order = place_order(store)
    token = links.order_token(order)

    assert client.get(f"/track/{token[:-1]}x/").status_code == 404
    assert client.get(f"/track/{links.token_for_order_id(order.pk + 1000)}/").status_code == 404
    assert client.get("/track/not-a-token/").status_code == 404


def test_the_timeline_lists_scans_newest_first_in_the_customers_time_zone(client, store):
    order = place_order(store)
    order.customer.timezone = "America/New_York"
    order.customer.save()
    ship(order, events=3)

    html = page(client, order).content.decode()

    timeline = html[html.index('id="timeline-heading"') :]
    assert timeline.index("Scan 2 of JD0001") < timeline.index("Scan 1 of JD0001") < timeline.index("Scan 0 of JD0001")
    # 09:30 UTC on 10 March 2025 is 05:30 in New York (daylight saving time began the day before).
    assert 'datetime="2025-03-10T05:30:00-04:00"' in timeline
    assert "March 10, 2025, 5:30 a.m." in timeline
    assert "Leipzig, DE" in timeline
    assert "Times are shown in America/New_York time." in timeline


def test_without_the_customers_zone_it_uses_the_stores(client, store):
    store.timezone = "Europe/Berlin"
    store.save()
    order = place_order(store)
    ship(order, events=1)

    html = page(client, order).content.decode()

    assert 'datetime="2025-03-10T10:30:00+01:00"' in html


def test_the_progress_bar_marks_the_current_step(client, store):
    order = place_order(store)
    ship(order)

    html = page(client, order).content.decode()

    current = re.findall(
        r'<li class="step[^"]*"\s+aria-current="step">.*?<span class="label">([^<]+)</span>', html, re.S
    )
    assert current == ["Shipped"]
    assert html.count("(completed)") == 1


def test_it_shows_the_estimated_delivery_as_a_range(client, store):
    order = place_order(store)
    ship(order, "A1", items=[ShipmentItemInput(sku="TEE-1", quantity=2)], estimated_delivery=date(2025, 3, 12))
    ship(order, "B2", items=[ShipmentItemInput(sku="CAP-1", quantity=1)], estimated_delivery=date(2025, 3, 14))

    html = page(client, order).content.decode()

    estimate = html[html.index('id="estimate"') : html.index("</p>", html.index('id="estimate"'))]
    assert "Estimated delivery" in estimate
    assert '<time datetime="2025-03-12">Wed, March 12</time>' in estimate
    assert '<time datetime="2025-03-14">Fri, March 14</time>' in estimate


def test_a_delayed_shipment_shows_a_banner_with_its_reason(client, store):
    order = place_order(store)
    shipment = ship(order)
    Shipment.objects.filter(pk=shipment.pk).update(delayed=True, delay_reason="Severe weather at the hub")

    html = page(client, order).content.decode()

    assert "Your delivery is running late" in html
    assert "Reason: Severe weather at the hub" in html


def test_a_possibly_lost_shipment_says_so(client, store):
    order = place_order(store)
    shipment = ship(order)
    Shipment.objects.filter(pk=shipment.pk).update(delayed=True, possibly_lost=True)

    html = page(client, order).content.decode()

    assert "Your parcel may be lost" in html
    assert "so it may be lost" in html


def test_an_order_on_time_has_no_delay_banner(client, store):
    order = place_order(store)
    ship(order)

    assert 'id="delay-heading"' not in page(client, order).content.decode()


def test_a_split_order_shows_each_parcel_with_its_items(client, store):
    order = place_order(
        store,
        line_items=[
            LineItemInput(sku="TEE-1", title="Linen tee", quantity=3, unit_price=Decimal("25.00")),
            LineItemInput(sku="CAP-1", title="Wool cap", quantity=1, unit_price=Decimal("19.90")),
        ],
    )
    ship(order, "A1", items=[ShipmentItemInput(sku="TEE-1", quantity=2)])
    ship(order, "B2", items=[ShipmentItemInput(sku="CAP-1", quantity=1)])

    html = page(client, order).content.decode()

    first = html[html.index("Parcel 1 of 2") : html.index("Parcel 2 of 2")]
    second = html[html.index("Parcel 2 of 2") : html.index("Not shipped yet")]
    rest = html[html.index("Not shipped yet") :]
    assert f"2 {TIMES} Linen tee" in first
    assert "DHL" in first
    assert '<a href="https://carrier.example/track/A1" rel="noopener noreferrer">A1' in first
    assert f"1 {TIMES} Wool cap" in second
    assert "B2" in second
    assert f"1 {TIMES} Linen tee" in rest


def test_it_recommends_products_not_in_the_order(client, store):
    def item(sku):
        return LineItemInput(sku=sku, title=sku.title(), quantity=1, unit_price=Decimal("10.00"))

    place_order(store, number="#1", external_id="1", line_items=[item("tee"), item("scarf")])
    order = place_order(store, number="#2", external_id="2", line_items=[item("tee")])

    html = page(client, order).content.decode()

    section = html[html.index('id="recommendations-heading"') :]
    assert "Scarf" in section
    assert "Tee" not in section


def test_it_shows_the_stores_promo_banner(client, store):
    TrackingSettings.objects.create(
        store=store, promo_text="20% off socks this week", promo_url="https://acme.example/socks"
    )
    order = place_order(store)

    html = page(client, order).content.decode()

    assert '<a href="https://acme.example/socks" rel="noopener">20% off socks this week</a>' in html


def test_it_shows_care_instructions_of_the_products_bought(client, store):
    order = place_order(store)
    Product.objects.filter(store=store, sku="TEE-1").update(care_instructions="Wash cold, dry flat.")

    html = page(client, order).content.decode()

    care = html[html.index('id="care-heading"') :]
    assert "Linen tee" in care
    assert "Wash cold, dry flat." in care


def test_it_shows_the_stores_faq_in_the_pages_language(client, store):
    FaqEntry.objects.create(store=store, locale="en", question="When will it ship?", answer="Within a day.")
    FaqEntry.objects.create(store=store, locale="de", question="Wann kommt es?", answer="Bald.")
    FaqEntry.objects.create(store=StoreFactory(slug="other"), locale="en", question="Not ours?", answer="No.")
    order = place_order(store)

    html = page(client, order).content.decode()

    assert "<summary>When will it ship?</summary>" in html
    assert "Wann kommt es?" not in html
    assert "Not ours?" not in html


def test_an_faq_edited_in_the_admin_shows_at_once(client, store):
    entry = FaqEntry.objects.create(store=store, locale="en", question="When will it ship?", answer="Within a day.")
    order = place_order(store)
    page(client, order)  # now cached
    admin = UserFactory(username="root", is_superuser=True)
    client.force_login(admin)

    client.post(
        f"/admin/tracking/faqentry/{entry.pk}/change/",
        {"store": store.pk, "locale": "en", "question": "How fast do you ship?", "answer": "Same day.", "position": 0},
    )

    assert "How fast do you ship?" in page(client, order).content.decode()


def test_it_links_to_returns_with_the_signed_token_and_to_loyalty(client, store):
    order = place_order(store)
    ship(order)

    html = page(client, order).content.decode()

    query = urlencode({"token": links.order_token(order)})
    assert f'<a class="button" href="/returns/?{query}">Start a return</a>' in html
    assert 'href="/loyalty/"' in html


def test_the_page_uses_the_store_branding_with_readable_text(client, store):
    store.logo_url = "https://acme.example/logo.png"
    store.primary_color = "#0b3d91"
    store.save()
    order = place_order(store)

    html = page(client, order).content.decode()

    assert '<img src="https://acme.example/logo.png" alt="">' in html
    assert "--brand: #0b3d91; --on-brand: #ffffff;" in html


def test_the_page_has_a_skip_link_landmarks_and_its_language(client, store):
    order = place_order(store)

    html = page(client, order).content.decode()

    assert '<html lang="en">' in html
    assert '<a class="skip" href="#content">' in html
    assert '<main id="content"' in html
    assert '<nav class="languages" aria-label="Language">' in html
    assert '<a href="?lang=de" lang="de" hreflang="de">Deutsch</a>' in html


def test_a_cancelled_order_says_so_without_progress_or_returns(client, store):
    order = place_order(store)
    services.order_cancel(order=order, reason="customer asked")

    html = page(client, order).content.decode()

    assert "This order was cancelled." in html
    assert 'class="progress"' not in html
    assert "Start a return" not in html


def test_the_tracking_link_of_messages_opens_the_page(client, store, settings):
    settings.PUBLIC_BASE_URL = "https://track.acme.example"
    order = place_order(store)

    url = links.track_url(order)

    assert url.startswith("https://track.acme.example/track/")
    assert client.get(url.removeprefix("https://track.acme.example")).status_code == 200
    assert Order.objects.get(pk=links.order_id_from_token(url.split("/")[-2])) == order
