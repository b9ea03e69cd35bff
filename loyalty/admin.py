"""The programme (edit, with tiers and rewards), accounts and the ledger (read), scoped to the user's stores.

The ledger is append-only: entries are never added, changed or deleted here; points move only
through `loyalty.services`.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from postpurchase.tenancy import StoreScopedAdmin

from .models import Account, PointsEntry, Programme, Reward, Tier


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
            {"fields": ["birthday_points", "review_points", "apology_points", "referral_points", "first_order_points"]},
        ),
        ("Expiry", {"fields": ["expiry_months", "expiry_warning_days"]}),
    ]


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
