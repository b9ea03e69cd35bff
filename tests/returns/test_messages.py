"""The customer hears about each step of a return once per return: request received, approved
with the label, rejected with the reason, received, refunded or credited — in their language."""

import re
from decimal import Decimal

import pytest
from django.core import mail

from notifications.models import Message
from orders.events import describe
from orders.models import DomainEvent
from returns import messages
from returns.services import ItemReceipt, return_approve, return_receive, return_reject, return_resolve
from tests.returns.factories import delivered_order, line, policy, request_return

pytestmark = pytest.mark.django_db


def _emails(subject_part: str) -> list:
    return [m for m in mail.outbox if subject_part in m.subject]


def _label_link(body: str) -> str:
    return re.search(r"http\S+/returns/label/\S+\.pdf", body).group(0)


@pytest.fixture
def requested(store, deliver):
    order = delivered_order(store)
    rr = deliver(request_return, order, (0, 1))
    return order, rr


def test_a_request_is_confirmed_by_email_with_its_rma_number_and_items(requested):
    order, rr = requested

    [email] = _emails(rr.number)
    assert email.to == [order.email]
    assert email.subject == f"We received your return request {rr.number}"
    assert "- 1 \u00d7 Linen tee" in email.body


def test_approving_sends_exactly_one_message_with_a_label_that_opens(client, requested, deliver):
    order, rr = requested
    mail.outbox = []

    deliver(return_approve, return_id=rr.pk, actor="owner")

    assert Message.objects.filter(order=order, kind=messages.APPROVED).count() == 1
    [email] = mail.outbox
    assert email.subject == f"Your return {rr.number} is approved"
    response = client.get(_label_link(email.body).removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    timeline = [describe(e) for e in DomainEvent.objects.filter(order=order, kind__startswith="return.")]
    assert f"Return {rr.number} approved" in timeline
    assert f"Return label issued for {rr.number}" in timeline


def test_a_rejection_tells_the_customer_why(requested, deliver):
    _order, rr = requested
    mail.outbox = []

    deliver(return_reject, return_id=rr.pk, actor="owner", reason="The tee was worn and washed.")

    [email] = mail.outbox
    assert email.subject == f"Your return {rr.number} was not accepted"
    assert "Why: The tee was worn and washed." in email.body
    assert not Message.objects.filter(kind=messages.APPROVED).exists()


def test_receiving_and_refunding_send_one_message_each_and_both_are_on_the_timeline(requested, deliver):
    order, rr = requested
    deliver(return_approve, return_id=rr.pk, actor="owner")
    mail.outbox = []

    deliver(
        return_receive,
        return_id=rr.pk,
        actor="owner",
        receipts=[ItemReceipt(line_item_id=line(order).pk, condition="used", restock=False)],
    )
    deliver(return_resolve, return_id=rr.pk, actor="owner", refund_reference="re_1")

    assert Message.objects.filter(order=order, kind=messages.RECEIVED).count() == 1
    assert Message.objects.filter(order=order, kind=messages.RESOLVED).count() == 1
    assert [e.subject for e in mail.outbox] == [
        f"We received your returned items ({rr.number})",
        f"Your return {rr.number} is settled",
    ]
    assert "We refunded €25.00 to your original payment method." in mail.outbox[1].body
    kinds = list(DomainEvent.objects.filter(order=order).values_list("kind", flat=True))
    assert {"return.received", "return.refunded"} <= set(kinds)


def test_store_credit_is_sent_with_its_code_and_bonus(store, deliver):
    policy(store, credit_bonus="percent", credit_bonus_value=Decimal("10"))
    order = delivered_order(store)
    rr = deliver(request_return, order, (0, 1), resolution="store_credit")
    deliver(return_approve, return_id=rr.pk, actor="owner")
    deliver(return_receive, return_id=rr.pk, actor="owner")
    mail.outbox = []

    rr = deliver(return_resolve, return_id=rr.pk, actor="owner")

    [email] = mail.outbox
    assert "Your store credit of €27.50 is ready." in email.body
    assert rr.credit_code.code in email.body


def test_a_second_return_on_the_same_order_gets_messages_of_its_own(requested, deliver):
    order, first = requested
    deliver(return_approve, return_id=first.pk, actor="owner")

    second = deliver(request_return, order, (1, 1))
    deliver(return_approve, return_id=second.pk, actor="owner")

    approved = Message.objects.filter(order=order, kind=messages.APPROVED)
    assert sorted(m.data["number"] for m in approved) == sorted([first.number, second.number])
    assert Message.objects.filter(order=order, kind=messages.REQUESTED).count() == 2
    assert len(_emails(f"Your return {second.number} is approved")) == 1


@pytest.mark.parametrize(
    ("locale", "subject", "words"),
    [
        ("de", "Deine Rücksendung {} ist genehmigt", "Drucke dein Rücksendeetikett aus"),
        ("fr", "Votre retour {} est accepté", "Imprimez votre étiquette de retour"),
        ("es", "Tu devolución {} está aprobada", "Imprime tu etiqueta de devolución"),
    ],
)
def test_the_approval_speaks_the_customers_language(store, deliver, locale, subject, words):
    order = delivered_order(store, locale=locale)
    rr = deliver(request_return, order, (0, 1))
    mail.outbox = []

    deliver(return_approve, return_id=rr.pk, actor="owner")

    [email] = mail.outbox
    assert email.subject == subject.format(rr.number)
    assert words in email.body
