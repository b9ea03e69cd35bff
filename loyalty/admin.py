"""The programme (edit, with tiers and rewards), accounts and the ledger (read), scoped to the user's stores.

The ledger is append-only: entries are never added, changed or deleted here; points move only
through `loyalty.services`.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from postpurchase.exceptions import DomainError
from postpurchase.money import money_format
from postpurchase.tenancy import StoreScopedAdmin

from .bonuses import social_claim_decide
from .models import Account, ClaimStatus, PointsEntry, Programme, Referral, Reward, SocialClaim, Tier
from .selectors import programme_liability
from .services import points_adjust


class TierInline(admin.TabularInline):
    model = Tier
    extra = 0
    fields = ["name", "threshold", "multiplier", "perks"]


class RewardInline(admin.TabularInline):
    model = Reward
    extra = 0
    fields = ["name", "points", "value_type", "amount", "percent", "valid_days", "active"]


@admin.register(Programme)
class ProgrammeAdmin(StoreScopedAdmin):
    list_display = [
        "store",
        "enabled",
        "points_per_unit",
        "redeem_points",
        "redeem_value",
        "tier_basis",
        "expiry_months",
    ]
    list_select_related = ["store"]
    inlines = [TierInline, RewardInline]
    fieldsets = [
        (None, {"fields": ["store", "enabled"]}),
        ("Earning", {"fields": ["points_per_unit", "earn_on_shipping", "earn_on_tax"]}),
        ("Redeeming", {"fields": ["redeem_points", "redeem_value", "min_redeem_points"]}),
        ("Tiers", {"fields": ["tier_basis"]}),
        (
            "Bonuses",
            {"fields": ["birthday_points", "review_points", "apology_points", "first_order_points"]},
        ),
        ("Referrals", {"fields": ["referral_points", "referral_friend_amount", "referral_monthly_limit"]}),
        ("Following on social media", {"fields": ["social_follow_points", "social_follow_url"]}),
        ("Expiry", {"fields": ["expiry_months", "expiry_warning_days", "refund_expired_rewards"]}),
        ("Liability", {"fields": ["liability", "redemption_rate"]}),
    ]
    readonly_fields = ("liability", "redemption_rate")

    @admin.display(description="Points outstanding")
    def liability(self, obj: Programme) -> str:
        if obj.pk is None:
            return "-"
        owed = programme_liability(obj)
        worth = money_format(owed.value, obj.store.currency)
        return f"{owed.available:,} available + {owed.pending:,} pending = {worth}"

    @admin.display(description="Redemption rate")
    def redemption_rate(self, obj: Programme) -> str:
        if obj.pk is None:
            return "-"
        owed = programme_liability(obj)
        return f"{owed.redemption_rate:.1%} ({owed.redeemed:,} of {owed.earned:,} points earned)"


class AdjustForm(forms.Form):
    points = forms.IntegerField(help_text="Positive to give, negative to take (never below zero: the rest is owed).")
    reason = forms.CharField(max_length=255, help_text="Recorded on the ledger with your user.")

    def clean_points(self) -> int:
        points: int = self.cleaned_data["points"]
        if points == 0 or abs(points) > 10_000_000:
            raise forms.ValidationError("Between -10,000,000 and 10,000,000, and not zero.")
        return points


@admin.register(Account)
class AccountAdmin(StoreScopedAdmin):
    list_display = ["customer", "store", "available", "pending", "debt", "tier", "last_activity_at"]
    list_select_related = ["customer", "store"]
    list_filter = ["store", "tier"]
    search_fields = ["customer__email", "customer__last_name"]
    readonly_fields = ("store", "customer", "available", "pending", "debt", "tier", "last_activity_at", "created_at")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.adjust_view)
        name = f"{self.opts.app_label}_{self.opts.model_name}_adjust"
        return [path("<path:object_id>/adjust/", view, name=name), *super().get_urls()]

    def adjust_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """A manual adjustment through the ledger's service, with the reason and the staff user."""
        account = self.get_object(request, unquote(object_id))  # scoped: another store's is None
        if account is None or not self.has_change_permission(request, account):
            raise PermissionDenied
        form = AdjustForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                points_adjust(
                    customer=account.customer,
                    points=form.cleaned_data["points"],
                    reason=form.cleaned_data["reason"],
                    staff_user_id=request.user.pk or 0,
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Points adjusted.")
                return redirect(reverse("admin:loyalty_account_change", args=[account.pk]))
        context = {**self.admin_site.each_context(request), "opts": self.opts, "account": account, "form": form}
        return TemplateResponse(request, "admin/loyalty/account/adjust.html", context)


@admin.register(PointsEntry)
class PointsEntryAdmin(StoreScopedAdmin):
    list_display = ["created_at", "account", "kind", "points", "source", "reason"]
    list_select_related = ["account__customer"]
    list_filter = ["store", "kind", "source"]
    search_fields = ["account__customer__email", "reason", "source_ref"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Referral)
class ReferralAdmin(StoreScopedAdmin):
    """Referrals and refusals with their reasons; they change only through `loyalty.referrals`."""

    list_display = ["created_at", "referrer", "friend_email", "status", "reason", "order"]
    list_select_related = ["referrer__customer", "order"]
    list_filter = ["store", "status", "reason"]
    search_fields = ["friend_email", "referrer__customer__email"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SocialClaim)
class SocialClaimAdmin(StoreScopedAdmin):
    """Follow claims to check: open the handle on the network, then approve (points, once per
    network) or reject. Decisions go through `loyalty.bonuses.social_claim_decide`."""

    list_display = ["created_at", "account", "network", "handle", "status", "decided_by"]
    list_select_related = ["account__customer", "decided_by"]
    list_filter = ["store", "status", "network"]
    search_fields = ["handle", "account__customer__email"]
    actions = ["approve", "reject"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_decide_permission(self, request: HttpRequest) -> bool:
        """Deciding gives points: it needs the change permission, though no claim is edited here."""
        return request.user.has_perm("loyalty.change_socialclaim")

    def _decide(self, request: HttpRequest, queryset: Any, *, approve: bool) -> None:
        decided = 0
        for claim_id in queryset.filter(status=ClaimStatus.PENDING).values_list("pk", flat=True):
            social_claim_decide(claim_id=claim_id, approve=approve, staff_user_id=request.user.pk or 0)
            decided += 1
        messages.success(request, f"{decided} claims {'approved' if approve else 'rejected'}.")

    @admin.action(description="Approve: give the follow points", permissions=["decide"])
    def approve(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description="Reject: no points", permissions=["decide"])
    def reject(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, approve=False)
