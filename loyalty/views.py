"""The customer's loyalty pages.

- `/loyalty/<token>/`: the member's page, reached by a signed link (every loyalty message, the
  tracking page and the magic-link email carry it): balance, pending points and when they come,
  tier progress and perks, history, rewards to redeem (POST, CSRF protected; the code is shown
  after the redirect), the referral link with share links, ways to earn and the follow claim.
- `/loyalty/` and `/s/<slug>/loyalty/`: the magic-link form. The customer types their email and
  gets the page's link by email. The answer is the same whether or not the address is known,
  and the form is rate limited like every customer form (tracking.lookup).
- `/s/<slug>/loyalty/r/<code>/`: a member's referral link: the friend claims a first-order code.
"""

from decimal import Decimal
from urllib.parse import quote

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from notifications.services import message_schedule_for_customer
from orders.models import Customer, DiscountCode, DiscountPurpose, Store
from postpurchase.exceptions import DomainError
from postpurchase.money import money_format
from tracking.lookup import LOOKUP_WINDOW_SECONDS, TOO_MANY, lookup_allowed
from tracking.views import customer_page, language_for, not_found, store_branding

from .bonuses import social_claim_make
from .forms import LinkRequestForm, ReferralClaimForm, SocialClaimForm
from .kinds import MAGIC_LINK_MESSAGE
from .ledger import account_for
from .links import customer_id_from_token, referral_url
from .models import EntryKind, PointsEntry, Programme, ReferralCode, ReferralStatus, Reward, SocialClaim
from .programme import programme_for
from .referrals import referral_claim, referral_code_for
from .services import reward_redeem
from .tiers import qualifying

HISTORY = 20
# One link email per customer per this many seconds, however often the form is sent.
LINK_EVERY_SECONDS = 600
# The stores of one address that a bare /loyalty/ form writes to, at most.
LINK_STORES = 5


def _store(request: HttpRequest, slug: str) -> Store | None:
    """The store the address names; on the bare form, the only store of a one-store installation."""
    if slug:
        return Store.objects.filter(slug=slug).first()
    only = list(Store.objects.order_by("pk")[:2])
    return only[0] if len(only) == 1 else None


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def page(request: HttpRequest, token: str) -> HttpResponse:
    customer_id = customer_id_from_token(token)
    customer = Customer.objects.select_related("store").filter(pk=customer_id).first() if customer_id else None
    if customer is None:
        return not_found(request)
    programme = programme_for(customer.store)
    error = ""
    claim_form = SocialClaimForm(request.POST if request.POST.get("action") == "follow" else None)
    if request.method == "POST" and request.POST.get("action") == "follow":
        if claim_form.is_valid():
            try:
                social_claim_make(customer=customer, **claim_form.cleaned_data)
            except DomainError:
                error = "follow"
            else:
                return redirect(f"{request.path}?claimed=1")
        else:
            error = "follow"
    elif request.method == "POST":
        reward = Reward.objects.filter(programme=programme, pk=request.POST.get("reward") or 0, active=True).first()
        if reward is None:
            error = "unknown"
        else:
            try:
                issued = reward_redeem(customer=customer, reward=reward, actor="customer")
            except DomainError:
                error = "points"
            else:
                return redirect(f"{request.path}?code={issued.pk}")
    language = language_for(request, customer.locale)
    return customer_page(
        request,
        "loyalty/page.html",
        language,
        _page_context(customer, programme, language, error=error, claim_form=claim_form, request=request),
        zone=customer.store.timezone,
        status=400 if error else 200,
    )


