"""Return policies (edit) and returns (read, with filters) in the admin, scoped to the user's stores.

The returns queue's actions (approve, reject, receive, resolve) come with the portal; they will
call the services in `returns.services`, never save a return's status by hand.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from postpurchase.tenancy import StoreScopedAdmin

from .models import ReturnItem, ReturnPolicy, ReturnReason, ReturnRequest, ReturnTagRule


class ReturnReasonInline(admin.TabularInline):
    model = ReturnReason
    extra = 0
    fields = ["position", "code", "label", "requires_comment", "requires_photo"]


class ReturnTagRuleInline(admin.TabularInline):
    model = ReturnTagRule
    extra = 0


@admin.register(ReturnPolicy)
class ReturnPolicyAdmin(StoreScopedAdmin):
    list_display = ["store", "window_days", "grace_days", "allow_refund", "allow_exchange", "allow_store_credit"]
    list_select_related = ["store"]
    inlines = [ReturnReasonInline, ReturnTagRuleInline]
    fieldsets = [
        (None, {"fields": ["store", "policy_text"]}),
        ("Window", {"fields": ["window_days", "grace_days", "unscanned_allowance_days", "non_returnable_categories"]}),
        (
            "Resolutions and fees",
            {
                "fields": [
                    "allow_refund",
                    "allow_exchange",
                    "allow_store_credit",
                    "credit_bonus",
                    "credit_bonus_value",
                    "restocking_fee_percent",
                    "return_shipping_fee",
                    "waive_fees_for_credit_and_exchange",
                    "exchange_price_difference",
                    "keep_it_below",
                ]
            },
        ),
        ("Approval", {"fields": ["auto_approve_below", "auto_approve_reasons", "review_after_returns"]}),
    ]


class ReturnItemInline(admin.TabularInline):
    model = ReturnItem
    extra = 0
    can_delete = False
    fields = ("line_item", "quantity", "amount", "reason_label", "comment", "exchange_for", "condition", "restock")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReturnRequest)
class ReturnRequestAdmin(StoreScopedAdmin):
    list_display = [
        "number",
        "order",
        "status",
        "resolution",
        "items_amount",
        "refund_amount",
        "needs_review",
        "created_at",
    ]
    list_filter = ["status", "resolution", "needs_review", "store"]
    search_fields = ["number", "order__number", "order__email"]
    list_select_related = ["order", "store"]
    date_hierarchy = "created_at"
    inlines = [ReturnItemInline]
    readonly_fields = [f.name for f in ReturnRequest._meta.fields if f.name not in ("merchant_note",)]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # returns start from the portal or the API, through the services

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
