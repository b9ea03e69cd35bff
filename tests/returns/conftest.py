import pytest
from django.core import mail

from notifications.channels import sms


@pytest.fixture(autouse=True)
def _empty_outboxes():
    mail.outbox = []
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Run a write as a request would: its on-commit nudge delivers what is due (eager Celery)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run
