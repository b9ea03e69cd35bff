"""The customer's "report a problem" pages (claims) and the late parcel's choice page.

1. `/returns/problem/<token>/` (the tracking token: from the tracking page and the delivered
   message): what went wrong, which items and how many, a comment and photos (checked and stored
   like a return's), and what the customer would like: a reship, a refund or store credit.
   Posting calls `claim_create`, which checks everything again under the order's lock.
2. `/returns/problem/<token>/<CLM>/`: the claim number and what happens next.
3. `/returns/late/<offer token>/`: a late parcel's choices (returns.claims.late).
"""

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from orders.models import Order
from postpurchase.exceptions import DomainError
from returns.claims.late import FINAL, arrived, late_choose
from returns.claims.links import offer_id_from_token
from returns.claims.models import Claim, LateChoice, LateOffer, Problem
from returns.claims.services import ClaimItemInput, claim_create, claim_facts, claimable, not_received_open
from returns.models import Resolution
from returns.portal import PHOTOS_PER_ITEM, PortalError, check_photo, photos_store
from tracking import links
from tracking.views import customer_page, language_for, not_found, store_branding

MAX_COMMENT = 2000
PROBLEMS: dict[str, Promise] = {
    Problem.DAMAGED: gettext_lazy("It arrived damaged"),
    Problem.WRONG_ITEM: gettext_lazy("Wrong or missing item"),
    Problem.NOT_RECEIVED: gettext_lazy("I did not receive it"),
}
WISHES: dict[str, Promise] = {
    Resolution.RESHIP: gettext_lazy("Send it again"),
    Resolution.REFUND: gettext_lazy("Refund to the original payment"),
    Resolution.STORE_CREDIT: gettext_lazy("Store credit"),
}


def _order_for(token: str) -> Order | None:
    order_id = links.order_id_from_token(token)
    if order_id is None:
        return None
    return Order.objects.select_related("store", "customer").filter(pk=order_id).first()


def _read(request: HttpRequest, lines: list[dict]) -> tuple[str, str, list[ClaimItemInput], dict]:
    """The problem, the wish, the items with comments and checked photos; PortalError when off."""
    problem, wish = request.POST.get("problem", ""), request.POST.get("resolution", "")
    if problem not in PROBLEMS:
        raise PortalError(_("Choose what went wrong."))
    if wish not in WISHES:
        raise PortalError(_("Choose what you would like us to do."))
    items, photos = [], {}
    for line in lines:
        try:
            quantity = int(request.POST.get(f"quantity_{line['id']}", "0") or "0")
        except ValueError:
            quantity = -1
        if quantity == 0:
            continue
        if quantity < 0 or quantity > line["claimable"]:
            raise PortalError(_("You can report at most %(n)s of “%(title)s”.") % line_words(line))
        comment = request.POST.get(f"comment_{line['id']}", "").strip()
        if len(comment) > MAX_COMMENT:
            raise PortalError(_("A comment is at most %(n)s characters.") % {"n": MAX_COMMENT})
        files: list[UploadedFile] = request.FILES.getlist(f"photos_{line['id']}")[:PHOTOS_PER_ITEM]
        if problem == Problem.DAMAGED and not files:
            raise PortalError(_("Add a photo of the damage to “%(title)s”.") % line_words(line))
        photos[line["id"]] = [(upload, check_photo(upload)) for upload in files]
        items.append(
            ClaimItemInput(
                line_item_id=line["id"], quantity=quantity, comment=comment, photo_count=len(photos[line["id"]])
            )
        )
    if not items:
        raise PortalError(_("Choose at least one item."))
    return problem, wish, items, photos


def line_words(line: dict) -> dict:
    return {"n": line["claimable"], "title": line["title"]}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def report(request: HttpRequest, token: str) -> HttpResponse:
    order = _order_for(token)
    if order is None:
        return not_found(request)
    language = language_for(request, order.locale, order.customer.locale if order.customer else "")
    facts = claim_facts(order)
    left = claimable(order, facts)
    lines = [
        {
            "id": line.id,
            "title": line.title,
            "claimable": left.get(line.id, 0),
            "quantities": range(1, left.get(line.id, 0) + 1),
        }
        for line in facts.lines
    ]
    not_received = not_received_open(order)
    problems = [(code, label) for code, label in PROBLEMS.items() if code != Problem.NOT_RECEIVED or not_received]
    context = {
        "brand": store_branding(order.store),
        "order": order,
        "lines": lines,
        "problems": problems,
        "not_received": not_received,
        "wishes": list(WISHES.items()),
        "claimable": any(line["claimable"] for line in lines),
        "photos_per_item": PHOTOS_PER_ITEM,
    }
    if request.method != "POST":
        return customer_page(request, "returns/claims/report.html", language, context)
    try:
        problem, wish, items, photos = _read(request, lines)
        rr = claim_create(order=order, problem=problem, items=items, resolution=wish, actor="customer:report")
    except PortalError as exc:
        return customer_page(
            request, "returns/claims/report.html", language, {**context, "error": str(exc)}, status=400
        )
    except DomainError as exc:
        return customer_page(
            request, "returns/claims/report.html", language, {**context, "error": exc.message}, status=400
        )
    photos_store(rr, photos)
    return redirect(reverse("returns:problem-done", kwargs={"token": token, "number": rr.number}))


@never_cache
@require_safe
def report_done(request: HttpRequest, token: str, number: str) -> HttpResponse:
    order = _order_for(token)
    claim = Claim.objects.filter(order=order, number=number).first() if order else None
    if order is None or claim is None:
        return not_found(request)
    language = language_for(request, order.locale, order.customer.locale if order.customer else "")
    context = {"brand": store_branding(order.store), "order": order, "claim": claim}
    return customer_page(request, "returns/claims/done.html", language, context)


CHOICES: dict[str, Promise] = {
    LateChoice.WAIT: gettext_lazy("Keep waiting"),
    LateChoice.RESHIP: gettext_lazy("Send it again"),
    LateChoice.REFUND: gettext_lazy("Refund me"),
    LateChoice.CONTACT: gettext_lazy("Contact the store"),
}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def late_page(request: HttpRequest, token: str) -> HttpResponse:
    """The late parcel's choices; after a choice (POST, then back here) what it led to."""
    offer_id = offer_id_from_token(token)
    if offer_id is None:
        return not_found(request)
    offer = (
        LateOffer.objects.select_related("order__store", "order__customer", "shipment", "claim")
        .filter(pk=offer_id)
        .first()
    )
    if offer is None:
        return not_found(request)
    order = offer.order
    language = language_for(request, order.locale, order.customer.locale if order.customer else "")
    error = ""
    if request.method == "POST":
        try:
            late_choose(offer_id=offer.pk, choice=request.POST.get("choice", ""))
            return redirect(request.path)
        except DomainError as exc:
            error = exc.message
    context = {
        "brand": store_branding(order.store),
        "order": order,
        "offer": offer,
        "shipment": offer.shipment,
        "arrived": offer.closed_at is not None or arrived(offer.shipment),
        "final": offer.choice in FINAL,
        "choices": list(CHOICES.items()),
        "error": error,
    }
    return customer_page(request, "returns/claims/late.html", language, context, status=400 if error else 200)
