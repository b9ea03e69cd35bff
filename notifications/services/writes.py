"""The outbox's writes shared by the dispatcher's steps: one UPDATE for many rows, timeline lines."""

import random
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Field, Q
from django.db.models.expressions import RawSQL

from notifications.events import message_event
from notifications.models import Message
from orders.models import DomainEvent

from .checks import Due

MAX_ATTEMPTS = 6


def lease() -> timedelta:
    """How long a claim holds a message (settings.OUTBOX_LEASE_SECONDS, default 5 minutes): a
    killed worker's messages wait this long before a sweep takes them over."""
    return timedelta(seconds=getattr(settings, "OUTBOX_LEASE_SECONDS", 300))


def backoff(attempts: int) -> timedelta:
    """Exponential, capped at an hour, with jitter so retries of a burst do not stampede."""
    ceiling = min(3600, 60 * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))  # noqa: S311 - jitter, not crypto


def timeline(message: Due, what: str, reason: str = "", **data: object) -> DomainEvent:
    """The timeline's line for an outcome of `message`, built by the one `message.*` builder."""
    return message_event(message, f"message.{what}", actor="outbox", reason=reason, **data)


def rows_update(changes: dict[int, dict[str, object]], where: Q | None = None) -> int:
    """Write `changes` (message id -> field -> value) in one UPDATE; returns the rows changed.

    A field every row sets to the same value is set as is; one whose value differs per row, or
    that only some rows set, is `CASE id WHEN … THEN … ELSE <column> END`. That is the SQL
    Django's bulk_update writes too, without the expression it builds and resolves per row,
    which costs more than the statement itself. `where` narrows the rows (it may only match
    rows of `changes`): the hand-over uses it to mark a message only while its lease is ours.
    """
    if not changes:
        return 0
    assignments = {}
    for name in dict.fromkeys(name for values in changes.values() for name in values):
        values = {pk: row[name] for pk, row in changes.items() if name in row}
        shared = len(values) == len(changes) and len(set(values.values())) == 1
        assignments[name] = next(iter(values.values())) if shared else _per_row(name, values)
    return Message.objects.filter(where if where is not None else Q(pk__in=list(changes))).update(**assignments)


def _per_row(name: str, values: dict[int, object]) -> RawSQL:
    field = Message._meta.get_field(name)
    assert isinstance(field, Field)  # a concrete column, never a relation's reverse side
    quote = connection.ops.quote_name
    pk_column = (Message._meta.pk.column if Message._meta.pk else None) or "id"
    sql = f"CASE {quote(pk_column)} {'WHEN %s THEN %s ' * len(values)}ELSE {quote(field.column or name)} END"
    params = []
    for pk, value in values.items():
        params += [pk, field.get_db_prep_save(value, connection)]
    return RawSQL(sql, params, output_field=field)  # noqa: S611 - quoted names and placeholders only
