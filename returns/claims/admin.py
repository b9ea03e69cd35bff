"""The claims queue in the admin: each claim's page offers approve (as reship, refund or store
credit: approving resolves it) and reject, each on a page of its own that calls the claims
services; the care settings per store. Nothing saves a claim's status by hand."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from postpurchase.tenancy import StoreScopedAdmin
from returns.admin_steps import StepsAdmin
from returns.forms import RejectForm
from returns.models import Resolution, ReturnItem, ReturnRequest, ReturnStatus
from returns.services import return_reject

from .models import CareSettings, Claim, ClaimReship
from .policy import CLAIM_RESOLUTIONS
from .services import claim_approve

STEPS = {"approve": "Approve", "reject": "Reject"}


class ClaimApproveForm(forms.Form):
    resolution = forms.ChoiceField(
        choices=[(r, Resolution(r).label) for r in CLAIM_RESOLUTIONS],
        help_text="Approving resolves the claim at once: the refund is recorded, the credit code issued, "
        "or a new shipment created for you to send.",
    )
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), help_text="For your team only."
    )


class ClaimItemInline(admin.TabularInline):
    model = ReturnItem
    fk_name = "request"
    extra = 0
    can_delete = False
    fields = ("line_item", "quantity", "amount", "reason_label", "comment")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ClaimReshipInline(admin.TabularInline):
    model = ClaimReship
    fk_name = "claim"
    extra = 0
    can_delete = False
    fields = ("shipment", "late_shipment", "cancelled_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Claim)
class ClaimAdmin(StepsAdmin):
    steps = STEPS
    noun = "Claim"
    list_display = ["number", "order", "problem", "status", "resolution", "items_amount", "needs_review", "created_at"]
    list_filter = ["status", "problem", "resolution", "needs_review", "store"]
    show_facets = admin.ShowFacets.ALWAYS
    search_fields = ["number", "order__number", "order__email"]
    list_select_related = ["order", "store"]
    inlines = [ClaimItemInline, ClaimReshipInline]
    readonly_fields = [f.name for f in ReturnRequest._meta.fields if f.name != "merchant_note"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # claims start from the customer's report or a late parcel's choice

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # -- one claim's workflow pages (admin_steps.StepsAdmin) ---------------------------------

    def step_allowed(self, rr: ReturnRequest, step: str) -> bool:
        return rr.status == ReturnStatus.REQUESTED

    def step_form(self, step: str, rr: ReturnRequest, data: Any) -> forms.Form:
        if step == "approve":
            return ClaimApproveForm(data, initial={"resolution": rr.resolution})
        return RejectForm(data)

    def step_run(self, step: str, rr: ReturnRequest, form: forms.Form, actor: str) -> str:
        data = form.cleaned_data
        if step == "approve":
            claim_approve(claim_id=rr.pk, actor=actor, resolution=data["resolution"], note=data["note"])
            return "approved and resolved"
        return_reject(return_id=rr.pk, actor=actor, reason=data["reason"])
        return "rejected; the customer is told why"


@admin.register(CareSettings)
class CareSettingsAdmin(StoreScopedAdmin):
    list_display = ["store", "late_choices", "late_after_business_days"]
