"""The public, read-only review API for storefront widgets (no key: it shows what is public anyway).

    GET /feedback/api/<store>/products/<sku>/reviews?sort=newest|highest|lowest|photos&cursor=…
    GET /feedback/api/<store>/reviews?cursor=…          (the site-wide feed, newest first)

Only published reviews of that store. Keyset (cursor) pagination, so a page costs the same few
queries wherever it is; the cursor is signed, a forged one is a 404. Answers are cached for a
minute under a per-store version that every publication bumps, so a new review shows at once.
CORS: `Access-Control-Allow-Origin` only for an origin whose host is one of `Store.domains`.
"""

import json
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from orders.models import Product, Store
from postpurchase.limits import client_ip

from .models import Review, ReviewPhoto, ReviewStatus
from .reviews import review_report_abuse, review_vote_helpful
from .widget_cache import widget_cache_bump, widget_version_key

PAGE = 10
CACHE_SECONDS = 60
CURSOR_SALT = "feedback.widget.cursor"
SORTS = {
    "newest": ("-published_at", "-id"),
    "highest": ("-rating", "-published_at", "-id"),
    "lowest": ("rating", "-published_at", "-id"),
    "photos": ("-published_at", "-id"),
}


def _cors(request: HttpRequest, store: Store, response: HttpResponse) -> HttpResponse:
    response["Vary"] = "Origin"
    origin = request.headers.get("Origin", "")
    scheme, _, host = origin.partition("://")
    domains = {str(d).lower().strip() for d in store.domains or [] if isinstance(d, str)}
    if scheme in ("https", "http") and host.lower() in domains:
        response["Access-Control-Allow-Origin"] = origin
    return response


def _cursor_filter(sort: str, cursor: dict[str, Any]) -> Q:
    at, pk = datetime.fromisoformat(cursor["t"]), int(cursor["i"])
    after_time = Q(published_at__lt=at) | Q(published_at=at, id__lt=pk)
    if sort == "highest":
        return Q(rating__lt=cursor["r"]) | (Q(rating=cursor["r"]) & after_time)
    if sort == "lowest":
        return Q(rating__gt=cursor["r"]) | (Q(rating=cursor["r"]) & after_time)
    return after_time


def _review(review: Review) -> dict[str, Any]:
    return {
        "id": review.pk,
        "rating": review.rating,
        "title": review.title,
        "body": review.body,
        "author": review.display_name,
        "verified_buyer": review.verified,
        "imported": review.source == "import",
        "published_at": review.published_at.isoformat() if review.published_at else None,
        "helpful": review.helpful_count,
        "reply": review.reply or None,
        "photos": [
            settings.PUBLIC_BASE_URL + reverse("feedback:photo", kwargs={"pk": p.pk}) for p in review.photos.all()
        ],
        "product": {"sku": review.product.sku, "title": review.product.title},
    }


def _page(reviews: QuerySet[Review], sort: str, cursor: str | None) -> tuple[list[Review], str | None]:
    if cursor:
        try:
            position = signing.loads(cursor, salt=CURSOR_SALT)
            reviews = reviews.filter(_cursor_filter(sort, position))
        except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
            raise Http404("No such page.") from error
    rows = list(reviews.order_by(*SORTS[sort])[: PAGE + 1])
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    following = None
    if more and rows:
        last = rows[-1]
        assert last.published_at is not None
        following = signing.dumps(
            {"r": last.rating, "t": last.published_at.isoformat(), "i": last.pk}, salt=CURSOR_SALT
        )
    return rows, following


def _published(store: Store) -> QuerySet[Review]:
    return (
        Review.objects.filter(store=store, status=ReviewStatus.PUBLISHED)
        .select_related("product")
        .prefetch_related(Prefetch("photos", queryset=ReviewPhoto.objects.order_by("pk")))
    )


def _aggregate(store: Store, product: Product | None = None) -> dict[str, Any]:
    """Count, average and stars of the published reviews of a product (or of the whole store)."""
    reviews = Review.objects.filter(store=store, status=ReviewStatus.PUBLISHED)
    if product is not None:
        reviews = reviews.filter(product=product)
    counts = reviews.aggregate(
        count=Count("id"), average=Avg("rating"), **{f"s{n}": Count("id", filter=Q(rating=n)) for n in range(1, 6)}
    )
    average = counts["average"]
    return {
        "count": counts["count"],
        "average": round(float(average), 2) if average is not None else None,
        "distribution": {str(n): counts[f"s{n}"] for n in range(1, 6)},
    }


def _json_ld(product: Product, aggregate: dict[str, Any], reviews: list[dict[str, Any]]) -> dict[str, Any]:
    markup: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.title,
        "sku": product.sku,
    }
    if aggregate["count"]:
        markup["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": aggregate["average"],
            "reviewCount": aggregate["count"],
            "bestRating": 5,
            "worstRating": 1,
        }
        markup["review"] = [
            {
                "@type": "Review",
                "reviewRating": {"@type": "Rating", "ratingValue": r["rating"], "bestRating": 5},
                "author": {"@type": "Person", "name": r["author"]},
                "name": r["title"],
                "reviewBody": r["body"],
                "datePublished": (r["published_at"] or "")[:10],
            }
            for r in reviews
        ]
    return markup


