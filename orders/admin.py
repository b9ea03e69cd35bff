from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join

from postpurchase.exceptions import DomainError
from postpurchase.tenancy import StoreScopedAdmin, StoreScopedInline, user_store_ids

from . import (
    admin_discounts,  # noqa: F401 - registers the discount code admins
    services,
)
from .admin_forms import OrderAdminForm, address_field_names
from .admin_search import CONTAINS, SearchModeFilter, order_ids_matching, searchable_store_ids
from .events import describe
from .models import (
    ApiKey,
    Customer,
    DomainEvent,
    InboundWebhook,
    LineItem,
    Order,
    Product,
    Shipment,
    Store,
    TrackingEvent,
)

admin.site.site_header = "Post-purchase"
admin.site.site_title = "Post-purchase"
admin.site.index_title = "Merchant admin"


def timeline_list(events: list[DomainEvent]) -> str:
    """Events as an ordered list, each with its machine-readable time, wording and actor."""
    return format_html(
        '<ol class="timeline">{}</ol>',
        format_html_join(
            "",
            '<li><time datetime="{}">{}</time> · {} <small>{}</small></li>',
            ((e.created_at.isoformat(), f"{e.created_at:%Y-%m-%d %H:%M}", describe(e), e.actor) for e in events),
        ),
    )


class CappedCountPaginator(Paginator):
    """Counts at most CAP + 1 rows: a COUNT(*) over millions of orders is slow on Postgres,
    and nobody pages to the 10,000th row; they search or filter instead."""

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.CAP + 1].count()


@admin.register(Store)
class StoreAdmin(StoreScopedAdmin):
    list_display = ["name", "slug", "currency", "timezone", "default_locale"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "currency", "timezone", "default_locale", "support_email"]}),
        ("Branding", {"fields": ["logo_url", "primary_color"]}),
        (
            "Webhook secrets",
            {"fields": ["shopify_secret", "shopify_secret_previous", "aftership_secret", "easypost_secret"]},
        ),
        ("Data retention", {"fields": ["webhook_retention_days", "message_retention_days"]}),
        ("Staff", {"fields": ["staff"]}),
    ]
    filter_horizontal = ["staff"]

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))  # the audit history
        return fields if request.user.is_superuser else [*fields, "slug", "staff"]

    def save_model(self, request, obj, form, change):
        services.store_save(store=obj, actor=f"admin:{request.user.username}")

    def get_prepopulated_fields(self, request, obj=None):
        # A read-only slug cannot be prepopulated: the change page would fail for staff.
        return self.prepopulated_fields if request.user.is_superuser else {}


