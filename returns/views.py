"""The customer return portal: find the order, choose items, see the exact amount, confirm.

1. `/returns/` (or the store's `/s/<slug>/returns/`): "Order number" + "Email" through the shared
   lookup and its limits, or straight in with the signed link the tracking page and messages
   carry (`/returns/?token=…`, the tracking token: the link is the key, as for tracking).
2. `/returns/<token>/`: every line with how many can be returned, or why not; quantities, a
   reason per item and a resolution. Posting it shows step 3, nothing is saved yet.
   The store's return policy text, in the customer's language, is on this page.
3. For an exchange, the same page asks which variant of each item the customer wants instead
   (`exchange_variants`: the ones the service accepts), with each one's price difference.
4. The same page with the exact refund, credit or amount to pay (the quote the request will
   record), a comment and photos where the reason asks for them, and a confirm button. Confirming
   calls `return_request_create`, which checks everything again under the order's lock.
5. `/returns/<token>/<RMA>/`: the confirmation with the RMA number, what happens next, and the
   label's link when the return was approved at once.

And `/returns/label/<token>.pdf`: the return label's signed link (`label_pdf_view`).
"""

from dataclasses import replace
from decimal import Decimal

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from orders.models import Order
from postpurchase.exceptions import DomainError
from postpurchase.safe_urls import http_url
from returns.labels.pdf import label_pdf
from returns.models import Resolution, ReturnRequest
from returns.portal import (
    PHOTOS_PER_ITEM,
    PortalError,
    check_photo,
    choices_from,
    item_inputs,
    localized_terms,
    photos_store,
    portal_lines,
    resolutions_offered,
)
from returns.selectors import exchange_variants, order_return_facts, policy_text
from returns.services import return_request_create
from returns.services.labels import label_from_token, label_token
from tracking import links
from tracking.views import customer_page, language_for, lookup_form_page, not_found, store_branding

MAX_COMMENT = 2000


def _order_for(token: str) -> Order | None:
    order_id = links.order_id_from_token(token)
    if order_id is None:
        return None
    return Order.objects.select_related("store", "customer").filter(pk=order_id).first()


def _portal_url(order_id: int) -> str:
    return reverse("returns:order", kwargs={"token": links.token_for_order_id(order_id)})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def lookup(request: HttpRequest, store_slug: str = "") -> HttpResponse:
    if request.method == "GET" and (token := request.GET.get("token")):
        order_id = links.order_id_from_token(token)
        if order_id is None:
            return not_found(request)
        return redirect(_portal_url(order_id) + _lang_query(request))
    return lookup_form_page(
        request, store_slug=store_slug, scope="returns", template="returns/lookup.html", found_url=_portal_url
    )


def _lang_query(request: HttpRequest) -> str:
    lang = request.GET.get("lang", "")
    return "?" + urlencode({"lang": lang}) if lang else ""


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def order_page(request: HttpRequest, token: str) -> HttpResponse:
    order = _order_for(token)
    if order is None:
        return not_found(request)
    language = language_for(request, order.locale, order.customer.locale if order.customer else "")
    # Everything below speaks the customer's language: the reasons, why a line cannot go back, errors.
    with translation.override(language):
        return _order_page(request, order, token, language)


