"""What erasure and export do to notifications' tables: messages, suppressions, consent."""

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q

from orders.models import Store
from orders.privacy import CUSTOMER_ERASED, Erasure, Person, exporter, pruner
from postpurchase.events import subscribe
from postpurchase.redact import ERASED, address_hash, scrub_text

from .models import FINAL_STATES, Channel, Consent, Message, MessageState, Preference, Suppression

ERASED_REASON = "the customer's data was erased"


def _messages(person: Person) -> Any:
    addresses = {person.email} | {p for p in person.needles.contained if p.startswith("+")}
    return Message.objects.filter(store=person.store).filter(
        Q(customer__in=person.customer_ids) | Q(order__in=person.order_ids) | Q(recipient__in=addresses)
    )


@subscribe(CUSTOMER_ERASED)
def notifications_erase(erasure: Erasure) -> None:
    """Messages lose recipient, data and errors (what is still due is cancelled); suppressions of
    the person's addresses are kept as hashes, so a bounced address stays suppressed; consent and
    preferences go (an erased customer is sent nothing optional)."""
    person = erasure.person
    needles = person.needles
    for message in _messages(person).exclude(recipient__in=("", ERASED)).exclude(recipient__endswith="@erased.invalid"):
        if message.state in (MessageState.SCHEDULED, MessageState.SENDING):
            message.state = MessageState.CANCELLED
            message.reason = ERASED_REASON
        message.recipient = person.placeholder_email if message.channel == Channel.EMAIL else ERASED
        message.data = {}
        message.last_error = scrub_text(message.last_error, needles)
        message.reason = scrub_text(message.reason, needles)
        message.save(update_fields=["state", "reason", "recipient", "data", "last_error", "updated_at"])
        erasure.count("notifications.Message", 1)

    addresses = {person.email} | {p for p in needles.contained if p.startswith("+")}
    for suppression in Suppression.objects.filter(Q(store=None) | Q(store=person.store), address__in=addresses):
        hashed = address_hash(suppression.address)
        if Suppression.objects.filter(store=suppression.store, channel=suppression.channel, address=hashed).exists():
            suppression.delete()
        else:
            suppression.address = hashed
            suppression.save(update_fields=["address"])
        erasure.count("notifications.Suppression", 1)

    consents, _ = Consent.objects.filter(customer__in=person.customer_ids).delete()
    erasure.count("notifications.Consent", consents)
    preferences, _ = Preference.objects.filter(customer__in=person.customer_ids).delete()
    erasure.count("notifications.Preference", preferences)


@exporter("notifications")
def notifications_export(person: Person) -> dict[str, Any]:
    addresses = {person.email} | {p for p in person.needles.contained if p.startswith("+")}
    return {
        "messages": list(
            _messages(person)
            .order_by("send_at", "pk")
            .values("kind", "channel", "recipient", "state", "reason", "send_at", "sent_at", "data")
        ),
        "consent": list(
            Consent.objects.filter(customer__in=person.customer_ids).values(
                "channel", "opted_in", "optional_messages", "source", "recorded_at"
            )
        ),
        "preferences": list(Preference.objects.filter(customer__in=person.customer_ids).values("frequency")),
        "suppressions": list(
            Suppression.objects.filter(Q(store=None) | Q(store=person.store), address__in=addresses).values(
                "channel", "address", "reason", "created_at"
            )
        ),
    }


@pruner("message data")
def messages_prune(now: datetime, dry_run: bool) -> int:
    """Finished messages due longer ago than their store's `message_retention_days` lose their data
    (what the template was given: names, links, codes); state, reason and times stay."""
    total = 0
    for store in Store.objects.all():
        old = Message.objects.filter(
            store=store, state__in=FINAL_STATES, send_at__lt=now - timedelta(days=store.message_retention_days)
        ).exclude(data={})
        total += old.count() if dry_run else old.update(data={})
    return total
