"""How fast is the customer tracking page, next to a bare Django view that does one indexed query?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_tracking .venv/bin/python bench/tracking_page.py

DATABASE_URL names a scratch database; it is created afresh (dropped first if a previous run left
it, through the server's `postgres` database), migrated, and dropped at the end unless --keep.
Settings: postpurchase.settings.test on that database, plus a bench-only URLconf; both are
written to a temp directory, so no bench view is ever part of the app.

1. Seed one branded store, a few past orders (so the page has recommendations), the measured
   order with --shipments shipments x --events carrier events each (3 x 20), and a small order
   with 1 shipment x 2 events.
2. Count the queries of one request for each order's page, in process (test Client +
   CaptureQueriesContext), after a warm-up request: the count must not grow with shipments or
   events (target: the same for both, at most 3).
3. Start gunicorn on 127.0.0.1 (a free port, --workers processes, sync workers) with the bench
   URLconf: the app's URLs plus /bench/bare/<pk>/, a view that reads one Order by primary key
   and returns a tiny HttpResponse through the same middleware as the page.
4. Load (a) the real signed tracking page of the 3 x 20 order and (b) the bare view, each for
   --duration seconds with --connections connections, with Debian's `wrk` when it is on PATH,
   else a bounded Python load generator (threads, one http.client connection each).
5. Print requests/s of each and the ratio page/bare (target >= 0.4, aim 0.75); stop gunicorn.

Loopback only; every step is bounded in time. Not part of the test run; see bench/README.md.
"""

import argparse
import contextlib
import cProfile
import http.client
import io
import logging
import os
import pstats
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import dj_database_url
import psycopg

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
RATIO_TARGET, RATIO_AIM, QUERY_TARGET = 0.4, 0.75, 3

# Redis (as in production) when REDIS_URL is set, under a key prefix of the run's own, so the
# bench clears and finally deletes only its keys; else each process has its own locmem cache.
BENCH_SETTINGS = """from postpurchase.settings.test import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
if REDIS_URL:  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = {prefix!r}  # noqa: F405
"""
BENCH_URLS = '''from django.http import HttpResponse
from django.urls import path

from orders.models import Order
from postpurchase.urls import urlpatterns as app_urlpatterns


def bare(request, pk):
    """The floor: the same middleware as the page, one indexed query, a tiny response."""
    order = Order.objects.only("number").get(pk=pk)
    return HttpResponse(f"<!doctype html><title>{order.number}</title>")


urlpatterns = [path("bench/bare/<int:pk>/", bare), *app_urlpatterns]
'''
CATALOGUE = [
    ("TEE-1", "Linen tee", "25.00"),
    ("CAP-1", "Wool cap", "19.90"),
    ("SOCK-1", "Alpaca socks", "12.00"),
    ("BELT-1", "Leather belt", "39.00"),
    ("SCARF-1", "Silk scarf", "45.00"),
]
CHECKPOINTS = [
    ("in_transit", "Arrived at the sorting centre", "Leipzig"),
    ("in_transit", "Departed the sorting centre", "Leipzig"),
    ("in_transit", "Arrived at the delivery depot", "Berlin"),
]


