"""The merchant dashboard: the admin's home page (/admin/), per store and date range."""

from datetime import timedelta

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from orders.models import Store
from postpurchase.money import money_format
from postpurchase.tenancy import user_store_ids

from .charts import build_charts, cohort_chart
from .kpis import tiles
from .models import DailyStats
from .rollup import local_today, rollup_day
from .selectors import Period, figures

DEFAULT_DAYS = 30
MAX_DAYS = 731
# Today's row is recomputed on opening the dashboard when older than this (beat does it too).
FRESH_FOR = timedelta(minutes=5)


class RangeForm(forms.Form):
    store = forms.ModelChoiceField(queryset=Store.objects.none(), empty_label=None)
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, stores: "list[Store]", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["store"].queryset = Store.objects.filter(pk__in=[s.pk for s in stores])  # type: ignore[attr-defined]

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError("The range must start before it ends.")
            if (end - start).days >= MAX_DAYS:
                raise forms.ValidationError(f"Choose at most {MAX_DAYS} days.")
        return data


def _stores(request: HttpRequest) -> list[Store]:
    stores = Store.objects.order_by("name", "pk")
    if not request.user.is_superuser:
        stores = stores.filter(pk__in=user_store_ids(request.user))
    return list(stores)


def _fresh_today(store: Store) -> None:
    """Compute today's row when the beat has not lately (costs one day's rows, not the history)."""
    today = local_today(store)
    computed = DailyStats.objects.filter(store=store, day=today).values_list("computed_at", flat=True).first()
    if computed is None or computed < timezone.now() - FRESH_FOR:
        rollup_day(store=store, day=today)


def dashboard(request: HttpRequest) -> HttpResponse:
    """The admin home: the dashboard for one of the user's stores, and the app list below it."""
    site = admin.site
    context: dict = {
        **site.each_context(request),
        "title": "Dashboard",
        "subtitle": None,
        "app_list": site.get_app_list(request),
    }
    stores = _stores(request)
    if not stores:
        return TemplateResponse(request, "admin/insights/dashboard.html", {**context, "store": None})
    first = stores[0]
    today = local_today(first)
    initial = {"store": first.pk, "start": today - timedelta(days=DEFAULT_DAYS - 1), "end": today}
    form = RangeForm({**initial, **request.GET.dict()}, stores=stores)
    if not form.is_valid():
        form_error = form
        form = RangeForm(initial, stores=stores)
        form.is_valid()
        context["range_errors"] = form_error.errors
    store: Store = form.cleaned_data["store"]
    period = Period(form.cleaned_data["start"], form.cleaned_data["end"])
    if period.end >= local_today(store):
        _fresh_today(store)
    current = figures(store=store, period=period)
    previous = figures(store=store, period=period.previous())
    charts = build_charts(store=store, period=period, current=current)
    cohorts = cohort_chart(store=store, period=period)
    export = request.GET.get("export")
    if export:
        chosen = next((c for c in [*charts, cohorts] if c.slug == export), None)
        if chosen is not None:
            response = HttpResponse(chosen.csv(), content_type="text/csv; charset=utf-8")
            name = f"{store.slug}-{chosen.slug}-{period.start}-{period.end}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    query = {"store": store.pk, "start": period.start.isoformat(), "end": period.end.isoformat()}
    return TemplateResponse(
        request,
        "admin/insights/dashboard.html",
        {
            **context,
            "store": store,
            "form": form,
            "period": period,
            "previous": period.previous(),
            "tiles": tiles(current, previous, store.currency),
            "charts": charts,
            "chart_configs": {c.slug: c.config() for c in charts},
            "cohorts": cohorts,
            "query": "&".join(f"{k}={v}" for k, v in query.items()),
            "owed": current,
            "owed_points": money_format(current.liability_value, store.currency),
            "owed_returns": money_format(current.open_returns_value, store.currency),
            "owed_total": money_format(current.exposure, store.currency),
        },
    )
