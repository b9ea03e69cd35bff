"""The member's loyalty page: balance, pending points and when they come, tier progress, history,
and rewards to redeem (POST, CSRF protected; the code is shown after the redirect)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from notifications.views import branding
from orders.models import Customer, DiscountCode, DiscountPurpose
from postpurchase.exceptions import DomainError
from tracking.views import not_found

from .ledger import account_for
from .links import customer_id_from_token
from .models import EntryKind, PointsEntry, Reward
from .programme import programme_for
from .services import reward_redeem
from .tiers import qualifying

HISTORY = 20


def _language(request: HttpRequest, customer: Customer) -> str:
    try:
        return translation.get_supported_language_variant(customer.locale or request.LANGUAGE_CODE)
    except LookupError:
        return translation.get_language()


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def page(request: HttpRequest, token: str) -> HttpResponse:
    customer_id = customer_id_from_token(token)
    customer = Customer.objects.select_related("store").filter(pk=customer_id).first() if customer_id else None
    if customer is None:
        return not_found(request)
    programme = programme_for(customer.store)
    error = ""
    if request.method == "POST":
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
    account = account_for(customer)
    tiers = list(programme.tiers.all())
    value = qualifying(programme, account)
    following = next((t for t in tiers if t.threshold > value), None)
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
    language = _language(request, customer)
    with translation.override(language):
        response = HttpResponse(
            _render(
                request,
                {
                    "brand": branding(customer.store),
                    "account": account,
                    "programme": programme,
                    "tier": next((t for t in tiers if t.name == account.tier), None),
                    "next_tier": following,
                    "progress": int(value),
                    "rewards": [(r, r.points <= account.available) for r in programme.rewards.filter(active=True)],
                    "history": PointsEntry.objects.filter(account=account)[:HISTORY],
                    "pending_orders": pending,
                    "code": shown,
                    "error": error,
                },
            ),
            status=400 if error else 200,
        )
    response["Content-Language"] = language
    return response


def _render(request: HttpRequest, context: dict) -> str:
    return render_to_string("loyalty/page.html", context, request=request)
