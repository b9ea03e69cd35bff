"""What a customer lets us send: consent per channel and how often optional messages may come.

Every change is recorded as a `consent.changed` domain event (who, what, where they said it),
so a merchant can show when and how a customer opted in or out. A change that changes nothing
writes nothing: the first opt-in's time and source stay the evidence.
"""

from django.db import transaction
from django.utils import timezone

from notifications.events import CONSENT_CHANGED, consent_changed_data
from notifications.models import Channel, Consent, Frequency, MessagingSettings, Preference
from orders.events import ConsentStatement, event_record, event_record_many
from orders.models import Customer, DomainEvent, Store

PREFERENCE_PAGE = "preference page"
ONE_CLICK = "one-click unsubscribe"


def consent_for(customer: Customer, channel: str) -> Consent | None:
    return Consent.objects.filter(customer=customer, channel=channel).first()


def optional_email_requires_consent(store: Store) -> bool:
    """Whether the store sends optional email only with consent (the default, the EU rule)."""
    found = MessagingSettings.objects.filter(store=store).values_list("optional_email_requires_consent", flat=True)
    return next(iter(found), True)


def email_allows_optional(consent: Consent | None, *, requires_consent: bool = True) -> bool:
    """Whether optional email may be sent. Without a row the customer never said anything:
    allowed only where the store may email until they opt out."""
    if consent is None:
        return not requires_consent
    return consent.opted_in and consent.optional_messages


def sms_allows(consent: Consent | None) -> bool:
    """SMS needs an explicit opt-in (no row: not allowed)."""
    return consent is not None and consent.opted_in


@transaction.atomic
def consent_record(
    *, customer: Customer, channel: str, opted_in: bool, optional_messages: bool, source: str, actor: str = ""
) -> tuple[Consent, bool]:
    """Set a customer's consent for one channel. Returns (consent, changed).

    Runs inside the caller's transaction when there is one (a webhook's processing).
    """
    consent = Consent.objects.select_for_update().filter(customer=customer, channel=channel).first()
    before = (consent.opted_in, consent.optional_messages) if consent else None
    if before == (opted_in, optional_messages):
        return consent, False
    now = timezone.now()
    if consent is None:
        consent = Consent(customer=customer, channel=channel)
    consent.opted_in, consent.optional_messages = opted_in, optional_messages
    consent.source, consent.recorded_at = source[:100], now
    consent.save()
    event_record(
        kind=CONSENT_CHANGED,
        store=customer.store,
        customer=customer,
        data=consent_changed_data(
            channel=channel,
            opted_in=opted_in,
            optional_messages=optional_messages,
            source=source,
            before=before,
            at=now,
        ),
        actor=actor or source,
    )
    return consent, True


@transaction.atomic
def preference_set(*, customer: Customer, frequency: str, source: str = PREFERENCE_PAGE) -> tuple[Preference, bool]:
    """Set how often the customer wants optional messages. Returns (preference, changed)."""
    if frequency not in Frequency.values:
        raise ValueError(f"unknown frequency {frequency!r}")
    preference = Preference.objects.select_for_update().filter(customer=customer).first()
    before = preference.frequency if preference else Frequency.NORMAL
    if before == frequency:
        return preference or Preference(customer=customer, frequency=frequency), False
    preference = preference or Preference(customer=customer)
    preference.frequency = frequency
    preference.save()
    event_record(
        kind=CONSENT_CHANGED,
        store=customer.store,
        customer=customer,
        data={"frequency": frequency, "before": before, "source": source},
        actor=source,
    )
    return preference, True


@transaction.atomic
def unsubscribe_optional_email(*, customer: Customer, source: str = ONE_CLICK) -> tuple[Consent, bool]:
    """Stop optional emails (tips, recommendations, offers); emails about orders keep coming."""
    current = consent_for(customer, Channel.EMAIL)
    return consent_record(
        customer=customer,
        channel=Channel.EMAIL,
        opted_in=current.opted_in if current else True,
        optional_messages=False,
        source=source,
    )


