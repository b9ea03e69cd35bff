"""The demo store as a newcomer first sees it: the order held at customs explains itself."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from orders.models import Shipment, ShipmentStatus
from tests.e2e.a11y import serious_violations
from tracking import links

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_demos_exception_order_shows_the_problem_banner_and_is_accessible(page):
    call_command("seed_demo", "--orders", "30", stdout=StringIO())
    held = Shipment.objects.filter(order__store__slug="demo", status=ShipmentStatus.EXCEPTION).first()

    page.goto(links.page_path(links.order_token(held.order)))

    banner = page.get_by_role("region", name="There is a problem with your delivery")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Held at customs")
    expect(banner.get_by_role("link", name="help@acme.example")).to_be_visible()
    assert serious_violations(page) == []
