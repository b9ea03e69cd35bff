"""What the customer return portal shows and checks, apart from the views: the lines of an order
with what can be returned and why not, the customer's choices read from a POST (items, reasons in
the customer's language, the resolution and, for an exchange, the variant wanted), and photos.

Photos are checked by decoding them (a PDF renamed .jpg is refused, whatever its name or the type
the browser claims) and stored under MEDIA_ROOT in a folder per return, which no URL serves.
"""

from dataclasses import dataclass, replace
from decimal import Decimal
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from orders.models import Order
from returns.models import Resolution, ReturnRequest
from returns.policy import Reason, Terms, WhyNot
from returns.selectors import OrderReturnFacts, Variant
from returns.services.requests import ReturnItemInput

PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
PHOTOS_PER_ITEM = 3
# Resolutions the portal offers, in this order (the ones merchants prefer first).
PORTAL_RESOLUTIONS = (Resolution.STORE_CREDIT, Resolution.EXCHANGE, Resolution.REFUND)

WHY_NOT: dict[str, Promise] = {
    WhyNot.ORDER_CANCELLED: _("The order was cancelled."),
    WhyNot.FINAL_SALE: _("Final sale: this item cannot be returned."),
    WhyNot.NOT_RETURNABLE: _("This item cannot be returned."),
    WhyNot.NOT_SHIPPED: _("Not shipped yet."),
    WhyNot.WINDOW_CLOSED: _("The return window closed on %(day)s."),
    WhyNot.ALREADY_RETURNED: _("Already returned."),
}
RESOLUTION_LABELS: dict[str, Promise] = {
    Resolution.STORE_CREDIT: _("Store credit"),
    Resolution.EXCHANGE: _("Exchange for another size or colour"),
    Resolution.REFUND: _("Refund to the original payment"),
}


class PortalError(ValueError):
    """A choice the customer must correct; the message is for them."""


@dataclass(frozen=True)
class PortalLine:
    id: int
    title: str
    quantity: int
    unit_price: Decimal
    returnable: int  # how many can still be returned now
    why_not: str  # for people, in the page's language; "" when returnable

    @property
    def quantities(self) -> range:
        return range(1, self.returnable + 1)


@dataclass(frozen=True)
class Choice:
    line: PortalLine
    quantity: int
    reason: Reason
    exchange_for: Variant | None = None

    @property
    def price_difference(self) -> Decimal:
        """What the replacement costs more (negative: less) than the units sent back, at list prices."""
        if self.exchange_for is None:
            return Decimal(0)
        return (self.exchange_for.price - self.line.unit_price) * self.quantity


def localized_terms(terms: Terms) -> Terms:
    """The terms with every reason's label in the active language: the merchant's translation, else
    our catalogue's (the default reasons), else the label as the merchant wrote it."""
    language = get_language() or "en"
    reasons = tuple(
        replace(reason, label=dict(reason.labels).get(language) or gettext(reason.label)) for reason in terms.reasons
    )
    return replace(terms, reasons=reasons)


def portal_lines(order: Order, facts: OrderReturnFacts) -> list[PortalLine]:
    zone = order.store.zone
    eligibility = {e.line_id: e for e in facts.eligibility(now=timezone.now(), zone=zone)}
    lines = []
    for line in facts.lines:
        e = eligibility[line.id]
        why = ""
        if e.why_not == WhyNot.WINDOW_CLOSED and facts.window is not None:
            day = facts.window.closes_on(zone)
            why = str(WHY_NOT[e.why_not]) % {"day": day.strftime("%Y-%m-%d")}
        elif e.why_not:
            why = str(WHY_NOT.get(e.why_not, e.message))
        lines.append(PortalLine(line.id, line.title, line.quantity, line.unit_price, e.returnable_quantity, why))
    return lines


def resolutions_offered(facts: OrderReturnFacts, variants: dict[int, list[Variant]]) -> list[tuple[str, Promise]]:
    """The store's resolutions; an exchange only when some line has a variant to exchange for."""
    return [
        (r, RESOLUTION_LABELS[r])
        for r in PORTAL_RESOLUTIONS
        if r in facts.terms.resolutions and (r != Resolution.EXCHANGE or variants)
    ]


