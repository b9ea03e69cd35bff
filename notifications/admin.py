"""Messaging in the merchant admin: flows, messaging settings, and message templates with a
preview rendered from the store's own latest order.

The outbox (messages, suppressions, consents) is in admin_messages, imported at the end so
Django's admin autodiscovery, which only imports this module, registers it too.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.clickjacking import xframe_options_sameorigin
from jinja2 import TemplateSyntaxError

from notifications import registry
from notifications.models import Channel, Flow, MessageTemplate, MessagingSettings
from notifications.preview import preview_template
from notifications.rendering import check_syntax, default_source
from orders.models import LOCALES, Store
from postpurchase.tenancy import StoreScopedAdmin, UserStoreFilter, user_store_ids

# Importing admin_messages also registers the outbox's admin (see the module docstring).
from . import admin_messages  # noqa: F401

LOCALE_CODES = [code for code, _ in LOCALES]

VARIABLES_HELP = """
<p>Templates use <a href="https://jinja.palletsprojects.com/en/stable/templates/" target="_blank"
rel="noopener">Jinja</a>: <code>{{ order.number }}</code>, <code>{% if … %}…{% endif %}</code>,
<code>{% for item in order.line_items %}…{% endfor %}</code>. Values are escaped in the HTML body.</p>
<p>Available: <code>store.name</code>, <code>store.support_email</code>, <code>customer.first_name</code>,
<code>order.number</code>, <code>order.line_items</code> (each with <code>title</code>, <code>quantity</code>,
<code>unit_price</code>, <code>total</code>, <code>care_instructions</code>), <code>order.subtotal</code>,
<code>order.shipping_total</code>, <code>order.tax_total</code>, <code>order.discount_total</code>,
<code>order.total</code>, <code>order.shipping_address | address_lines</code>,
<code>order.estimated_delivery_from | date_range(order.estimated_delivery_to)</code>,
<code>shipment.carrier | carrier</code>, <code>shipment.tracking_number</code>, <code>shipment.line_items</code>,
<code>links.track</code>, <code>message.data.reason</code> (delays), <code>message.data.recommendations</code>,
<code>message.data.coupon_code</code>, <code>message.data.coupon_percent</code>.</p>
<p>The email layout (logo, colours, footer with the unsubscribe and preferences links) is added around
the HTML body. If a template fails when a message is sent, the default template is sent instead.</p>
"""


DELAY_UNITS = [("minutes", "minutes", 1), ("hours", "hours", 60), ("days", "days", 1440)]


class FlowForm(forms.ModelForm):
    """A flow's delay as a merchant says it, "2 days", stored in minutes."""

    delay_amount = forms.IntegerField(label="Send after", min_value=0, max_value=100_000, initial=0)
    delay_unit = forms.ChoiceField(label="Unit", choices=[(v, label) for v, label, _ in DELAY_UNITS], initial="days")

    class Meta:
        model = Flow
        exclude = ["delay_minutes"]  # noqa: DJ006 - the admin's fieldsets name the fields; the delay is these two

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        minutes = self.instance.delay_minutes if self.instance.pk else 0
        unit, size = next(((v, s) for v, _label, s in reversed(DELAY_UNITS) if minutes % s == 0), ("minutes", 1))
        if minutes == 0:
            unit, size = "days", 1440
        self.initial.setdefault("delay_amount", minutes // size)
        self.initial.setdefault("delay_unit", unit)

    def save(self, commit=True):
        size = {v: s for v, _label, s in DELAY_UNITS}[self.cleaned_data["delay_unit"]]
        self.instance.delay_minutes = self.cleaned_data["delay_amount"] * size
        return super().save(commit=commit)


@admin.register(Flow)
class FlowAdmin(StoreScopedAdmin):
    form = FlowForm
    # The delay reads "2 days after", never 2880 minutes; it is edited as an amount and a unit.
    list_display = ["trigger", "kind", "channel", "delay", "transactional", "enabled", "store"]
    list_display_links = ["trigger"]
    list_editable = ["enabled"]
    list_filter = [("store", UserStoreFilter), "trigger", "kind", "channel", "transactional", "enabled"]
    list_select_related = ["store"]
    ordering = ["store", "trigger", "delay_minutes", "kind"]

    @admin.display(description="Sent")
    def delay(self, flow: Flow) -> str:
        minutes = flow.delay_minutes
        if minutes == 0:
            return "immediately"
        unit, size = next((u, s) for u, s in (("day", 1440), ("hour", 60), ("minute", 1)) if minutes % s == 0)
        count = minutes // size
        return f"{count} {unit}{'s' if count != 1 else ''} after"


@admin.register(MessagingSettings)
class MessagingSettingsAdmin(StoreScopedAdmin):
    list_display = ["store", "quiet_hours_start", "quiet_hours_end", "cap_per_day", "cap_per_month", "coupon_percent"]
    list_select_related = ["store"]
    fieldsets = [
        (None, {"fields": ["store", "sender_name", "reply_to"]}),
        ("SMS quiet hours", {"fields": ["quiet_hours_start", "quiet_hours_end"]}),
        (
            "Optional messages",
            {
                "fields": [
                    "optional_email_requires_consent",
                    "cap_per_day",
                    "cap_per_month",
                    "coupon_percent",
                    "reorder_url_pattern",
                ]
            },
        ),
    ]


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["store", "kind", "channel", "locale", "subject", "body", "text_body"]
        widgets = {
            "subject": forms.TextInput(attrs={"class": "vLargeTextField template-source"}),
            "body": forms.Textarea(
                attrs={"rows": 24, "class": "vLargeTextField template-source", "spellcheck": "false"}
            ),
            "text_body": forms.Textarea(
                attrs={"rows": 14, "class": "vLargeTextField template-source", "spellcheck": "false"}
            ),
        }

    def clean(self):
        cleaned = super().clean()
        channel = cleaned.get("channel")
        if channel == Channel.SMS:
            if cleaned.get("subject"):
                self.add_error("subject", "An SMS has no subject: leave this blank.")
            if cleaned.get("text_body"):
                self.add_error("text_body", "An SMS is only its body: leave this blank.")
        elif channel == Channel.EMAIL and not (cleaned.get("subject") or "").strip():
            self.add_error("subject", "An email needs a subject.")
        for field, error in template_errors(
            {name: cleaned.get(name) or "" for name in ("subject", "body", "text_body")}, channel=channel
        ).items():
            self.add_error(field, error)
        return cleaned


def template_errors(sources: dict[str, str], *, channel: str | None) -> dict[str, str]:
    """Syntax errors by field, with the line they are on, e.g. {"body": "Line 3: unexpected '}'"}."""
    errors = {}
    for field, source in sources.items():
        if not source:
            continue
        try:
            check_syntax(source, html=field == "body" and channel == Channel.EMAIL)
        except TemplateSyntaxError as exc:
            errors[field] = f"Line {exc.lineno}: {exc.message}"
    return errors


@admin.register(MessageTemplate)
class MessageTemplateAdmin(StoreScopedAdmin):
    form = MessageTemplateForm
    change_form_template = "admin/notifications/messagetemplate/change_form.html"
    change_list_template = "admin/notifications/messagetemplate/change_list.html"
    list_display = ["kind", "channel", "locale", "subject", "store", "updated_at"]
    list_filter = [("store", UserStoreFilter), "kind", "channel", "locale"]
    list_select_related = ["store"]
    search_fields = ["subject", "body"]
    fieldsets = [
        (None, {"fields": ["store", ("kind", "channel", "locale")]}),
        ("Content", {"fields": ["subject", "body", "text_body"], "description": VARIABLES_HELP}),
    ]

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_preview"
        view = self.admin_site.admin_view(xframe_options_sameorigin(self.preview_view))
        return [path("preview/", view, name=name), *super().get_urls()]

    def get_changeform_initial_data(self, request):
        """`?kind=shipped&channel=email&locale=de` starts from that default template."""
        initial = super().get_changeform_initial_data(request)
        kind, channel = initial.get("kind"), initial.get("channel")
        locale = initial.get("locale") if initial.get("locale") in LOCALE_CODES else "en"
        if registry.is_kind(kind) and channel in Channel.values and not initial.get("body"):
            initial.update(default_source(kind=kind, channel=channel, locale=locale), locale=locale)
        stores = user_store_ids(request.user)
        if "store" not in initial and len(stores) == 1:
            initial["store"] = stores[0]
        return initial

    def change_view(self, request, object_id, form_url="", extra_context=None):
        template = self.get_object(request, unquote(object_id))
        extra_context = {**(extra_context or {}), "preview": preview_template(template) if template else None}
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        starters = {
            "kinds": registry.kinds_by_app(),
            "channels": [(value, "SMS" if value == Channel.SMS else label) for value, label in Channel.choices],
            "locales": LOCALE_CODES,
        }
        return super().changelist_view(request, {**(extra_context or {}), "starters": starters})

    def _preview_store(self, request, store_id: str) -> Store:
        stores = Store.objects.all()
        if not request.user.is_superuser:
            stores = stores.filter(pk__in=user_store_ids(request.user))
        store = stores.filter(pk=store_id).first() if store_id.isdigit() else None
        # No store picked yet: the user's first store, else an unsaved one (built-in sample order).
        return store or stores.order_by("pk").first() or Store(name="Your store", currency="EUR")

    def preview_view(self, request):
        """What the form currently says, rendered with the sample order, without saving."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        data = request.POST
        kind, channel, locale = data.get("kind", ""), data.get("channel", ""), data.get("locale", "")
        sources = {name: data.get(name, "") for name in ("subject", "body", "text_body")}
        errors = {}
        if not registry.is_kind(kind) or channel not in Channel.values or locale not in LOCALE_CODES:
            errors["kind"] = "Choose a kind, a channel and a language to preview."
        else:
            errors = template_errors(sources, channel=channel)
        preview = None
        if not errors:
            template = MessageTemplate(
                store=self._preview_store(request, data.get("store", "")),
                kind=kind,
                channel=channel,
                locale=locale,
                subject=sources["subject"] if channel == Channel.EMAIL else "",
                body=sources["body"],
                text_body=sources["text_body"] if channel == Channel.EMAIL else "",
            )
            preview = preview_template(template)
        return TemplateResponse(
            request,
            "admin/notifications/messagetemplate/preview.html",
            {"preview": preview, "errors": errors},
        )
