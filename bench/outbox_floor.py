"""bench/outbox.py's floors: the dispatcher's guarantees in raw psycopg, with nothing around them.

Not a benchmark itself; see bench/outbox.py.

The honest floor keeps every guarantee the dispatcher keeps (notifications/services/dispatch.py,
handover.py): a message's hand-over mark is committed before its own provider call (at most one
message in doubt per sending thread), its outcome is recorded, and it gets a timeline event; the
send-time decisions are taken in Python, from one locking read that also says, per message,
whether a suppression applies. On an autocommit connection (the per-batch part in pipeline mode):

    per batch  1 round trip   BEGIN + the locking read (expired leases and due messages, FOR
                              UPDATE SKIP LOCKED, joined to order, customer, store, with an
                              EXISTS column for the suppressions)
               1 round trip   the claim and decisions of every message in one UPDATE, with the
                              decided messages' timeline events (INSERT … SELECT FROM its
                              RETURNING) and the first message's hand-over mark, + COMMIT
    per message 1 round trip  one statement: this message's outcome (UPDATE … RETURNING), its
                              timeline event (INSERT … SELECT FROM that RETURNING) and the next
                              message's mark (only while still `sending` under our lease); it
                              commits on its own (autocommit), before the next provider call

A trap on the way: in pipeline mode a fetch sends a Flush, not a Sync, so an autocommitted
statement whose result was fetched is *not committed yet*. The per-message steps therefore run
outside the pipeline (the extended protocol's Sync ends each one's implicit transaction before
its result comes back); the pipeline serves the per-batch part, where a COMMIT syncs it.

So a batch of n to send costs n + 2 round trips and n + 4 statements (BEGIN, read, claim,
COMMIT, then one per message). No design that keeps "at most one message in doubt per thread"
can do with fewer than one committed round trip per message: the mark must be durable before
the call, and the call cannot start until the database said so.
"""

from datetime import UTC, datetime, timedelta

from common import Stopwatch, raw_connect

BATCH = 100
LEASE = timedelta(minutes=5)
IN_DOUBT = "in doubt: the worker stopped during the provider call; not resent to avoid a duplicate"

LOCK = """
WITH expired AS (
    SELECT id, store_id, order_id, customer_id, kind, channel, recipient, transactional, send_at, attempts,
           provider_called_at
    FROM notifications_message WHERE state = 'sending' AND lease_expires_at < now()
    ORDER BY lease_expires_at LIMIT %(n)s FOR UPDATE SKIP LOCKED
), scheduled AS (
    SELECT id, store_id, order_id, customer_id, kind, channel, recipient, transactional, send_at, attempts,
           provider_called_at
    FROM notifications_message WHERE state = 'scheduled' AND send_at <= now()
    ORDER BY send_at LIMIT %(n)s - (SELECT count(*) FROM expired) FOR UPDATE SKIP LOCKED
), due AS (SELECT * FROM expired UNION ALL SELECT * FROM scheduled)
SELECT d.id, d.store_id, d.order_id, d.customer_id, d.kind, d.channel, d.recipient, d.transactional,
       d.attempts, d.provider_called_at, o.status, c.timezone, s.timezone,
       EXISTS (SELECT 1 FROM notifications_suppression x WHERE x.channel = d.channel
               AND x.address IN (d.recipient, 'sha256:' || encode(sha256(convert_to(lower(btrim(d.recipient)), 'UTF8')), 'hex'))
               AND (x.store_id IS NULL OR x.store_id = d.store_id))
FROM due d JOIN orders_store s ON s.id = d.store_id
LEFT JOIN orders_order o ON o.id = d.order_id LEFT JOIN orders_customer c ON c.id = d.customer_id
ORDER BY d.send_at, d.id
"""

