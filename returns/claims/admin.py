"""The claims queue in the admin: each claim's page offers approve (as reship, refund or store
credit: approving resolves it) and reject, each on a page of its own that calls the claims
services; the care settings per store. Nothing saves a claim's status by hand."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from postpurchase.exceptions import DomainError
from postpurchase.tenancy import StoreScopedAdmin
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
class ClaimAdmin(StoreScopedAdmin):
    change_form_template = "admin/returns/returnrequest/change_form.html"
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

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.step_view)
        name = f"{self.opts.app_label}_{self.opts.model_name}_step"
        return [path("<path:object_id>/step/<slug:step>/", view, name=name), *super().get_urls()]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        claim = self.get_object(request, unquote(object_id))
        steps = []
        if claim is not None and claim.status == ReturnStatus.REQUESTED and self.has_change_permission(request, claim):
            name = f"admin:{self.opts.app_label}_{self.opts.model_name}_step"
            steps = [(reverse(name, args=[claim.pk, step]), label) for step, label in STEPS.items()]
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "steps": steps})

    def step_view(self, request: HttpRequest, object_id: str, step: str) -> HttpResponse:
        """GET: the step's form with the claim's summary. POST: run the service, back to the claim."""
        if step not in STEPS:
            raise Http404("No such step.")
        claim = self.get_object(request, unquote(object_id))  # scoped: another store's claim is a 404
        if claim is None:
            raise Http404("No such claim.")
        if not self.has_change_permission(request, claim):
            raise PermissionDenied
        change_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[claim.pk])
        data = request.POST if request.method == "POST" else None
        form: forms.Form = (
            ClaimApproveForm(data, initial={"resolution": claim.resolution}) if step == "approve" else RejectForm(data)
        )
        if request.method == "POST" and form.is_valid():
            actor = request.user.get_username()
            try:
                if step == "approve":
                    claim_approve(
                        claim_id=claim.pk,
                        actor=actor,
                        resolution=form.cleaned_data["resolution"],
                        note=form.cleaned_data["note"],
                    )
                else:
                    return_reject(return_id=claim.pk, actor=actor, reason=form.cleaned_data["reason"])
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                done = "approved and resolved" if step == "approve" else "rejected; the customer is told why"
                self.message_user(request, f"Claim {claim.number} {done}.", messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{STEPS[step]}: {claim.number}",
            "rr": claim,
            "items": claim.items.select_related("line_item"),
            "form": form,
            "step": STEPS[step],
            "allowed": claim.status == ReturnStatus.REQUESTED,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/returns/returnrequest/step.html", context)


@admin.register(CareSettings)
class CareSettingsAdmin(StoreScopedAdmin):
    list_display = ["store", "late_choices", "late_after_business_days"]
