"""The embeddable widget page: the store's published reviews with their aggregate, in words a
screen reader says, framed only by the store's own storefront."""

import re

import pytest
from django.contrib.staticfiles import finders

from feedback.models import ReviewStatus
from orders.models import Product
from tests.feedback.test_widget import review
from tests.orders.factories import StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cap(store):
    store.domains = ["shop.acme.example", "Acme.example", "evil.example; script-src *"]
    store.primary_color = "#0b5394"
    store.save()
    return Product.objects.create(store=store, sku="CAP-1", title="Wool cap")


def test_the_widget_shows_the_products_published_reviews_and_their_aggregate_in_words(client, store, cap):
    review(store, cap, 5, title="Warm and soft", minutes=1)
    review(store, cap, 2, title="Itchy", minutes=2)
    review(store, cap, 1, title="Held one", status=ReviewStatus.PENDING)
    globex = StoreFactory(slug="globex")
    review(globex, Product.objects.create(store=globex, sku="CAP-1", title="Cap"), 1, title="Globex review")

    page = client.get("/feedback/widget/acme/?sku=CAP-1")

    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r"<h1>\s*Reviews of Wool cap\s*</h1>", html)
    assert "3.5 out of 5 stars, from 2 reviews" in html
    assert "Rated 5 out of 5" in html
    assert "Rated 2 out of 5" in html
    assert re.findall(r'<h3 id="review-\d+">([^<]*)</h3>', html) == ["Warm and soft", "Itchy"]
    assert "Held one" not in html
    assert "Globex review" not in html
    assert "--brand: #0b5394" in html


def test_without_a_sku_the_widget_shows_the_stores_feed(client, store, cap):
    review(store, cap, 4, title="Nice cap")

    html = client.get("/feedback/widget/acme/").content.decode()

    assert re.search(r"<h1>\s*Reviews of Acme Outfitters\s*</h1>", html)
    assert "Nice cap" in html
    assert "4.0 out of 5 stars, from 1 review" in html


def test_only_the_stores_own_domains_may_frame_the_widget(client, store, cap):
    page = client.get("/feedback/widget/acme/?sku=CAP-1")

    ancestors = page["Content-Security-Policy"].split("frame-ancestors")[1].split(";")[0].split()
    assert ancestors == ["'self'", "shop.acme.example", "acme.example"]
    assert "X-Frame-Options" not in page
    assert "script-src 'self'" in page["Content-Security-Policy"]


def test_the_widget_page_runs_no_inline_script_or_style_attribute(client, store, cap):
    review(store, cap, 5, title="Warm")

    html = client.get("/feedback/widget/acme/?sku=CAP-1").content.decode()

    assert "style=" not in html
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/feedback/widget-frame.js" defer>']


def test_an_unknown_store_or_product_is_the_not_found_page(client, store, cap):
    assert client.get("/feedback/widget/nope/").status_code == 404
    assert client.get("/feedback/widget/acme/?sku=NOPE").status_code == 404


def test_the_embed_script_and_the_frames_script_are_static_files():
    assert finders.find("feedback/embed.js")
    assert finders.find("feedback/widget-frame.js")


def test_the_widget_speaks_the_storefronts_language(client, store, cap):
    review(store, cap, 4, title="Warm")

    page = client.get("/feedback/widget/acme/?sku=CAP-1&lang=de")

    html = page.content.decode()
    assert page["Content-Language"] == "de"
    assert "Bewertungen für Wool cap" in html
    assert "Bewertet mit 4 von 5" in html
