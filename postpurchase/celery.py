"""The Celery app. Tasks only deliver; the database decides (docs/architecture.md)."""

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postpurchase.settings.local")

app = Celery("postpurchase")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _task_is_the_actor(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    """What a task changes is the task's doing in the audit log (the beat's sweeps and checks)."""
    from postpurchase.audit import task_started

    task_started(task_id or "", getattr(task, "name", ""))


@task_postrun.connect
def _task_done(task_id: str | None = None, **_: Any) -> None:
    from postpurchase.audit import task_finished

    task_finished(task_id or "")
