"""Return labels: approval issues a printable PDF behind a signed link that expires and can be
reissued; its tracking number is a return parcel whose carrier scans move the return."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from notifications.models import Message
from orders.models import ShipmentDirection
from postpurchase.exceptions import DomainError
from returns.models import ReturnLabel, ReturnStatus
from returns.services import return_approve, return_label_issue, return_resolve
from returns.services.labels import label_url
from tests.returns.factories import delivered_order, policy, request_return
from tests.returns.label_pdf import code128_decode
from tests.tracking.carrier_payloads import GENERIC_SECRET, generic_payload, post_generic
from tracking.models import TrackingSettings

pytestmark = pytest.mark.django_db


def _path(label: ReturnLabel) -> str:
    return label_url(label).removeprefix("http://127.0.0.1:8000")


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def approved(store, deliver):
    policy(store, return_address="Acme returns desk\nLagerstraße 5\n10115 Berlin", label_valid_days=10)
    order = delivered_order(
        store,
        shipping_address={
            "name": "Ada Lovelace",
            "address1": "1 Analytical Row",
            "city": "London",
            "postal_code": "N1 9GU",
            "country": "GB",
        },
    )
    rr = request_return(order, (0, 1))
    return deliver(return_approve, return_id=rr.pk, actor="owner")


def test_the_label_pdf_shows_the_rma_number_and_both_addresses(client, approved):
    label = approved.labels.get()

    response = client.get(_path(label))

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'inline; filename="{approved.number}.pdf"'
    text = _text(response.content)
    assert approved.number in text
    assert "Ada Lovelace" in text
    assert "Lagerstraße 5" in text
    assert "Acme Outfitters" in text


def test_the_label_barcode_decodes_to_the_rma_number(client, approved):
    label = approved.labels.get()

    pdf = client.get(_path(label)).content

    assert code128_decode(pdf) == approved.number


def test_approval_moves_the_return_to_label_issued_and_makes_its_parcel(approved):
    label = approved.labels.get()

    assert approved.status == ReturnStatus.LABEL_ISSUED
    assert label.shipment.direction == ShipmentDirection.RETURN
    assert label.shipment.tracking_number == approved.number
    assert label.expires_at == label.issued_at + timedelta(days=10)


def test_a_forged_label_link_is_not_found(client, approved):
    path = _path(approved.labels.get())

    response = client.get(path.replace(".pdf", "x.pdf"))

    assert response.status_code == 404


def test_an_expired_label_no_longer_opens_and_a_reissued_one_does(client, approved, deliver):
    old = approved.labels.get()

    with time_machine.travel(timezone.now() + timedelta(days=11), tick=False):
        assert client.get(_path(old)).status_code == 410
        mail.outbox = []
        new = deliver(return_label_issue, return_id=approved.pk, actor="owner")
        assert client.get(_path(new)).status_code == 200

    old.refresh_from_db()
    assert old.superseded_at is not None
    assert new.shipment_id == old.shipment_id  # the same parcel, not a second one
    [email] = mail.outbox
    assert _path(new) in email.body


def test_a_reissued_label_retires_the_previous_link_at_once(client, approved):
    old = approved.labels.get()

    return_label_issue(return_id=approved.pk, actor="owner")

    assert client.get(_path(old)).status_code == 410


def test_a_keep_it_return_gets_no_label(store, deliver):
    policy(store, keep_it_below="100.00")
    rr = request_return(delivered_order(store), (0, 1))

    rr = deliver(return_approve, return_id=rr.pk, actor="owner")

    assert not rr.labels.exists()
    with pytest.raises(DomainError):
        return_label_issue(return_id=rr.pk, actor="owner")
    assert Message.objects.filter(kind="return_approved").count() == 1


@pytest.fixture
def generic_secret(store):
    TrackingSettings.objects.update_or_create(store=store, defaults={"webhook_secret": GENERIC_SECRET})


def _scan(status: str, hours_ago: int) -> dict:
    return {
        "occurred_at": (timezone.now() - timedelta(hours=hours_ago)).isoformat(),
        "status": status,
        "message": status,
    }


def test_carrier_scans_of_the_label_move_the_return_without_shipped_or_delivered_news(
    client, approved, generic_secret, django_capture_on_commit_callbacks
):
    mail.outbox = []
    sent_before = set(Message.objects.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        response = post_generic(
            client, approved.store, generic_payload([_scan("in_transit", 2)], tracking_number=approved.number)
        )
    assert response.status_code == 200
    approved.refresh_from_db()
    assert approved.status == ReturnStatus.IN_TRANSIT

    with django_capture_on_commit_callbacks(execute=True):
        post_generic(client, approved.store, generic_payload([_scan("delivered", 0)], tracking_number=approved.number))
    approved.refresh_from_db()
    assert approved.status == ReturnStatus.RECEIVED
    assert list(approved.items.values_list("condition", "restock")) == [("", None)]  # nobody looked yet

    new = Message.objects.exclude(pk__in=sent_before)
    assert list(new.values_list("kind", flat=True)) == ["return_received"]
    assert [m.subject for m in mail.outbox] == [f"We received your returned items ({approved.number})"]


def test_a_late_scan_does_not_move_a_resolved_return(client, approved, generic_secret):
    post_generic(client, approved.store, generic_payload([_scan("delivered", 1)], tracking_number=approved.number))
    return_resolve(return_id=approved.pk, actor="owner")

    post_generic(client, approved.store, generic_payload([_scan("in_transit", 3)], tracking_number=approved.number))

    approved.refresh_from_db()
    assert approved.status == ReturnStatus.REFUNDED
