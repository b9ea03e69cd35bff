"""How fast does the outbox deliver, next to a bare SKIP LOCKED loop over the same rows?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_outbox .venv/bin/python bench/outbox.py [--messages 10000]

DATABASE_URL names a scratch database; it is created afresh (dropped first if a previous run left
it, through the server's `postgres` database), migrated, and dropped at the end unless --keep. Settings: postpurchase.settings.test on
that database. The provider edge is a no-op channel (MESSAGE_SENDERS -> notifications.channels.null:
accepts every message, never reads, so never renders, its content) for (a) and (c); (d) and (e) go
through the real email channel, which renders, into Django's dummy email backend (it drops).

1. Set up one store, N/10 orders with 2-3 line items each, and 10 due order confirmations per
   order (email, transactional, distinct dedupe keys): real orders, so rendering is realistic.
   A few hundred extra messages warm up templates and connections before any clock starts.
2. (a) ours: `messages_dispatch_due(limit=100)` until nothing is due, no-op channel -> messages/s.
3. (b) bare: the same rows reset to scheduled, then a psycopg loop of
   SELECT ... FOR UPDATE SKIP LOCKED LIMIT 100 + UPDATE ... SET state='sent' per transaction.
   Then the honest floor (outbox_floor.py): reset, and the guarantees (a) keeps -- each message's
   hand-over mark committed before its own provider call, its outcome, a timeline event per
   message -- with the decisions in Python and nothing else around the SQL: one locking read per
   batch (suppressions as an EXISTS column), one claim UPDATE + COMMIT, then one autocommitted
   statement per message (outcome + timeline INSERT + the next mark). n + 2 round trips a batch.
4. (c) Celery: reset again; `messages_claim` + one `messages_deliver_task` per batch of 100,
   eager (in this process) by default, or with --worker N on a real worker (N processes) over
   the embedded filesystem broker.
5. (d) due -> sent lag with the sweeper alone: M messages due over ~10 s, `messages_dispatch_due`
   every --period seconds (the beat runs every 5 s; 1 s by default here); percentiles of
   sent_at - send_at (sent_at is stamped when a batch starts delivering) and of the end of the
   sweep that sent each message - send_at (what a customer waits, at most).
6. (e) ours through the email channel: reset again, `messages_dispatch_due` with the default
   senders (context, templates, CSS inlining, EmailMessage, dummy backend), and rendering alone:
   the same messages' context + templates timed without any queue work. (e) - (a) ~ rendering.
7. Print a table: rates, the ratios ours/bare (target >= 0.5, aim 0.8) and Celery/bare (target
   >= 0.35), and the lag percentiles. With --profile, cProfile (a) and print the top functions.

Not part of the test run. See bench/README.md for what the numbers mean.
"""

import logging
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta

from common import (
    Stopwatch,
    parse_with_keep,
    parser_for,
    percentile,
    profiled,
    raw_connect,
    scratch_config,
    scratch_database,
    setup_django,
)
from outbox_data import PER_ORDER, cancel, count_sent, reset, setup_rows, vacuum
from outbox_floor import run_honest_floor
from outbox_worker import BATCH, NULL_SENDERS, claim_and_enqueue, start_worker, stop_worker, warm_worker

WARM_UP = 300


def _now():
    from django.utils import timezone

    return timezone.now()


class StatementCounter:
    """Counts the statements Django sends (an execute wrapper: a few hundred ns each)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def run_ours(ids: list[int], profile: bool = False) -> tuple[float, int, str, int]:
    """(seconds, sent, profile, statements) of `messages_dispatch_due` until nothing is due; the
    statements do not count the bench's own "anything due?" check between sweeps."""
    from django.db import connection

    from notifications.models import Message
    from notifications.services import messages_dispatch_due

    counter = StatementCounter()
    checks = 0

    def dispatch() -> None:
        nonlocal checks
        with connection.execute_wrapper(counter):
            while True:
                if messages_dispatch_due(limit=BATCH):
                    continue
                checks += 1
                if not Message.objects.due(_now()).exists():
                    break

    report = ""
    with Stopwatch() as clock:
        if profile:
            _, report = profiled(dispatch, ("cumulative", 35), ("tottime", 25), strip_dirs=True)
        else:
            dispatch()
    return clock.seconds, count_sent(ids), report, counter.count - checks


def time_rendering(ids: list[int]) -> float:
    """Seconds to build the context and render every message of `ids`, rows and relations
    loaded beforehand: the share of (a) that is templates, not queue work."""
    from notifications.context import message_context
    from notifications.models import Message
    from notifications.rendering import render

    messages = list(
        Message.objects.filter(pk__in=ids)
        .select_related("store", "customer", "order__store__tracking", "shipment")
        .prefetch_related("order__line_items__product", "order__shipments", "shipment__items")
    )
    with Stopwatch() as clock:
        for m in messages:
            render(kind=m.kind, channel=m.channel, locale=m.locale, context=message_context(m))
    return clock.seconds


