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

import contextlib
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import parse_with_keep, parser_for, profiled, scratch_config, scratch_database, setup_django
from tracking_load import free_port, load_python, load_wrk, log_tail, start_gunicorn, stop_gunicorn, wait_until_up, warm
from tracking_seed import seed

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


def profile(path: str, n: int = 300) -> str:
    """cProfile of `n` warm GETs of `path`: the top functions by own time, then by cumulative time."""
    from django.test import Client

    client = Client()
    client.get(path)
    _, report = profiled(
        lambda: [client.get(path) for _ in range(n)], ("tottime", 25), ("cumulative", 45), strip_dirs=True
    )
    return report


def main() -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--shipments", type=int, default=3, help="Shipments of the measured order.")
    parser.add_argument("--events", type=int, default=20, help="Carrier events per shipment.")
    parser.add_argument("--duration", type=int, default=10, help="Seconds of load on each URL.")
    parser.add_argument("--connections", type=int, default=8, help="Concurrent connections.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")
    parser.add_argument("--load", choices=["auto", "wrk", "python"], default="auto", help="Load generator.")
    parser.add_argument("--show-queries", action="store_true", help="Print the SQL of the measured page.")
    parser.add_argument("--profile", action="store_true", help="cProfile the page in process; the hot spots.")
    args = parse_with_keep(parser)

    cfg = scratch_config("postgres://postgres@127.0.0.1:5432/bench_tracking")
    if cfg is None:
        return 2
    use_wrk = args.load == "wrk" or (args.load == "auto" and shutil.which("wrk"))
    if args.load == "wrk" and not shutil.which("wrk"):
        print("wrk is not on PATH (apt-get install -y wrk), or use --load python")
        return 2
    with scratch_database(cfg, cfg["NAME"], keep=args.keep):
        workdir = Path(tempfile.mkdtemp(prefix="bench-tracking-"))
        try:
            (workdir / "bench_settings.py").write_text(BENCH_SETTINGS.format(prefix=f"bench-tracking-{os.getpid()}"))
            (workdir / "bench_urls.py").write_text(BENCH_URLS)
            os.environ["VAR_DIR"] = str(workdir)
            os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
            setup_django(str(workdir))
            logging.getLogger("kombu").setLevel(logging.ERROR)  # eager Celery's nudges while seeding; no broker needed
            return measure(args, workdir, bool(use_wrk))
        finally:
            with contextlib.suppress(Exception):  # a Redis gone away must not keep the database from being dropped
                cache_clear()
            shutil.rmtree(workdir, ignore_errors=True)


def measure(args, workdir: Path, use_wrk: bool) -> int:
    """Steps 1-2 in process, then 3-5 through gunicorn (stopped on the way out)."""
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    from tracking.links import order_token

    def track_path(order) -> str:
        return reverse("tracking:page", kwargs={"token": order_token(order)})

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
        print(
            "profile of the page, warm:", profile(page_path), "profile of the bare view:", profile(bare_path), sep="\n"
        )
    connection.close()  # the in-process part is done; gunicorn's workers hold their own connections

    port = free_port()
    server = start_gunicorn(port, args.workers, workdir)
    try:
        return load_both(args, workdir, server, port, page_path, bare_path, use_wrk)
    finally:
        stop_gunicorn(server)


def load_both(args, workdir: Path, server, port: int, page_path: str, bare_path: str, use_wrk: bool) -> int:
    """Steps 4-5: (a) the page and (b) the bare view under the same load, A B B A; the ratio."""
    base = f"http://127.0.0.1:{port}"
    targets = {"(a) tracking page": base + page_path, "(b) bare view": base + bare_path}
    try:
        wait_until_up(targets["(b) bare view"], server)
    except RuntimeError as exc:
        print(exc, "; gunicorn's log ends with:", *log_tail(workdir), sep="\n    ")
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
                *log_tail(workdir),
                sep="\n    ",
            )
    ratio = rates["(a) tracking page"] / rates["(b) bare view"]
    verdict = "met" if ratio >= RATIO_TARGET else "NOT met"
    print(f"ratio page/bare: {ratio:.2f}  (target >= {RATIO_TARGET}, aim {RATIO_AIM}: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
