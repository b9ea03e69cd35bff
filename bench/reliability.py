"""Does the outbox keep its promise under faults? Real workers, a real Redis, kill -9 and an outage.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reliability .venv/bin/python bench/reliability.py \
        [--messages 10000] [--workers 2] [--threads 2] [--spread 120] [--outage 30] [--lease 60] [--keep]

DATABASE_URL names a scratch database: created afresh, migrated, dropped at the end unless --keep.
By hand, not part of the test run; see bench/README.md for a run's output.

1. Start a private redis-server on a free port (broker and cache), the provider fake of
   provider_fake.py on another (500, 429 and timeouts at set rates; it counts calls and
   acceptances per message id), and seed --messages order confirmations across three stores,
   due evenly over --spread seconds from the start.
2. Start --workers Celery workers (`--pool threads --concurrency --threads`, as the Procfile)
   and one beat (the 5 s sweep), with the real email channel pointed at the fake and a lease of
   --lease seconds (OUTBOX_LEASE_SECONDS; production's 300 s would only make the run longer).
3. During the run: kill -9 a worker at 15 % of the spread and another at 75 % (each is
   restarted at once, as a supervisor would), and stop Redis for --outage seconds from 40 %.
4. Wait until every message has reached an end (or --wait seconds passed), then print what the
   database and the provider say: scheduled, sent, failed by reason, in doubt, **lost** (the
   provider never accepted a message the outbox calls sent, or one still waiting at the end),
   **sent twice** (accepted more than once), and the due→sent lag (p50/p99, and the longest for
   messages due during the outage).
5. Then --webhooks signed Shopify `orders/create` deliveries (10 % of them again: half a retry
   with the same event id, half the same order under a new event id) from 16 concurrent clients
   to gunicorn (2 sync workers), while a Celery worker and a gunicorn worker are killed with
   SIGKILL; a client retries a delivery that got no 2xx, as Shopify does. Prints the orders
   created (each must exist exactly once) and the deliveries that never got a 2xx.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from common import (
    BENCH_SECRET_KEY,
    FIRST,
    LAST,
    ROOT,
    free_port,
    parse_with_keep,
    parser_for,
    percentile,
    scratch_config,
    scratch_database,
    setup_django,
    stop_process,
    subprocess_env,
)
from reliability_webhooks import webhook_run

BENCH_DIR = Path(__file__).resolve().parent
PER_ORDER = 5
SETTINGS = """from postpurchase.settings.local import *  # noqa: F403

