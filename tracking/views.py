"""The customer's tracking pages: find an order by number and email, then its signed page.

The lookup answers an unknown number and a wrong email alike, and is rate limited per client
and per order number and client together, so the form cannot be used to find out which orders
exist or to guess a customer's email, while an attacker's guesses never lock the real customer
out of their own order. The signed page (tracking.links) needs no login: the link is the key.
"""

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from orders.models import Store
from postpurchase.brand import brand_theme
from postpurchase.csp import request_nonce
from tracking import links, selectors, services
from tracking.forms import TrackOrderForm
from tracking.lookup import LOOKUP_WINDOW_SECONDS, TOO_MANY, lookup_allowed, order_lookup
from tracking.page_lines import page_lines

# How long a rendered tracking page may be served again while the order has not changed.
PAGE_TTL = 60
# Where a cached page's CSP nonce goes; each request that serves it fills in its own.
NONCE_SLOT = "{csp-nonce}"

RETURNS_URL = "/returns/"  # the returns portal takes the tracking token (returns/views.py)
LOYALTY_URL = "/loyalty/"

_NEUTRAL = {"name": "", "logo_url": "", "primary_color": "#24292f", "support_email": ""}


def store_branding(store: Store | None) -> dict:
    """The brand of `store`'s customer pages; a neutral one when no store is known."""
    if store is None:
        return branding(**_NEUTRAL)
    return branding(store.name, store.logo_url, store.primary_color, store.support_email)


def branding(name: str, logo_url: str, primary_color: str, support_email: str) -> dict:
    theme = brand_theme(primary_color)
    return {
        "name": name,
        "logo_url": logo_url,
        "primary_color": theme.primary,
        "on_primary": theme.on_primary,
        "accent": theme.accent,
        "support_email": support_email,
    }


def _requested_language(request: HttpRequest) -> str | None:
    code = request.GET.get("lang", "")
    return code if code in dict(settings.LANGUAGES) else None


def language_for(request: HttpRequest, *known: str) -> str:
    """?lang= first (the switcher), then what we know of the customer, then the browser's choice."""
    for code in (_requested_language(request), *known):
        if code:
            try:
                return translation.get_supported_language_variant(code)
            except LookupError:
                continue
    return translation.get_supported_language_variant(request.LANGUAGE_CODE or settings.LANGUAGE_CODE)


def _languages(current: str) -> list[dict]:
    return [
        {"code": code, "name": name, "url": "?" + urlencode({"lang": code}), "current": code == current}
        for code, name in settings.LANGUAGES
    ]


def customer_page(
    request: HttpRequest, template: str, language: str, context: dict, *, zone: str = "", status: int = 200
) -> HttpResponse:
    """Render a customer page in `language` (times in `zone`), with the language switcher."""
    with translation.override(language), timezone.override(ZoneInfo(zone) if zone else None):
        response = render(
            request,
            template,
            {"languages": _languages(language), **context},
            status=status,
        )
    return _headers(response, language)


def _headers(response: HttpResponse, language: str) -> HttpResponse:
    response["Content-Language"] = language
    # Reached by a personal link: out of search engines (never_cache keeps it out of shared caches).
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


_STORE_PATH = re.compile(r"^/s/(?P<slug>[-a-zA-Z0-9_]+)/")


def _lookup_store(request: HttpRequest, slug: str = "") -> Store | None:
    """The store's own entry point (`/s/<slug>/track/`, or `/track/?store=<slug>`) brands the form
    and looks only in that store; an unknown slug gets the plain form, so slugs cannot be probed.
    An installation that serves a single store brands the bare `/track/` with it."""
    slug = slug or request.GET.get("store", "")
    if slug:
        return Store.objects.filter(slug=slug).first()
    only = list(Store.objects.order_by("pk")[:2])
    return only[0] if len(only) == 1 else None


