"""bench/tracking_page.py's HTTP side: gunicorn on a free loopback port, and the load on it (Debian's
`wrk`, or a bounded Python load generator). Loopback only; every step is bounded in time.

Not a benchmark itself; see bench/tracking_page.py.
"""

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

from common import ROOT, VENV_BIN, subprocess_env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_tail(workdir: Path, lines: int = 20) -> list[str]:
    return (workdir / "gunicorn.log").read_text(errors="replace").splitlines()[-lines:]


def start_gunicorn(port: int, workers: int, workdir: Path) -> subprocess.Popen:
    env = subprocess_env(workdir, DJANGO_SETTINGS_MODULE="bench_settings")
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


def wait_until_up(url: str, server: subprocess.Popen, timeout: float = 90) -> None:
    # Generous: on the shared 2-core machine under load, booting the workers (importing Django
    # and the apps) has taken longer than 30 s.
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
