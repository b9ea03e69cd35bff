"""The customer return portal: find the order, choose items, see the exact amount, confirm.

1. `/returns/` (or the store's `/s/<slug>/returns/`): "Order number" + "Email" through the shared
   lookup and its limits, or straight in with the signed link the tracking page and messages
   carry (`/returns/?token=…`, the tracking token: the link is the key, as for tracking).
2. `/returns/<token>/`: every line with how many can be returned, or why not; quantities, a
   reason per item and a resolution. Posting it shows step 3, nothing is saved yet.
3. The same page with the exact refund or credit (the quote the request will record), a comment
   and photos where the reason asks for them, and a confirm button. Confirming calls
   `return_request_create`, which checks everything again under the order's lock.
4. `/returns/<token>/<RMA>/`: the confirmation with the RMA number and what happens next.

And `/returns/label/<token>.pdf`: the return label's signed link (`label_pdf_view`).
"""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from orders.models import Order
from postpurchase.exceptions import DomainError
from postpurchase.safe_urls import http_url
from returns.labels.pdf import label_pdf
from returns.models import ReturnRequest
from returns.portal import (
    PHOTOS_PER_ITEM,
    PortalError,
    check_photo,
    choices_from,
    item_inputs,
    photos_store,
    portal_lines,
    resolutions_offered,
)
from returns.selectors import order_return_facts
from returns.services import return_request_create
from returns.services.labels import label_from_token
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
    facts = order_return_facts(order)
    lines = portal_lines(order, facts)
    context = {
        "brand": store_branding(order.store),
        "order": order,
        "lines": lines,
        "reasons": facts.terms.reasons,
        "resolutions": resolutions_offered(facts),
        "returnable": any(line.returnable for line in lines),
        "photos_per_item": PHOTOS_PER_ITEM,
        "token": token,
    }

    def page(extra: dict | None = None, *, status: int = 200) -> HttpResponse:
        return customer_page(request, "returns/order.html", language, {**context, **(extra or {})}, status=status)

    if request.method != "POST":
        return page()
    try:
        choices, resolution = choices_from(request.POST, lines, facts)
    except PortalError as exc:
        return page({"error": str(exc)}, status=400)
    quote = facts.quote(taking={c.line.id: c.quantity for c in choices}, resolution=resolution)
    review = {
        "choices": choices,
        "resolution": resolution,
        "resolution_label": dict(resolutions_offered(facts))[resolution],
        "quote": quote,
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
    context = {"brand": store_branding(order.store), "order": order, "rr": rr, "token": token}
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
