"""The deploy artefacts: docker-compose.yml, the Procfile, the Dockerfile, and the production settings."""

import json
import os
import re
import secrets
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = "postpurchase.settings.production"
LONG_RUNNING_APP_SERVICES = {"web", "worker", "beat"}


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _one_shot_services(services: dict) -> set[str]:
    """Services that others wait on to *finish* (migrate): they exit, so they need no healthcheck."""
    return {
        name
        for service in services.values()
        for name, condition in (service.get("depends_on") or {}).items()
        if isinstance(condition, dict) and condition.get("condition") == "service_completed_successfully"
    }


def _production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """A clean production-like environment: nothing leaks in from the developer's shell or CI (no REDIS_URL)."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": PRODUCTION,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "shop.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VAR_DIR": str(tmp_path / "var"),
        "ANYMAIL_WEBHOOK_SECRET": "postmark:" + secrets.token_urlsafe(24),
    }
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_writes_a_compose_file_that_validates_against_the_compose_specification():
    schema = json.loads(files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)

    errors = sorted(validator_class(schema).iter_errors(_compose()), key=lambda error: list(error.path))

    assert [f"{'/'.join(map(str, error.path))}: {error.message}" for error in errors] == []


def test_it_uses_the_compose_specification_without_the_obsolete_version_key():
    compose = _compose()

    assert "version" not in compose


def test_it_runs_web_worker_beat_db_and_redis_in_compose():
    services = _compose()["services"]

    assert {"web", "worker", "beat", "db", "redis"} <= set(services)


def test_it_runs_exactly_one_beat_in_compose():
    services = _compose()["services"]

    beats = [name for name, service in services.items() if "beat" in service.get("command", [])]

    assert beats == ["beat"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1


def test_every_long_running_compose_service_is_healthchecked_or_waits_for_healthy_services():
    services = _compose()["services"]
    long_running = set(services) - _one_shot_services(services)

    unguarded = [
        name
        for name in sorted(long_running)
        if "healthcheck" not in services[name]
        and not any(
            isinstance(condition, dict) and condition.get("condition") == "service_healthy"
            for condition in (services[name].get("depends_on") or {}).values()
        )
    ]

    assert long_running >= LONG_RUNNING_APP_SERVICES | {"db", "redis"}
    assert unguarded == []


def test_it_migrates_once_before_web_worker_and_beat_start():
    services = _compose()["services"]

    waiting_on_migrate = {
        name
        for name, service in services.items()
        if (service.get("depends_on") or {}).get("migrate", {}).get("condition") == "service_completed_successfully"
    }

    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert waiting_on_migrate == LONG_RUNNING_APP_SERVICES


def test_the_web_healthcheck_hits_healthz_without_curl():
    web = _compose()["services"]["web"]

    test = web["healthcheck"]["test"]

    assert test[:3] == ["CMD", "python", "-c"]
    assert "/healthz" in test[3]
    assert "curl" not in " ".join(test)


def test_compose_app_services_share_a_production_environment_that_requires_secrets_and_hosts():
    services = _compose()["services"]

    environments = [services[name]["environment"] for name in sorted(LONG_RUNNING_APP_SERVICES | {"migrate"})]

    env = environments[0]
    assert all(other == env for other in environments)
    assert env["DJANGO_SETTINGS_MODULE"] == PRODUCTION
    assert env["DATABASE_URL"] == "postgres://postgres:postgres@db:5432/postpurchase"
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    for required in ("SECRET_KEY", "ALLOWED_HOSTS", "PUBLIC_BASE_URL"):
        assert env[required].startswith("${" + required + ":?"), required
    assert env["SECURE_SSL_REDIRECT"] == "${SECURE_SSL_REDIRECT:-false}"


def test_the_procfile_starts_exactly_web_worker_and_beat():
    lines = [line for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()]

    processes = dict(line.split(":", 1) for line in lines)

    assert list(processes) == ["web", "worker", "beat"]
    assert processes["web"].split()[:2] == ["gunicorn", "postpurchase.wsgi"]
    assert processes["worker"].split()[:4] == ["celery", "-A", "postpurchase", "worker"]
    assert processes["beat"].split()[:4] == ["celery", "-A", "postpurchase", "beat"]


def test_the_image_installs_only_the_production_lock_and_runs_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text()

    installs = re.findall(r"pip install [^\n]*", dockerfile)
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)

    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, flags=re.MULTILINE)
    assert installs == ["pip install -r requirements.txt"]
    assert users
    assert users[-1] not in {"root", "0"}


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    env = _production_env(tmp_path)

    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("debug", [None, "true"], ids=["debug-unset", "debug-on"])
def test_production_settings_refuse_to_start_without_secret_key(tmp_path, debug):
    env = _production_env(tmp_path, SECRET_KEY=None, DEBUG=debug)

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_settings_refuse_to_start_without_allowed_hosts(tmp_path):
    env = _production_env(tmp_path, ALLOWED_HOSTS=None)

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "ALLOWED_HOSTS" in result.stderr


@pytest.mark.parametrize("secret", [None, "postmark:short"], ids=["unset", "weak"])
def test_production_settings_refuse_to_start_without_the_email_webhook_secret(tmp_path, secret):
    env = _production_env(tmp_path, ANYMAIL_WEBHOOK_SECRET=secret)

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "ANYMAIL_WEBHOOK_SECRET" in result.stderr


def test_production_settings_start_without_the_secret_when_email_tracking_is_off(tmp_path):
    env = _production_env(tmp_path, ANYMAIL_WEBHOOK_SECRET=None, EMAIL_TRACKING="false")

    result = _manage("check", env=env)

    assert result.returncode == 0, result.stderr


def test_compose_passes_the_email_webhook_secret_to_the_app():
    env = _compose()["services"]["web"]["environment"]

    assert env["ANYMAIL_WEBHOOK_SECRET"] == "${ANYMAIL_WEBHOOK_SECRET:-}"


def test_it_rejects_a_boolean_that_is_neither_true_nor_false(tmp_path):
    env = _production_env(tmp_path, DEBUG="maybe")

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DEBUG must be one of" in result.stderr
