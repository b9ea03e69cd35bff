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
   Then the floor: reset, and the statements (a) cannot do without (read the rows and the
   suppressions, claim + mark, commit, mark sent, insert the timeline events, commit) in raw
   psycopg: what (a) would cost with no Python around its SQL.
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

import argparse
import cProfile
import io
import logging
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import dj_database_url
import psycopg
from psycopg.types.json import Jsonb

ROOT = Path(__file__).resolve().parent.parent
PER_ORDER = 10
WARM_UP = 300
BATCH = 100
FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Linus", "Frances", "Donald"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton", "Torvalds", "Allen", "Knuth"]
ITEMS = [("TEE-1", "Linen tee", "25.00"), ("CAP-1", "Wool cap", "19.90"), ("SOCK-1", "Alpaca socks", "12.00")]
NULL_SENDERS = {"email": "notifications.channels.null.send", "sms": "notifications.channels.null.send"}
# For --worker: the worker's settings are local's with the no-op channel (written to a temp dir).
WORKER_SETTINGS = f"""from postpurchase.settings.local import *  # noqa: F403

MESSAGE_SENDERS = {NULL_SENDERS!r}
"""


def _conninfo(cfg: dict, dbname: str) -> str:
    parts = {"host": cfg["HOST"], "port": cfg["PORT"], "user": cfg["USER"], "password": cfg["PASSWORD"]}
    return " ".join(f"{k}={v}" for k, v in parts.items() if v) + f" dbname={dbname}"


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def setup_rows(messages: int, warm_up: int) -> tuple[list[int], list[int]]:
    """The store, orders, line items and due messages. Returns (measured ids, warm-up ids)."""
    from django.utils import timezone

    from notifications.flows import messaging_for
    from notifications.models import Channel, Message, MessageKind, MessageState
    from orders.models import Customer, LineItem, Order, Store

    store = Store.objects.create(slug="bench", name="Bench Outfitters", currency="EUR", support_email="help@bench.test")
    messaging_for(store)
    orders_needed = -(-(messages + warm_up) // PER_ORDER)
    now = timezone.now()
    customers = Customer.objects.bulk_create(
        [
            Customer(
                store=store,
                email=f"customer{n}@example.com",
                first_name=FIRST[n % 10],
                last_name=LAST[(n // 10) % 10],
                locale="en",
            )
            for n in range(orders_needed)
        ],
        batch_size=2000,
    )
    orders = Order.objects.bulk_create(
        [
            Order(
                store=store,
                number=f"#{100000 + n}",
                customer=c,
                email=c.email,
                currency="EUR",
                subtotal=Decimal("69.90"),
                shipping_total=Decimal("4.90"),
                tax_total=Decimal("0"),
                discount_total=Decimal("0"),
                total=Decimal("74.80"),
                shipping_address={"name": c.full_name, "line1": f"{n} Main St", "city": "Berlin", "country": "DE"},
                placed_at=now - timedelta(minutes=5),
            )
            for n, c in enumerate(customers)
        ],
        batch_size=2000,
    )
    LineItem.objects.bulk_create(
        [
            LineItem(order=o, sku=sku, title=title, quantity=1 + i % 2, unit_price=Decimal(price))
            for n, o in enumerate(orders)
            for i, (sku, title, price) in enumerate(ITEMS[: 2 + n % 2])
        ],
        batch_size=5000,
    )
    rows = []
    for n in range(messages + warm_up):
        order = orders[n // PER_ORDER]
        warm = n < warm_up
        rows.append(
            Message(
                store=store,
                customer_id=order.customer_id,
                order=order,
                kind=MessageKind.ORDER_CONFIRMATION,
                channel=Channel.EMAIL,
                recipient=order.email,
                transactional=True,
                # Warm-up rows first: the dispatcher takes the oldest due rows first.
                send_at=now - timedelta(minutes=2 if warm else 1),
                dedupe_key=f"bench:{'warm' if warm else 'run'}:{n}",
                state=MessageState.SCHEDULED,
            )
        )
    created = Message.objects.bulk_create(rows, batch_size=5000)
    ids = [m.pk for m in created]
    return ids[warm_up:], ids[:warm_up]


def reset(ids: list[int], *, send_at=None, spread: timedelta | None = None) -> None:
    """Put `ids` back to scheduled and due (or due over `spread` from `send_at`), then VACUUM so
    every run starts from the same table, not from one full of dead row versions."""
    from django.db import connection
    from django.utils import timezone

    send_at = send_at or timezone.now() - timedelta(minutes=1)
    step = (spread / len(ids)).total_seconds() if spread else 0
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notifications_message m SET state = 'scheduled', sent_at = NULL, attempts = 0, reason = '', "
            "lease_expires_at = NULL, provider_called_at = NULL, provider_message_id = '', "
            "send_at = %s + make_interval(secs => %s * (t.n - 1)) "
            "FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(id, n) WHERE m.id = t.id",
            [send_at, step, ids],
        )
        cursor.execute("DELETE FROM orders_domainevent WHERE kind LIKE 'message.%%'")
    connection.close()
    _vacuum()


def _vacuum() -> None:
    from django.db import connection

    with psycopg.connect(_conninfo(connection.settings_dict, connection.settings_dict["NAME"]), autocommit=True) as c:
        c.execute("VACUUM ANALYZE notifications_message")
        c.execute("VACUUM ANALYZE orders_domainevent")


def count_sent(ids: list[int]) -> int:
    from notifications.models import Message, MessageState

    return Message.objects.filter(pk__in=ids, state=MessageState.SENT).count()


def run_ours(ids: list[int], profile: bool = False) -> tuple[float, int, str]:
    from notifications.models import Message
    from notifications.services import messages_dispatch_due

    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    while messages_dispatch_due(limit=BATCH) or Message.objects.due(_now()).exists():
        pass
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    report = ""
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        stats.sort_stats("cumulative").print_stats(35)
        stats.sort_stats("tottime").print_stats(25)
        report = out.getvalue()
    return elapsed, count_sent(ids), report


def time_rendering(ids: list[int]) -> float:
    """Seconds to build the context and render every message of `ids`, rows and relations
    loaded beforehand: the share of (a) that is templates, not queue work."""
    from notifications.context import message_context
    from notifications.models import Message
    from notifications.rendering import render

    messages = list(
        Message.objects.filter(pk__in=ids)
        .select_related("store", "customer", "order__store", "shipment")
        .prefetch_related("order__line_items__product", "order__shipments", "shipment__items")
    )
    started = time.perf_counter()
    for m in messages:
        render(kind=m.kind, channel=m.channel, locale=m.locale, context=message_context(m))
    return time.perf_counter() - started


def _now():
    from django.utils import timezone

    return timezone.now()


def run_bare(ids: list[int]) -> tuple[float, int]:
    from django.db import connection

    info = _conninfo(connection.settings_dict, connection.settings_dict["NAME"])
    done = 0
    with psycopg.connect(info) as raw:
        started = time.perf_counter()
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
                cursor.execute(
                    "UPDATE notifications_message SET state = 'sent', sent_at = now() WHERE id = ANY(%s)", [batch]
                )
                done += len(batch)
        elapsed = time.perf_counter() - started
    return elapsed, done


def run_floor(ids: list[int]) -> tuple[float, int]:
    """(b) plus the statements (a) cannot do without, in raw psycopg with no Python around them:
    lock, read the rows and the suppressions, claim and mark in one UPDATE, commit; then mark them
    sent with per-row provider ids and insert their timeline events, commit. The floor for (a)."""
    from django.db import connection

    info = _conninfo(connection.settings_dict, connection.settings_dict["NAME"])
    done = 0
    with psycopg.connect(info) as raw:
        started = time.perf_counter()
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
                rows = cursor.execute(
                    "SELECT m.id, m.store_id, m.order_id, m.customer_id, m.kind, m.channel, m.recipient, o.status, "
                    "c.timezone, s.timezone FROM notifications_message m JOIN orders_store s ON s.id = m.store_id "
                    "LEFT JOIN orders_order o ON o.id = m.order_id LEFT JOIN orders_customer c ON c.id = m.customer_id "
                    "WHERE m.id = ANY(%s) ORDER BY m.send_at, m.id",
                    [batch],
                ).fetchall()
                cursor.execute(
                    "SELECT channel, address FROM notifications_suppression WHERE address = ANY(%s)",
                    [[row[6] for row in rows]],
                )
                cursor.execute(
                    "UPDATE notifications_message SET state = 'sending', lease_expires_at = now() + interval '5 min', "
                    "attempts = attempts + 1, provider_called_at = now(), updated_at = now() WHERE id = ANY(%s)",
                    [batch],
                )
            with raw.transaction(), raw.cursor() as cursor:
                cursor.execute(
                    "UPDATE notifications_message SET state = 'sent', sent_at = now(), provider_message_id = 'null-' || id, "
                    "last_error = '', lease_expires_at = NULL, provider_called_at = NULL, updated_at = now() "
                    "WHERE id = ANY(%s)",
                    [batch],
                )
                cursor.execute(
                    "INSERT INTO orders_domainevent (store_id, order_id, customer_id, kind, data, actor, created_at) "
                    "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::text[], %s::jsonb[], "
                    "%s::text[], %s::timestamptz[])",
                    [
                        [row[1] for row in rows],
                        [row[2] for row in rows],
                        [row[3] for row in rows],
                        ["message.sent"] * len(rows),
                        [Jsonb({"message_id": r[0], "kind": r[4], "channel": r[5], "reason": ""}) for r in rows],
                        ["outbox"] * len(rows),
                        [_now()] * len(rows),
                    ],
                )
            done += len(batch)
        elapsed = time.perf_counter() - started
    return elapsed, done


def run_celery(ids: list[int], worker: bool) -> tuple[float, int]:
    from notifications.models import Message, MessageState
    from notifications.services import messages_claim
    from notifications.tasks import messages_deliver_task

    started = time.perf_counter()
    while batch := messages_claim(limit=BATCH):
        messages_deliver_task.delay(batch)
    if worker:
        pending = Message.objects.filter(pk__in=ids, state__in=[MessageState.SCHEDULED, MessageState.SENDING])
        while pending.exists():
            time.sleep(0.02)
    return time.perf_counter() - started, count_sent(ids)


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
        began = time.perf_counter()
        messages_dispatch_due(limit=BATCH)
        sweep_total += time.perf_counter() - began
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


def start_worker(concurrency: int, env: dict) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv" / "bin" / "celery"),
        "-A",
        "postpurchase",
        "worker",
        "-l",
        "warning",
        "-c",
        str(concurrency),
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)  # noqa: S603 - our own venv's celery


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000, help="Due messages for (a), (b), (c).")
    parser.add_argument("--lag-messages", type=int, default=1_000, help="Messages due over --spread for (d).")
    parser.add_argument("--spread", type=float, default=10.0, help="Seconds over which (d)'s messages fall due.")
    parser.add_argument("--period", type=float, default=1.0, help="Sweep period for (d), seconds (beat: 5).")
    parser.add_argument("--worker", type=int, default=0, help="(c) on a real worker with N processes, not eager.")
    parser.add_argument("--profile", action="store_true", help="cProfile (a) and print the hot spots.")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database afterwards.")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL to a scratch PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/bench_outbox")
        return 2
    cfg = dj_database_url.parse(url)
    scratch = cfg["NAME"]
    if scratch in ("", "postgres", "template0", "template1"):
        print(f"DATABASE_URL must name a scratch database to create and drop, not {scratch!r}")
        return 2
    with psycopg.connect(_conninfo(cfg, "postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {scratch}")

    broker = tempfile.TemporaryDirectory(prefix="bench-outbox-")
    os.environ["VAR_DIR"] = broker.name  # the embedded broker's folders, shared with --worker
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postpurchase.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from postpurchase.celery import app

    logging.getLogger("kombu").setLevel(logging.ERROR)  # the filesystem broker has no host name; fine
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    settings.MESSAGE_SENDERS = NULL_SENDERS
    worker = None
    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        ids, warm_ids = setup_rows(args.messages, WARM_UP + args.lag_messages)
        lag_ids, warm_ids = warm_ids[WARM_UP:], warm_ids[:WARM_UP]
        from notifications.models import Message

        Message.objects.filter(pk__in=lag_ids).update(state="cancelled")  # kept for (d)
        print(
            f"setup: {args.messages:,} due messages on {len(ids) // PER_ORDER:,} orders in {time.perf_counter() - started:.1f}s"
        )

        from notifications.services import messages_dispatch_due

        settings.MESSAGE_SENDERS = {}  # warm the email channel too: templates, CSS inliner
        messages_dispatch_due(limit=BATCH, max_batches=WARM_UP // BATCH)  # warm-up: templates, pool
        settings.MESSAGE_SENDERS = NULL_SENDERS
        assert count_sent(warm_ids) == WARM_UP, "the warm-up messages were not sent"
        _vacuum()

        ours, ours_sent, profile = run_ours(ids, args.profile)
        assert ours_sent == len(ids), f"ours sent {ours_sent} of {len(ids)}"

        reset(ids)
        bare, bare_sent = run_bare(ids)
        assert bare_sent == len(ids), f"bare sent {bare_sent} of {len(ids)}"
        reset(ids)
        floor, floor_sent = run_floor(ids)
        assert floor_sent == len(ids), f"the floor sent {floor_sent} of {len(ids)}"

        if args.worker:
            (Path(broker.name) / "bench_worker_settings.py").write_text(WORKER_SETTINGS)
            env = {
                **os.environ,
                "PYTHONPATH": os.pathsep.join(filter(None, [broker.name, os.environ.get("PYTHONPATH")])),
                "DJANGO_SETTINGS_MODULE": "bench_worker_settings",
                "DEBUG": "false",
                "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-" + "x" * 50,
                "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
                "LOG_LEVEL": "WARNING",
            }
            app.conf.task_always_eager = False
            for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
                Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key]).mkdir(parents=True, exist_ok=True)
            worker = start_worker(args.worker, env)
            reset(warm_ids)  # warm the worker up the same way, and wait until it is really up
            from notifications.services import messages_claim
            from notifications.tasks import messages_deliver_task

            while batch := messages_claim(limit=BATCH):
                messages_deliver_task.delay(batch)
            deadline = time.monotonic() + 60
            while count_sent(warm_ids) < WARM_UP and time.monotonic() < deadline:
                time.sleep(0.1)
            assert count_sent(warm_ids) == WARM_UP, "the worker did not deliver the warm-up"
        reset(ids)
        celery, celery_sent = run_celery(ids, worker=bool(args.worker))
        assert celery_sent == len(ids), f"Celery sent {celery_sent} of {len(ids)}"
        if worker:
            worker.terminate()
            worker.wait(timeout=30)
            worker = None
            app.conf.task_always_eager = True

        reset(ids)
        settings.MESSAGE_SENDERS = {}
        rendered, rendered_sent, _ = run_ours(ids)
        assert rendered_sent == len(ids), f"ours through the email channel sent {rendered_sent} of {len(ids)}"
        settings.MESSAGE_SENDERS = NULL_SENDERS
        rendering = time_rendering(ids)

        Message.objects.filter(pk__in=ids).update(state="cancelled")  # only (d)'s rows are due now
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
        row("    floor: (b) + the reads and writes (a) needs, psycopg", floor)
        row(f"(c) Celery: a deliver task per 100, no-op ({how.split(',')[0]})", celery)
        row("(e) ours through the email channel (renders)", rendered)
        print(
            f"    rendering alone (context + templates): {rendering:.2f} s, {rendering / n * 1000:.2f} ms a message; "
            f"(e) - (a): {rendered - ours:.2f} s"
        )
        print(f"targets: (a)/(b) >= 0.5 (aim 0.8), (c)/(b) >= 0.35. (c) ran {how}.")
        print()
        print(
            f"(d) due -> sent lag, sweeper alone every {args.period:g} s (beat default: 5 s), "
            f"{len(lag_ids):,} messages due over {args.spread:g} s, {len(by_sweep_end):,} sent, "
            f"{sweeping:.1f} s spent sweeping:"
        )
        print(f"    {'measured by':30} {'p50 s':>7} {'p99 s':>7} {'max s':>7}")
        for label, values in (("sent_at (batch start)", by_sent_at), ("end of the sweep that sent it", by_sweep_end)):
            print(
                f"    {label:30} {_percentile(values, 50):7.2f} {_percentile(values, 99):7.2f} "
                f"{max(values, default=float('nan')):7.2f}"
            )
        if by_sent_at:
            print(f"    mean {statistics.mean(by_sent_at):.2f} s by sent_at")
        if profile:
            print()
            print(profile)
    finally:
        if worker:
            worker.terminate()
            worker.wait(timeout=30)
        connection.close()
        if connection.settings_dict.get("OPTIONS", {}).get("pool"):
            connection.close_pool()
        broker.cleanup()
        if not args.keep:
            with psycopg.connect(_conninfo(cfg, "postgres"), autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
