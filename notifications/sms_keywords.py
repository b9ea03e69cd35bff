"""Inbound SMS keywords: STOP, START and HELP, the words carriers require every sender to honour.

A number may belong to customers of several stores (one Twilio number serves them all), so a
keyword applies to every customer with that phone; the reply names the store only when exactly
one matches.
"""

from django.db import transaction

from notifications.consent import consent_for, consent_record
from notifications.models import Channel, Suppression
from orders.models import Customer, Store

# Twilio's own opt-out and opt-in keywords (twilio.com/docs/messaging/tutorials/advanced-opt-out).
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP", "YES"})
HELP_WORDS = frozenset({"HELP", "INFO"})

STOP_REASON = "replied STOP"


def keyword_of(text: str) -> str:
    """The keyword a message is, if any: the whole text, trimmed, any case, trailing '.' or '!' ignored."""
    return text.strip().rstrip(".!").strip().upper()


def customers_with_phone(phone: str) -> list[Customer]:
    return list(Customer.objects.filter(phone=phone).select_related("store").order_by("pk")) if phone else []


def single_store(customers: list[Customer]) -> Store | None:
    """The one store these customers belong to, or None when there are none or several."""
    stores = {c.store_id: c.store for c in customers}
    return next(iter(stores.values())) if len(stores) == 1 else None


def _consent_set(customers: list[Customer], *, opted_in: bool, source: str) -> bool:
    """Record every customer's SMS consent (each change is a consent.changed event on their
    timeline); True if any of them changed their mind. Their choice about optional SMS stays."""
    changed = False
    for customer in customers:
        current = consent_for(customer, Channel.SMS)
        _consent, did_change = consent_record(
            customer=customer,
            channel=Channel.SMS,
            opted_in=opted_in,
            optional_messages=current.optional_messages if current else True,
            source=source,
        )
        changed |= did_change
    return changed


def _stop(phone: str, customers: list[Customer]) -> str:
    changed = _consent_set(customers, opted_in=False, source="SMS keyword STOP")
    _suppression, created = Suppression.objects.get_or_create(
        channel=Channel.SMS, address=phone, defaults={"reason": STOP_REASON}
    )
    if not (changed or created):
        return ""  # confirm once: a repeated STOP (or Twilio redelivering one) gets no second text
    store = single_store(customers)
    return f"You are unsubscribed from {store.name if store else 'our'} messages. Reply START to resubscribe."


def _start(phone: str, customers: list[Customer]) -> str:
    _consent_set(customers, opted_in=True, source="SMS keyword START")
    # Whatever put the number on the list, its owner just texted us from it and asked for messages.
    Suppression.objects.filter(channel=Channel.SMS, address=phone).delete()
    store = single_store(customers)
    return f"You are subscribed to {store.name if store else 'our'} messages again. Reply STOP to unsubscribe."


def _help(customers: list[Customer]) -> str:
    store = single_store(customers)
    if store is None:
        return "Order updates by SMS. Reply STOP to unsubscribe, START to resubscribe."
    contact = f" Help: {store.support_email}." if store.support_email else ""
    return f"{store.name}: order updates by SMS.{contact} Reply STOP to unsubscribe."


@transaction.atomic
def sms_keyword_apply(*, phone: str, text: str) -> str:
    """Act on an inbound SMS from `phone` and return the reply to text back ("" for none).

    STOP words opt every customer with this phone out of SMS and suppress the number; START
    words opt them back in and lift the suppression; HELP words get a help text. Anything
    else is not for us: no reply. Idempotent, so a replayed webhook changes nothing.
    """
    keyword = keyword_of(text)
    if not phone:
        return ""
    if keyword in STOP_WORDS:
        return _stop(phone, customers_with_phone(phone))
    if keyword in START_WORDS:
        return _start(phone, customers_with_phone(phone))
    if keyword in HELP_WORDS:
        return _help(customers_with_phone(phone))
    return ""