CLAIM = """
WITH v AS (SELECT * FROM unnest(%(ids)s::bigint[], %(states)s::text[], %(reasons)s::text[]) AS v(id, state, reason)),
claimed AS (
    UPDATE notifications_message m SET
        state = v.state, reason = v.reason, attempts = m.attempts + 1, updated_at = now(),
        lease_expires_at = CASE WHEN v.state = 'sending' THEN %(lease)s::timestamptz END,
        provider_called_at = CASE WHEN m.id = %(first)s THEN now() END
    FROM v WHERE m.id = v.id
    RETURNING m.id, m.store_id, m.order_id, m.customer_id, m.kind, m.channel, m.state, m.reason
), events AS (
    INSERT INTO orders_domainevent (store_id, order_id, customer_id, kind, data, actor, created_at)
    SELECT store_id, order_id, customer_id, 'message.' || state,
           jsonb_build_object('message_id', id, 'kind', kind, 'channel', channel, 'reason', reason), 'outbox', now()
    FROM claimed WHERE state <> 'sending'
)
SELECT count(*) FROM claimed WHERE id = %(first)s
"""

STEP = """
WITH done AS (
    UPDATE notifications_message SET state = 'sent', sent_at = now(), provider_message_id = %(provider_id)s,
        last_error = '', lease_expires_at = NULL, provider_called_at = NULL, updated_at = now()
    WHERE id = %(done)s
    RETURNING id, store_id, order_id, customer_id, kind, channel
), events AS (
    INSERT INTO orders_domainevent (store_id, order_id, customer_id, kind, data, actor, created_at)
    SELECT store_id, order_id, customer_id, 'message.sent',
           jsonb_build_object('message_id', id, 'kind', kind, 'channel', channel, 'reason', ''), 'outbox', now()
    FROM done
), marked AS (
    UPDATE notifications_message SET provider_called_at = now(), updated_at = now()
    WHERE id = %(mark)s AND state = 'sending' AND lease_expires_at = %(lease)s AND provider_called_at IS NULL
    RETURNING id
)
SELECT count(*) FROM marked
"""


def _decide(row: tuple) -> tuple[str, str]:
    """The send-time verdict in Python, from the locking read's row."""
    called_at, order_status, suppressed = row[9], row[10], row[13]
    if called_at is not None:
        return "failed", IN_DOUBT
    if order_status == "cancelled":
        return "cancelled", "the order was cancelled"
    if suppressed:
        return "suppressed", f"{row[6]} is on the suppression list"
    return "sending", ""


def run_honest_floor() -> tuple[float, int, dict[str, float]]:
    """Drain every due message as the honest floor does. Returns (seconds, messages sent,
    {"statements": per batch, "round trips": per batch, "batches": n})."""
    sent = statements = round_trips = batches = 0
    with raw_connect(autocommit=True) as conn, conn.cursor() as cur, Stopwatch() as clock:
        while True:
            with conn.pipeline(), conn.transaction():  # BEGIN … COMMIT, pipelined
                rows = cur.execute(LOCK, {"n": BATCH}).fetchall()
                if not rows:
                    break
                round_trips += 1
                statements += 2  # BEGIN, the read
                decided = [_decide(row) for row in rows]
                to_send = [row for row, (state, _) in zip(rows, decided, strict=True) if state == "sending"]
                lease = datetime.now(UTC) + LEASE  # the fence of this batch's marks, as ours takes it
                first = to_send[0][0] if to_send else None
                cur.execute(
                    CLAIM,
                    {
                        "ids": [row[0] for row in rows],
                        "states": [state for state, _ in decided],
                        "reasons": [reason for _, reason in decided],
                        "lease": lease,
                        "first": first,
                    },
                )
                statements += 2  # the claim, COMMIT
            round_trips += 1  # the claim and the COMMIT, one Sync
            batches += 1
            for k, row in enumerate(to_send):
                provider_id = f"null-{row[0]}"  # the provider call (the no-op channel's answer)
                following = to_send[k + 1][0] if k + 1 < len(to_send) else None
                # Outside the pipeline: Parse/Bind/Execute/Sync, one round trip, committed when it returns.
                taken = cur.execute(
                    STEP, {"done": row[0], "provider_id": provider_id, "mark": following, "lease": lease}
                ).fetchone()[0]
                statements += 1
                round_trips += 1
                sent += 1
                if following is not None and not taken:
                    raise RuntimeError("another worker took a message of this batch")
    per_batch = {"statements": statements / max(batches, 1), "round trips": round_trips / max(batches, 1)}
    return clock.seconds, sent, {**per_batch, "batches": batches}
