"""A customer reviews two items from the review request they were sent, with a photo, in headless
Chromium; the reviews reach the widget API and the embeddable widget, framed by the store's own
storefront; the form and the widget pass axe."""

import io
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from notifications.services import messages_dispatch_due
from orders import services
from orders.inputs import LineItemInput
from tests.e2e.a11y import serious_violations
from tests.orders.factories import AGREED_TO_EMAIL, StoreFactory, UserFactory, place_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
REQUEST_SUBJECT = "How is your order #1001? Tell others"


def photo() -> bytes:
    """A real, small PNG: the server decodes every photo before it keeps it."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (11, 83, 148)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def review_link(settings, tmp_path):
    """Acme's order #1001 (a linen tee, a wool cap), delivered eight days ago; the outbox ran every
    half day since, as the beat sweep would. The review request's link, from the email sent."""
    settings.MEDIA_ROOT = tmp_path
    store = StoreFactory(slug="acme", name="Acme Outfitters", primary_color="#0b5394", domains=["shop.acme.example"])
    delivered = timezone.now() - timedelta(days=8)
    with time_machine.travel(delivered - timedelta(days=2), tick=False):
        order = place_order(
            store,
            number="#1001",
            marketing_consent=AGREED_TO_EMAIL,
            line_items=[
                LineItemInput(sku="TEE-1", title="Linen tee", quantity=1, unit_price=Decimal("25.00")),
                LineItemInput(sku="CAP-1", title="Wool cap", quantity=1, unit_price=Decimal("19.90")),
            ],
        )
        shipment, _ = services.shipment_upsert(order=order, carrier="dhl", tracking_number="JD1")
    with time_machine.travel(delivered, tick=False):
        services.tracking_event_add(shipment=shipment, occurred_at=delivered, status="delivered")
    for half_days in range(16):
        with time_machine.travel(delivered + timedelta(hours=12 * half_days), tick=False):
            messages_dispatch_due()
    sent = next(m for m in mail.outbox if m.subject == REQUEST_SUBJECT)
    link = re.search(r"https?://\S+/feedback/review/\S+/", sent.body)
    assert link is not None, sent.body
    return re.sub(r"^https?://[^/]+", "", link.group(0))


def test_a_customer_reviews_two_items_with_a_photo_and_the_widget_shows_them(page, review_link):
    page.goto(review_link)
    expect(page.get_by_role("heading", level=1)).to_contain_text("#1001")
    form = serious_violations(page)

    tee, cap = page.get_by_role("group", name="Linen tee"), page.get_by_role("group", name="Wool cap")
    tee.get_by_label("5 stars", exact=True).check()
    tee.get_by_label("Title (optional)").fill("Soft and breathable")
    cap.get_by_label("4 stars", exact=True).check()
    cap.get_by_label("Title (optional)").fill("Warm wool cap")
    cap.get_by_label("Your review (optional)").fill("Keeps my ears warm on the bike. Runs a little small.")
    cap.get_by_label(re.compile("Photos")).set_input_files(
        files=[{"name": "cap.png", "mimeType": "image/png", "buffer": photo()}]
    )
    page.get_by_role("button", name="Send my reviews").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your review!")
    api = page.request.get("/feedback/api/acme/products/CAP-1/reviews").json()
    assert api["aggregate"] == {"count": 1, "average": 4.0, "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}}
    [review] = api["reviews"]
    assert (review["title"], review["verified_buyer"], len(review["photos"])) == ("Warm wool cap", True, 1)
    assert page.request.get("/feedback/api/acme/products/TEE-1/reviews").json()["aggregate"]["count"] == 1

    page.goto("/feedback/widget/acme/?sku=CAP-1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reviews of Wool cap")
    expect(page.get_by_role("article")).to_contain_text("Warm wool cap")
    expect(page.get_by_role("article")).to_contain_text("Rated 4 out of 5")
    expect(page.get_by_role("article")).to_contain_text("Verified buyer")
    photo_shown = page.get_by_role("img", name="Photo 1 by Ada L.")
    expect(photo_shown).to_be_visible()
    assert photo_shown.evaluate("img => img.complete && img.naturalWidth") == 64
    widget = serious_violations(page)

    assert (form, widget) == ([], [])


def storefront(live_server_url: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Wool cap · Acme</title></head>'
        '<body><main><h1>Wool cap</h1><div data-postpurchase-reviews="acme" data-sku="CAP-1"></div></main>'
        f'<script src="{live_server_url}/static/feedback/embed.js" async></script></body></html>'
    )


@pytest.fixture
def storefront_at(page, live_server):
    """Serve the storefront page at `url`. The widget's files come from the live server through
    Playwright (route.fetch): Chromium lets no page from outside reach the loopback directly."""

    def serve(url: str) -> None:
        page.route(f"{live_server.url}/**", lambda route: route.fulfill(response=route.fetch()))
        page.route(
            url, lambda route: route.fulfill(status=200, content_type="text/html", body=storefront(live_server.url))
        )

    return serve


def test_the_storefront_embeds_the_widget_sized_to_its_reviews(page, review_link, storefront_at):
    page.goto(review_link)
    page.get_by_role("group", name="Wool cap").get_by_label("4 stars", exact=True).check()
    page.get_by_role("button", name="Send my reviews").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your review!")
    storefront_at("https://shop.acme.example/products/wool-cap")

    page.goto("https://shop.acme.example/products/wool-cap")

    frame = page.frame_locator("iframe[title='Customer reviews']")
    expect(frame.get_by_role("heading", level=1)).to_have_text("Reviews of Wool cap")
    expect(frame.get_by_role("article")).to_contain_text("Rated 4 out of 5")
    iframe = page.locator("iframe[title='Customer reviews']")
    expect(iframe).not_to_have_attribute("height", "480")  # resized to its content by the frame's script
    markup = page.locator('head script[type="application/ld+json"]')
    expect(markup).to_have_count(1)
    assert json.loads(markup.text_content())["aggregateRating"]["ratingValue"] == 4.0
    assert serious_violations(page) == []


def test_a_site_that_is_not_the_stores_cannot_frame_the_widget(page, review_link, storefront_at):
    storefront_at("https://copycat.example/products/wool-cap")

    with page.expect_console_message(lambda message: "frame-ancestors" in message.text) as refused:
        page.goto("https://copycat.example/products/wool-cap")

    assert "has been blocked" in refused.value.text
    expect(page.frame_locator("iframe[title='Customer reviews']").get_by_role("heading", level=1)).to_have_count(0)


def test_the_merchant_reads_the_feedback_report_as_accessible_tables(page, review_link):
    page.goto(review_link)
    page.get_by_role("group", name="Wool cap").get_by_label("2 stars", exact=True).check()
    page.get_by_role("button", name="Send my reviews").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your review!")
    UserFactory(username="merchant", password="correct-horse-battery", is_superuser=True)
    page.goto("/admin/login/?next=/admin/feedback/review/")
    page.get_by_label("Username").fill("merchant")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Feedback report").click()

    reviews = page.get_by_role("table", name="Published reviews by stars")
    expect(reviews.get_by_role("row", name="2 stars")).to_contain_text("1")
    expect(page.get_by_role("table", name="Reviews published in the period")).to_contain_text("2.00 out of 5")
    assert serious_violations(page) == []
