"""A late parcel's choice page in headless Chromium: the customer keeps waiting and reads the
thank-you; the page passes axe before and after."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders import services
from returns.claims.links import offer_path
from returns.claims.models import LateOffer
from tests.e2e.a11y import serious_violations
from tests.orders.factories import StoreFactory, place_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_customer_chooses_to_keep_waiting_for_a_late_parcel(page):
    store = StoreFactory(slug="acme", name="Acme Outfitters", primary_color="#0b5394")
    order = place_order(store, number="#1001")
    shipment, _ = services.shipment_upsert(order=order, carrier="dhl", tracking_number="JD1")
    offer = LateOffer.objects.create(store=store, order=order, shipment=shipment, episode=1, opens_at=timezone.now())

    page.goto(offer_path(offer.pk))
    choose = serious_violations(page)
    page.get_by_label("Keep waiting").check()
    page.get_by_role("button", name="Confirm my choice").click()

    expect(page.get_by_text("Thank you for your patience")).to_be_visible()
    assert (choose, serious_violations(page)) == ([], [])