def _drain(claim, then=None) -> tuple[float, int]:
    """(seconds, rows) to work through every due row in raw psycopg, BATCH at a time: lock them
    (FOR UPDATE SKIP LOCKED) and `claim(cursor, batch)` in one transaction, then, if given,
    `then(cursor, batch, what claim returned)` in a second one."""
    done = 0
    with raw_connect() as raw, Stopwatch() as clock:
        while True:
            with raw.transaction(), raw.cursor() as cursor:
                cursor.execute(
                    "SELECT id FROM notifications_message WHERE state = 'scheduled' AND send_at <= now() "
                    "ORDER BY send_at LIMIT %s FOR UPDATE SKIP LOCKED",
                    [BATCH],
                )
                batch = [row[0] for row in cursor.fetchall()]
                if not batch:
                    break
                claimed = claim(cursor, batch)
            if then:
                with raw.transaction(), raw.cursor() as cursor:
                    then(cursor, batch, claimed)
            done += len(batch)
    return clock.seconds, done


def run_bare(ids: list[int]) -> tuple[float, int]:
    """(b): SELECT ... FOR UPDATE SKIP LOCKED LIMIT 100 + UPDATE ... SET state='sent' per transaction."""

    def mark_sent(cursor, batch: list[int]) -> None:
        cursor.execute("UPDATE notifications_message SET state = 'sent', sent_at = now() WHERE id = ANY(%s)", [batch])

    return _drain(mark_sent)


def run_celery(ids: list[int], worker: bool) -> tuple[float, int]:
    from notifications.models import Message, MessageState

    with Stopwatch() as clock:
        claim_and_enqueue()
        if worker:
            pending = Message.objects.filter(pk__in=ids, state__in=[MessageState.SCHEDULED, MessageState.SENDING])
            while pending.exists():
                time.sleep(0.02)
    return clock.seconds, count_sent(ids)


def run_lag(ids: list[int], period: float, spread: float) -> tuple[list[float], list[float], float]:
    """The sweeper alone, every `period` seconds, while `ids` fall due over `spread` seconds."""
    from notifications.models import Message, MessageState
    from notifications.services import messages_dispatch_due

    start = _now() + timedelta(seconds=1)
    reset(ids, send_at=start, spread=timedelta(seconds=spread))
    due_at = dict(Message.objects.filter(pk__in=ids).values_list("pk", "send_at"))
    seen: dict[int, object] = {}
    deadline = time.monotonic() + spread + 30
    tick = time.monotonic()
    sweep_total = 0.0
    while len(seen) < len(ids) and time.monotonic() < deadline:
        with Stopwatch() as sweep:
            messages_dispatch_due(limit=BATCH)
        sweep_total += sweep.seconds
        finished = _now()
        fresh = Message.objects.filter(pk__in=ids, state=MessageState.SENT).exclude(pk__in=list(seen))
        for pk in fresh.values_list("pk", flat=True):
            seen[pk] = finished
        tick += period
        time.sleep(max(0.0, tick - time.monotonic()))
    sent_at = dict(Message.objects.filter(pk__in=ids, state=MessageState.SENT).values_list("pk", "sent_at"))
    by_sent_at = [(sent_at[pk] - due_at[pk]).total_seconds() for pk in sent_at]
    by_sweep_end = [(seen[pk] - due_at[pk]).total_seconds() for pk in seen]
    return by_sent_at, by_sweep_end, sweep_total


def main() -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--messages", type=int, default=10_000, help="Due messages for (a), (b), (c).")
    parser.add_argument("--lag-messages", type=int, default=1_000, help="Messages due over --spread for (d).")
    parser.add_argument("--spread", type=float, default=10.0, help="Seconds over which (d)'s messages fall due.")
    parser.add_argument("--period", type=float, default=1.0, help="Sweep period for (d), seconds (beat: 5).")
    parser.add_argument("--worker", type=int, default=0, help="(c) on a real worker with N processes, not eager.")
    parser.add_argument("--profile", action="store_true", help="cProfile (a) and print the hot spots.")
    args = parse_with_keep(parser)

    cfg = scratch_config("postgres://postgres@127.0.0.1:5432/bench_outbox")
    if cfg is None:
        return 2
    with (
        scratch_database(cfg, cfg["NAME"], keep=args.keep),
        tempfile.TemporaryDirectory(prefix="bench-outbox-") as broker,
    ):
        os.environ["VAR_DIR"] = broker  # the embedded broker's folders, shared with --worker
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postpurchase.settings.test")
        setup_django()
        measure(args, broker)
    return 0


