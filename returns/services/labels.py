"""Return labels and the parcel they start: issue (at approval or again later), in transit.

1. Approval issues the label in its own transaction when the provider is local (the built-in
   one): `label_record` asks the provider, stores a `ReturnLabel` with the addresses as printed,
   makes its tracking number a return parcel (`shipment_upsert(direction="return")`), moves the
   return to `label_issued` and records `return.label_issued` with the label's signed link (the
   approval message carries it). The PDF is drawn when the link is opened (`returns.views`).
2. A remote provider (a carrier's API) is never called inside a transaction: approval commits
   without a label and schedules `return_label_issue_task`, which calls the provider first and
   then records its answer through the same `label_record`.
3. A label expires after the policy's `label_valid_days`; `return_label_issue` on a return that
   has one issues a new one (same tracking number for the built-in provider, so the same parcel)
   and supersedes the old: its link stops working. The customer gets the new link by email.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.template_helpers import address_lines
from orders.models import ShipmentDirection
from orders.services import shipment_upsert
from postpurchase.exceptions import DomainError, InvalidTransition
from returns.events import return_event_record
from returns.labels import IssuedLabel, LabelProvider, LabelRequest, label_provider
from returns.models import DEFAULT_LABEL_DAYS, ReturnLabel, ReturnPolicy, ReturnRequest, ReturnStatus

from .common import return_lock, return_move

LABEL_SALT = "returns.label"
# A label is issued (or reissued) only while the items have not started back.
LABEL_STATUSES = frozenset({ReturnStatus.APPROVED, ReturnStatus.LABEL_ISSUED})


def label_token(label: ReturnLabel) -> str:
    """The same token each time for a label: its expiry lives on the row, not in the link."""
    return signing.Signer(salt=LABEL_SALT).sign(str(label.pk))


def label_from_token(token: str) -> ReturnLabel | None:
    """The label a signed link names, or None for a link that was never ours."""
    try:
        value = signing.Signer(salt=LABEL_SALT).unsign(token)
    except signing.BadSignature:
        return None
    if not value.isdigit():
        return None
    pk = int(value)
    return ReturnLabel.objects.select_related("request__order", "request__store").filter(pk=pk).first()


def label_url(label: ReturnLabel) -> str:
    return settings.PUBLIC_BASE_URL + reverse("returns:label-pdf", kwargs={"token": label_token(label)})


def _policy_values(rr: ReturnRequest) -> tuple[int, list[str]]:
    row = ReturnPolicy.objects.filter(store_id=rr.store_id).values_list("label_valid_days", "return_address").first()
    days, address = row if row else (DEFAULT_LABEL_DAYS, "")
    return days, [line.strip() for line in address.splitlines() if line.strip()]


def label_request(rr: ReturnRequest) -> LabelRequest:
    _days, to_address = _policy_values(rr)
    return LabelRequest(
        rma=rr.number,
        order_number=rr.order.number,
        store_name=rr.store.name,
        from_address=address_lines(rr.order.shipping_address),
        to_address=to_address,
    )


def _check_labelable(rr: ReturnRequest) -> None:
    if rr.keep_items:
        raise DomainError("The customer keeps these items: there is nothing to send back.")
    if rr.status not in LABEL_STATUSES:
        raise InvalidTransition(rr.status, ReturnStatus.LABEL_ISSUED, "the items are already on their way")


def label_record(
    rr: ReturnRequest, *, provider: LabelProvider, actor: str, issued: IssuedLabel | None = None
) -> ReturnLabel:
    """Store a label for the locked return `rr`, inside the caller's transaction (steps 1 and 3).

    `issued` is a remote provider's answer, obtained before the transaction; a local provider is
    asked here.
    """
    _check_labelable(rr)
    request = label_request(rr)
    if issued is None:
        issued = provider.issue(request)
    now = timezone.now()
    days, _address = _policy_values(rr)
    rr.labels.filter(superseded_at__isnull=True).update(superseded_at=now)
    parcel = None
    if issued.tracking_number:
        parcel, _created = shipment_upsert(
            order=rr.order,
            carrier=issued.carrier,
            tracking_number=issued.tracking_number,
            direction=ShipmentDirection.RETURN,
            actor=actor,
        )
    label = ReturnLabel.objects.create(
        request=rr,
        provider=provider.name,
        carrier=issued.carrier,
        tracking_number=issued.tracking_number,
        pdf_url=issued.pdf_url,
        from_address=request.from_address,
        to_address=request.to_address,
        shipment=parcel,
        issued_at=now,
        expires_at=now + timedelta(days=days),
    )
    reissued = rr.status == ReturnStatus.LABEL_ISSUED
    if not reissued:
        return_move(rr, ReturnStatus.LABEL_ISSUED)
    return_event_record(
        rr=rr,
        actor=actor,
        label_id=label.pk,
        label_url=label_url(label),
        label_expires_at=label.expires_at.isoformat(),
        tracking_number=label.tracking_number,
        reissued=reissued,
    )
    return label


def return_label_issue_after_approval(rr: ReturnRequest, *, actor: str) -> None:
    """Inside an approval's transaction: the label now (local provider) or after commit (remote)."""
    if rr.keep_items:
        return
    provider = label_provider()
    if provider.remote:
        from returns.tasks import return_label_issue_task

        return_id = rr.pk
        transaction.on_commit(lambda: return_label_issue_task.delay(return_id))
        return
    label_record(rr, provider=provider, actor=actor)


def return_label_issue(*, return_id: int, actor: str) -> ReturnLabel:
    """Issue a label for an approved return, or a new one in place of the last (reissue).

    An entry point: a remote provider is called before the transaction opens, and the state is
    checked again under the lock afterwards (a return cancelled meanwhile gets no label).
    """
    provider = label_provider()
    issued = None
    if provider.remote:
        rr = ReturnRequest.objects.select_related("store", "order").get(pk=return_id)
        _check_labelable(rr)
        issued = provider.issue(label_request(rr))
    with transaction.atomic(durable=True):
        rr = return_lock(return_id)
        return label_record(rr, provider=provider, actor=actor, issued=issued)


def in_transit_record(rr: ReturnRequest, *, actor: str, at: datetime | None = None) -> None:
    """The carrier has the parcel (inside the caller's transaction; `rr` locked)."""
    return_move(rr, ReturnStatus.IN_TRANSIT)
    return_event_record(rr=rr, actor=actor, **({"at": at.isoformat()} if at else {}))


@transaction.atomic(durable=True)
def return_in_transit(*, return_id: int, actor: str) -> ReturnRequest:
    """Mark the items as on their way back (a merchant who saw the carrier's scan elsewhere)."""
    rr = return_lock(return_id)
    in_transit_record(rr, actor=actor)
    return rr