@transaction.atomic(durable=True)
def preferences_save(
    *, customer: Customer, optional_email: bool, sms: bool, optional_sms: bool, frequency: str
) -> list[str]:
    """Save the preference page in one go. Returns what changed, e.g. ["sms", "frequency"].

    Unticked SMS for a customer who never opted in writes nothing: no consent row means no SMS.
    """
    changed = []
    email = consent_for(customer, Channel.EMAIL)
    requires_consent = optional_email_requires_consent(customer.store)
    if email_allows_optional(email, requires_consent=requires_consent) != optional_email:
        consent_record(
            customer=customer,
            channel=Channel.EMAIL,
            opted_in=True,
            optional_messages=optional_email,
            source=PREFERENCE_PAGE,
        )
        changed.append("email")
    text = consent_for(customer, Channel.SMS)
    if text is not None or sms:
        _, sms_changed = consent_record(
            customer=customer,
            channel=Channel.SMS,
            opted_in=sms,
            optional_messages=sms and optional_sms,
            source=PREFERENCE_PAGE,
        )
        if sms_changed:
            changed.append("sms")
    _, frequency_changed = preference_set(customer=customer, frequency=frequency)
    if frequency_changed:
        changed.append("frequency")
    return changed


def _after(statement: ConsentStatement, before: tuple[bool, bool] | None) -> tuple[bool, bool]:
    """(opted_in, optional_messages) after a checkout statement about marketing.

    Agreeing to marketing on a channel is agreeing to that channel; refusing marketing says
    nothing about order updates, so their opt-in stays (email's is implied, SMS's is not).
    """
    if statement.given:
        return True, True
    opted_in = before[0] if before else statement.channel == Channel.EMAIL
    return opted_in, False


def consent_statements_apply(*, store: Store, statements: list[ConsentStatement], actor: str = "") -> int:
    """Record what checkouts said about marketing (API, Shopify, import), a batch at a time.

    Runs inside the caller's transaction in a fixed number of queries. A statement older than
    what we hold is ignored: an update of last year's order must not undo today's unsubscribe.
    The same statement again changes nothing, so replayed webhooks and re-imported files are
    harmless. Returns how many consents changed.
    """
    if not statements:
        return 0
    customer_ids = {s.customer_id for s in statements}
    current = {
        (c.customer_id, c.channel): c for c in Consent.objects.select_for_update().filter(customer_id__in=customer_ids)
    }
    created: dict[tuple[int, str], Consent] = {}
    updated: dict[tuple[int, str], Consent] = {}
    changes: list[DomainEvent] = []
    for statement in sorted(statements, key=lambda s: s.at):
        key = (statement.customer_id, statement.channel)
        consent = current.get(key)
        if consent is not None and consent.recorded_at >= statement.at:
            continue
        before = (consent.opted_in, consent.optional_messages) if consent else None
        after = _after(statement, before)
        if before == after:
            continue  # the first time they said so stays the evidence
        if consent is None:
            consent = current[key] = created[key] = Consent(
                customer_id=statement.customer_id, channel=statement.channel
            )
        elif key not in created:
            updated[key] = consent
        consent.opted_in, consent.optional_messages = after
        consent.source, consent.recorded_at = statement.source[:100], statement.at
        changes.append(
            DomainEvent(
                kind=CONSENT_CHANGED,
                store=store,
                customer_id=statement.customer_id,
                data=consent_changed_data(
                    channel=statement.channel,
                    opted_in=after[0],
                    optional_messages=after[1],
                    source=statement.source,
                    before=before,
                    at=statement.at,
                ),
                actor=actor or statement.source,
            )
        )
    Consent.objects.bulk_create(created.values())
    Consent.objects.bulk_update(updated.values(), ["opted_in", "optional_messages", "source", "recorded_at"])
    event_record_many(changes)
    return len(changes)
