"""Customers and products, as orders bring them in."""

from orders.models import Customer, Product, Store, normalize_email
from postpurchase.db import create_unless_exists


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
    email = normalize_email(email)
    customer = Customer.objects.filter(store=store, email=email).first()
    if customer is None:
        # No savepoint: a concurrent writer's row wins the insert, and is then read.
        customer = Customer(store=store, email=email, **known)
        if create_unless_exists(customer):
            return customer
        customer = Customer.objects.get(store=store, email=email)
    changed = [name for name, value in known.items() if value and getattr(customer, name) != value]
    for name in changed:
        setattr(customer, name, known[name])
    if changed:
        customer.save(update_fields=[*changed, "updated_at"])
    return customer


def products_for_skus(*, store: Store, items) -> dict[str, Product]:
    """The store's products for these line items' SKUs, creating unknown ones (3 queries).

    What the items say about the product (its variant group, final sale) is kept; one more
    query updates the products it changed, so an unchanged order costs nothing extra.
    """
    wanted = {item.sku: item for item in items if item.sku}
    if not wanted:
        return {}
    known = {p.sku: p for p in Product.objects.filter(store=store, sku__in=wanted)}
    missing = [
        Product(
            store=store,
            sku=sku,
            title=item.title,
            price=item.unit_price,
            group=getattr(item, "product_group", ""),
            final_sale=bool(getattr(item, "final_sale", None)),
            lasts_days=getattr(item, "lasts_days", None),
        )
        for sku, item in wanted.items()
        if sku not in known
    ]
    if missing:
        Product.objects.bulk_create(missing, ignore_conflicts=True)
        known = {p.sku: p for p in Product.objects.filter(store=store, sku__in=wanted)}
    changed = []
    for sku, product in known.items():
        item = wanted[sku]
        group, final_sale = getattr(item, "product_group", ""), getattr(item, "final_sale", None)
        lasts = getattr(item, "lasts_days", None)
        if (
            (group and product.group != group)
            or (final_sale is not None and product.final_sale != final_sale)
            or (lasts is not None and product.lasts_days != lasts)
        ):
            product.group = group or product.group
            product.final_sale = product.final_sale if final_sale is None else final_sale
            product.lasts_days = product.lasts_days if lasts is None else lasts
            changed.append(product)
    if changed:
        Product.objects.bulk_update(changed, ["group", "final_sale", "lasts_days"])
    return known
