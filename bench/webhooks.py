"""How fast do we take Shopify `orders/create` webhooks, next to a bare one-INSERT view and a raw floor?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_webhooks .venv/bin/python bench/webhooks.py

DATABASE_URL names a scratch database; it is created afresh (dropped first if a previous run left
it), migrated, and dropped at the end unless --keep. Settings: postpurchase.settings.test with
Celery not eager (a delivery only nudges the broker; no worker runs) plus a bench-only URLconf,
both written to a temp directory, so no bench view is part of the app.

1. Seed one store with a Shopify secret, and deliver one order in process so its flows, settings
   and loyalty programme exist, as in a store that has taken orders before.
2. Count the statements of one more delivery in process (test Client + CaptureQueriesContext):
   all of them, and without BEGIN/COMMIT/SAVEPOINT/RELEASE; the transactions; and the floor's.
3. Start gunicorn (--workers sync workers) and POST --deliveries signed deliveries with distinct
   event and order ids from --clients threads (http.client keep-alive) to (a) our endpoint,
   (b) a bare view doing one INSERT, (c) the raw-psycopg floor (bench/webhooks_floor.py), in
   A B C C B A halves so a slow spell of the shared machine weighs on all alike.
4. Print req/s, p50/p99 latency, ratios a/b and a/c (target a/c >= 0.5); then our endpoint paced
   at half its measured rate, whose p99 should be <= 100 ms.

Loopback only; every step is bounded in time. Not part of the test run; see bench/README.md.
"""

import contextlib
import http.client
import itertools
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import (
    parse_with_keep,
    parser_for,
    percentile,
    scratch_config,
    scratch_database,
    setup_django,
)
from tracking_load import free_port, log_tail, start_gunicorn, stop_gunicorn, wait_until_up

SECRET = "bench-shopify-secret"  # noqa: S105 - a scratch store of the run
RATIO_TARGET, STATEMENT_TARGET, P99_TARGET_MS = 0.5, 10, 100
CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")

BENCH_SETTINGS = """from postpurchase.settings.test import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
CELERY_TASK_ALWAYS_EAGER = False  # a delivery nudges the broker; no worker runs
if REDIS_URL:  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = {prefix!r}  # noqa: F405
"""
BENCH_URLS = """import sys

sys.path.append({bench!r})

from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from postpurchase.urls import urlpatterns as app_urlpatterns
from webhooks_floor import floor


@csrf_exempt
def bare(request, store_slug):
    \"\"\"(b): the same middleware, the body read, one INSERT (autocommitted), a tiny response.\"\"\"
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_hit (body) VALUES (%s)", [request.body.decode()])
    return HttpResponse("ok")


urlpatterns = [
    path("bench/bare/<slug:store_slug>/", bare),
    path("bench/floor/<slug:store_slug>/", floor),
    *app_urlpatterns,
]
"""


def signed(first: int, count: int) -> list[tuple[bytes, dict]]:
    """`count` signed orders/create deliveries, order and event ids distinct from `first` on."""
    from tests.orders.shopify_payloads import order_payload, shopify_headers

    made = []
    for n in range(first, first + count):
        email = f"w{n}@example.com"
        payload = order_payload(id=7_000_000 + n, name=f"#W{n}", order_number=50_000 + n, email=email)
        payload["customer"] = {**payload["customer"], "id": 8_000_000 + n, "email": email}
        body = json.dumps(payload).encode()
        headers = shopify_headers(body, secret=SECRET, topic="orders/create")
        made.append((body, {**headers, "Content-Type": "application/json"}))
    return made


def seed() -> None:
    from django.db import connection
    from django.test import Client

    from orders.models import Store

    Store.objects.create(slug="acme", name="Acme Outfitters", currency="EUR", shopify_secret=SECRET)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_hit (id bigserial PRIMARY KEY, body text NOT NULL)")
    body, headers = signed(9_000_000, 1)[0]
    Client().post("/webhooks/shopify/acme/", data=body, content_type="application/json", headers=headers)


def count_statements() -> dict[str, int]:
    """Ours and the floor's statements for one new order, in process."""
    import webhooks_floor
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    (ours_body, ours_headers), (floor_body, floor_headers) = signed(9_000_001, 2)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            "/webhooks/shopify/acme/", data=ours_body, content_type="application/json", headers=ours_headers
        )
    assert response.status_code == 200, response.content
    sql = [q["sql"].lstrip() for q in captured.captured_queries]
    before = webhooks_floor.STATEMENTS[0]
    response = client.post(
        "/bench/floor/acme/", data=floor_body, content_type="application/json", headers=floor_headers
    )
    assert response.status_code == 200, response.content
    return {
        "all": len(sql),
        "work": sum(1 for s in sql if not s.upper().startswith(CONTROL)),
        "transactions": sum(1 for s in sql if s.upper().startswith("BEGIN")),
        "savepoints": sum(1 for s in sql if s.upper().startswith("SAVEPOINT")),
        "floor": webhooks_floor.STATEMENTS[0] - before,
    }


def post_load(port: int, path: str, work: list[tuple[bytes, dict]], clients: int, rate: float = 0) -> dict:
    """POST every delivery of `work` from `clients` threads, each with a keep-alive connection;
    at `rate` a second if given (delivery i not before start + i/rate), else as fast as they go.
    Returns {rate, latencies (ms), errors}."""
    next_index = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]
    start = time.monotonic()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while True:
            with lock:
                i = next(next_index)
            if i >= len(work):
                break
            if rate:
                delay = start + i / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            body, headers = work[i]
            sent = time.monotonic()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
            with lock:
                if ok:
                    latencies.append((time.monotonic() - sent) * 1000)
                else:
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return {"rate": len(latencies) / (time.monotonic() - start), "latencies": latencies, "errors": errors[0]}