def _conninfo(cfg: dict, dbname: str) -> str:
    parts = {"host": cfg["HOST"], "port": cfg["PORT"], "user": cfg["USER"], "password": cfg["PASSWORD"]}
    return " ".join(f"{k}={v}" for k, v in parts.items() if v) + f" dbname={dbname}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(shipments: int, events: int) -> dict[str, object]:
    """The measured order (shipments x events), a small one (1 x 2), and history for recommendations."""
    from django.utils import timezone

    from orders.inputs import LineItemInput, OrderInput, ShipmentItemInput
    from orders.models import OrderSource, Store
    from orders.services import order_upsert, shipment_upsert, tracking_event_add

    store = Store.objects.create(
        slug="acme",
        name="Acme Outfitters",
        currency="EUR",
        primary_color="#0b5394",
        support_email="help@acme.example",
    )

    def place(number: str, email: str, skus: list[str], quantity: int = 1):
        items = [
            LineItemInput(sku=sku, title=title, quantity=quantity, unit_price=Decimal(price))
            for sku, title, price in CATALOGUE
            if sku in skus
        ]
        data = OrderInput(
            number=number,
            external_id=number,
            email=email,
            currency="EUR",
            first_name="Ada",
            last_name="Lovelace",
            shipping_address={"name": "Ada Lovelace", "line1": "1 Analytical St", "city": "Berlin", "country": "DE"},
            line_items=items,
        )
        order, _ = order_upsert(store=store, data=data, source=OrderSource.API)
        return order

    for n in range(20):  # bought together with what the measured order holds
        place(f"#{900 + n}", f"past{n}@example.com", ["TEE-1", "CAP-1", "SOCK-1"] if n % 2 else ["TEE-1", "BELT-1"])

    def ship(order, count: int, per_shipment: int) -> None:
        now = timezone.now()
        line_items = list(order.line_items.all())
        for s in range(count):
            items = [ShipmentItemInput(line_item_id=line_items[s % len(line_items)].pk, quantity=1)]
            shipment, _ = shipment_upsert(
                order=order, carrier="DHL", tracking_number=f"JD{order.pk:04}{s:04}", items=items
            )
            start = now - timedelta(days=3, hours=s)
            tracking_event_add(
                shipment=shipment,
                occurred_at=start,
                status="info_received",
                message="Shipment information received",
                location="Hamburg",
            )
            for e in range(1, per_shipment):
                status, message, location = CHECKPOINTS[e % len(CHECKPOINTS)]
                tracking_event_add(
                    shipment=shipment,
                    occurred_at=start + timedelta(minutes=90 * e),
                    status=status,
                    message=f"{message} ({e})",
                    location=location,
                )

    # Up to three line items, enough of each that every shipment takes one.
    big = place("#1042", "ada@example.com", ["TEE-1", "SCARF-1", "BELT-1"][: min(shipments, 3)], quantity=shipments)
    ship(big, shipments, events)
    small = place("#1043", "grace@example.com", ["TEE-1"])
    ship(small, 1, 2)
    return {"big": big, "small": small}


def cache_clear() -> None:
    """Forget what the bench cached: the locmem cache, or only the run's own keys in Redis."""
    from django.core.cache import cache

    prefix = cache.key_prefix
    if not prefix:  # locmem: this process's alone
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


