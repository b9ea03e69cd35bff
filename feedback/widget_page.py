"""The embeddable review widget: a page of a store's published reviews made to sit in an iframe on
the merchant's storefront (`/feedback/widget/<store>/?sku=…`), and what lets only that storefront
frame it.

Server-rendered in the customer shell (brand colours from `postpurchase.brand`, the strict CSP, no
inline script), so it reads the same with or without JavaScript and with a screen reader: a heading,
the average as text, the star distribution as a table, each review an article with its rating in
words. The one script, `feedback/widget-frame.js`, tells the embedding page its height
(`static/feedback/embed.js` sizes the frame). Sorting and further pages are plain links.

Framing: `frame-ancestors` lists the store's own domains (`Store.domains`, as hosts: on our https
site only https storefronts match) and nothing else, replacing the default `'none'`;
X-Frame-Options is left off because it cannot name them.
"""

import re
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from notifications.views import branding
from orders.models import Store
from tracking.views import language_for, not_found

from .widget import SORTS, product_reviews_data, store_reviews_data

# A host name, optionally with a port: anything else (a space, a semicolon, a quote) could change
# the policy it is written into, so it is left out.
HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$")


def storefront_hosts(store: Store) -> list[str]:
    """The store's storefront hosts, well-formed ones only, as CSP host sources. Without a scheme
    a host source takes the widget's own: served over https, only https storefronts may frame it."""
    hosts = [str(d).strip().lower() for d in store.domains or [] if isinstance(d, str)]
    return [host for host in dict.fromkeys(hosts) if HOST.match(host)]


def _stars(rating: float) -> str:
    full = round(rating)
    return "★" * full + "☆" * (5 - full)


@xframe_options_exempt
@require_GET
def widget(request: HttpRequest, store_slug: str) -> HttpResponse:
    """GET ?sku=<sku>&sort=newest|highest|lowest|photos&cursor=… (without sku: the store's feed)."""
    store = Store.objects.filter(slug=store_slug).first()
    if store is None:
        return not_found(request)
    sku = request.GET.get("sku", "").strip()
    sort = request.GET.get("sort", "newest")
    if sort not in SORTS:
        sort = "newest"
    cursor = request.GET.get("cursor")
    try:
        if sku:
            data = product_reviews_data(store=store, sku=sku, sort=sort, cursor=cursor)
        else:
            data = store_reviews_data(store=store, cursor=cursor)
    except Http404:
        return not_found(request)
    aggregate = data["aggregate"]
    distribution = [
        (int(stars), count, round(100 * count / aggregate["count"]) if aggregate["count"] else 0)
        for stars, count in sorted(aggregate["distribution"].items(), reverse=True)
    ]
    reviews = [
        {
            **r,
            "stars": _stars(r["rating"]),
            "date": (r["published_at"] or "")[:10],
            # Our own page: photos by path, so they load whatever host the widget was reached by.
            "photos": [url.removeprefix(settings.PUBLIC_BASE_URL) for url in r["photos"]],
        }
        for r in data["reviews"]
    ]
    context: dict[str, Any] = {
        "brand": branding(store),
        "store": store,
        "product": data.get("product"),
        "aggregate": aggregate,
        "average_stars": _stars(aggregate["average"] or 0),
        "distribution": distribution,
        "reviews": reviews,
        "next": data["next"],
        "sku": sku,
        "sort": sort,
        "sorts": list(SORTS) if sku else [],
    }
    language = language_for(request)
    with translation.override(language):
        response = render(request, "feedback/widget.html", context)
    response["Content-Language"] = language
    response["Cache-Control"] = "public, max-age=60"
    response._csp_replace = {"frame-ancestors": ["'self'", *storefront_hosts(store)]}  # type: ignore[attr-defined]
    return response