EMAIL_BACKEND = "provider_fake.EmailBackend"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
"""


def start_redis(port: int, workdir: str) -> subprocess.Popen:
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    redis = subprocess.Popen(command, cwd=workdir, stdout=subprocess.DEVNULL)  # noqa: S603 - Debian's redis-server
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return redis
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("redis-server did not start")


def seed(messages: int, spread: float) -> tuple[float, list[int]]:
    """Three stores, their orders and `messages` confirmations due over `spread` seconds from now.
    Returns (the start, as a timestamp, and the message ids)."""
    from django.utils import timezone

    from notifications import kinds
    from notifications.flows import messaging_for
    from notifications.models import Channel, Message
    from orders.models import Customer, LineItem, Order, Store

    stores = [
        Store.objects.create(slug=f"store{n}", name=f"Store {n}", currency="EUR", support_email=f"help@s{n}.test")
        for n in range(3)
    ]
    for store in stores:
        messaging_for(store)
    orders_needed = -(-messages // PER_ORDER)
    customers = Customer.objects.bulk_create(
        Customer(store=stores[n % 3], email=f"c{n}@example.com", first_name=FIRST[n % 10], last_name=LAST[n // 10 % 10])
        for n in range(orders_needed)
    )
    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(
            store=c.store,
            number=f"#{100000 + n}",
            customer=c,
            email=c.email,
            currency="EUR",
            subtotal=Decimal("25.00"),
            shipping_total=Decimal("4.90"),
            tax_total=Decimal("0"),
            discount_total=Decimal("0"),
            total=Decimal("29.90"),
            shipping_address={"name": c.full_name, "line1": f"{n} Main St", "city": "Berlin", "country": "DE"},
            placed_at=now,
        )
        for n, c in enumerate(customers)
    )
    LineItem.objects.bulk_create(
        LineItem(order=o, sku="TEE-1", title="Linen tee", quantity=1, unit_price=Decimal("25.00")) for o in orders
    )
    start = now + timedelta(seconds=10)  # the workers' start-up
    rows = [
        Message(
            store=orders[n // PER_ORDER].store,
            customer_id=orders[n // PER_ORDER].customer_id,
            order=orders[n // PER_ORDER],
            kind=kinds.ORDER_CONFIRMATION,
            channel=Channel.EMAIL,
            recipient=f"m{n}@example.com",
            send_at=start + timedelta(seconds=spread * n / messages),
            dedupe_key=f"reliability:{n}",
        )
        for n in range(messages)
    ]
    created = Message.objects.bulk_create(rows, batch_size=5000)
    return start.timestamp(), [m.pk for m in created]


class Processes:
    """The workers and the beat this run starts, and the faults it inflicts on them."""

    def __init__(self, env: dict, workdir: str, workers: int, threads: int):
        self.env, self.workdir, self.threads = env, workdir, threads
        self.log = open(Path(workdir) / "workers.log", "ab")  # noqa: SIM115 - closed in stop()
        self.workers = [self._worker(n) for n in range(workers)]
        beat = [str(ROOT / ".venv/bin/celery"), "-A", "postpurchase", "beat", "-l", "warning"]
        beat += ["-s", str(Path(workdir) / "beat-schedule")]
        self.beat = subprocess.Popen(beat, cwd=ROOT, env=env, stdout=self.log, stderr=self.log)  # noqa: S603
        self.kills = 0

    def _worker(self, n: int) -> subprocess.Popen:
        command = [str(ROOT / ".venv/bin/celery"), "-A", "postpurchase", "worker", "-l", "warning"]
        command += ["--pool", "threads", "--concurrency", str(self.threads), "-n", f"w{n}-{time.monotonic_ns()}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        return subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log)  # noqa: S603

    def kill_worker(self, n: int) -> None:
        os.kill(self.workers[n].pid, signal.SIGKILL)
        self.workers[n].wait()
        self.kills += 1
        self.workers[n] = self._worker(n)

    def stop(self) -> None:
        for process in [*self.workers, self.beat]:
            stop_process(process)
        self.log.close()


def settled(ids: list[int]) -> bool:
    from notifications.models import Message, MessageState

    waiting = Message.objects.filter(pk__in=ids, state__in=[MessageState.SCHEDULED, MessageState.SENDING])
    return not waiting.exclude(provider_called_at__isnull=False).exists()


def report(ids: list[int], provider, *, kills: int, threads: int, outage: tuple[float, float], began: float) -> None:
    from django.utils import timezone

    from notifications.models import Message, MessageState

    rows = list(Message.objects.filter(pk__in=ids).values("id", "state", "reason", "send_at", "sent_at"))
    in_doubt = set(Message.objects.filter(pk__in=ids).in_doubt(timezone.now()).values_list("id", flat=True))
    states = Counter(row["state"] for row in rows)
    failed = Counter(row["reason"] for row in rows if row["state"] == MessageState.FAILED and row["id"] not in in_doubt)
    lost = [
        row["id"]
        for row in rows
        if row["id"] not in in_doubt
        and (
            (row["state"] == MessageState.SENT and not provider.accepted[row["id"]])
            or row["state"] in (MessageState.SCHEDULED, MessageState.SENDING)
        )
    ]
    twice = [pk for pk, n in provider.accepted.items() if n > 1]
    accepted_but_failed = [
        row["id"]
        for row in rows
        if row["state"] == MessageState.FAILED and row["id"] not in in_doubt and provider.accepted[row["id"]]
    ]
    lags = [(row["sent_at"] - row["send_at"]).total_seconds() for row in rows if row["sent_at"]]
    start, end = outage
    during = [
        (row["sent_at"] - row["send_at"]).total_seconds()
        for row in rows
        if row["sent_at"] and start <= row["send_at"].timestamp() - began <= end
    ]
    print(f"scheduled (messages)       {len(rows):>7,}")
    for state, n in sorted(states.items()):
        print(f"  {state:<24}{n:>7,}")
    print(f"sent (provider accepted)   {sum(1 for pk in ids if provider.accepted[pk]):>7,}")
    print(f"failed, by reason          {sum(failed.values()):>7,}")
    for reason, n in failed.most_common(5):
        print(f"  {n:>5,}  {reason}")
    print(f"in doubt                   {len(in_doubt):>7,}   (at most threads x kills = {threads * kills})")
    print(f"  of them accepted         {sum(1 for pk in in_doubt if provider.accepted[pk]):>7,}")
    print(f"LOST                       {len(lost):>7,}   (must be 0)")
    print(f"SENT TWICE                 {len(twice):>7,}   (must be 0)")
    print(f"accepted, recorded failed  {len(accepted_but_failed):>7,}   (must be 0)")
    print(f"provider answers           {dict(provider.answers)}")
    print(
        f"due->sent lag              p50 {percentile(lags, 50):.2f} s, p99 {percentile(lags, 99):.2f} s, max {max(lags):.1f} s"
    )
    if during:
        print(f"  due during the outage    p50 {percentile(during, 50):.2f} s, longest {max(during):.1f} s")


def main() -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--spread", type=float, default=120.0, help="Seconds over which the messages fall due.")
    parser.add_argument("--outage", type=float, default=30.0, help="Seconds Redis is stopped.")
    parser.add_argument("--lease", type=int, default=60, help="OUTBOX_LEASE_SECONDS for the workers.")
    parser.add_argument("--wait", type=float, default=900.0, help="Seconds to wait for every message to settle.")
    parser.add_argument("--error-rate", type=float, default=0.03)
    parser.add_argument("--throttle-rate", type=float, default=0.02)
    parser.add_argument("--timeout-rate", type=float, default=0.005)
    parser.add_argument("--webhooks", type=int, default=1000, help="Shopify deliveries after the outbox run (0: none).")
    args = parse_with_keep(parser)
    cfg = scratch_config("postgres://postgres@127.0.0.1:5432/bench_reliability")
    if cfg is None:
        return 2
    workdir = tempfile.mkdtemp(prefix="reliability-")
    (Path(workdir) / "reliability_settings.py").write_text(SETTINGS)
    redis_port = free_port()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="reliability_settings",
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        SECRET_KEY=os.environ.get("SECRET_KEY") or BENCH_SECRET_KEY,
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        OUTBOX_LEASE_SECONDS=str(args.lease),
        LOG_LEVEL="WARNING",
    )
    from provider_fake import Provider, serve

    provider = Provider(
        error_rate=args.error_rate,
        throttle_rate=args.throttle_rate,
        timeout_rate=args.timeout_rate,
        latency=0.002,
        seed=9,
    )
    server = serve(provider)
    fake_url = f"http://127.0.0.1:{server.server_address[1]}/send"
    with scratch_database(cfg, cfg["NAME"], keep=args.keep):
        setup_django(workdir, str(BENCH_DIR))
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        redis = start_redis(redis_port, workdir)
        began, ids = seed(args.messages, args.spread)
        env = subprocess_env(workdir, PYTHONPATH=os.pathsep.join([workdir, str(BENCH_DIR), str(ROOT)]))
        env["FAKE_PROVIDER_URL"] = fake_url
        processes = Processes(env, workdir, args.workers, args.threads)
        print(
            f"{args.messages:,} messages over {args.spread:.0f} s, {args.workers} workers x {args.threads} threads, "
            f"lease {args.lease} s, provider: {args.error_rate:.1%} 500, {args.throttle_rate:.1%} 429, "
            f"{args.timeout_rate:.1%} timeouts"
        )
        at = {
            "kill 1": 0.15 * args.spread,
            "redis down": 0.40 * args.spread,
            "redis up": 0.40 * args.spread + args.outage,
            "kill 2": 0.75 * args.spread,
        }
        outage = (at["redis down"], at["redis up"])
        done = set()
        webhooks_done = False
        try:
            while time.time() - began < args.wait:
                now = time.time() - began
                for event, when in at.items():
                    if event in done or now < when:
                        continue
                    done.add(event)
                    print(f"  t={now:6.1f} s  {event}")
                    if event.startswith("kill"):
                        processes.kill_worker(0 if event == "kill 1" else len(processes.workers) - 1)
                    elif event == "redis down":
                        stop_process(redis)
                    else:
                        redis = start_redis(redis_port, workdir)
                if len(done) == len(at) and settled(ids):
                    print(f"  t={now:6.1f} s  every message settled")
                    break
                time.sleep(1)
            report(ids, provider, kills=processes.kills, threads=args.threads, outage=outage, began=began)
            if args.webhooks:
                webhook_run(env, workdir, processes, args.webhooks)
            webhooks_done = True
        finally:
            processes.stop()
            stop_process(redis)
            server.shutdown()
        print(f"worker, beat and gunicorn logs: {workdir}/workers.log, gunicorn.log")
    return 0 if webhooks_done else 1


if __name__ == "__main__":
    sys.exit(main())
