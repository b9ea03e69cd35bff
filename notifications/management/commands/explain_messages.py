from django.core.management.base import BaseCommand, CommandError

from notifications.selectors import (
    Explained,
    customer_find,
    messages_explained,
    recipient_masked,
    store_zone,
)
from orders.models import Store
from orders.selectors import order_find

_ACTION = {"cancel": "would be cancelled", "suppress": "would be suppressed"}


class Command(BaseCommand):
    help = (
        "Explain an order's messages, or a customer's (about any order or none): each one's state and reason, "
        "and for those still scheduled what the send-time checks would decide now. Reads only: sends nothing, "
        "writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("number", nargs="?", help="The order number, with or without its '#'.")
        parser.add_argument("--customer", help="The customer's email, instead of an order number.")
        parser.add_argument("--store", required=True, help="The store's slug.")

    def handle(self, *args, number, store, customer=None, **options):
        if bool(number) == bool(customer):
            raise CommandError("Give an order number or --customer <email>, not both.")
        found = Store.objects.filter(slug=store).first()
        if found is None:
            raise CommandError(f"No store {store!r}.")
        self.zone = store_zone(found)
        self.by_customer = bool(customer)
        if customer:
            self._customer(found, customer)
            return
        order = order_find(store=found, number=number)
        if order is None:
            raise CommandError(f"Store {found.slug} has no order {number!r} (looked for it with and without '#').")
        self.stdout.write(
            f"Order {order.number} of {found.slug}: {order.status}, placed "
            f"{self._time(order.placed_at)}. Times in {self.zone.key}."
        )
        if order.is_import:
            self.stdout.write(
                "This order was imported as history (source: import): no messages are planned for it. "
                "Imported orders are never messaged, so customers are not told about old purchases."
            )
        explained = messages_explained(order=order)
        if not explained:
            if not order.is_import:
                self.stdout.write("No messages: no enabled flow asked for one yet.")
            return
        for item in explained:
            self._explain(item)

    def _customer(self, store: Store, email: str) -> None:
        customer = customer_find(store=store, email=email)
        if customer is None:
            raise CommandError(f"Store {store.slug} has no customer {recipient_masked(email.strip())}.")
        zone = f"the customer's {customer.timezone}" if customer.timezone else "the store's zone"
        self.stdout.write(
            f"Customer {recipient_masked(customer.email)} of {store.slug}: messages about any order or none. "
            f"Times in {self.zone.key} (quiet hours use {zone})."
        )
        explained = messages_explained(customer=customer)
        if not explained:
            self.stdout.write("No messages.")
        for item in explained:
            self._explain(item)

    def _time(self, at) -> str:
        return f"{at.astimezone(self.zone):%Y-%m-%d %H:%M %Z}"

    def _explain(self, item: Explained) -> None:
        m = item.message
        # Listing a customer's messages, say which order each one is about.
        about = f" about order {m.order.number}" if self.by_customer and m.order else ""
        key = f", key {m.data['key']}" if isinstance(m.data, dict) and m.data.get("key") else ""
        self.stdout.write(
            f"- message {m.pk}: {m.kind} by {m.channel} to {recipient_masked(m.recipient)}{about}{key}: {m.state}, "
            f"send_at {self._time(m.send_at)}, attempts {m.attempts}"
        )
        self.stdout.write(f"    reason: {m.reason or '-'}")
        if m.last_error and m.last_error != m.reason:
            self.stdout.write(f"    last error: {m.last_error[:200]}")
        if item.verdict is not None:
            self.stdout.write(f"    now: {self._verdict(item)}")

    def _verdict(self, item: Explained) -> str:
        verdict = item.verdict
        if verdict.action == "send":
            return "would send now"
        if verdict.action == "postpone":
            return f"would wait until {self._time(verdict.until)} ({verdict.reason})"
        return f"{_ACTION[verdict.action]}: {verdict.reason}"