def choices_from(
    data: QueryDict, lines: list[PortalLine], facts: OrderReturnFacts, variants: dict[int, list[Variant]]
) -> tuple[list[Choice], str]:
    """The items, quantities and reasons chosen, and the resolution; PortalError when any is off.

    Only this order's lines are read (a line id from another order is simply not there), and a
    quantity above what can be returned is refused, not trimmed."""
    chosen = []
    for line in lines:
        raw = data.get(f"quantity_{line.id}", "0") or "0"
        try:
            quantity = int(raw)
        except ValueError:
            raise PortalError(_("Choose how many of “%(title)s” to return.") % {"title": line.title}) from None
        if quantity == 0:
            continue
        if quantity < 0 or quantity > line.returnable:
            raise PortalError(
                _("You can return at most %(n)s of “%(title)s”.") % {"n": line.returnable, "title": line.title}
            )
        reason = facts.terms.reason(data.get(f"reason_{line.id}", ""))
        if reason is None:
            raise PortalError(_("Tell us why you are returning “%(title)s”.") % {"title": line.title})
        chosen.append(Choice(line, quantity, reason))
    if not chosen:
        raise PortalError(_("Choose at least one item to return."))
    resolution = data.get("resolution", "")
    if resolution not in dict(resolutions_offered(facts, variants)):
        raise PortalError(_("Choose how you would like to be reimbursed."))
    if resolution == Resolution.EXCHANGE:
        chosen = [replace(c, exchange_for=_exchange_from(data, c, variants.get(c.line.id, []))) for c in chosen]
    return chosen, resolution


def _exchange_from(data: QueryDict, choice: Choice, offered: list[Variant]) -> Variant | None:
    """The variant picked for `choice` (None: not picked yet); PortalError for one not offered."""
    if not offered:
        raise PortalError(
            _("“%(title)s” comes in no other size or colour to exchange for. Choose a refund or store credit.")
            % {"title": choice.line.title}
        )
    raw = data.get(f"exchange_for_{choice.line.id}", "")
    if not raw:
        return None
    picked = next((v for v in offered if str(v.id) == raw), None)
    if picked is None:
        raise PortalError(_("Choose one of the items offered instead of “%(title)s”.") % {"title": choice.line.title})
    return picked


def check_photo(upload: UploadedFile) -> str:
    """The photo's file extension once it decodes as an image we accept; PortalError otherwise."""
    if upload.size is None or upload.size > settings.RETURN_PHOTO_MAX_BYTES:
        limit = settings.RETURN_PHOTO_MAX_BYTES // (1024 * 1024)
        raise PortalError(_("A photo may be at most %(mb)s MB.") % {"mb": limit})
    data = upload.read()
    try:
        with Image.open(BytesIO(data)) as image:
            image.verify()  # decodes the structure: a PDF or a script renamed .jpg fails here
            kind = image.format or ""
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PortalError(
            _("“%(name)s” is not a photo we can read (JPEG, PNG or WebP).") % {"name": upload.name}
        ) from None
    if kind not in PHOTO_FORMATS:
        raise PortalError(_("“%(name)s” is not a photo we can read (JPEG, PNG or WebP).") % {"name": upload.name})
    upload.seek(0)
    return PHOTO_FORMATS[kind]


def photos_store(rr: ReturnRequest, photos: dict[int, list[tuple[UploadedFile, str]]]) -> None:
    """Keep the checked photos under MEDIA_ROOT/returns/<store>/<RMA>/ (no URL serves MEDIA_ROOT)."""
    for line_id, files in photos.items():
        for n, (upload, extension) in enumerate(files, start=1):
            name = f"returns/{rr.store_id}/{rr.number}/{line_id}-{n}.{extension}"
            default_storage.save(name, ContentFile(upload.read()))


def item_inputs(choices: list[Choice], comments: dict[int, str], photos: dict[int, list]) -> list[ReturnItemInput]:
    return [
        ReturnItemInput(
            line_item_id=c.line.id,
            quantity=c.quantity,
            reason=c.reason.code,
            comment=comments.get(c.line.id, ""),
            photo_count=len(photos.get(c.line.id, [])),
            exchange_for_id=c.exchange_for.id if c.exchange_for else None,
        )
        for c in choices
    ]
