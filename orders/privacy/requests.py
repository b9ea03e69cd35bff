"""Privacy requests from a store platform (Shopify's mandatory compliance webhooks).

They act through the same services as the ops commands: `customers/redact` erases the customer
(and the emails of the orders it names), `customers/data_request` writes the export file for the
merchant to hand over, `shop/redact` erases every customer of the store.
"""

import json
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from orders.models import Order, Store
from postpurchase.audit import audit_record

from .erasure import customer_erase, person_find, store_erase
from .export import customer_export


def export_dir() -> Path:
    return Path(getattr(settings, "PRIVACY_EXPORT_DIR", "") or Path(settings.VAR_DIR) / "exports")


def customer_export_write(*, store: Store, email: str, path: Path | None = None, reference: str = "") -> Path:
    """Write the person's export as one JSON file and record on the audit log that it was made.
    Without `path`: `<PRIVACY_EXPORT_DIR>/<store>/<time>-<reference>.json`."""
    document = customer_export(store=store, email=email)
    if path is None:
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
        path = export_dir() / store.slug / f"{stamp}-{reference or 'export'}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False))
    person = person_find(store=store, email=email)
    audit_record(
        target=store,
        action="customer.exported",
        changes={"customers": person.customer_ids, "orders": len(person.order_ids), "file": path.name},
    )
    return path


def _emails(store: Store, payload: dict) -> set[str]:
    customer = payload.get("customer") or {}
    emails = {customer["email"]} if isinstance(customer.get("email"), str) and customer["email"] else set()
    ids = [str(i) for i in payload.get("orders_to_redact") or payload.get("orders_requested") or []]
    if ids:
        emails |= set(Order.objects.filter(store=store, external_id__in=ids).values_list("email", flat=True))
    return {e for e in emails if not e.endswith("@erased.invalid")}


def customers_redact(*, store: Store, payload: dict) -> None:
    for email in sorted(_emails(store, payload)):
        customer_erase(store=store, email=email)


def customers_data_request(*, store: Store, payload: dict) -> list[Path]:
    reference = str((payload.get("data_request") or {}).get("id") or "request")
    return [
        customer_export_write(store=store, email=email, reference=f"shopify-{reference}")
        for email in sorted(_emails(store, payload))
    ]


def shop_redact(*, store: Store) -> None:
    store_erase(store=store)