def main() -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--deliveries", type=int, default=1200, help="Deliveries per target (in two halves).")
    parser.add_argument("--clients", type=int, default=8, help="Concurrent clients.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers.")
    parser.add_argument("--show-queries", action="store_true", help="Print the SQL of our delivery.")
    args = parse_with_keep(parser)
    cfg = scratch_config("postgres://postgres@127.0.0.1:5432/bench_webhooks")
    if cfg is None:
        return 2
    with scratch_database(cfg, cfg["NAME"], keep=args.keep):
        workdir = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
        try:
            prefix = f"bench-webhooks-{os.getpid()}"
            (workdir / "bench_settings.py").write_text(BENCH_SETTINGS.format(prefix=prefix))
            (workdir / "bench_urls.py").write_text(BENCH_URLS.format(bench=str(Path(__file__).resolve().parent)))
            os.environ["VAR_DIR"] = str(workdir)
            os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
            setup_django(str(workdir))
            logging.getLogger("kombu").setLevel(logging.ERROR)
            return measure(args, workdir)
        finally:
            with contextlib.suppress(Exception):  # a Redis gone away must not keep the database from being dropped
                purge_redis(prefix)
            shutil.rmtree(workdir, ignore_errors=True)


def purge_redis(prefix: str) -> None:
    """Delete the run's cache keys and the nudges it queued, when the broker and cache are Redis."""
    from django.conf import settings
    from django.core.cache import cache

    if not settings.REDIS_URL:
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.delete("celery")


def measure(args, workdir: Path) -> int:
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    seed()
    counts = count_statements()
    print(f"setup: migrated and seeded in {time.perf_counter() - started:.1f}s")
    verdict = "met" if counts["work"] <= STATEMENT_TARGET else "NOT met"
    print(
        f"statements per delivery, ours: {counts['all']} ({counts['work']} without BEGIN/COMMIT/SAVEPOINT/RELEASE; "
        f"target <= {STATEMENT_TARGET}: {verdict}), {counts['transactions']} transactions, "
        f"{counts['savepoints']} savepoints; floor: {counts['floor']} (BEGIN and COMMIT included)"
    )
    if args.show_queries:
        from django.test.utils import CaptureQueriesContext

        body, headers = signed(9_000_100, 1)[0]
        from django.test import Client

        with CaptureQueriesContext(connection) as captured:
            Client().post("/webhooks/shopify/acme/", data=body, content_type="application/json", headers=headers)
        for query in captured.captured_queries:
            print("    " + query["sql"][:200])
    connection.close()

    port = free_port()
    server = start_gunicorn(port, args.workers, workdir)
    try:
        return load_all(args, workdir, server, port)
    finally:
        stop_gunicorn(server)


def load_all(args, workdir: Path, server, port: int) -> int:
    paths = {
        "(a) ours": "/webhooks/shopify/acme/",
        "(b) bare INSERT": "/bench/bare/acme/",
        "(c) raw floor": "/bench/floor/acme/",
    }
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", server)
    except RuntimeError as exc:
        print(exc, "; gunicorn's log ends with:", *log_tail(workdir), sep="\n    ")
        return 1
    half = max(1, args.deliveries // 2)
    first = itertools.count(step=half)
    for label, path in paths.items():  # warm every worker: imports, prepared statements
        warm = post_load(port, path, signed(next(first), 4 * args.workers), 2)
        if warm["errors"]:
            print(f"{label} at {path} fails; gunicorn's log ends with:", *log_tail(workdir), sep="\n    ")
            return 1
    print(
        f"load: {args.deliveries:,} deliveries per target from {args.clients} clients (threads, http.client "
        f"keep-alive), in A B C C B A halves; gunicorn {args.workers} sync workers on 127.0.0.1:{port}"
    )
    results: dict[str, dict] = {label: {"n": 0, "seconds": 0.0, "latencies": [], "errors": 0} for label in paths}
    for label in [*paths, *reversed(paths)]:
        work = signed(next(first), half)
        result = post_load(port, paths[label], work, args.clients)
        total = results[label]
        total["n"] += len(result["latencies"])
        total["seconds"] += len(result["latencies"]) / result["rate"] if result["rate"] else 0
        total["latencies"] += result["latencies"]
        total["errors"] += result["errors"]
    rates = {}
    for label, total in results.items():
        rates[label] = total["n"] / total["seconds"] if total["seconds"] else 0.0
        lat = total["latencies"]
        print(
            f"    {label:16} {rates[label]:8,.1f} req/s   p50 {percentile(lat, 50):6.1f} ms   "
            f"p99 {percentile(lat, 99):6.1f} ms   ({total['n']:,} ok, {total['errors']} errors)"
        )
        if total["errors"]:
            print("    gunicorn's log ends with:", *log_tail(workdir), sep="\n    ")
    ours = rates["(a) ours"]
    verdict = "met" if ours >= RATIO_TARGET * rates["(c) raw floor"] else "NOT met"
    print(f"ratio ours/bare: {ours / rates['(b) bare INSERT']:.2f}")
    print(f"ratio ours/floor: {ours / rates['(c) raw floor']:.2f}  (target >= {RATIO_TARGET}: {verdict})")
    paced = post_load(port, paths["(a) ours"], signed(next(first), half), args.clients, rate=ours / 2)
    p99 = percentile(paced["latencies"], 99)
    print(
        f"ours paced at {ours / 2:,.1f} req/s (half the maximum): got {paced['rate']:,.1f} req/s, "
        f"p50 {percentile(paced['latencies'], 50):.1f} ms, p99 {p99:.1f} ms "
        f"(target <= {P99_TARGET_MS} ms: {'met' if p99 <= P99_TARGET_MS else 'NOT met'}), {paced['errors']} errors"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
