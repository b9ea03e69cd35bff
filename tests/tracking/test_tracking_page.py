import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders import services
from orders.inputs import LineItemInput, ShipmentItemInput
from orders.models import Order, Product, Shipment, ShipmentStatus
from tests.orders.factories import StoreFactory, UserFactory, place_order
from tracking import links
from tracking.models import FaqEntry, TrackingSettings

pytestmark = pytest.mark.django_db

EMAIL = "ada.lovelace@example.com"
NOT_FOUND = "We couldn&#x27;t find an order with that number and email."
SCANNED = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)
TIMES = "\N{MULTIPLICATION SIGN}"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters, FAQ and recommendations live in the cache: no test sees another's."""
    cache.clear()
    yield
    cache.clear()


def ship(order, number="JD0001", *, items=None, events=0, status=ShipmentStatus.IN_TRANSIT, **kwargs):
    shipment, _ = services.shipment_upsert(
        order=order,
        carrier="DHL",
        tracking_number=number,
        tracking_url=f"https://carrier.example/track/{number}",
        items=items,
        status=status,
        shipped_at=SCANNED - timedelta(days=1),
        **kwargs,
    )
    for n in range(events):
        services.tracking_event_add(
            shipment=shipment,
            occurred_at=SCANNED + timedelta(hours=n),
            status=ShipmentStatus.IN_TRANSIT,
            message=f"Scan {n} of {number}",
            location="Leipzig, DE",
        )
    return shipment


def page(client, order, **params):
    return client.get(links.page_path(links.order_token(order)), params)


def look_up(client, number, email, ip="10.0.0.1", **params):
    query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
    return client.post(f"/track/{query}", {"order_number": number, "email": email}, REMOTE_ADDR=ip)


def opened(response) -> int | None:
    """The order whose signed page a lookup redirected to."""
    assert response.status_code == 302, response.status_code
    match = re.fullmatch(r"/track/([^/]+)/(\?.*)?", response["Location"])
    return links.order_id_from_token(match[1]) if match else None


def without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


# Finding an order


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


def test_an_order_number_takes_10_attempts_a_minute_from_all_clients_together(client, store):
    place_order(store, number="#1001", email=EMAIL)
    for n in range(10):
        assert look_up(client, "1001", f"guess{n}@example.com", ip=f"10.0.1.{n}").status_code == 200

    refused = look_up(client, "#1001", EMAIL, ip="10.0.2.1")

    assert refused.status_code == 429


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


# The page


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


# Languages


def test_lang_de_shows_the_page_in_german(client, store):
    order = place_order(store)

    response = page(client, order, lang="de")

    html = response.content.decode()
    assert '<html lang="de">' in html
    assert "<h1>Bestellung #1001</h1>" in html
    assert "Sendungsverlauf" in html
    assert "Rücksendung starten" in html
    assert response["Content-Language"] == "de"


def test_the_orders_locale_picks_the_language(client, store):
    order = place_order(store, locale="de")

    html = page(client, order, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "<h1>Bestellung #1001</h1>" in html


def test_without_a_locale_the_browsers_language_is_used(client, store):
    order = place_order(store)

    html = client.get(links.page_path(links.order_token(order)), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "<h1>Pedido #1001</h1>" in html


def test_the_switcher_overrides_the_orders_locale(client, store):
    order = place_order(store, locale="de")

    html = page(client, order, lang="fr").content.decode()

    assert "<h1>Commande #1001</h1>" in html


def test_the_lookup_keeps_the_chosen_language(client, store):
    order = place_order(store, number="#1001", email=EMAIL)

    form = client.get("/track/?lang=de").content.decode()
    response = look_up(client, "1001", EMAIL, lang="de")

    assert '<label for="id_order_number">Bestellnummer</label>' in form
    assert opened(response) == order.pk
    assert response["Location"].endswith("/?lang=de")


# Cost


def _queries(client, order) -> tuple[int, int]:
    """Queries of the page rendered afresh (FAQ and recommendations cached), then served again."""
    url = links.page_path(links.order_token(order))
    client.get(url)  # caches the FAQ, the recommendations and this rendering
    with CaptureQueriesContext(connection) as rendered:
        assert client.get(url, {"lang": "en"}).status_code == 200  # the same language, another rendering
    with CaptureQueriesContext(connection) as served_again:
        assert client.get(url).status_code == 200
    return len(rendered), len(served_again)


def test_the_page_costs_the_same_few_queries_whatever_the_number_of_shipments_and_scans(client, store):
    FaqEntry.objects.create(store=store, locale="en", question="When will it ship?", answer="Within a day.")
    small = place_order(store, number="#1", external_id="1")
    ship(small, "S1", events=2)
    big = place_order(
        store,
        number="#2",
        external_id="2",
        line_items=[
            LineItemInput(sku=f"SKU-{n}", title=f"Thing {n}", quantity=2, unit_price=Decimal("5.00")) for n in range(3)
        ],
    )
    for n in range(3):
        ship(big, f"B{n}", items=[ShipmentItemInput(sku=f"SKU-{n}", quantity=2)], events=20)

    assert _queries(client, small) == _queries(client, big) == (3, 1)


def test_a_new_scan_shows_at_once_on_a_page_seen_before(client, store):
    order = place_order(store)
    shipment = ship(order, events=1)
    page(client, order)

    services.tracking_event_add(
        shipment=shipment,
        occurred_at=SCANNED - timedelta(days=1),  # late news of an older checkpoint
        status=ShipmentStatus.INFO_RECEIVED,
        message="Label printed",
    )

    assert "Label printed" in page(client, order).content.decode()


def test_a_delay_shows_at_once_on_a_page_seen_before(client, store):
    order = place_order(store)
    shipment = ship(order)
    page(client, order)

    shipment.delayed, shipment.delay_reason = True, "Strike"
    shipment.save(update_fields=["delayed", "delay_reason", "updated_at"])

    assert "Reason: Strike" in page(client, order).content.decode()


def test_the_tracking_link_of_messages_opens_the_page(client, store, settings):
    settings.PUBLIC_BASE_URL = "https://track.acme.example"
    order = place_order(store)

    url = links.track_url(order)

    assert url.startswith("https://track.acme.example/track/")
    assert client.get(url.removeprefix("https://track.acme.example")).status_code == 200
    assert Order.objects.get(pk=links.order_id_from_token(url.split("/")[-2])) == order


@pytest.mark.parametrize("language", ["de", "fr", "es"])
def test_every_string_of_the_tracking_pages_is_translated(language):
    catalog = (settings.BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po").read_text()

    untranslated = []
    for entry in catalog.split("\n\n"):
        references = " ".join(line for line in entry.splitlines() if line.startswith("#:"))
        if "tracking" not in references:
            continue
        msgstr = "".join(re.findall(r'"(.*)"', entry.split("\nmsgstr ", 1)[1]))
        if not msgstr or "#, fuzzy" in entry:
            untranslated.append(entry)

    assert untranslated == []
