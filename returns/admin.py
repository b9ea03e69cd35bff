"""Return policies (edit) and the returns queue, scoped to the user's stores.

The queue lists returns with counts per status (facets); each return's page offers the steps its
status allows — approve (with a note), reject (with the reason the customer reads), mark received
per item (condition, restock; or record the condition of items the carrier already delivered),
resolve, reissue the label, cancel — each on a page of its own that calls the service in
`returns.services`. Nothing saves a return's status by hand; a refused step shows the service's
reason and changes nothing.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from postpurchase.exceptions import DomainError
from postpurchase.tenancy import StoreScopedAdmin

from .admin_steps import StepsAdmin
from .forms import ApproveForm, CancelForm, ReceiveForm, ReissueForm, RejectForm, ResolveForm
from .models import (
    ITEMS_BACK,
    ReturnItem,
    ReturnKind,
    ReturnLabel,
    ReturnPolicy,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
    ReturnTagRule,
)
from .services import (
    ItemReceipt,
    return_approve,
    return_cancel,
    return_inspect,
    return_label_issue,
    return_receive,
    return_reject,
    return_resolve,
)
from .services.labels import LABEL_STATUSES, label_url


class ReturnReasonInline(admin.TabularInline):
    model = ReturnReason
    extra = 0
    fields = ["position", "code", "label", "labels", "requires_comment", "requires_photo"]


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
                    "refund_provider",
                ]
            },
        ),
        ("Approval", {"fields": ["auto_approve_below", "auto_approve_reasons", "review_after_returns"]}),
        ("Labels", {"fields": ["return_address", "label_valid_days"]}),
    ]


class ReturnItemInline(admin.TabularInline):
    model = ReturnItem
    extra = 0
    can_delete = False
    fields = ("line_item", "quantity", "amount", "reason_label", "comment", "exchange_for", "condition", "restock")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReturnLabelInline(admin.TabularInline):
    model = ReturnLabel
    extra = 0
    can_delete = False
    fields = ("issued_at", "expires_at", "superseded_at", "carrier", "tracking_number", "link")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="PDF")
    def link(self, label: ReturnLabel) -> str:
        return format_html('<a href="{}">Open the label</a>', label_url(label))


def _step_allowed(rr: ReturnRequest, step: str) -> bool:
    """Which workflow pages a return offers in its status (the services check again)."""
    if step in ("approve", "reject"):
        return rr.status == ReturnStatus.REQUESTED
    if step == "receive":
        return rr.can_move_to(ReturnStatus.RECEIVED) or (rr.status in ITEMS_BACK and rr.status != ReturnStatus.KEPT)
    if step == "resolve":
        return rr.status == ReturnStatus.RECEIVED or (rr.status == ReturnStatus.APPROVED and rr.keep_items)
    if step == "label":
        return rr.status in LABEL_STATUSES and not rr.keep_items
    if step == "cancel":
        return rr.can_move_to(ReturnStatus.CANCELLED)
    return False


STEPS: dict[str, str] = {
    "approve": "Approve",
    "reject": "Reject",
    "receive": "Mark received",
    "resolve": "Resolve",
    "label": "Reissue the label",
    "cancel": "Cancel the return",
}


@admin.register(ReturnRequest)
class ReturnRequestAdmin(StepsAdmin):
    steps = STEPS
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
    show_facets = admin.ShowFacets.ALWAYS  # the queue's counts per status, resolution and review flag
    search_fields = ["number", "order__number", "order__email"]
    list_select_related = ["order", "store"]
    date_hierarchy = "created_at"
    inlines = [ReturnItemInline, ReturnLabelInline]
    readonly_fields = [f.name for f in ReturnRequest._meta.fields if f.name not in ("merchant_note",)]
    actions = ["approve_selected", "resolve_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # returns start from the portal or the API, through the services

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReturnRequest]:
        return super().get_queryset(request).filter(kind=ReturnKind.RETURN)  # claims: their own queue

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # -- bulk actions ------------------------------------------------------------------------

    def _each(
        self, request: HttpRequest, queryset: QuerySet[ReturnRequest], fn: Callable[[ReturnRequest], object], done: str
    ) -> None:
        ok, refused = 0, []
        for rr in queryset.order_by("created_at", "id"):
            try:
                fn(rr)
                ok += 1
            except DomainError as exc:
                refused.append(f"{rr.number}: {exc}")
        if ok:
            self.message_user(request, f"{ok} return(s) {done}.", messages.SUCCESS)
        for problem in refused:
            self.message_user(request, problem, messages.ERROR)

    @admin.action(description="Approve the selected returns (issues their labels)", permissions=["change"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[ReturnRequest]) -> None:
        actor = request.user.get_username()
        self._each(request, queryset, lambda rr: return_approve(return_id=rr.pk, actor=actor), "approved")

    @admin.action(description="Resolve the selected returns (refund, credit or exchange)", permissions=["change"])
    def resolve_selected(self, request: HttpRequest, queryset: QuerySet[ReturnRequest]) -> None:
        actor = request.user.get_username()
        self._each(request, queryset, lambda rr: return_resolve(return_id=rr.pk, actor=actor), "resolved")

    # -- one return's workflow pages (admin_steps.StepsAdmin) --------------------------------

    def step_allowed(self, rr: ReturnRequest, step: str) -> bool:
        return _step_allowed(rr, step)

    def step_form(self, step: str, rr: ReturnRequest, data: Any) -> forms.Form:
        if step == "receive":
            return ReceiveForm(data, request=rr)
        form_class: type[forms.Form] = {
            "approve": ApproveForm,
            "reject": RejectForm,
            "resolve": ResolveForm,
            "label": ReissueForm,
            "cancel": CancelForm,
        }[step]
        return form_class(data)

    def step_run(self, step: str, rr: ReturnRequest, form: forms.Form, actor: str) -> str:
        data = form.cleaned_data
        if step == "approve":
            return_approve(return_id=rr.pk, actor=actor, note=data["note"])
            return "approved; the customer gets the label"
        if step == "reject":
            return_reject(return_id=rr.pk, actor=actor, reason=data["reason"])
            return "rejected; the customer is told why"
        if step == "receive":
            assert isinstance(form, ReceiveForm)
            receipts = [ItemReceipt(line_item_id=i, condition=c, restock=r) for i, c, r in form.receipts()]
            if rr.can_move_to(ReturnStatus.RECEIVED):
                return_receive(return_id=rr.pk, actor=actor, receipts=receipts)
                return "received"
            return_inspect(return_id=rr.pk, actor=actor, receipts=receipts)
            return "inspected"
        if step == "resolve":
            return_resolve(return_id=rr.pk, actor=actor, refund_reference=data["refund_reference"])
            return "resolved"
        if step == "label":
            return_label_issue(return_id=rr.pk, actor=actor)
            return "has a new label; the customer gets it by email"
        return_cancel(return_id=rr.pk, actor=actor, reason=data["reason"])
        return "cancelled"


from returns.claims import admin as claims_admin  # noqa: E402, F401  (the claims queue)
