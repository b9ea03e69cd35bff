"""A member asks for their loyalty page by email, opens the link from the email they got, redeems
a reward and sees the code and the new balance, in headless Chromium; every page passes axe."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from orders.models import DiscountCode, DiscountPurpose
from tests.e2e.a11y import serious_violations
from tests.loyalty.factories import member_with
from tests.orders.factories import StoreFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_member_opens_the_page_from_the_emailed_link_and_redeems_a_reward(page):
    store = StoreFactory(slug="acme", name="Acme Outfitters", primary_color="#0b5394")
    customer = member_with(store, 1200)

    page.goto("/s/acme/loyalty/")
    ask = serious_violations(page)
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_role("button", name="Send me the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    sent = serious_violations(page)

    # The link as the customer reads it in the email (its host is PUBLIC_BASE_URL; the live
    # server runs elsewhere, so only the path is followed).
    [email] = [m for m in mail.outbox if m.to == ["ada@example.com"]]
    path = re.search(r"https?://[^/\s]+(/loyalty/[^\s/]+/)", email.body).group(1)
    page.goto(path)
    expect(page.get_by_role("heading", name="Points available: 1200")).to_be_visible()
    expect(page.get_by_role("button", name="Copy link")).to_be_visible()  # share.js ran under the CSP
    before = serious_violations(page)
    page.get_by_role("button", name="Redeem 5.00 off").click()

    code = DiscountCode.objects.get(customer=customer, purpose=DiscountPurpose.LOYALTY_REWARD)
    expect(page.get_by_role("status").filter(has_text="Your code:")).to_contain_text(code.code)
    expect(page.get_by_role("heading", name="Points available: 700")).to_be_visible()
    expect(page.get_by_label("Copy your code")).to_have_value(code.code)
    assert (ask, sent, before, serious_violations(page)) == ([], [], [], [])