def product_reviews_data(*, store: Store, sku: str, sort: str, cursor: str | None) -> dict[str, Any]:
    """A page of a product's published reviews, its aggregate and JSON-LD (the API's answer, and
    what the widget page shows). Http404 for an unknown product or a forged cursor."""
    product = Product.objects.filter(store=store, sku=sku).first()
    if product is None:
        raise Http404("No such product.")
    reviews = _published(store).filter(product=product)
    if sort == "photos":
        reviews = reviews.filter(Exists(ReviewPhoto.objects.filter(review=OuterRef("pk"))))
    rows, following = _page(reviews, sort, cursor)
    aggregate = _aggregate(store, product)
    data = [_review(r) for r in rows]
    return {
        "product": {"sku": product.sku, "title": product.title},
        "aggregate": aggregate,
        "reviews": data,
        "next": following,
        "json_ld": _json_ld(product, aggregate, data),
    }


def store_reviews_data(*, store: Store, cursor: str | None) -> dict[str, Any]:
    """A page of the store's site-wide feed of published reviews, newest first."""
    rows, following = _page(_published(store), "newest", cursor)
    return {"aggregate": _aggregate(store), "reviews": [_review(r) for r in rows], "next": following}


def _cached(request: HttpRequest, store: Store, build: Any) -> HttpResponse:
    version = cache.get(widget_version_key(store.pk)) or 1
    key = f"feedback:widget:{store.pk}:{version}:{request.path}:{request.GET.urlencode()}"
    body = cache.get(key)
    if body is None:
        try:
            body = build()
        except Http404 as missing:  # the widget reads JSON, also when a SKU or cursor is wrong
            return _cors(request, store, JsonResponse({"message": str(missing)}, status=404))
        cache.set(key, body, CACHE_SECONDS)
    response = JsonResponse(body)
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return _cors(request, store, response)


def _store(slug: str) -> Store:
    store = Store.objects.filter(slug=slug).first()
    if store is None:
        raise Http404("No such store.")
    return store


@require_GET
def product_reviews(request: HttpRequest, store_slug: str, sku: str) -> HttpResponse:
    store = _store(store_slug)
    sort = request.GET.get("sort", "newest")
    if sort not in SORTS:
        return _cors(request, store, JsonResponse({"message": f"sort is one of {', '.join(SORTS)}."}, status=400))
    cursor = request.GET.get("cursor")
    return _cached(request, store, lambda: product_reviews_data(store=store, sku=sku, sort=sort, cursor=cursor))


@require_GET
def store_reviews(request: HttpRequest, store_slug: str) -> HttpResponse:
    store = _store(store_slug)
    cursor = request.GET.get("cursor")
    return _cached(request, store, lambda: store_reviews_data(store=store, cursor=cursor))


@require_GET
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """A review photo, only while its review is published; never a listable folder."""
    found = ReviewPhoto.objects.filter(pk=pk, review__status=ReviewStatus.PUBLISHED).first()
    if found is None:
        raise Http404("No such photo.")
    response = FileResponse(found.image.open("rb"), content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=3600"
    return response


VOTES_PER_HOUR = 60  # per client address, for votes and reports together


def _preflight(request: HttpRequest, store: Store) -> HttpResponse:
    response = _cors(request, store, HttpResponse(status=204))
    if "Access-Control-Allow-Origin" in response:
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "3600"
    return response


def _throttled(request: HttpRequest) -> bool:
    key = f"feedback:widget:votes:{client_ip(request)}"
    cache.add(key, 0, 3600)
    try:
        return cache.incr(key) > VOTES_PER_HOUR
    except ValueError:
        return False


@csrf_exempt  # no cookie or session is involved: the browser id comes in the body
@require_http_methods(["POST", "OPTIONS"])
def review_action(request: HttpRequest, store_slug: str, pk: int, action: str) -> HttpResponse:
    """POST {"browser": "<the widget's random id>", "reason": "…"} to …/reviews/<id>/helpful or …/report."""
    store = _store(store_slug)
    if request.method == "OPTIONS":
        return _preflight(request, store)
    review = Review.objects.filter(store=store, pk=pk, status=ReviewStatus.PUBLISHED).first()
    if review is None or action not in ("helpful", "report"):
        return _cors(request, store, JsonResponse({"message": "No such review."}, status=404))
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    browser = body.get("browser") if isinstance(body, dict) else None
    if not isinstance(browser, str) or not 16 <= len(browser) <= 128:
        return _cors(
            request, store, JsonResponse({"message": "browser: a random id of 16 to 128 characters."}, status=400)
        )
    if _throttled(request):
        return _cors(request, store, JsonResponse({"message": "Too many votes from here; try later."}, status=429))
    if action == "helpful":
        counted = review_vote_helpful(review=review, browser=browser)
        if counted:
            widget_cache_bump(store.pk)
    else:
        reason = body.get("reason") if isinstance(body, dict) else ""
        counted = review_report_abuse(review=review, browser=browser, reason=reason if isinstance(reason, str) else "")
    return _cors(request, store, JsonResponse({"counted": counted}))
