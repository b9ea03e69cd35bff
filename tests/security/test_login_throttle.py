"""Admin logins are throttled per username and per client address; a lockout refuses even the
right password, says so, and `manage.py unlock_login` lifts it."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from tests.orders.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def staff(store):
    return UserFactory(username="ada", stores=[store], password="right-horse-battery")


def log_in(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_thirty_wrong_passwords_then_the_right_one_is_refused_with_a_lockout_message(client, staff):
    for _ in range(30):
        log_in(client, "ada", "wrong")

    response = log_in(client, "ada", "right-horse-battery")

    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert not logged_in(client)


def test_a_locked_username_is_refused_from_any_address(client, staff):
    for n in range(10):
        log_in(client, "ada", "wrong", ip=f"10.0.1.{n}")

    response = log_in(client, "ada", "right-horse-battery", ip="10.0.2.1")

    assert response.status_code == 429


def test_one_address_guessing_many_usernames_is_locked_out(client, staff):
    for n in range(10):
        log_in(client, f"user{n}", "wrong", ip="10.0.3.1")

    refused = log_in(client, "ada", "right-horse-battery", ip="10.0.3.1")
    elsewhere = log_in(client, "ada", "right-horse-battery", ip="10.0.3.2")

    assert refused.status_code == 429
    assert elsewhere.status_code == 302


def test_a_few_typos_do_not_lock_anyone_out(client, staff):
    for _ in range(9):
        log_in(client, "ada", "wrong")

    response = log_in(client, "ada", "right-horse-battery")

    assert response.status_code == 302
    assert logged_in(client)


def test_the_lockout_ends_after_the_cool_off(client, staff):
    for _ in range(10):
        log_in(client, "ada", "wrong")

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = log_in(client, "ada", "right-horse-battery")

    assert response.status_code == 302


def test_unlock_login_lets_the_user_in_again(client, staff):
    for _ in range(10):
        log_in(client, "ada", "wrong")
    out = StringIO()

    call_command("unlock_login", "--username", "ada", stdout=out)
    call_command("unlock_login", "--ip", "10.0.0.1", stdout=out)
    response = log_in(client, "ada", "right-horse-battery")

    assert "Unlocked" in out.getvalue()
    assert response.status_code == 302
