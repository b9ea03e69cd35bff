from django.core.management.base import BaseCommand, CommandError

from notifications.selectors import Explained, messages_explained, order_find, recipient_masked, store_zone
from orders.models import Store

_ACTION = {"cancel": "would be cancelled", "suppress": "would be suppressed"}


class Command(BaseCommand):
    help = (
        "Explain an order's messages: each one's state and reason, and for those still scheduled what "
        "the send-time checks would decide now. Reads only: sends nothing, writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("number", help="The order number, with or without its '#'.")
        parser.add_argument("--store", required=True, help="The store's slug.")

    def handle(self, *args, number, store, **options):
        found = Store.objects.filter(slug=store).first()
        if found is None:
            raise CommandError(f"No store {store!r}.")
        order = order_find(store=found, number=number)
        if order is None:
            raise CommandError(f"Store {found.slug} has no order {number!r} (looked for it with and without '#').")
        self.zone = store_zone(found)
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

    def _time(self, at) -> str:
        return f"{at.astimezone(self.zone):%Y-%m-%d %H:%M %Z}"

    def _explain(self, item: Explained) -> None:
        m = item.message
        self.stdout.write(
            f"- message {m.pk}: {m.kind} by {m.channel} to {recipient_masked(m.recipient)}: {m.state}, "
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