def lookup_form_page(
    request: HttpRequest, *, store_slug: str, scope: str, template: str, found_url: Callable[[int], str]
) -> HttpResponse:
    """An "Order number" + "Email" form page (tracking, returns, …): the store's brand, the shared
    lookup and its limits (tracking.lookup); a match redirects to `found_url(order_id)`."""
    store = _lookup_store(request, store_slug)
    language = language_for(request)
    brand = branding(**_NEUTRAL)
    if store is not None:
        brand = branding(store.name, store.logo_url, store.primary_color, store.support_email)
    form = TrackOrderForm(request.POST if request.method == "POST" else None)

    def answer(error: object = "", status: int = 200) -> HttpResponse:
        context = {"brand": brand, "store": store, "form": form, "error": error}
        response = customer_page(request, template, language, context, status=status)
        if status == 429:
            response["Retry-After"] = str(LOOKUP_WINDOW_SECONDS)
        return response

    if request.method != "POST":
        return answer()
    if not lookup_allowed(request, scope=scope):
        return answer(TOO_MANY, status=429)
    if not form.is_valid():
        return answer()
    found = order_lookup(
        request, number=form.cleaned_data["order_number"], email=form.cleaned_data["email"], store=store, scope=scope
    )
    if found.order_id is None:
        return answer(found.error, status=found.status)
    url = found_url(found.order_id)
    if requested := _requested_language(request):
        url += "?" + urlencode({"lang": requested})
    return redirect(url)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def lookup(request: HttpRequest, store_slug: str = "") -> HttpResponse:
    """The tracking form: order number and email. Success redirects to the order's signed page."""
    return lookup_form_page(
        request,
        store_slug=store_slug,
        scope="tracking",
        template="tracking/lookup.html",
        found_url=lambda order_id: links.page_path(links.token_for_order_id(order_id)),
    )


def _page_key(order_id: int, request: HttpRequest) -> str:
    # What picks the language besides the order: the switcher and the browser.
    requested = _requested_language(request) or "-"
    return f"tracking:page:{order_id}:{requested}:{request.LANGUAGE_CODE}"


class _LocalPage(NamedTuple):
    version: tuple
    language: str
    parts: list[bytes]  # the page's bytes, split where each request's CSP nonce goes
    rendered_at: datetime

    def response(self, request: HttpRequest) -> HttpResponse:
        # The page's inline <style> carries the nonce of the request it was rendered for; this
        # request's Content-Security-Policy names a new one (postpurchase/csp.py). Joining bytes
        # costs a fraction of replacing in and encoding 50 KB of text on every view.
        html = f'nonce="{request_nonce(request)}"'.encode().join(self.parts)
        return _headers(HttpResponse(html), self.language)


_SLOT = f'nonce="{NONCE_SLOT}"'


def _local_page(version: tuple, language: str, html: str, rendered_at: datetime) -> _LocalPage:
    return _LocalPage(version, language, html.encode().split(_SLOT.encode()), rendered_at)


class _LocalPages:
    """This process's copies of rendered pages, in front of the shared cache (Redis in production,
    where fetching and unpickling a page costs more than the rest of serving it again). A copy
    goes through the same version check as the shared entry (selectors.order_version), so it is
    never older than that check allows, and it expires when the shared entry does (PAGE_TTL after
    the rendering). At most LOCAL_PAGES pages (about 50 KB each); the least recently served go."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pages: OrderedDict[str, _LocalPage] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, now: datetime) -> _LocalPage | None:
        with self.lock:
            found = self.pages.get(key)
            if found is None or now - found.rendered_at >= timedelta(seconds=PAGE_TTL):
                return None
            self.pages.move_to_end(key)
            return found

    def put(self, key: str, page: _LocalPage) -> None:
        with self.lock:
            self.pages[key] = page
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)


LOCAL_PAGES = 200
_local_pages = _LocalPages(LOCAL_PAGES)


def _from_cache(order_id: int, request: HttpRequest) -> HttpResponse | None:
    """The page as rendered before (this process's copy, else the shared cache's), if where the
    order is has not changed since: one query, and nothing from the shared cache while this
    process's copy is current."""
    key = _page_key(order_id, request)
    now = timezone.now()
    current = None
    local = _local_pages.get(key, now)
    if local is not None:
        current = selectors.order_version(order_id)
        if local.version == current:
            return local.response(request)
    # Another process may have rendered the changed order already.
    shared = cache.get(key)
    if shared is None:
        return None
    version, language, html, rendered_at = shared if len(shared) == 4 else (*shared, now)
    if current is None:
        current = selectors.order_version(order_id)
    if version != current:
        return None
    page = _local_page(version, language, html, rendered_at)
    _local_pages.put(key, page)
    return page.response(request)


