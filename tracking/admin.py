from django.contrib import admin

from postpurchase.tenancy import StoreScopedAdmin

from .models import FaqEntry, TrackingSettings
from .selectors import store_content_changed


@admin.register(TrackingSettings)
class TrackingSettingsAdmin(StoreScopedAdmin):
    list_display = ["store", "processing_days", "transit_days_min", "transit_days_max", "no_scan_days", "promo_text"]
    fieldsets = [
        (None, {"fields": ["store"]}),
        (
            "Delivery promise",
            {"fields": ["processing_days", "transit_days_min", "transit_days_max", "transit_rules", "holidays"]},
        ),
        ("Delays", {"fields": ["no_scan_days"]}),
        ("Tracking page", {"fields": ["promo_text", "promo_url"]}),
        ("Generic carrier webhook", {"fields": ["webhook_secret"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # A store has one settings row; moving it to another store would leave its own without.
        return [*super().get_readonly_fields(request, obj), "store"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        store_content_changed(obj.store_id)  # the promo banner shows at once on cached pages


@admin.register(FaqEntry)
class FaqEntryAdmin(StoreScopedAdmin):
    list_display = ["question", "store", "locale", "position"]
    list_editable = ["position"]
    list_filter = ["locale", "store"]
    search_fields = ["question", "answer"]
    fields = ["store", "locale", "question", "answer", "position"]

    # The tracking page caches a store's FAQ and pages: an edit shows at once.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        store_content_changed(obj.store_id)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        store_content_changed(obj.store_id)

    def delete_queryset(self, request, queryset):
        store_ids = set(queryset.values_list("store_id", flat=True))
        super().delete_queryset(request, queryset)
        for store_id in store_ids:
            store_content_changed(store_id)
