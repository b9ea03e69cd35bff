"""The order pages a merchant works in every day: the list, a search, and one order with its
line items, shipments and addresses. axe finds nothing serious on any of them."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from orders.models import Order
from tests.e2e.a11y import serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page) -> None:
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("merchant")
    page.get_by_label("Password").fill("merchant")
    page.get_by_role("button", name="Log in").click()


def test_the_merchants_order_pages_have_no_serious_accessibility_problem(page):
    call_command("seed_demo", "--orders", "20", stdout=StringIO())
    order = Order.objects.filter(store__slug="demo", shipments__isnull=False).order_by("pk").first()
    sign_in(page)

    page.goto("/admin/orders/order/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("order")
    changelist = serious_violations(page)
    page.get_by_role("searchbox").fill(order.email)
    page.get_by_role("searchbox").press("Enter")
    expect(page.locator("#result_list")).to_contain_text(order.number)
    search = serious_violations(page)
    page.goto(f"/admin/orders/order/{order.pk}/change/")
    expect(page.get_by_label("City").first).to_be_visible()
    change = serious_violations(page)

    assert (changelist, search, change) == ([], [], [])


OVERFLOW = """() => {
    const root = document.documentElement;
    const cut = [...document.querySelectorAll('.results, #content, #content-main, fieldset, table')]
        .filter((el) => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
        .map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className}`);
    if (root.scrollWidth > root.clientWidth + 1) cut.push(`the page (${root.scrollWidth} > ${root.clientWidth})`);
    return cut;
}"""


def test_no_column_of_the_order_pages_is_cut_off_at_1280_pixels(page):
    call_command("seed_demo", "--orders", "20", stdout=StringIO())
    order = Order.objects.filter(store__slug="demo", shipments__isnull=False).order_by("pk").first()
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page)

    cut, violations = {}, {}
    for path in (
        "/admin/orders/order/",
        f"/admin/orders/order/{order.pk}/change/",
        "/admin/orders/customer/",
        f"/admin/orders/customer/{order.customer_id}/change/",
    ):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        cut[path] = page.evaluate(OVERFLOW)
        violations[path] = serious_violations(page)

    assert cut == {path: [] for path in cut}
    assert violations == {path: [] for path in violations}
    expect(page.locator("ol.timeline")).to_be_visible()  # the customer's own events