def count_queries(path: str) -> tuple[int, int, int, list[str]]:
    """(status, queries with a cold cache, queries once warm, the warm ones' SQL) of a GET of
    `path`, in process: the first request after clearing the cache, then a second one."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    cache_clear()
    with CaptureQueriesContext(connection) as cold:
        client.get(path)
    with CaptureQueriesContext(connection) as warm:
        response = client.get(path)
    return response.status_code, len(cold), len(warm), [q["sql"] for q in warm.captured_queries]


def time_in_process(path: str, n: int = 100) -> float:
    """Milliseconds per GET of `path` through the test Client (middleware, view, no HTTP), warm."""
    from django.test import Client

    client = Client()
    for _ in range(5):
        client.get(path)
    started = time.perf_counter()
    for _ in range(n):
        client.get(path)
    return (time.perf_counter() - started) / n * 1000


def profile(path: str, n: int = 100) -> str:
    from django.test import Client

    client = Client()
    client.get(path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        client.get(path)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    return out.getvalue()


def _log_tail(workdir: Path, lines: int = 20) -> list[str]:
    return (workdir / "gunicorn.log").read_text(errors="replace").splitlines()[-lines:]


def start_gunicorn(port: int, workers: int, workdir: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(workdir), str(ROOT), os.environ.get("PYTHONPATH")])),
        "DJANGO_SETTINGS_MODULE": "bench_settings",
    }
    command = [
        str(VENV_BIN / "gunicorn"),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "postpurchase.wsgi:application",
    ]
    log = (workdir / "gunicorn.log").open("w")
    # A session of its own, so the whole group (master and workers) can be stopped together.
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603 - our own venv's gunicorn


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def wait_until_up(url: str, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited before serving")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout:g}s")


def warm(url: str, n: int = 20) -> int:
    """GET `url` n times (every worker imports and compiles templates); the last status."""
    status = 0
    for _ in range(n):
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            response.read()
            status = response.status
    return status


def load_wrk(url: str, duration: int, connections: int) -> tuple[float, int, int]:
    """(requests/s, requests, errors) from wrk."""
    threads = max(1, min(2, connections))
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", url]
    out = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30, check=True).stdout  # noqa: S603
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        errors += int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in match.groups())
    return rate, total, errors


def load_python(url: str, duration: int, connections: int) -> tuple[float, int, int]:
    """(requests/s, requests, errors): `connections` threads, each with its own http.client
    connection, GET in a loop until the deadline. Slower than wrk (the GIL), so it measures less."""
    match = re.match(r"http://([^:/]+):(\d+)(/.*)", url)
    host, port, path = match.group(1), int(match.group(2)), match.group(3)
    counts = [0] * connections
    errors = [0] * connections
    start = time.monotonic()
    deadline = start + duration

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=5)
        while time.monotonic() < deadline:
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    counts[i] += 1
                else:
                    errors[i] += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 10)
    elapsed = time.monotonic() - start
    return sum(counts) / elapsed, sum(counts), sum(errors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shipments", type=int, default=3, help="Shipments of the measured order.")
    parser.add_argument("--events", type=int, default=20, help="Carrier events per shipment.")
    parser.add_argument("--duration", type=int, default=10, help="Seconds of load on each URL.")
    parser.add_argument("--connections", type=int, default=8, help="Concurrent connections.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")
    parser.add_argument("--load", choices=["auto", "wrk", "python"], default="auto", help="Load generator.")
    parser.add_argument("--show-queries", action="store_true", help="Print the SQL of the measured page.")
    parser.add_argument("--profile", action="store_true", help="cProfile the page in process; the hot spots.")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database afterwards.")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print(
            "Set DATABASE_URL to a scratch PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/bench_tracking"
        )
        return 2
    cfg = dj_database_url.parse(url)
    scratch = cfg["NAME"]
    if scratch in ("", "postgres", "template0", "template1"):
        print(f"DATABASE_URL must name a scratch database to create and drop, not {scratch!r}")
        return 2
    use_wrk = args.load == "wrk" or (args.load == "auto" and shutil.which("wrk"))
    if args.load == "wrk" and not shutil.which("wrk"):
        print("wrk is not on PATH (apt-get install -y wrk), or use --load python")
        return 2
    with psycopg.connect(_conninfo(cfg, "postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {scratch}")

    workdir = Path(tempfile.mkdtemp(prefix="bench-tracking-"))
    (workdir / "bench_settings.py").write_text(BENCH_SETTINGS.format(prefix=f"bench-tracking-{os.getpid()}"))
    (workdir / "bench_urls.py").write_text(BENCH_URLS)
    os.environ["VAR_DIR"] = str(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    sys.path[:0] = [str(workdir), str(ROOT)]
    import django

    django.setup()
    logging.getLogger("kombu").setLevel(logging.ERROR)  # eager Celery's nudges while seeding; no broker needed
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    from tracking.links import order_token

    def track_path(order) -> str:
        return reverse("tracking:page", kwargs={"token": order_token(order)})

    server = None
    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        orders = seed(args.shipments, args.events)
        big, small = orders["big"], orders["small"]
        print(
            f"setup: migrated and seeded in {time.perf_counter() - started:.1f}s; measured order {big.number}: "
            f"{args.shipments} shipments x {args.events} events"
        )

        page_path, bare_path = track_path(big), f"/bench/bare/{big.pk}/"
        counts, cold_counts = {}, {}
        for label, order in (("1x2", small), (f"{args.shipments}x{args.events}", big)):
            status, cold, warm_count, sql = count_queries(track_path(order))
            if status != 200:
                print(f"the tracking page of {order.number} answered {status}, not 200")
                return 1
            counts[label], cold_counts[label] = warm_count, cold
            if args.show_queries and order is big:
                for statement in sql:
                    print(f"    {statement}")
        constant = len(set(counts.values())) == 1
        worst = max(counts.values())
        print(
            "queries per page (shipments x events), cache warm: "
            + ", ".join(f"{label}: {n}" for label, n in counts.items())
            + f" -> {'constant' if constant else 'GROWS with shipments/events'}; "
            f"target <= {QUERY_TARGET}: {'met' if constant and worst <= QUERY_TARGET else 'NOT met'}"
        )
        print("    first request, cache cold: " + ", ".join(f"{label}: {n}" for label, n in cold_counts.items()))
        page_ms, bare_ms = time_in_process(page_path), time_in_process(bare_path)
        print(
            f"in process (test Client, no HTTP): page {page_ms:.2f} ms, bare {bare_ms:.2f} ms a request "
            f"(ratio {bare_ms / page_ms:.2f})"
        )
        if args.profile:
            print(profile(page_path))
        connection.close()  # the in-process part is done; gunicorn's workers hold their own connections

        port = _free_port()
        server = start_gunicorn(port, args.workers, workdir)
        base = f"http://127.0.0.1:{port}"
        targets = {"(a) tracking page": base + page_path, "(b) bare view": base + bare_path}
        try:
            wait_until_up(targets["(b) bare view"], server)
        except RuntimeError as exc:
            print(exc, "; gunicorn's log ends with:", *_log_tail(workdir), sep="\n    ")
            return 1
        for label, target in targets.items():
            if warm(target) != 200:
                print(f"{label} at {target} does not answer 200")
                return 1

        generator = "wrk" if use_wrk else "python (threads + http.client)"
        load = load_wrk if use_wrk else load_python
        print(
            f"load: {generator}, {args.duration}s x {args.connections} connections per URL (in A B B A halves), "
            f"gunicorn {args.workers} sync workers on 127.0.0.1:{port}"
        )
        # A B B A, half the time each: a slow spell of the machine (2 cores shared with the load
        # generator) weighs on both URLs alike instead of on whichever ran second.
        half = max(1, args.duration // 2)
        totals = {label: [0, 0, 0.0] for label in targets}  # requests, errors, seconds
        for label in [*targets, *reversed(targets)]:
            rate, total, errors = load(targets[label], half, args.connections)
            totals[label][0] += total
            totals[label][1] += errors
            totals[label][2] += total / rate if rate else half
        rates = {}
        for label, (total, errors, seconds) in totals.items():
            rate = rates[label] = total / seconds
            print(f"    {label:20} {rate:9,.1f} req/s  ({total:,} requests, {errors} errors)")
            if errors:
                print(
                    f"    {label} had {errors} failed requests; gunicorn's log ends with:",
                    *_log_tail(workdir),
                    sep="\n    ",
                )
        ratio = rates["(a) tracking page"] / rates["(b) bare view"]
        verdict = "met" if ratio >= RATIO_TARGET else "NOT met"
        print(f"ratio page/bare: {ratio:.2f}  (target >= {RATIO_TARGET}, aim {RATIO_AIM}: {verdict})")
    finally:
        if server is not None:
            stop_gunicorn(server)
        with contextlib.suppress(Exception):  # a Redis gone away must not keep the database from being dropped
            cache_clear()
        connection.close()
        if connection.settings_dict.get("OPTIONS", {}).get("pool"):
            connection.close_pool()
        shutil.rmtree(workdir, ignore_errors=True)
        if not args.keep:
            with psycopg.connect(_conninfo(cfg, "postgres"), autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
