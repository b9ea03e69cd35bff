"""What the tracking page costs in queries, and that its cache never hides news."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders import services
from orders.inputs import LineItemInput, ShipmentItemInput
from orders.models import ShipmentStatus
from tests.orders.factories import UserFactory, place_order
from tests.tracking.page_helpers import SCANNED, page, ship
from tracking import links
from tracking.models import FaqEntry, TrackingSettings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


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

    # 3 of its own, and 1 for the lines other apps add (tracking.page_lines: loyalty's points).
    assert _queries(client, small) == _queries(client, big) == (4, 1)


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


def test_a_page_is_served_again_from_this_process_until_it_is_as_old_as_the_shared_cache_allows(client, store):
    """The process keeps its own copy in front of the shared cache (Redis in production): still
    one query to serve it again, and never past PAGE_TTL after its rendering."""
    import time_machine
    from django.utils import timezone

    from tracking.views import PAGE_TTL

    order = place_order(store)
    ship(order, events=1)
    page(client, order)
    cache.clear()  # the shared copy is gone; this process's remains

    with CaptureQueriesContext(connection) as served_again:
        assert page(client, order).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=PAGE_TTL + 1)):
        cache.clear()
        with CaptureQueriesContext(connection) as later:
            assert page(client, order).status_code == 200

    assert len(served_again) == 1
    assert len(later) > 1  # rendered again


def test_a_page_this_process_kept_shows_a_new_scan_at_once(client, store):
    order = place_order(store)
    shipment = ship(order, events=1)
    page(client, order)
    cache.clear()  # only this process's copy remains

    services.tracking_event_add(
        shipment=shipment, occurred_at=SCANNED + timedelta(days=1), status=ShipmentStatus.IN_TRANSIT, message="Hub"
    )

    assert "Hub" in page(client, order).content.decode()


def test_an_faq_edit_shows_at_once_even_when_the_shared_cache_lost_everything_since(client, store):
    """The store's content version lives in the database: a shared cache that restarts or evicts
    cannot bring back the version that this process's copy of the page was rendered with."""
    entry = FaqEntry.objects.create(store=store, locale="en", question="When will it ship?", answer="Within a day.")
    order = place_order(store)
    page(client, order)  # kept in the shared cache and in this process
    client.force_login(UserFactory(username="root", is_superuser=True))
    client.post(
        f"/admin/tracking/faqentry/{entry.pk}/change/",
        {"store": store.pk, "locale": "en", "question": "How fast do you ship?", "answer": "Same day.", "position": 0},
    )

    cache.clear()

    assert "How fast do you ship?" in page(client, order).content.decode()


def test_a_promo_banner_edited_in_the_admin_shows_at_once(client, store):
    settings_row, _ = TrackingSettings.objects.get_or_create(store=store)
    order = place_order(store)
    page(client, order)  # now cached
    client.force_login(UserFactory(username="root", is_superuser=True))

    client.post(
        f"/admin/tracking/trackingsettings/{settings_row.pk}/change/",
        {
            "processing_days": 1,
            "transit_days_min": 2,
            "transit_days_max": 4,
            "transit_rules": "[]",
            "holidays": "[]",
            "no_scan_days": 3,
            "promo_text": "Socks half price",
            "promo_url": "",
            "webhook_secret": "",
        },
    )

    assert "Socks half price" in page(client, order).content.decode()


def test_a_link_opened_before_still_opens_under_a_rotated_key_and_no_longer_once_the_old_key_is_dropped(
    client, store, settings
):
    order = place_order(store)
    url = links.page_path(links.order_token(order))
    assert client.get(url).status_code == 200  # the token is known to this process now
    old_key = settings.SECRET_KEY

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "rotated-" + "k" * 50, [old_key]
    rotated = client.get(url)
    settings.SECRET_KEY_FALLBACKS = []
    dropped = client.get(url)

    assert rotated.status_code == 200
    assert dropped.status_code == 404