@never_cache
@require_safe
def page(request: HttpRequest, token: str) -> HttpResponse:
    """The order's tracking page, in the customer's language and time zone.

    Customers reload this page a lot while they wait. The rendered page is kept for PAGE_TTL
    and served again after one query says the order, its shipments and checkpoints have not
    changed (selectors.order_version); what changes rarely (branding, FAQ, care instructions,
    recommendations) may show up to PAGE_TTL late.
    """
    order_id = links.order_id_from_token(token)
    if order_id is None:
        return not_found(request)  # rendered here, not raised: branded and translated even in DEBUG
    if (response := _from_cache(order_id, request)) is not None:
        return response
    found = selectors.tracking_page(order_id)
    if found is None:
        return not_found(request)
    tracking = found.tracking
    services.shipment_promises_fill(tracking)
    language = language_for(request, tracking.locale)
    steps = []
    if tracking.step is not None:
        for index, code in enumerate(selectors.STEPS):
            steps.append(
                {
                    "code": code,
                    "label": selectors.STEP_LABELS[code],
                    "reached": index <= tracking.step,
                    "current": index == tracking.step,
                }
            )
    with translation.override(language):
        lines = page_lines(order_id)  # other apps' lines (loyalty's points), in the customer's language
    context = {
        "page_lines": lines,
        "brand": branding(
            tracking.store.name, tracking.store.logo_url, tracking.store.primary_color, tracking.store.support_email
        ),
        "tracking": tracking,
        "steps": steps,
        "recommendations": found.recommendations,
        "care": found.care,
        "faq": selectors.faq_for(tracking.store_id, tracking.content_version, language),
        "return_url": RETURNS_URL + "?" + urlencode({"token": token}),
        "problem_url": f"{RETURNS_URL}problem/{token}/",  # returns' claims (returns/views_claims.py)
        "loyalty_url": LOYALTY_URL,
        "json_url": links.json_path(token),
        "zone": tracking.timezone,
    }
    response = customer_page(request, "tracking/page.html", language, context, zone=tracking.timezone)
    html = response.content.decode().replace(f'nonce="{request_nonce(request)}"', _SLOT)
    rendered_at, key = timezone.now(), _page_key(order_id, request)
    cache.set(key, (tracking.version, language, html, rendered_at), PAGE_TTL)
    _local_pages.put(key, _local_page(tracking.version, language, html, rendered_at))
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The site's 404 (handler404): a page in the customer's language, in the store's colours when
    the address names a store, that says the link does not work and leads back to the lookup form."""
    match = _STORE_PATH.match(request.path_info)
    store = _lookup_store(request, match["slug"] if match else "")
    brand = branding(**_NEUTRAL)
    lookup_url = reverse("tracking:lookup")
    if store is not None:
        brand = branding(store.name, store.logo_url, store.primary_color, store.support_email)
        lookup_url = reverse("store-tracking-lookup", kwargs={"store_slug": store.slug})
    language = language_for(request)
    return customer_page(
        request, "customer/not_found.html", language, {"brand": brand, "lookup_url": lookup_url}, status=404
    )
