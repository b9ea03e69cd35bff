"""Without Redis the lookup limit still holds across processes (gunicorn runs several workers):
the embedded default cache is a file cache every process of the machine shares."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ATTEMPTS = """
import django
django.setup()
from django.test import RequestFactory
from tracking.lookup import lookup_allowed
request = RequestFactory().post("/track/", REMOTE_ADDR="10.9.8.7")
print(sum(lookup_allowed(request, scope="tracking") for _ in range(12)))
"""


def attempts_allowed_in_a_new_process(var_dir: Path) -> int:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env |= {
        "VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "postpurchase.settings.local",
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", ATTEMPTS], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1])


def test_two_processes_share_one_client_limit_on_the_embedded_defaults(tmp_path):
    first = attempts_allowed_in_a_new_process(tmp_path)
    second = attempts_allowed_in_a_new_process(tmp_path)

    assert (first, second) == (12, 8)  # 20 a minute per client, whichever worker answers
