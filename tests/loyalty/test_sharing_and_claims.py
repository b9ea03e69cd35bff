"""The member's page shares their referral link (copy, email, WhatsApp) and a friend who opens it
gets their first-order code; a follow claim made there gives points once staff approve it."""

import re
from urllib.parse import unquote

from django.conf import settings
from django.contrib.auth.models import Permission
from django.urls import reverse

from loyalty.links import member_token
from loyalty.models import ClaimStatus, EntryKind, PointsEntry, ReferralCode, ReferralStatus, SocialClaim
from loyalty.programme import programme_for
from orders.models import DiscountPurpose
from tests.loyalty.factories import account, member_with
from tests.orders.factories import UserFactory


def test_the_page_shows_the_referral_link_with_share_links_and_a_copy_button_from_a_file(client, store):
    customer = member_with(store, 100)

    page = client.get(f"/loyalty/{member_token(customer)}/").content.decode()

    code = ReferralCode.objects.get(account__customer=customer).code
    link = f"{settings.PUBLIC_BASE_URL}/s/acme/loyalty/r/{code}/"
    assert f'<input id="referral-link" readonly value="{link}">' in page
    mailto = re.search(r'href="(mailto:[^"]+)"', page).group(1)
    whatsapp = re.search(r'href="(https://wa\.me/\?text=[^"]+)"', page).group(1)
    assert link in unquote(mailto.replace("&amp;", "&"))
    assert "€10.00 off your first order" in unquote(whatsapp)
    assert 'data-copy="referral-link"' in page
    assert re.search(r'<script src="/static/loyalty/share\.js" defer>', page)


def test_a_friend_opening_the_link_gets_a_first_order_code(client, store):
    customer = member_with(store, 100)
    client.get(f"/loyalty/{member_token(customer)}/")
    code = ReferralCode.objects.get(account__customer=customer).code

    form = client.get(f"/s/acme/loyalty/r/{code}/").content.decode()
    response = client.post(f"/s/acme/loyalty/r/{code}/", {"email": "bob@example.com"})

    referral = customer.loyalty_account.referrals.get()
    assert "€10.00 off your first order" in form
    assert referral.status == ReferralStatus.ISSUED
    assert referral.discount_code.purpose == DiscountPurpose.REFERRAL
    assert referral.discount_code.code in response.content.decode()


def test_the_member_using_their_own_link_is_refused(client, store):
    customer = member_with(store, 100)
    code = ReferralCode.objects.create(store=store, account=account(customer), code="ADA12345")

    response = client.post(f"/s/acme/loyalty/r/{code.code}/", {"email": "Ada+shop@example.com"})

    assert "only for new customers" in response.content.decode()
    assert customer.loyalty_account.referrals.get().reason == "self_referral_email"


def test_an_unknown_referral_code_is_the_customer_404(client, store):
    response = client.get("/s/acme/loyalty/r/NOPE/")
    posted = client.post("/s/acme/loyalty/r/NOPE/", {"email": "bob@example.com"})

    assert (response.status_code, posted.status_code) == (404, 404)


def test_a_follow_claim_gives_points_once_staff_approve_it(client, store):
    programme = programme_for(store)
    programme.social_follow_points = 150
    programme.save()
    customer = member_with(store, 100)
    path = f"/loyalty/{member_token(customer)}/"
    client.post(path, {"action": "follow", "network": "instagram", "handle": "@ada"})
    client.post(path, {"action": "follow", "network": "instagram", "handle": "@ada"})
    assert account(customer).available == 100
    claim = SocialClaim.objects.get()
    staff = UserFactory(username="staff", stores=[store])
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_socialclaim", "change_socialclaim"]))
    client.force_login(staff)

    changelist = reverse("admin:loyalty_socialclaim_changelist")
    for _ in range(2):
        client.post(changelist, {"action": "approve", "_selected_action": [claim.pk]})

    claim.refresh_from_db()
    assert (claim.status, claim.decided_by_id) == (ClaimStatus.APPROVED, staff.pk)
    assert account(customer).available == 250
    entry = PointsEntry.objects.get(key="social:instagram")
    assert (entry.kind, entry.staff_user_id, entry.points) == (EntryKind.BONUS, staff.pk, 150)
    page = client.get(path).content.decode()
    assert "Instagram @ada: points added" in page


def test_staff_who_may_only_view_claims_cannot_approve_them(client, store):
    programme = programme_for(store)
    programme.social_follow_points = 150
    programme.save()
    customer = member_with(store, 100)
    client.post(f"/loyalty/{member_token(customer)}/", {"action": "follow", "network": "instagram", "handle": "@ada"})
    viewer = UserFactory(username="viewer", stores=[store])
    viewer.user_permissions.set(Permission.objects.filter(codename="view_socialclaim"))
    client.force_login(viewer)

    changelist = reverse("admin:loyalty_socialclaim_changelist")
    client.post(changelist, {"action": "approve", "_selected_action": [SocialClaim.objects.get().pk]})

    assert SocialClaim.objects.get().status == ClaimStatus.PENDING
    assert account(customer).available == 100


def test_no_follow_form_while_the_store_gives_no_points_for_it(client, store):
    customer = member_with(store, 100)

    page = client.get(f"/loyalty/{member_token(customer)}/").content.decode()
    response = client.post(f"/loyalty/{member_token(customer)}/", {"action": "follow", "network": "x", "handle": "a"})

    assert "I follow you" not in page
    assert response.status_code == 400
    assert not SocialClaim.objects.exists()