def _page_context(
    customer: Customer,
    programme: Programme,
    language: str,
    *,
    error: str,
    claim_form: SocialClaimForm,
    request: HttpRequest,
) -> dict:
    store = customer.store
    account = account_for(customer)
    tiers = list(programme.tiers.all())
    value = qualifying(programme, account)
    shown: DiscountCode | None = None
    if request.GET.get("code", "").isdigit():
        shown = DiscountCode.objects.filter(
            pk=int(request.GET["code"]), customer=customer, purpose=DiscountPurpose.LOYALTY_REWARD
        ).first()
    pending = [
        e
        for e in PointsEntry.objects.filter(account=account, kind=EntryKind.EARN).select_related("order")[:HISTORY]
        if e.order_id and e.pending_delta > 0
    ]
    code = referral_code_for(customer)
    link = referral_url(store.slug, code.code)
    invite = _("I shop at %(store)s: here is %(amount)s off your first order.") % {
        "store": store.name,
        "amount": money_format(programme.referral_friend_amount, store.currency, language),
    }
    return {
        "brand": store_branding(store),
        "account": account,
        "programme": programme,
        "tier": next((t for t in tiers if t.name == account.tier), None),
        "next_tier": next((t for t in tiers if t.threshold > value), None),
        "progress": int(value),
        "rewards": [(r, r.points <= account.available) for r in programme.rewards.filter(active=True)],
        "history": PointsEntry.objects.filter(account=account)[:HISTORY],
        "pending_orders": pending,
        "code": shown,
        "error": error,
        "referral": {
            "code": code.code,
            "url": link,
            "friend_amount": money_format(programme.referral_friend_amount, store.currency, language),
            "mailto": f"mailto:?subject={quote(store.name)}&body={quote(invite + ' ' + link)}",
            "whatsapp": f"https://wa.me/?text={quote(invite + ' ' + link)}",
            "rewarded": account.referrals.filter(status=ReferralStatus.REWARDED).count(),
        },
        "earn": {
            "per_unit": programme.points_per_unit,
            "unit": money_format(Decimal(1), store.currency, language),
            "review": programme.review_points,
            "birthday": programme.birthday_points,
            "referral": programme.referral_points,
            "follow": programme.social_follow_points,
        },
        "follow_url": programme.social_follow_url,
        "claims": list(SocialClaim.objects.filter(account=account)[:5]) if programme.social_follow_points else [],
        "claim_form": claim_form,
        "claimed": request.GET.get("claimed") == "1",
    }


def _limited(request: HttpRequest, template: str, language: str, context: dict) -> HttpResponse:
    response = customer_page(request, template, language, {**context, "error": TOO_MANY}, status=429)
    response["Retry-After"] = str(LOOKUP_WINDOW_SECONDS)
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def link_request(request: HttpRequest, store_slug: str = "") -> HttpResponse:
    """The magic-link form: the same answer for a known and an unknown address."""
    store = _store(request, store_slug)
    language = language_for(request)
    form = LinkRequestForm(request.POST if request.method == "POST" else None)
    context = {"brand": store_branding(store), "store": store, "form": form, "error": ""}
    if request.method != "POST":
        return customer_page(request, "loyalty/lookup.html", language, context)
    if not lookup_allowed(request, scope="loyalty"):
        return _limited(request, "loyalty/lookup.html", language, context)
    if not form.is_valid():
        return customer_page(request, "loyalty/lookup.html", language, context, status=400)
    link_send(email=form.cleaned_data["email"], store=store)
    return customer_page(request, "loyalty/link_sent.html", language, context)


def link_send(*, email: str, store: Store | None) -> int:
    """Email the page's link to each customer with this address (in `store`, or in any store):
    once per customer per LINK_EVERY_SECONDS. Returns how many emails were scheduled."""
    customers = Customer.objects.filter(email=email).select_related("store").order_by("pk")
    if store is not None:
        customers = customers.filter(store=store)
    window = int(timezone.now().timestamp()) // LINK_EVERY_SECONDS
    sent = 0
    for customer in customers[:LINK_STORES]:
        if not programme_for(customer.store).enabled:
            continue
        with transaction.atomic():
            sent += message_schedule_for_customer(
                store=customer.store,
                kind=MAGIC_LINK_MESSAGE,
                customer=customer,
                key=f"loyalty:link:{customer.pk}:{window}",
                data={"member": customer.pk},
            )
    return sent


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def referral(request: HttpRequest, store_slug: str, code: str) -> HttpResponse:
    """A member's referral link: the friend enters their email and gets their first-order code."""
    store = Store.objects.filter(slug=store_slug).first()
    if store is None or not programme_for(store).enabled:
        return not_found(request)
    if not ReferralCode.objects.filter(store=store, code=code.strip().upper()).exists():
        return not_found(request)
    programme = programme_for(store)
    language = language_for(request)
    form = ReferralClaimForm(request.POST if request.method == "POST" else None)
    context = {
        "brand": store_branding(store),
        "form": form,
        "error": "",
        "amount": money_format(programme.referral_friend_amount, store.currency, language),
        "issued": None,
        "refused": False,
    }
    if request.method != "POST":
        return customer_page(request, "loyalty/referral.html", language, context)
    if not lookup_allowed(request, scope="referral"):
        return _limited(request, "loyalty/referral.html", language, context)
    if not form.is_valid():
        return customer_page(request, "loyalty/referral.html", language, context, status=400)
    try:
        claim = referral_claim(store=store, code=code, email=form.cleaned_data["email"])
    except DomainError:
        return not_found(request)
    if claim.status == ReferralStatus.REFUSED or claim.discount_code is None:
        context["refused"] = True
    else:
        context["issued"] = claim.discount_code
    return customer_page(request, "loyalty/referral.html", language, context)
