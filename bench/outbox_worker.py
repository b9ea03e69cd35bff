"""bench/outbox.py's real Celery worker for (c) with --worker N: its settings, start, warm-up, stop.

Not a benchmark itself; see bench/outbox.py.
"""

import os
import subprocess
import time
from pathlib import Path

from common import BENCH_SECRET_KEY, ROOT, stop_process, subprocess_env
from outbox_data import count_sent, reset

BATCH = 100
NULL_SENDERS = {"email": "notifications.channels.null.send", "sms": "notifications.channels.null.send"}
# For --worker: the worker's settings are local's with the no-op channel (written to a temp dir).
WORKER_SETTINGS = f"""from postpurchase.settings.local import *  # noqa: F403

MESSAGE_SENDERS = {NULL_SENDERS!r}
"""


def claim_and_enqueue() -> None:
    """`messages_claim` + one `messages_deliver_task` per batch of BATCH, until nothing is due."""
    from notifications.services import messages_claim
    from notifications.tasks import messages_deliver_task

    while batch := messages_claim(limit=BATCH):
        messages_deliver_task.delay(batch)


def start_worker(concurrency: int, broker_dir: str) -> subprocess.Popen:
    """A worker of `concurrency` processes on the embedded filesystem broker in `broker_dir`;
    this process's tasks go to it from now on (not eager)."""
    from django.conf import settings

    from postpurchase.celery import app

    (Path(broker_dir) / "bench_worker_settings.py").write_text(WORKER_SETTINGS)
    env = subprocess_env(
        broker_dir,
        DJANGO_SETTINGS_MODULE="bench_worker_settings",
        DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY") or BENCH_SECRET_KEY,
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        LOG_LEVEL="WARNING",
    )
    app.conf.task_always_eager = False
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key]).mkdir(parents=True, exist_ok=True)
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


def warm_worker(warm_ids: list[int]) -> None:
    """Warm the worker up as (a) was, and wait (60 s at most) until it is really up."""
    reset(warm_ids)
    claim_and_enqueue()
    deadline = time.monotonic() + 60
    while count_sent(warm_ids) < len(warm_ids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert count_sent(warm_ids) == len(warm_ids), "the worker did not deliver the warm-up"


def stop_worker(worker: subprocess.Popen) -> None:
    """Stop the worker; this process's tasks run eagerly again."""
    from postpurchase.celery import app

    stop_process(worker)
    app.conf.task_always_eager = True
