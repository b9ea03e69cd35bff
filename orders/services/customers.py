"""Customers and products, as orders bring them in."""

from orders.models import Customer, Product, Store, normalize_email


def customer_upsert(
    *,
    store: Store,
    email: str,
    phone: str = "",
    first_name: str = "",
    last_name: str = "",
    locale: str = "",
    external_id: str = "",
    birthday=None,
) -> Customer:
    """Find the store's customer by email, filling in what we did not know yet.

    Known values are never blanked by a later order that lacks them.
    """
    known = {
        "phone": phone,
        "first_name": first_name,
        "last_name": last_name,
        "locale": locale,
        "external_id": external_id,
        "birthday": birthday,
    }
    customer, created = Customer.objects.get_or_create(store=store, email=normalize_email(email), defaults=known)
    if created:
        return customer
    changed = [name for name, value in known.items() if value and getattr(customer, name) != value]
    for name in changed:
        setattr(customer, name, known[name])
    if changed:
        customer.save(update_fields=[*changed, "updated_at"])
    return customer


def products_for_skus(*, store: Store, items) -> dict[str, Product]:
    """The store's products for these line items' SKUs, creating unknown ones (3 queries)."""
    wanted = {item.sku: item for item in items if item.sku}
    if not wanted:
        return {}
    known = {p.sku: p for p in Product.objects.filter(store=store, sku__in=wanted)}
    missing = [
        Product(store=store, sku=sku, title=item.title, price=item.unit_price)
        for sku, item in wanted.items()
        if sku not in known
    ]
    if missing:
        Product.objects.bulk_create(missing, ignore_conflicts=True)
        known = {p.sku: p for p in Product.objects.filter(store=store, sku__in=wanted)}
    return known
