"""While a problem report (a claim) is open on the order, the review request waits; it goes out
once the claim is resolved. Driven end to end through the claims services and the outbox."""

import pytest

from feedback.kinds import REVIEW_REQUEST
from notifications.models import Message, MessageState
from returns.claims.services import claim_approve
from tests.feedback.conftest import at, dispatch_on
from tests.returns.claim_helpers import report

pytestmark = pytest.mark.django_db
REQUEST_SUBJECT = "How is your order #1001? Tell others"


def test_a_review_request_due_while_a_claim_is_open_waits_and_goes_out_after_it_is_resolved(delivered_order, deliver):
    claim = at(5, deliver, report, delivered_order, (1, 1), resolution="store_credit")

    assert REQUEST_SUBJECT not in dispatch_on(7.5)
    [request] = Message.objects.filter(order=delivered_order, kind=REVIEW_REQUEST)
    assert request.state == MessageState.SCHEDULED
    assert request.reason.endswith("is open")  # feedback's hold and the claims' marketing hold agree

    at(8, deliver, claim_approve, claim_id=claim.pk, actor="owner")

    # Other optional messages waited too: the frequency cap spaces them out, one a day.
    assert REQUEST_SUBJECT in dispatch_on(9.5)
