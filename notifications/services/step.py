"""The hand-over's statement on PostgreSQL (handover.py): outcomes, their timeline lines and the
next message's mark, in one round trip."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from django.db import connection

from notifications.models import Message, MessageState
from orders.events import EVENTS_INSERT
from orders.models import DomainEvent

from .checks import Due
from .writes import timeline

# The statement of `_mark` on PostgreSQL, written out: Django compiling an UPDATE with a CASE per
# column costs a millisecond a message, several times the statement itself. One VALUES row per
# message: `done` rows get their outcome (a NULL leaves a column as it is) and their timeline
# line (`event_kind`; INSERT … SELECT FROM the UPDATE's RETURNING, so the outcome and its line
# commit together), the others the mark, which only takes while the row is `sending` under this
# worker's lease. The line's payload is message_event's: message_id, kind, channel, reason, extra.
_STEP_COLUMNS = ("state", "reason", "reason_code", "send_at", "sent_at", "provider_message_id", "last_error")
_STEP_ROW = (
    "(%s::bigint, %s::boolean, %s::varchar, %s::varchar, %s::varchar, %s::timestamptz, %s::timestamptz,"
    " %s::varchar, %s::text, %s::timestamptz, %s::timestamptz, %s::varchar, %s::text, %s::jsonb)"
)
_STEP_SQL = """
WITH changed AS (
UPDATE {table} AS m SET
    state = COALESCE(v.state, m.state),
    reason = COALESCE(v.reason, m.reason),
    reason_code = COALESCE(v.reason_code, m.reason_code),
    send_at = COALESCE(v.send_at, m.send_at),
    sent_at = COALESCE(v.sent_at, m.sent_at),
    provider_message_id = COALESCE(v.provider_message_id, m.provider_message_id),
    last_error = COALESCE(v.last_error, m.last_error),
    lease_expires_at = CASE WHEN v.done THEN NULL ELSE m.lease_expires_at END,
    provider_called_at = v.provider_called_at,
    updated_at = v.updated_at
FROM (VALUES {rows}) AS v(id, done, state, reason, reason_code, send_at, sent_at, provider_message_id, last_error,
                          provider_called_at, updated_at, event_kind, event_reason, event_extra)
WHERE m.id = v.id AND (v.done OR (m.state = %s AND m.lease_expires_at = %s AND m.provider_called_at IS NULL))
RETURNING m.id, m.store_id, m.order_id, m.customer_id, m.kind, m.channel, v.updated_at, v.event_kind, v.event_reason,
          v.event_extra
), lines AS (
{insert}
SELECT store_id, order_id, customer_id, event_kind,
       jsonb_build_object('message_id', id, 'kind', kind, 'channel', channel, 'reason', event_reason)
       || COALESCE(event_extra, '{{}}'::jsonb),
       'outbox', updated_at
FROM changed WHERE event_kind IS NOT NULL
)
SELECT count(*) FROM changed
"""


@dataclass(frozen=True, slots=True)
class Line:
    """An outcome's timeline line, before it is written (by `_step`, or as a DomainEvent)."""

    what: str
    reason: str = ""
    extra: dict | None = None

    def event(self, message: Due) -> DomainEvent:
        return timeline(message, self.what, self.reason, **(self.extra or {}))


def step(changes: dict[int, dict], marks: list[int], lease_until: datetime, lines: dict[int, Line]) -> int:
    """Write `changes` (outcomes, and the marks of `marks`) and the outcomes' timeline `lines` in one
    statement. Returns how many rows it changed."""
    params: list = []
    for pk, values in changes.items():
        done = pk not in marks
        line = lines.get(pk)
        params += [pk, done, *(values.get(name) for name in _STEP_COLUMNS)]
        params += [values.get("provider_called_at"), values.get("updated_at") or values["provider_called_at"]]
        if line is None:
            params += [None, None, None]
        else:
            params += [f"message.{line.what}", line.reason, json.dumps(line.extra) if line.extra else None]
    sql = _STEP_SQL.format(
        table=connection.ops.quote_name(Message._meta.db_table),
        rows=", ".join([_STEP_ROW] * len(changes)),
        insert=EVENTS_INSERT,
    )
    with _prepared_cursor() as cursor:
        cursor.execute(sql, [*params, MessageState.SENDING, lease_until])
        return cursor.fetchone()[0]


class _PreparedCursor(psycopg.Cursor[Any]):
    """Server-side binding, and every statement prepared: the hand-over sends one statement per
    message, always of the same few shapes, so its plan is made once per connection and shape
    (psycopg keeps up to 100 per connection) instead of its text being sent, parsed and planned
    each time. Prepared statements need a session of their own: a transaction-pooling PgBouncer
    needs version 1.21 or later (max_prepared_statements), as psycopg documents."""

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None
    ) -> Any:
        return super().execute(query, params, prepare=True, binary=binary)


@contextmanager
def _prepared_cursor() -> Iterator[Any]:
    """A Django cursor (its execute wrappers) over a _PreparedCursor. While queries are logged
    (DEBUG, CaptureQueriesContext) Django's own cursor instead: its log cannot show the text of a
    prepared statement, and a log entry without its SQL trips up whatever prints the log."""
    if connection.queries_logged:
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = _PreparedCursor(connection.connection)
    try:
        yield connection.make_cursor(raw)  # type: ignore[arg-type]  # Django wraps any DB-API cursor
    finally:
        raw.close()
