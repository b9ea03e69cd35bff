"""What the benchmarks in bench/ share: the scratch PostgreSQL database, Django against it, timing,
profiling, peak memory and the options every script takes.

Imported by the scripts as `common` (a script run as `python bench/<name>.py` has bench/ first on
sys.path). Not a benchmark itself and not part of the test run.
"""

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import dj_database_url
import psycopg

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
BENCH_SECRET_KEY = "bench-only-" + "x" * 50
FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Linus", "Frances", "Donald"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton", "Torvalds", "Allen", "Knuth"]
_RESERVED = ("", "postgres", "template0", "template1")


# Options ---------------------------------------------------------------------------------------


def parser_for(doc: str) -> argparse.ArgumentParser:
    """The script's parser, described by the first paragraph of its docstring."""
    return argparse.ArgumentParser(description=doc.split("\n\n")[0])


def parse_with_keep(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Add --keep (every script takes it, last) and parse the command line."""
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database afterwards.")
    return parser.parse_args()


# The scratch database --------------------------------------------------------------------------


def conninfo(cfg: dict, dbname: str) -> str:
    """A libpq connection string for `dbname` on the server of `cfg` (dj_database_url's dict)."""
    parts = {"host": cfg["HOST"], "port": cfg["PORT"], "user": cfg["USER"], "password": cfg["PASSWORD"]}
    return " ".join(f"{k}={v}" for k, v in parts.items() if v) + f" dbname={dbname}"


def postgres_url(example: str) -> str | None:
    """DATABASE_URL when it names a PostgreSQL server; else say so (with `example`) and None."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print(f"Set DATABASE_URL to {example}")
        return None
    return url


def scratch_config(example: str) -> dict | None:
    """dj_database_url's dict of DATABASE_URL when it names a scratch database this run may create
    and drop; else say why not and None."""
    url = postgres_url(f"a scratch PostgreSQL database, e.g. {example}")
    if url is None:
        return None
    cfg = dj_database_url.parse(url)
    if cfg["NAME"] in _RESERVED:
        print(f"DATABASE_URL must name a scratch database to create and drop, not {cfg['NAME']!r}")
        return None
    return cfg


def _admin(cfg: dict, admin_db: str, *statements: str) -> None:
    with psycopg.connect(conninfo(cfg, admin_db), autocommit=True) as admin:
        for statement in statements:
            admin.execute(statement)


@contextlib.contextmanager
def scratch_database(cfg: dict, name: str, *, admin_db: str = "postgres", keep: bool = False) -> Iterator[None]:
    """Create `name` afresh (dropped first if a previous run left it) through `admin_db`; on the
    way out close Django's connections to it and drop it, unless `keep`."""
    _admin(cfg, admin_db, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")
    try:
        yield
    finally:
        close_django_connection()
        if not keep:
            _admin(cfg, admin_db, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# Django against it -----------------------------------------------------------------------------


def setup_django(*paths: str) -> None:
    """django.setup() with `paths` and the project's root first on sys.path (the settings module
    and DATABASE_URL are the caller's, in os.environ)."""
    sys.path[:0] = [*paths, str(ROOT)]
    import django

    django.setup()


def close_django_connection() -> None:
    """Close Django's default connection (and its pool, if any), if Django was set up at all."""
    if "django.db" not in sys.modules:
        return
    from django.conf import settings

    if not settings.configured:
        return
    from django.db import connection

    connection.close()
    if connection.settings_dict.get("OPTIONS", {}).get("pool"):
        connection.close_pool()


def raw_connect(**kwargs) -> psycopg.Connection:
    """A psycopg connection of its own to the database Django uses."""
    from django.db import connection

    return psycopg.connect(conninfo(connection.settings_dict, connection.settings_dict["NAME"]), **kwargs)


def subprocess_env(workdir: str | Path, **overrides: str) -> dict[str, str]:
    """os.environ for a child process (gunicorn, a Celery worker) that imports from `workdir` and
    the project, with `overrides`."""
    pythonpath = [str(workdir), str(ROOT), os.environ.get("PYTHONPATH")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, pythonpath)), **overrides}


def stop_process(process: subprocess.Popen, timeout: float = 30) -> None:
    """Terminate a child process this run started, and wait for it."""
    if process.poll() is None:
        process.terminate()
    process.wait(timeout=timeout)


# Timing, profiling, memory ---------------------------------------------------------------------


class Stopwatch:
    """`with Stopwatch() as clock: ...`, then `clock.seconds`; `clock.elapsed()` while it runs."""

    def __enter__(self) -> "Stopwatch":
        self.started = time.perf_counter()
        self.seconds = 0.0
        return self

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def __exit__(self, *exc) -> None:
        self.seconds = self.elapsed()


def profiled(call: Callable[[], object], *sorts: tuple[str, int], strip_dirs: bool = False) -> tuple[object, str]:
    """(what `call()` returned, cProfile's report of it: the top n functions by each (key, n))."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        result = call()
    finally:
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    if strip_dirs:
        stats.strip_dirs()
    for key, n in sorts:
        stats.sort_stats(key).print_stats(n)
    return result, out.getvalue()


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank `p`th percentile of `values`; NaN for none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def rss_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
