"""Erasure: one person's data anonymised in every app, in one transaction.

1. `person_find` collects what identifies the person in a store: their customer rows (by the
   normalised email), their orders (by customer or email) and the needles (email, phones, names,
   address lines) that free text and payloads may carry.
2. `customer_erase` locks those rows and publishes an `Erasure` (`customer.erased`, published,
   not stored: a timeline row would have to carry what it erases). Every app subscribes in its
   `ready()` and anonymises its own tables, adding what it changed to `erasure.counts`.
3. The audit log records who erased whom, by the address's hash, and the counts. A dry run does
   all of it and rolls back, so its summary is exactly what a real run would change.

Running it again finds nothing left to change: the rows no longer carry the email.
"""

from collections import Counter
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db import models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from orders.models import Customer, Order, Store, normalize_email
from postpurchase.audit import audit_record
from postpurchase.events import publish
from postpurchase.redact import Needles, address_hash

CUSTOMER_ERASED = "customer.erased"


@dataclass
class Person:
    """Everything a store holds that says who one person is, found by their email."""

    store: Store
    email: str  # normalised
    customer_ids: list[int]
    order_ids: list[int]
    needles: Needles

    @property
    def placeholder_email(self) -> str:
        """What an erased email becomes: unique per customer (the store's customers are unique by
        email), and in the reserved `.invalid` domain, so nothing is ever sent to it."""
        suffix = self.customer_ids[0] if self.customer_ids else "guest"
        return f"erased-{suffix}@erased.invalid"


@dataclass
class Erasure:
    """The `customer.erased` event: who to erase, and what each app changed (its summary)."""

    person: Person
    dry_run: bool = False
    counts: Counter[str] = field(default_factory=Counter)
    kind: str = CUSTOMER_ERASED

    @property
    def store(self) -> Store:
        return self.person.store

    def count(self, label: str, n: int) -> None:
        if n:
            self.counts[label] += n


def person_find(*, store: Store, email: str, lock: bool = False) -> Person:
    email = normalize_email(email)
    customers = Customer.objects.filter(store=store, email=email)
    if lock:
        customers = customers.select_for_update()
    customer_list = list(customers.order_by("pk"))
    orders = Order.objects.filter(store=store).filter(
        Q(email__iexact=email) | Q(customer__in=[c.pk for c in customer_list])
    )
    if lock:
        orders = orders.select_for_update(of=("self",))
    order_list = list(orders.order_by("pk"))

    needles = Needles()
    needles.add_email(email)
    for customer in customer_list:
        needles.add_phone(customer.phone)
        needles.add_name(customer.first_name, customer.last_name)
    for order in order_list:
        needles.add_email(order.email)
        needles.add_phone(order.phone)
        needles.add_address(order.shipping_address)
        needles.add_address(order.billing_address)
    return Person(
        store=store,
        email=email,
        customer_ids=[c.pk for c in customer_list],
        order_ids=[o.pk for o in order_list],
        needles=needles,
    )


def rows_mentioning(queryset: models.QuerySet, fields: list[str], needles: Needles) -> models.QuerySet:
    """The rows of `queryset` whose text or JSON `fields` contain a needle (JSON compared as text)."""
    terms = needles.search_terms() + sorted(needles.phone_digits)
    if not terms:
        return queryset.none()
    annotations = {f"_{name}_text": Cast(name, TextField()) for name in fields}
    conditions = [Q(**{f"_{name}_text__icontains": term}) for name in fields for term in terms]
    return queryset.annotate(**annotations).filter(reduce(or_, conditions))


@transaction.atomic
def customer_erase(*, store: Store, email: str, dry_run: bool = False) -> Erasure:
    """Anonymise everything `store` holds on the person with `email`, in every app.

    Orders keep their amounts, statuses and numbers (accounting); a suppressed address stays
    suppressed as a hash. Not durable: Shopify's `customers/redact` runs it inside the webhook's
    transaction. The caller's actor (`postpurchase.audit.acting_as`) is recorded as who erased.
    """
    person = person_find(store=store, email=email, lock=True)
    erasure = Erasure(person=person, dry_run=dry_run)
    publish(erasure)
    first = Customer.objects.filter(pk__in=person.customer_ids).first()
    audit_record(
        target=first or store,
        store_id=store.pk,
        action=CUSTOMER_ERASED,
        changes={"email_sha256": address_hash(person.email), "changed": dict(sorted(erasure.counts.items()))},
    )
    if dry_run:
        transaction.set_rollback(True)
    return erasure


def store_erase(*, store: Store) -> Counter[str]:
    """Every customer of `store` erased (Shopify's `shop/redact`, 48 hours after uninstalling):
    each one through `customer_erase`, then guest orders by their own email."""
    total: Counter[str] = Counter()
    emails = set(
        Customer.objects.filter(store=store).exclude(email__endswith="@erased.invalid").values_list("email", flat=True)
    )
    emails |= set(
        Order.objects.filter(store=store).exclude(email__endswith="@erased.invalid").values_list("email", flat=True)
    )
    for email in sorted(emails):
        total.update(customer_erase(store=store, email=email).counts)
    return total
