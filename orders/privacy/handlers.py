"""What erasure and export do to orders' own tables (and the kernel's and Django's logs)."""

from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from orders.models import Customer, DiscountCode, DomainEvent, InboundWebhook, Order
from postpurchase.events import subscribe
from postpurchase.models import AuditEntry
from postpurchase.redact import ERASED, scrub, scrub_text

from .erasure import CUSTOMER_ERASED, Erasure, Person, rows_mentioning
from .export import exporter

# What an erased order keeps of its addresses: the country, which tax and accounting need.
_KEPT_ADDRESS_KEYS = ("country", "country_code", "province_code")


def _kept(address: dict) -> dict:
    return {k: address[k] for k in _KEPT_ADDRESS_KEYS if isinstance(address, dict) and address.get(k)}


@subscribe(CUSTOMER_ERASED)
def orders_erase(erasure: Erasure) -> None:
    """Customers and orders anonymised (amounts kept), then every payload that names the person:
    timeline events, stored webhooks (bodies and headers), audit entries, the admin's history."""
    person = erasure.person
    needles = person.needles

    for customer in Customer.objects.filter(pk__in=person.customer_ids):
        customer.email = f"erased-{customer.pk}@erased.invalid"
        customer.phone = customer.first_name = customer.last_name = customer.external_id = ""
        customer.birthday = None
        customer.save(update_fields=["email", "phone", "first_name", "last_name", "external_id", "birthday"])
        erasure.count("orders.Customer", 1)

    for order in Order.objects.filter(pk__in=person.order_ids):
        order.email = person.placeholder_email
        order.phone = ""
        order.shipping_address = _kept(order.shipping_address)
        order.billing_address = _kept(order.billing_address)
        order.save(update_fields=["email", "phone", "shipping_address", "billing_address", "updated_at"])
        erasure.count("orders.Order", 1)

    store_events = DomainEvent.objects.filter(store=person.store)
    mentioning = rows_mentioning(store_events, ["data"], needles).values("pk")
    for event in store_events.filter(
        Q(order__in=person.order_ids) | Q(customer__in=person.customer_ids) | Q(pk__in=mentioning)
    ):
        data = scrub(event.data, needles)
        if data != event.data:
            event.data = data
            event.save(update_fields=["data"])
            erasure.count("orders.DomainEvent", 1)

    # Provider callbacks (email, SMS) may have no store: an address is the same person everywhere.
    webhooks = rows_mentioning(
        InboundWebhook.objects.filter(Q(store=person.store) | Q(store=None)), ["body", "headers", "error"], needles
    )
    for webhook in webhooks:
        webhook.body = scrub_text(webhook.body, needles)
        webhook.headers = scrub(webhook.headers, needles)
        webhook.error = scrub_text(webhook.error, needles)
        webhook.save(update_fields=["body", "headers", "error"])
        erasure.count("orders.InboundWebhook", 1)

    targets = Q(content_type=ContentType.objects.get_for_model(Customer), object_id__in=person.customer_ids) | Q(
        content_type=ContentType.objects.get_for_model(Order), object_id__in=person.order_ids
    )
    audit = AuditEntry.objects.filter(store_id=person.store.pk)
    mentioning_audit = rows_mentioning(audit, ["object_repr", "changes"], needles).values("pk")
    for audit_entry in audit.filter(targets | Q(pk__in=mentioning_audit)):
        audit_entry.object_repr = scrub_text(audit_entry.object_repr, needles)
        audit_entry.changes = scrub(audit_entry.changes, needles)
        audit_entry.save(update_fields=["object_repr", "changes"])
        erasure.count("postpurchase.AuditEntry", 1)

    logged = rows_mentioning(LogEntry.objects.all(), ["object_repr", "change_message"], needles).values("pk")
    for entry in LogEntry.objects.filter(
        Q(content_type=ContentType.objects.get_for_model(Customer), object_id__in=[str(i) for i in person.customer_ids])
        | Q(pk__in=logged)
    ):
        entry.object_repr = ERASED
        entry.change_message = scrub_text(entry.change_message, needles)
        entry.save(update_fields=["object_repr", "change_message"])
        erasure.count("admin.LogEntry", 1)


@exporter("orders")
def orders_export(person: Person) -> dict[str, Any]:
    orders = Order.objects.filter(pk__in=person.order_ids).order_by("placed_at")
    return {
        "customers": list(
            Customer.objects.filter(pk__in=person.customer_ids).values(
                "email", "phone", "first_name", "last_name", "locale", "timezone", "birthday", "tags", "created_at"
            )
        ),
        "orders": [
            {
                **{
                    k: getattr(o, k)
                    for k in (
                        "number",
                        "status",
                        "email",
                        "phone",
                        "currency",
                        "subtotal",
                        "shipping_total",
                        "tax_total",
                        "discount_total",
                        "total",
                        "shipping_address",
                        "billing_address",
                        "placed_at",
                        "cancelled_at",
                    )
                },
                "line_items": list(o.line_items.values("sku", "title", "quantity", "unit_price")),
                "shipments": list(
                    o.shipments.values("carrier", "tracking_number", "status", "shipped_at", "delivered_at")
                ),
            }
            for o in orders.prefetch_related("line_items", "shipments")
        ],
        "discount_codes": list(
            DiscountCode.objects.filter(customer__in=person.customer_ids).values(
                "code", "purpose", "value_type", "currency", "expires_at", "created_at"
            )
        ),
        "timeline": list(
            DomainEvent.objects.filter(Q(order__in=person.order_ids) | Q(customer__in=person.customer_ids))
            .order_by("created_at", "pk")
            .values("kind", "data", "created_at")
        ),
    }
