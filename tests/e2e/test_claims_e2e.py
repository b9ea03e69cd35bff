"""A customer reports a damaged item with a photo from a delivered order's tracking page and reads
the claim number; the merchant approves it as store credit in the admin; the customer gets exactly
one approval message with the code. Every page the customer reads passes axe."""

import re

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import expect

from notifications.models import Message
from notifications.services import messages_dispatch_due
from orders.models import DiscountCode
from returns.claims.messages import CLAIM_APPROVED
from returns.models import ReturnRequest
from tests.e2e.a11y import serious_violations
from tests.orders.factories import StoreFactory, UserFactory
from tests.returns.factories import delivered_order
from tracking import links

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_damaged_item_is_reported_with_a_photo_and_approved_as_store_credit(page, tmp_path):
    store = StoreFactory(slug="acme", name="Acme Outfitters", primary_color="#0b5394")
    order = delivered_order(store)
    photo = tmp_path / "torn.jpg"
    Image.new("RGB", (16, 16), (180, 20, 20)).save(photo, "JPEG")
    page.goto(links.page_path(links.order_token(order)))

    page.get_by_role("link", name="Report a problem").click()
    report = serious_violations(page)
    page.get_by_label("It arrived damaged").check()
    page.get_by_label("How many are affected").first.select_option("1")  # one linen tee
    page.get_by_label("Comment").first.fill("The seam is torn.")
    page.get_by_label("Photos").first.set_input_files(str(photo))
    page.get_by_label("Store credit").check()
    page.get_by_role("button", name="Send my report").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Report CLM-")
    done = serious_violations(page)
    number = re.search(r"CLM-\w+", page.get_by_role("heading", level=1).inner_text()).group(0)

    UserFactory(username="root", password="correct-horse-battery", is_superuser=True)
    page.goto("/admin/login/?next=/admin/returns/claim/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name=number).click()
    page.get_by_role("link", name="Approve").click()
    page.get_by_label("Resolution").select_option("store_credit")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".messagelist")).to_contain_text(f"Claim {number} approved and resolved")

    messages_dispatch_due()
    claim = ReturnRequest.objects.get(number=number)
    code = DiscountCode.objects.get(pk=claim.credit_code_id)
    assert Message.objects.filter(order=order, kind=CLAIM_APPROVED).count() == 1
    approvals = [m for m in mail.outbox if m.subject == f"Your report {number} is approved"]
    assert len(approvals) == 1
    assert code.code in approvals[0].body
    assert (report, done) == ([], [])