@admin.register(ApiKey)
class ApiKeyAdmin(StoreScopedAdmin):
    list_display = ["prefix", "name", "store", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["store"]
    fields = ["store", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if not change:
            raw = obj.generate()
            messages.warning(request, f"Copy this API key now, it will not be shown again: {raw}")
        super().save_model(request, obj, form, change)

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            key.revoke()


@admin.register(Customer)
class CustomerAdmin(StoreScopedAdmin):
    list_display = ["email", "full_name", "phone", "store", "created_at"]
    list_filter = ["store", "locale"]
    search_fields = ["email", "first_name", "last_name", "phone"]
    list_select_related = ["store"]
    ordering = ["-pk"]  # newest first, and a stable order for autocomplete's pages
    show_full_result_count = False
    paginator = CappedCountPaginator
    readonly_fields = ["timeline"]
    TIMELINE_SIZE = 20

    @admin.display(description="Timeline")
    def timeline(self, customer) -> str:
        """The customer's own events, newest first: consent changes, points of no order (birthday,
        referral, adjustments), redemptions, messages about no order. An order's events are on its page."""
        if customer.pk is None:
            return "No events yet."
        events = list(
            DomainEvent.objects.filter(customer=customer, order__isnull=True).order_by("-created_at", "-id")[
                : self.TIMELINE_SIZE + 1
            ]
        )
        if not events:
            return "No events yet. Events about an order are on that order's page."
        more = (
            format_html(
                "<p>The newest {} events are shown; older ones are in <code>export_customer</code>.</p>",
                self.TIMELINE_SIZE,
            )
            if len(events) > self.TIMELINE_SIZE
            else ""
        )
        return format_html(
            "<p>Newest first. Events about an order are on that order's page.</p>{}{}",
            timeline_list(events[: self.TIMELINE_SIZE]),
            more,
        )


@admin.register(Product)
class ProductAdmin(StoreScopedAdmin):
    ordering = ["title", "id"]  # a stable order, so autocomplete pages never repeat or skip a product
    list_display = ["sku", "title", "category", "group", "price", "returnable", "final_sale", "lasts_days", "store"]
    list_filter = ["store", "returnable", "final_sale", "category"]
    search_fields = ["sku", "title", "group"]
    list_select_related = ["store"]


class LineItemInline(StoreScopedInline):
    model = LineItem
    fields = ["sku", "title", "quantity", "unit_price", "product"]
    raw_id_fields = ["product"]


class ShipmentInline(StoreScopedInline):
    model = Shipment
    fields = [
        "direction",
        "carrier",
        "tracking_number",
        "tracking_url",
        "status",
        "delayed",
        "estimated_delivery",
        "delivered_at",
    ]
    readonly_fields = ["direction", "status", "delayed", "delivered_at"]
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # shipments come from the platform, the API or a carrier, through services


@admin.register(Order)
class OrderAdmin(StoreScopedAdmin):
    form = OrderAdminForm
    list_display = ["number", "email", "status", "total_display", "source", "placed_at", "store"]
    # No date_hierarchy: its year/month links count every order of the store (a scan at 1M
    # orders); the date filter's fixed ranges (today, past 7 days, this month, this year) do not.
    list_filter = ["status", "placed_at", "source", "store", SearchModeFilter]
    # Searched by order_ids_matching (admin_search.py): exact, indexed, ids first.
    search_fields = ["number"]
    search_help_text = (
        "An exact email, order number (with or without #), platform id or tracking number. "
        'For part of an email or number choose "Contains" under Search mode.'
    )
    list_select_related = ["store"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    inlines = [LineItemInline, ShipmentInline]
    readonly_fields = ["status", "source", "created_at", "updated_at", "cancelled_at", "tracking", "timeline"]
    raw_id_fields = ["customer"]
    actions = ["cancel"]
    fieldsets = [
        (None, {"fields": ["store", "number", "external_id", "status", "source", "placed_at", "cancelled_at"]}),
        ("Customer", {"fields": ["customer", "email", "phone", "locale"]}),
        ("Shipping address", {"fields": address_field_names("shipping_address")}),
        ("Billing address", {"fields": address_field_names("billing_address")}),
        ("Amounts", {"fields": ["currency", "subtotal", "shipping_total", "tax_total", "discount_total", "total"]}),
        ("Tracking", {"fields": ["tracking"]}),
        ("Timeline", {"fields": ["timeline"]}),
    ]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name == "orders_order_change":
            qs = qs.prefetch_related(
                Prefetch("events", queryset=DomainEvent.objects.order_by("created_at", "id")),
                Prefetch("shipments", queryset=Shipment.objects.prefetch_related("events")),
            )
        return qs

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        ids = order_ids_matching(
            search_term,
            store_ids=searchable_store_ids(request, user_store_ids(request.user)),
            contains=request.GET.get(SearchModeFilter.parameter_name) == CONTAINS,
        )
        return queryset.filter(pk__in=ids), False

    @admin.display(description="Total", ordering="total")
    def total_display(self, order) -> str:
        return f"{order.currency} {order.total}"

    @admin.display(description="Tracking events")
    def tracking(self, order) -> str:
        shipments = list(order.shipments.all())
        if not shipments:
            return "Nothing has shipped yet."
        return format_html_join(
            "",
            "<p><strong>{}</strong> · {}</p><ul>{}</ul>",
            (
                (
                    str(shipment),
                    shipment.get_status_display(),
                    format_html_join(
                        "",
                        "<li>{} · {} · {} {}</li>",
                        (
                            (f"{e.occurred_at:%Y-%m-%d %H:%M}", e.get_status_display(), e.message, e.location)
                            for e in shipment.events.all()
                        ),
                    )
                    or format_html("<li>{}</li>", "No checkpoints yet."),
                )
                for shipment in shipments
            ),
        )

    @admin.display(description="Timeline")
    def timeline(self, order) -> str:
        events = list(order.events.all())
        if not events:
            return "No events."
        return timeline_list(events)

    @admin.action(description="Cancel selected orders (only those not shipped)")
    def cancel(self, request, queryset):
        done, refused = 0, []
        for order in queryset:
            try:
                services.order_cancel(order=order, reason="cancelled in the admin", actor=f"admin:{request.user}")
                done += 1
            except DomainError as exc:
                refused.append(f"{order.number}: {exc.message}")
        if done:
            messages.success(request, f"Cancelled {done} order(s).")
        for line in refused:
            messages.error(request, line)


@admin.register(Shipment)
class ShipmentAdmin(StoreScopedAdmin):
    readonly_fields = ["promised_delivery_from", "promised_delivery_to", "promised_at"]
    list_display = ["__str__", "order", "direction", "status", "delayed", "estimated_delivery", "store"]
    list_filter = ["direction", "status", "delayed", "carrier", "store"]
    search_fields = ["=tracking_number", "=order__number"]
    list_select_related = ["order", "store"]
    raw_id_fields = ["order"]
    show_full_result_count = False
    paginator = CappedCountPaginator


@admin.register(TrackingEvent)
class TrackingEventAdmin(StoreScopedAdmin):
    list_display = ["occurred_at", "shipment", "status", "message", "location"]
    list_filter = ["status"]
    search_fields = ["=shipment__tracking_number"]
    list_select_related = ["shipment"]
    raw_id_fields = ["shipment"]
    show_full_result_count = False
    paginator = CappedCountPaginator


@admin.register(InboundWebhook)
class InboundWebhookAdmin(StoreScopedAdmin):
    list_display = ["received_at", "provider", "topic", "event_id", "store", "processed_at", "attempts", "short_error"]
    list_filter = ["provider", "topic", "store"]
    search_fields = ["=event_id"]
    list_select_related = ["store"]
    readonly_fields = [f.name for f in InboundWebhook._meta.fields]
    show_full_result_count = False
    paginator = CappedCountPaginator
    actions = ["replay"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="Error")
    def short_error(self, webhook) -> str:
        return webhook.error[:80]

    @admin.action(description="Process selected webhooks again")
    def replay(self, request, queryset):
        results = [services.webhook_process(webhook_id=w.pk, force=True) for w in queryset]
        failed = [w for w in results if w.error]
        messages.info(request, f"Processed {len(results) - len(failed)}, failed {len(failed)}.")
