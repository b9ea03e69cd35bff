"""The customer's tracking pages: find an order by number and email, then its signed page.

The lookup answers an unknown number and a wrong email alike, and is rate limited per client
and per order number, so the form cannot be used to find out which orders exist or to guess
a customer's email. The signed page (tracking.links) needs no login: the link is the key.
"""

import re
from hashlib import sha256
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import BaseCache, cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from rest_framework.settings import api_settings

from orders.models import Store
from postpurchase.cache import counting_cache
from tracking import links, selectors
from tracking.forms import TrackOrderForm

# The 21st attempt within a minute from one client is refused; so is the 11th on one order
# number from anywhere, which stops a distributed guess at one customer's email.
LOOKUPS_PER_CLIENT = 20
LOOKUPS_PER_ORDER_NUMBER = 10
LOOKUP_WINDOW_SECONDS = 60

NOT_FOUND = _("We couldn't find an order with that number and email. Please check both and try again.")
TOO_MANY = _("Too many attempts. Please wait a minute, then try again.")

# How long a rendered tracking page may be served again while the order has not changed.
PAGE_TTL = 60

RETURNS_URL = "/returns/"  # the returns portal (a later issue) accepts the tracking token
LOYALTY_URL = "/loyalty/"

_HEX = re.compile(r"#[0-9a-fA-F]{6}")
_DEFAULT_COLOR = "#1f6feb"
_NEUTRAL = {"name": "", "logo_url": "", "primary_color": "#24292f", "support_email": ""}


def _luminance(color: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = []
    for i in (1, 3, 5):
        c = int(color[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_on(color: str) -> str:
    """Black or white, whichever contrasts more with `color` (at least 4.5:1 for any colour),
    so a merchant's pale brand colour never leaves white text unreadable."""
    return "#000000" if contrast(color, "#000000") >= contrast(color, "#ffffff") else "#ffffff"


def branding(name: str, logo_url: str, primary_color: str, support_email: str) -> dict:
    color = primary_color if _HEX.fullmatch(primary_color or "") else _DEFAULT_COLOR
    return {
        "name": name,
        "logo_url": logo_url,
        "primary_color": color,
        "on_primary": text_on(color),
        # The brand colour as text on white only where it is readable; else the body colour.
        "accent": color if contrast(color, "#ffffff") >= 4.5 else "#1a1a1a",
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


def _page(request: HttpRequest, template: str, language: str, context: dict, *, zone: str = "", status: int = 200):
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


def _client(request: HttpRequest) -> str:
    """The client's address. Behind N proxies (REST_FRAMEWORK["NUM_PROXIES"], as DRF's throttles
    read it) it is the Nth address from the right of X-Forwarded-For; without that setting the
    header is ignored, since anyone can send it to dodge the limit."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = api_settings.NUM_PROXIES or 0
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if proxies and hops:
        return hops[-min(proxies, len(hops))]
    return remote


def _allowed(key: str, limit: int) -> bool:
    """Count one attempt in a window that starts with the first attempt; True while within `limit`.

    While the shared cache is unreachable the attempts are counted in this process's memory
    (postpurchase.cache.counting_cache): the limit holds per process, the form keeps working."""
    counter = counting_cache()
    count = _count(counter, key)
    if counter is not counting_cache():  # the shared cache went away during this very count
        count = _count(counting_cache(), key)
    return count <= limit


def _count(counter: BaseCache, key: str) -> int:
    counter.add(key, 0, LOOKUP_WINDOW_SECONDS)
    try:
        return counter.incr(key)
    except ValueError:  # the window ended between add and incr
        counter.set(key, 1, LOOKUP_WINDOW_SECONDS)
        return 1


def _lookup_store(request: HttpRequest) -> Store | None:
    """`/track/?store=<slug>` brands the form and looks only in that store."""
    slug = request.GET.get("store", "")
    return Store.objects.filter(slug=slug).first() if slug else None


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """The form: order number and email. Success redirects to the order's signed page."""
    store = _lookup_store(request)
    language = language_for(request)
    brand = branding(**_NEUTRAL)
    if store is not None:
        brand = branding(store.name, store.logo_url, store.primary_color, store.support_email)
    form = TrackOrderForm(request.POST if request.method == "POST" else None)

    def answer(error="", status=200) -> HttpResponse:
        context = {"brand": brand, "store": store, "form": form, "error": error}
        response = _page(request, "tracking/lookup.html", language, context, status=status)
        if status == 429:
            response["Retry-After"] = str(LOOKUP_WINDOW_SECONDS)
        return response

    if request.method != "POST":
        return answer()
    if not _allowed(f"tracking:lookup:client:{_client(request)}", LOOKUPS_PER_CLIENT):
        return answer(TOO_MANY, status=429)
    if not form.is_valid():
        return answer()
    # Typed text in a cache key: hashed, so any input makes a valid key for any cache backend.
    number = sha256(form.cleaned_data["order_number"].upper().encode()).hexdigest()[:32]
    if not _allowed(f"tracking:lookup:order:{number}", LOOKUPS_PER_ORDER_NUMBER):
        return answer(TOO_MANY, status=429)

    order_id = selectors.order_find_for_customer(
        number=form.cleaned_data["order_number"], email=form.cleaned_data["email"], store=store
    )
    if order_id is None:
        return answer(NOT_FOUND)
    url = links.page_path(links.token_for_order_id(order_id))
    if requested := _requested_language(request):
        url += "?" + urlencode({"lang": requested})
    return redirect(url)


def _page_key(order_id: int, request: HttpRequest) -> str:
    # What picks the language besides the order: the switcher and the browser.
    requested = _requested_language(request) or "-"
    return f"tracking:page:{order_id}:{requested}:{request.LANGUAGE_CODE}"


def _from_cache(order_id: int, request: HttpRequest) -> HttpResponse | None:
    """The page as rendered before, if where the order is has not changed since (one query)."""
    cached = cache.get(_page_key(order_id, request))
    if cached is None:
        return None
    version, language, html = cached
    if version != selectors.order_version(order_id):
        return None
    return _headers(HttpResponse(html), language)


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
        raise Http404("unknown link")
    if (response := _from_cache(order_id, request)) is not None:
        return response
    found = selectors.tracking_page(order_id)
    if found is None:
        raise Http404("unknown link")
    tracking = found.tracking
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
    context = {
        "brand": branding(
            tracking.store.name, tracking.store.logo_url, tracking.store.primary_color, tracking.store.support_email
        ),
        "tracking": tracking,
        "steps": steps,
        "recommendations": found.recommendations,
        "care": found.care,
        "faq": selectors.faq_for(tracking.store_id, language),
        "return_url": RETURNS_URL + "?" + urlencode({"token": token}),
        "loyalty_url": LOYALTY_URL,
        "json_url": links.json_path(token),
        "zone": tracking.timezone,
    }
    response = _page(request, "tracking/page.html", language, context, zone=tracking.timezone)
    cache.set(_page_key(order_id, request), (tracking.version, language, response.content.decode()), PAGE_TTL)
    return response
