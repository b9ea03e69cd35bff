"""The admin of discount codes, scoped to the user's stores like every other admin.

Codes are issued through `discount_code_issue` (so a code made by hand records its event and
goes to its provider like one made by a follow-up); once issued, only its expiry and usage
limit may change: what it is worth was promised to a customer.
"""

from django import forms
from django.contrib import admin

from postpurchase.exceptions import DomainError
from postpurchase.tenancy import StoreScopedAdmin, StoreScopedInline

from . import services
from .models import DiscountCode, DiscountRedemption

ISSUE_FIELDS = [
    "store",
    "customer",
    "code",
    "purpose",
    "value_type",
    "amount",
    "percent",
    "currency",
    "expires_at",
    "usage_limit",
]


class DiscountCodeForm(forms.ModelForm):
    class Meta:
        model = DiscountCode
        fields = ISSUE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "code" in self.fields:
            self.fields["code"].required = False
            self.fields["code"].help_text = "Leave empty for a random code."
        if "currency" in self.fields:
            self.fields["currency"].help_text = "Fixed amounts and store credit; empty: the store's currency."

    def clean(self):
        cleaned = super().clean() or {}
        if self.instance.pk is None and cleaned.get("store"):
            try:
                services.discount_code_check(
                    store=cleaned["store"],
                    purpose=cleaned.get("purpose") or "",
                    value_type=cleaned.get("value_type") or "",
                    amount=cleaned.get("amount"),
                    percent=cleaned.get("percent"),
                    customer=cleaned.get("customer"),
                )
            except DomainError as exc:
                raise forms.ValidationError(exc.message) from None
        return cleaned

    def validate_unique(self):
        # The service makes the code (and refuses a taken one); the model's check would run
        # before there is a code to check.
        if self.instance.pk is not None:
            super().validate_unique()


class DiscountRedemptionInline(StoreScopedInline):
    model = DiscountRedemption
    fields = ["order", "code", "amount", "currency", "redeemed_at"]
    readonly_fields = ["order", "code", "amount", "currency", "redeemed_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DiscountCode)
class DiscountCodeAdmin(StoreScopedAdmin):
    form = DiscountCodeForm
    list_display = [
        "code",
        "purpose",
        "value_label",
        "balance",
        "times_used",
        "usage_limit",
        "customer",
        "expires_at",
        "store",
        "created_at",
    ]
    list_filter = ["purpose", "value_type", "store"]
    search_fields = ["code", "customer__email"]
    list_select_related = ["store", "customer"]
    raw_id_fields = ["customer", "issued_for_order"]
    inlines = [DiscountRedemptionInline]

    @admin.display(description="value")
    def value_label(self, code: DiscountCode) -> str:
        return code.value_label

    def get_fields(self, request, obj=None):
        if obj is None:
            return ISSUE_FIELDS
        return [*ISSUE_FIELDS, "balance", "times_used", "issued_for_order", "provider", "provider_ref", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        editable = {"expires_at", "usage_limit"}
        return [name for name in self.get_fields(request, obj) if name not in editable]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        issued = services.discount_code_issue(
            store=data["store"],
            customer=data.get("customer"),
            code=data.get("code") or "",
            purpose=data["purpose"],
            value_type=data["value_type"],
            amount=data.get("amount"),
            percent=data.get("percent"),
            currency=data.get("currency") or "",
            expires_at=data.get("expires_at"),
            usage_limit=data.get("usage_limit"),
            actor=f"admin:{request.user.get_username()}",
        )
        obj.pk, obj.code = issued.pk, issued.code
        obj._state.adding = False


@admin.register(DiscountRedemption)
class DiscountRedemptionAdmin(StoreScopedAdmin):
    list_display = ["code", "order", "amount", "currency", "discount_code", "redeemed_at", "store"]
    list_filter = ["store"]
    search_fields = ["code", "order__number"]
    list_select_related = ["order", "discount_code", "store"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
