"""The public review API for storefront widgets: only a store's published reviews, an aggregate
that adds up, CORS only for the store's own domains, and a constant query count per page."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feedback.models import AbuseReport, HelpfulVote, Review, ReviewPhoto, ReviewStatus
from orders.models import Product
from tests.orders.factories import StoreFactory

pytestmark = pytest.mark.django_db


def review(store, product, rating, *, status=ReviewStatus.PUBLISHED, minutes=0, **fields):
    at = timezone.now() - timedelta(minutes=minutes)
    return Review.objects.create(
        store=store,
        product=product,
        rating=rating,
        body=fields.pop("body", f"{rating} stars"),
        display_name="Ada L.",
        status=status,
        created_at=at,
        published_at=at if status == ReviewStatus.PUBLISHED else None,
        **fields,
    )


@pytest.fixture
def cap(store):
    store.domains = ["shop.acme.example"]
    store.save()
    return Product.objects.create(store=store, sku="CAP-1", title="Wool cap")


def url(sku="CAP-1", slug="acme", **query):
    tail = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/feedback/api/{slug}/products/{sku}/reviews" + (f"?{tail}" if tail else "")


def test_the_aggregate_counts_only_published_reviews(client, store, cap):
    for n, rating in enumerate([5, 5, 4, 1]):
        review(store, cap, rating, minutes=n)
    review(store, cap, 2, status=ReviewStatus.PENDING)
    review(store, cap, 3, status=ReviewStatus.REJECTED)

    body = client.get(url()).json()

    assert body["aggregate"] == {"count": 4, "average": 3.75, "distribution": {"1": 1, "2": 0, "3": 0, "4": 1, "5": 2}}
    assert sorted(r["rating"] for r in body["reviews"]) == [1, 4, 5, 5]
    assert body["json_ld"]["aggregateRating"]["reviewCount"] == 4
    assert body["json_ld"]["aggregateRating"]["ratingValue"] == 3.75


def test_another_stores_reviews_never_appear(client, store, cap):
    globex = StoreFactory(slug="globex")
    their_cap = Product.objects.create(store=globex, sku="CAP-1", title="Their cap")
    review(globex, their_cap, 1, body="Globex review")
    review(store, cap, 5, body="Acme review")

    product = client.get(url()).json()
    feed = client.get("/feedback/api/acme/reviews").json()

    assert [r["body"] for r in product["reviews"]] == ["Acme review"]
    assert [r["body"] for r in feed["reviews"]] == ["Acme review"]


def test_cors_is_answered_only_for_the_stores_own_domains(client, store, cap):
    own = client.get(url(), HTTP_ORIGIN="https://shop.acme.example")
    foreign = client.get(url(), HTTP_ORIGIN="https://evil.example")

    assert own["Access-Control-Allow-Origin"] == "https://shop.acme.example"
    assert "Access-Control-Allow-Origin" not in foreign


def test_sorting_and_cursor_pagination_walk_every_review_once(client, store, cap):
    for n in range(25):
        review(store, cap, n % 5 + 1, minutes=n)

    seen, cursor = [], None
    while True:
        page = client.get(url(sort="lowest", **({"cursor": cursor} if cursor else {}))).json()
        seen += [(r["rating"], r["id"]) for r in page["reviews"]]
        cursor = page["next"]
        if not cursor:
            break

    assert len(seen) == 25
    assert len({pk for _, pk in seen}) == 25
    assert [rating for rating, _ in seen] == sorted(rating for rating, _ in seen)


def test_a_page_costs_the_same_queries_however_many_reviews_and_photos(client, store, cap):
    review(store, cap, 5)

    def queries():
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url()).status_code == 200
        return len(captured)

    one = queries()
    for n in range(30):
        more = review(store, cap, n % 5 + 1, minutes=n + 1)
        for k in range(n % 3):
            ReviewPhoto.objects.create(
                review=more, image=f"feedback/reviews/{n}-{k}.png", content_type="image/png", width=1, height=1
            )

    assert queries() == one


def test_a_forged_cursor_is_a_404(client, store, cap):
    assert client.get(url(cursor="eyJ4IjoxfQ:forged")).status_code == 404


def test_a_held_reviews_photo_is_not_served(client, store, cap):
    held = review(store, cap, 5, status=ReviewStatus.PENDING)
    photo = ReviewPhoto.objects.create(
        review=held, image="feedback/reviews/x.png", content_type="image/png", width=1, height=1
    )

    assert client.get(f"/feedback/photos/{photo.pk}/").status_code == 404


def act(client, review_id, action, browser, origin="https://shop.acme.example", **extra):
    return client.post(
        f"/feedback/api/acme/reviews/{review_id}/{action}",
        json.dumps({"browser": browser, **extra}),
        content_type="application/json",
        HTTP_ORIGIN=origin,
    )


def test_a_helpful_vote_counts_once_per_browser(client, store, cap):
    liked = review(store, cap, 4)

    first = act(client, liked.pk, "helpful", "browser-one-0123456789")
    again = act(client, liked.pk, "helpful", "browser-one-0123456789")
    other = act(client, liked.pk, "helpful", "browser-two-0123456789")

    assert [r.json()["counted"] for r in (first, again, other)] == [True, False, True]
    assert first["Access-Control-Allow-Origin"] == "https://shop.acme.example"
    assert client.get(url()).json()["reviews"][0]["helpful"] == 2


def test_an_abuse_report_is_recorded_once_per_browser_and_leaves_the_review_published(client, store, cap):
    reported = review(store, cap, 1)

    act(client, reported.pk, "report", "browser-one-0123456789", reason="Not about the product")
    act(client, reported.pk, "report", "browser-one-0123456789", reason="Again")

    assert list(AbuseReport.objects.values_list("reason", flat=True)) == ["Not about the product"]
    reported.refresh_from_db()
    assert reported.status == ReviewStatus.PUBLISHED


def test_votes_on_held_or_other_stores_reviews_are_404(client, store, cap):
    held = review(store, cap, 5, status=ReviewStatus.PENDING)

    assert act(client, held.pk, "helpful", "browser-one-0123456789").status_code == 404
    assert HelpfulVote.objects.count() == 0


def test_an_unknown_product_is_a_json_404(client, store, cap):
    response = client.get(url(sku="NOPE-1"))

    assert response.status_code == 404
    assert response.json() == {"message": "No such product."}


def test_the_aggregate_is_what_every_page_of_reviews_adds_up_to(client, store, cap):
    for n, rating in enumerate([5, 4, 4, 3, 1, 5, 2, 5, 4, 4, 1, 5, 3]):
        review(store, cap, rating, minutes=n)
    review(store, cap, 1, status=ReviewStatus.PENDING)

    listed, cursor, aggregate = [], None, None
    while True:
        page = client.get(url(**({"cursor": cursor} if cursor else {}))).json()
        aggregate = aggregate or page["aggregate"]
        listed += [r["rating"] for r in page["reviews"]]
        cursor = page["next"]
        if not cursor:
            break

    assert aggregate["count"] == len(listed) == 13
    assert aggregate["average"] == round(sum(listed) / len(listed), 2)
    assert aggregate["distribution"] == {str(n): listed.count(n) for n in range(1, 6)}
    assert client.get("/feedback/api/acme/reviews").json()["aggregate"] == aggregate


def test_a_page_of_the_site_wide_feed_costs_the_same_queries_however_many_reviews(client, store, cap):
    review(store, cap, 5)

    def queries():
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/feedback/api/acme/reviews").status_code == 200
        return len(captured)

    one = queries()
    tee = Product.objects.create(store=store, sku="TEE-1", title="Linen tee")
    for n in range(30):
        more = review(store, tee if n % 2 else cap, n % 5 + 1, minutes=n + 1)
        if n % 3 == 0:
            ReviewPhoto.objects.create(review=more, image=f"r/{n}.png", content_type="image/png", width=1, height=1)

    assert queries() == one
