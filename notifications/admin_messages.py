"""The outbox in the merchant admin: messages (read-only, with resend and cancel actions),
the suppression list, consents, and the messages of an order on the order page.

Imported by notifications' admin module. `orders` never imports `notifications`, so the
message inline is added to OrderAdmin from here, once.
"""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from notifications.models import Consent, Message, MessageState, Suppression
from notifications.selectors import recipient_masked
from notifications.services.ops import message_cancel, message_resend
from orders.admin import CappedCountPaginator, OrderAdmin
from postpurchase.exceptions import DomainError
from postpurchase.tenancy import StoreScopedAdmin, UserStoreFilter


class InDoubtFilter(admin.SimpleListFilter):
    """Messages handed to a provider by a worker that stopped before it knew the outcome."""

    title = "in doubt"
    parameter_name = "in_doubt"

    def lookups(self, request, model_admin):
        return [("yes", "In doubt: the customer may or may not have it")]

    def queryset(self, request, queryset):
        return queryset.in_doubt(timezone.now()) if self.value() == "yes" else queryset


@admin.register(Message)
class MessageAdmin(StoreScopedAdmin):
    list_display = ["send_at", "kind", "channel", "masked_recipient", "state", "reason", "order_link"]
    list_filter = ["state", InDoubtFilter, "kind", "channel", ("store", UserStoreFilter)]
    search_fields = ["=order__number", "=recipient"]
    list_select_related = ["order"]
    ordering = ["-send_at", "-id"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    readonly_fields = [f.name for f in Message._meta.fields]
    actions = ["resend", "cancel_scheduled"]

    def has_add_permission(self, request) -> bool:
        return False  # messages come from flows, or from a resend

    def has_change_permission(self, request, obj=None) -> bool:
        # The form is a read-only view; rows change only through the actions' services.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the outbox is the record of what customers were told

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # An order number is typed with or without its "#".
        if search_term and not search_term.startswith("#"):
            queryset |= self.get_queryset(request).filter(order__number=f"#{search_term}")
        return queryset, may_have_duplicates

    @admin.display(description="Recipient", ordering="recipient")
    def masked_recipient(self, message) -> str:
        return recipient_masked(message.recipient)

    @admin.display(description="Order", ordering="order__number")
    def order_link(self, message) -> str:
        if message.order_id is None:
            return "-"
        url = reverse("admin:orders_order_change", args=[message.order_id])
        return format_html('<a href="{}">{}</a>', url, message.order.number)

    @admin.action(description="Resend selected messages (a copy, due now)", permissions=["change"])
    def resend(self, request, queryset):
        done, refused = 0, []
        for message in queryset:
            try:
                message_resend(message_id=message.pk, actor=f"admin:{request.user}")
                done += 1
            except DomainError as exc:
                refused.append(exc.message)
        if done:
            messages.success(request, f"Scheduled {done} message(s) to be sent again.")
        for line in refused:
            messages.error(request, line)

    @admin.action(description="Cancel selected scheduled messages", permissions=["change"])
    def cancel_scheduled(self, request, queryset):
        done, skipped = 0, queryset.exclude(state=MessageState.SCHEDULED).count()
        for message in queryset.filter(state=MessageState.SCHEDULED):
            try:
                message_cancel(message_id=message.pk, actor=f"admin:{request.user}")
                done += 1
            except DomainError as exc:  # picked up by a worker since the page was shown
                messages.error(request, f"Message {message.pk}: {exc.message}")
        messages.info(request, f"Cancelled {done} message(s); {skipped} were not scheduled and were left alone.")


@admin.register(Suppression)
class SuppressionAdmin(StoreScopedAdmin):
    """Staff see and add only their stores' entries, which suppress only their stores' messages.
    Provider-reported entries (no store) apply to every store; only superusers see and manage them."""

    list_display = ["address", "channel", "store", "reason", "created_at"]
    list_filter = ["channel", ("store", UserStoreFilter)]
    search_fields = ["address"]
    readonly_fields = ["created_at"]
    show_full_result_count = False
    paginator = CappedCountPaginator

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "store" in form.base_fields and not request.user.is_superuser:
            form.base_fields["store"].required = True
            form.base_fields["store"].help_text = "The entry stops only this store's messages."
        return form

    def get_readonly_fields(self, request, obj=None):
        return ["store", "channel", "address", "created_at"] if obj else self.readonly_fields


@admin.register(Consent)
class ConsentAdmin(StoreScopedAdmin):
    """What customers said about each channel. Evidence, so it is shown, never edited here."""

    list_display = ["customer", "channel", "opted_in", "optional_messages", "source", "recorded_at"]
    list_filter = ["channel", "opted_in", "optional_messages", ("customer__store", UserStoreFilter)]
    search_fields = ["=customer__email", "=customer__phone"]
    list_select_related = ["customer"]
    readonly_fields = ["customer", "channel", "opted_in", "optional_messages", "source", "recorded_at"]
    show_full_result_count = False
    paginator = CappedCountPaginator

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MessageInline(admin.TabularInline):
    """The order's messages with their state and why, on the order page. Read-only."""

    model = Message
    fk_name = "order"
    fields = ["kind", "channel", "recipient", "state", "send_at", "reason"]
    readonly_fields = fields
    ordering = ["send_at", "id"]
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = "messages"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# Once, however often this module is imported (an autoreload, a test importing it directly).
if not any(getattr(inline, "model", None) is Message for inline in OrderAdmin.inlines):
    OrderAdmin.inlines = [*OrderAdmin.inlines, MessageInline]
