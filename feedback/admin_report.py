"""The merchant's feedback report in the admin (Reviews > Feedback report): one store, a range of
days. The numbers come from `feedback.report`; this is the form and the page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from orders.models import Store
from postpurchase.tenancy import user_store_ids

from .report import HOLD_REASONS, feedback_report

DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366


class ReportForm(forms.Form):
    store = forms.ModelChoiceField(queryset=Store.objects.none(), empty_label=None)
    first = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(label="To (included)", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, stores: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["store"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = stores

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first"), data.get("last")
        if first and last and first > last:
            raise forms.ValidationError("The period ends before it starts.")
        if first and last and (last - first).days > MAX_DAYS:
            raise forms.ValidationError(f"Choose at most {MAX_DAYS} days.")
        return data


def _stores(request: HttpRequest) -> Any:
    stores = Store.objects.order_by("name")
    user: Any = request.user
    return stores if user.is_superuser else stores.filter(pk__in=user_store_ids(user))


def _defaults(store: Store | None) -> dict[str, Any]:
    today: date = timezone.now().astimezone(store.zone).date() if store else timezone.now().date()
    return {"store": store, "first": today - timedelta(days=DEFAULT_DAYS - 1), "last": today}


def report_view(model_admin: ModelAdmin[Any], request: HttpRequest) -> HttpResponse:
    """GET ?store=<id>&first=YYYY-MM-DD&last=YYYY-MM-DD; without them, the user's first store and
    the last 30 days. A store the user does not belong to is not a choice (the form says so)."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    stores = _stores(request)
    if "store" in request.GET:
        form = ReportForm(request.GET, stores=stores)
    else:
        form = ReportForm(_defaults(stores.first()), stores=stores)
    report = None
    if form.is_valid():
        data = form.cleaned_data
        report = feedback_report(store=data["store"], first=data["first"], last=data["last"])
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Feedback report",
        "form": form,
        "report": report,
        "reasons": HOLD_REASONS,
    }
    return TemplateResponse(request, "admin/feedback/review/report.html", context)
