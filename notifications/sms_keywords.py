"""Inbound SMS keywords: STOP, START and HELP, the words carriers require every sender to honour.

A number may belong to customers of several stores (one Twilio number serves them all). STOP
applies to every customer with that phone and suppresses the number installation-wide. START
lifts that suppression and gives back exactly the opt-ins the STOP took away: a store whose
customer never opted in to SMS gets no opt-in from a "Yes" (consent is per store, and the number's
owner did not give it to that store). HELP names the stores that text the number.
"""

from django.db import transaction
from django.db.models import Q

from notifications.consent import consent_for, consent_record
from notifications.models import Channel, Message, Suppression
from orders.models import Customer, Store
from postpurchase.redact import address_hash

# Twilio's own opt-out and opt-in keywords (twilio.com/docs/messaging/tutorials/advanced-opt-out).
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP", "YES"})
HELP_WORDS = frozenset({"HELP", "INFO"})

STOP_REASON = "replied STOP"
STOP_SOURCE = "SMS keyword STOP"
START_SOURCE = "SMS keyword START"
# An SMS is short: HELP names at most this many stores.
HELP_STORE_NAMES = 3


def keyword_of(text: str) -> str:
    """The keyword a message is, if any: the whole text, trimmed, any case, trailing '.' or '!' ignored."""
    return text.strip().rstrip(".!").strip().upper()


def customers_with_phone(phone: str) -> list[Customer]:
    return list(Customer.objects.filter(phone=phone).select_related("store").order_by("pk")) if phone else []


def single_store(customers: list[Customer]) -> Store | None:
    """The one store these customers belong to, or None when there are none or several."""
    stores = {c.store_id: c.store for c in customers}
    return next(iter(stores.values())) if len(stores) == 1 else None


def _opt_out(customers: list[Customer]) -> bool:
    """Opt out every customer who was opted in to SMS (each change is a consent.changed event on
    their timeline); True if any changed. Customers who never opted in get no row: SMS needs an
    explicit opt-in anyway, and a row saying "STOP" would later look like an opt-in to restore."""
    changed = False
    for customer in customers:
        current = consent_for(customer, Channel.SMS)
        if current is None or not current.opted_in:
            continue
        _consent, did_change = consent_record(
            customer=customer,
            channel=Channel.SMS,
            opted_in=False,
            optional_messages=current.optional_messages,
            source=STOP_SOURCE,
        )
        changed |= did_change
    return changed


def _opt_back_in(customers: list[Customer]) -> None:
    """Undo a STOP: only customers whose latest say is that STOP (they had opted in before it)."""
    for customer in customers:
        current = consent_for(customer, Channel.SMS)
        if current is not None and not current.opted_in and current.source == STOP_SOURCE:
            consent_record(
                customer=customer,
                channel=Channel.SMS,
                opted_in=True,
                optional_messages=current.optional_messages,
                source=START_SOURCE,
            )


def _stop(phone: str, customers: list[Customer]) -> str:
    changed = _opt_out(customers)
    _suppression, created = Suppression.objects.get_or_create(
        store=None, channel=Channel.SMS, address=phone, defaults={"reason": STOP_REASON}
    )
    if not (changed or created):
        return ""  # confirm once: a repeated STOP (or Twilio redelivering one) gets no second text
    store = single_store(customers)
    return f"You are unsubscribed from {store.name if store else 'our'} messages. Reply START to resubscribe."


def _start(phone: str, customers: list[Customer]) -> str:
    _opt_back_in(customers)
    # The installation-wide entry, whatever put the number on it: its owner just texted us from it
    # and asked for messages. A merchant's own entries for the number stay their decision.
    Suppression.objects.filter(store=None, channel=Channel.SMS, address__in=(phone, address_hash(phone))).delete()
    store = single_store(customers)
    return f"You are subscribed to {store.name if store else 'our'} messages again. Reply STOP to unsubscribe."


def _senders(phone: str, customers: list[Customer]) -> list[Store]:
    """The stores that text this number: those whose customers have it, and those that sent to it."""
    sent = Message.objects.filter(channel=Channel.SMS, recipient=phone).values("store_id")
    known = {c.store_id for c in customers}
    return list(Store.objects.filter(Q(pk__in=known) | Q(pk__in=sent)).order_by("name"))


def _help(phone: str, customers: list[Customer]) -> str:
    stores = _senders(phone, customers)
    if not stores:
        return "Order updates by SMS. Reply STOP to unsubscribe, START to resubscribe."
    if len(stores) == 1:
        store = stores[0]
        contact = f" Help: {store.support_email}." if store.support_email else ""
        return f"{store.name}: order updates by SMS.{contact} Reply STOP to unsubscribe."
    names = ", ".join(store.name for store in stores[:HELP_STORE_NAMES])
    more = f" and {len(stores) - HELP_STORE_NAMES} more" if len(stores) > HELP_STORE_NAMES else ""
    return f"Order updates by SMS from {names}{more}. Reply STOP to unsubscribe, START to resubscribe."


@transaction.atomic
def sms_keyword_apply(*, phone: str, text: str) -> str:
    """Act on an inbound SMS from `phone` and return the reply to text back ("" for none).

    STOP words opt every customer with this phone out of SMS and suppress the number; START
    words lift the suppression and undo that STOP's opt-outs (never more); HELP words get a help
    text naming the stores. Anything else is not for us: no reply. Idempotent, so a replayed
    webhook changes nothing.
    """
    keyword = keyword_of(text)
    if not phone:
        return ""
    if keyword in STOP_WORDS:
        return _stop(phone, customers_with_phone(phone))
    if keyword in START_WORDS:
        return _start(phone, customers_with_phone(phone))
    if keyword in HELP_WORDS:
        return _help(phone, customers_with_phone(phone))
    return ""
