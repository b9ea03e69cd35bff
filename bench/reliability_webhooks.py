"""The webhook half of bench/reliability.py: signed Shopify deliveries from many clients while
workers are killed; each order must be created exactly once and none lost."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from common import (
    ROOT,
    free_port,
)

SHOPIFY_SECRET = "bench-shopify-secret"  # noqa: S105 - a scratch store of the run
WEBHOOK_CLIENTS = 16


def start_gunicorn(env: dict, port: int, log) -> subprocess.Popen:
    command = [str(ROOT / ".venv/bin/gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", "postpurchase.wsgi:application"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)  # noqa: S603


def deliveries(count: int) -> list[tuple[bytes, dict]]:
    """`count` signed orders/create deliveries: 90 % distinct orders, 10 % repeats of earlier ones
    (half Shopify's retry of the same event, half the same order under a new event)."""
    sys.path.insert(0, str(ROOT))
    from tests.orders.shopify_payloads import order_payload, shopify_headers

    distinct = count - count // 10
    made = []
    for n in range(distinct):
        payload = order_payload(id=7_000_000 + n, name=f"#W{n}", order_number=50_000 + n, email=f"w{n}@example.com")
        payload["customer"] = {**payload["customer"], "id": 8_000_000 + n, "email": f"w{n}@example.com"}
        body = json.dumps(payload).encode()
        made.append((body, shopify_headers(body, secret=SHOPIFY_SECRET, topic="orders/create")))
    for n in range(count - distinct):
        body, headers = made[n * 9]
        if n % 2:
            headers = {**headers, "X-Shopify-Event-Id": str(uuid.uuid4()), "X-Shopify-Webhook-Id": str(uuid.uuid4())}
        made.append((body, headers))
    return made


def deliver(url: str, body: bytes, headers: dict) -> int:
    """POST until a 2xx, as Shopify retries (here at once, up to 8 times); the attempts, or 0."""
    for attempt in range(1, 9):
        request = urllib.request.Request(url, data=body, headers={**headers, "Content-Type": "application/json"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
                if 200 <= response.status < 300:
                    return attempt
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    return 0


def webhook_run(env: dict, workdir: str, processes: Any, count: int) -> None:
    from orders.models import Order, Store

    Store.objects.filter(slug="store0").update(shopify_secret=SHOPIFY_SECRET)
    port = free_port()
    log = open(Path(workdir) / "gunicorn.log", "ab")  # noqa: SIM115 - closed below
    server = start_gunicorn(env, port, log)
    url = f"http://127.0.0.1:{port}/webhooks/shopify/store0/"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
            break
        except OSError:
            time.sleep(0.2)
    work = deliveries(count)
    started = time.monotonic()
    with ThreadPoolExecutor(WEBHOOK_CLIENTS) as pool:
        results = [pool.submit(deliver, url, body, headers) for body, headers in work]
        time.sleep(1.0)
        processes.kill_worker(0)
        children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()  # noqa: S603, S607
        if children:
            os.kill(int(children[0]), signal.SIGKILL)  # a gunicorn worker, mid-request
        attempts = [r.result() for r in results]
    seconds = time.monotonic() - started
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)
    log.close()
    distinct = count - count // 10
    external = [str(7_000_000 + n) for n in range(distinct)]
    found = Counter(
        Order.objects.filter(store__slug="store0", external_id__in=external).values_list("external_id", flat=True)
    )
    print(
        f"\nShopify: {count:,} deliveries ({count - distinct} repeats) from {WEBHOOK_CLIENTS} clients in {seconds:.1f} s, "
        f"a Celery worker and a gunicorn worker killed"
    )
    print(f"  orders created             {len(found):>7,}   (must be {distinct:,})")
    print(f"  created twice              {sum(1 for n in found.values() if n > 1):>7,}   (must be 0)")
    print(f"  deliveries never accepted  {attempts.count(0):>7,}   (must be 0)")
    print(f"  deliveries retried         {sum(1 for a in attempts if a > 1):>7,}")
