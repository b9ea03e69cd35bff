"""What erasure and export do to returns' tables: notes, comments, label addresses, photos."""

from typing import Any

from django.core.files.storage import default_storage

from orders.privacy import CUSTOMER_ERASED, Erasure, Person, exporter
from postpurchase.events import subscribe
from postpurchase.redact import ERASED, scrub_text

from .models import ReturnItem, ReturnLabel, ReturnRequest


def _photos_delete(request: ReturnRequest) -> int:
    """The customer's photos of a return (MEDIA_ROOT/returns/<store>/<RMA>/, see portal.photos_store)."""
    folder = f"returns/{request.store_id}/{request.number}"
    try:
        _dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return 0
    for name in files:
        default_storage.delete(f"{folder}/{name}")
    return len(files)


@subscribe(CUSTOMER_ERASED)
def returns_erase(erasure: Erasure) -> None:
    """Returns keep their amounts, items and statuses; the customer's words, the address printed on
    labels and the photos go, and the merchant's notes lose whatever names the person."""
    person = erasure.person
    needles = person.needles
    requests = ReturnRequest.objects.filter(store=person.store, order__in=person.order_ids)
    for request in requests:
        before = (request.customer_note, request.merchant_note, request.rejection_reason)
        request.customer_note = ERASED if request.customer_note else ""
        request.merchant_note = scrub_text(request.merchant_note, needles)
        request.rejection_reason = scrub_text(request.rejection_reason, needles)
        if (request.customer_note, request.merchant_note, request.rejection_reason) != before:
            request.save(update_fields=["customer_note", "merchant_note", "rejection_reason", "updated_at"])
            erasure.count("returns.ReturnRequest", 1)
        if not erasure.dry_run:  # files do not roll back with the transaction
            erasure.count("returns photos", _photos_delete(request))
    comments = ReturnItem.objects.filter(request__in=requests).exclude(comment__in=("", ERASED)).update(comment=ERASED)
    erasure.count("returns.ReturnItem", comments)
    labels = ReturnLabel.objects.filter(request__in=requests).exclude(from_address=[ERASED])
    erasure.count("returns.ReturnLabel", labels.update(from_address=[ERASED]))


@exporter("returns")
def returns_export(person: Person) -> list[dict[str, Any]]:
    requests = ReturnRequest.objects.filter(store=person.store, order__in=person.order_ids).order_by("created_at")
    return [
        {
            "number": r.number,
            "order": r.order.number,
            "status": r.status,
            "resolution": r.resolution,
            "currency": r.currency,
            "refund_amount": r.refund_amount,
            "customer_note": r.customer_note,
            "created_at": r.created_at,
            "items": list(r.items.values("line_item__title", "quantity", "reason_label", "comment", "condition")),
            "labels": list(r.labels.values("carrier", "tracking_number", "from_address", "issued_at")),
        }
        for r in requests.select_related("order").prefetch_related("items", "labels")
    ]