def measure(args, broker: str) -> None:
    """Steps 1-7 of the docstring, on Django set up against the scratch database."""
    from django.conf import settings
    from django.core.management import call_command

    from notifications.services import messages_dispatch_due

    logging.getLogger("kombu").setLevel(logging.ERROR)  # the filesystem broker has no host name; fine
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    settings.MESSAGE_SENDERS = NULL_SENDERS
    with Stopwatch() as clock:
        call_command("migrate", verbosity=0)
        ids, warm_ids = setup_rows(args.messages, WARM_UP + args.lag_messages)
        lag_ids, warm_ids = warm_ids[WARM_UP:], warm_ids[:WARM_UP]
        cancel(lag_ids)  # kept for (d)
    print(f"setup: {args.messages:,} due messages on {len(ids) // PER_ORDER:,} orders in {clock.seconds:.1f}s")

    settings.MESSAGE_SENDERS = {}  # warm the email channel too: templates, CSS inliner
    messages_dispatch_due(limit=BATCH, max_batches=WARM_UP // BATCH)  # warm-up: templates, pool
    settings.MESSAGE_SENDERS = NULL_SENDERS
    assert count_sent(warm_ids) == WARM_UP, "the warm-up messages were not sent"
    vacuum()

    ours, ours_sent, profile, ours_statements = run_ours(ids, args.profile)
    assert ours_sent == len(ids), f"ours sent {ours_sent} of {len(ids)}"

    reset(ids)
    bare, bare_sent = run_bare(ids)
    assert bare_sent == len(ids), f"bare sent {bare_sent} of {len(ids)}"
    reset(ids)
    floor, floor_sent, floor_trips = run_honest_floor()
    assert floor_sent == len(ids), f"the floor sent {floor_sent} of {len(ids)}"

    worker = start_worker(args.worker, broker) if args.worker else None
    try:
        if worker:
            warm_worker(warm_ids)
        reset(ids)
        celery, celery_sent = run_celery(ids, worker=bool(args.worker))
        assert celery_sent == len(ids), f"Celery sent {celery_sent} of {len(ids)}"
    finally:
        if worker:
            stop_worker(worker)

    reset(ids)
    settings.MESSAGE_SENDERS = {}
    rendered, rendered_sent, _, _ = run_ours(ids)
    assert rendered_sent == len(ids), f"ours through the email channel sent {rendered_sent} of {len(ids)}"
    settings.MESSAGE_SENDERS = NULL_SENDERS
    rendering = time_rendering(ids)

    cancel(ids)  # only (d)'s rows are due now
    settings.MESSAGE_SENDERS = {}  # what a customer waits for includes rendering
    by_sent_at, by_sweep_end, sweeping = run_lag(lag_ids, args.period, args.spread)

    n = len(ids)
    bare_rate = n / bare
    how = f"real worker, {args.worker} processes, filesystem broker" if args.worker else "eager, in process"

    def row(label: str, seconds: float) -> None:
        print(f"{label:60} {seconds:8.2f} {n / seconds:9,.0f} {n / seconds / bare_rate:8.2f}")

    print()
    print(f"{'run':60} {'seconds':>8} {'msg/s':>9} {'vs bare':>8}")
    row("(a) ours: messages_dispatch_due(limit=100), no-op channel", ours)
    row("(b) bare: SKIP LOCKED + UPDATE, psycopg", bare)
    row("    honest floor: the guarantees in raw psycopg (outbox_floor.py)", floor)
    row(f"(c) Celery: a deliver task per 100, no-op ({how.split(',')[0]})", celery)
    row("(e) ours through the email channel (renders)", rendered)
    print(
        f"    rendering alone (context + templates): {rendering:.2f} s, {rendering / n * 1000:.2f} ms a message; "
        f"(e) - (a): {rendered - ours:.2f} s"
    )
    batches = -(-n // BATCH)
    print(
        f"ours / honest floor: {floor / ours:.2f} (target >= 0.7); (e) / honest floor: {floor / rendered:.2f}. "
        f"(c) ran {how}."
    )
    print(
        f"statements per batch of {BATCH}: ours {ours_statements / batches:.1f} "
        f"({ours_statements / batches - BATCH:.1f} beyond one per message); honest floor "
        f"{floor_trips['statements']:.1f} in {floor_trips['round trips']:.1f} round trips "
        f"(bare: 4 in 4: BEGIN, SELECT, UPDATE, COMMIT)"
    )
    print()
    print(
        f"(d) due -> sent lag, sweeper alone every {args.period:g} s (beat default: 5 s), "
        f"{len(lag_ids):,} messages due over {args.spread:g} s, {len(by_sweep_end):,} sent, "
        f"{sweeping:.1f} s spent sweeping:"
    )
    print(f"    {'measured by':30} {'p50 s':>7} {'p99 s':>7} {'max s':>7}")
    for label, values in (("sent_at (batch start)", by_sent_at), ("end of the sweep that sent it", by_sweep_end)):
        print(
            f"    {label:30} {percentile(values, 50):7.2f} {percentile(values, 99):7.2f} "
            f"{max(values, default=float('nan')):7.2f}"
        )
    if by_sent_at:
        print(f"    mean {statistics.mean(by_sent_at):.2f} s by sent_at")
    if profile:
        print()
        print(profile)


if __name__ == "__main__":
    sys.exit(main())