def _order_page(request: HttpRequest, order: Order, token: str, language: str) -> HttpResponse:
    facts = order_return_facts(order)
    facts = replace(facts, terms=localized_terms(facts.terms))
    lines = portal_lines(order, facts)
    returnable = {line.id for line in lines if line.returnable}
    variants = {k: v for k, v in exchange_variants(order, facts.terms).items() if k in returnable}
    resolutions = resolutions_offered(facts, variants)
    context = {
        "brand": store_branding(order.store),
        "order": order,
        "lines": lines,
        "reasons": facts.terms.reasons,
        "resolutions": resolutions,
        "returnable": bool(returnable),
        "photos_per_item": PHOTOS_PER_ITEM,
        "token": token,
        "policy_text": policy_text(order.store, language),
    }

    def page(extra: dict | None = None, *, status: int = 200) -> HttpResponse:
        return customer_page(request, "returns/order.html", language, {**context, **(extra or {})}, status=status)

    if request.method != "POST":
        return page()
    try:
        choices, resolution = choices_from(request.POST, lines, facts, variants)
    except PortalError as exc:
        return page({"error": str(exc)}, status=400)
    chosen = {"choices": choices, "resolution": resolution}
    if any(c.exchange_for is None for c in choices) and resolution == Resolution.EXCHANGE:
        # The exchange step: which variant instead of each item. Sent without one: say so.
        picking = [
            (
                c,
                [
                    (v, max(v.price - c.line.unit_price, 0), max(c.line.unit_price - v.price, 0))
                    for v in variants[c.line.id]
                ],
            )
            for c in choices
        ]
        if request.POST.get("step") == "exchange":
            return page({**chosen, "picking": picking, "error": _("Choose what you would like instead.")}, status=400)
        return page({**chosen, "picking": picking})
    difference = sum((c.price_difference for c in choices), Decimal(0))
    quote = facts.quote(
        taking={c.line.id: c.quantity for c in choices}, resolution=resolution, price_difference=difference
    )
    review = {
        **chosen,
        "resolution_label": dict(resolutions)[resolution],
        "quote": quote,
        "difference": difference,
        "cheaper_by": -difference,
    }
    if request.POST.get("step") != "confirm":
        return page(review)

    comments, photos = {}, {}
    try:
        for choice in choices:
            comment = request.POST.get(f"comment_{choice.line.id}", "").strip()
            if len(comment) > MAX_COMMENT:
                raise PortalError(_("A comment is at most %(n)s characters.") % {"n": MAX_COMMENT})
            if choice.reason.requires_comment and not comment:
                raise PortalError(_("Tell us more about “%(title)s”.") % {"title": choice.line.title})
            files = request.FILES.getlist(f"photos_{choice.line.id}")[:PHOTOS_PER_ITEM]
            if choice.reason.requires_photo and not files:
                raise PortalError(_("Add a photo of “%(title)s”.") % {"title": choice.line.title})
            comments[choice.line.id] = comment
            photos[choice.line.id] = [(upload, check_photo(upload)) for upload in files]
        rr = return_request_create(
            order=order,
            items=item_inputs(choices, comments, photos),
            resolution=resolution,
            actor="customer:portal",
        )
    except PortalError as exc:
        return page({**review, "error": str(exc)}, status=400)
    except DomainError as exc:
        return page({**review, "error": exc.message}, status=400)
    photos_store(rr, photos)
    return redirect(reverse("returns:done", kwargs={"token": token, "number": rr.number}) + _lang_query(request))


@never_cache
@require_safe
def done(request: HttpRequest, token: str, number: str) -> HttpResponse:
    order = _order_for(token)
    rr = ReturnRequest.objects.filter(order=order, number=number).first() if order else None
    if order is None or rr is None:
        return not_found(request)
    language = language_for(request, order.locale, order.customer.locale if order.customer else "")
    label = next((label for label in rr.labels.all() if label.is_usable(timezone.now())), None)
    context = {
        "brand": store_branding(order.store),
        "order": order,
        "rr": rr,
        "items": rr.items.select_related("line_item", "exchange_for"),
        "token": token,
        # The link the approval email carries, here too when the return was approved at once.
        "label_path": reverse("returns:label-pdf", kwargs={"token": label_token(label)}) if label else "",
    }
    return customer_page(request, "returns/done.html", language, context)


@require_safe
def label_pdf_view(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone with the link may print the label (it goes to the customer by email); a forged or
    unknown token is a 404, an expired or reissued label a 410 with the site's "link does not
    work" page, so the customer asks for a new one instead of posting a stale parcel."""
    label = label_from_token(token)
    if label is None:
        raise Http404("No such label.")
    if not label.is_usable(timezone.now()):
        response = not_found(request)
        response.status_code = 410
        return response
    if label.pdf_url:
        url = http_url(label.pdf_url)
        if not url:
            raise Http404("No such label.")
        return HttpResponseRedirect(url)
    rr = label.request
    body = label_pdf(
        rma=rr.number,
        order_number=rr.order.number,
        store_name=rr.store.name,
        from_address=[str(line) for line in label.from_address],
        to_address=[str(line) for line in label.to_address],
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{rr.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
