"""The recurring ops commands: --help, --dry-run that changes nothing, a progress bar, a summary,
and each also on the beat."""

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from loyalty.models import EntryKind, PointsEntry
from notifications.models import Message
from orders import services
from orders.models import Customer, Shipment, ShipmentStatus
from returns.models import ClosedReturnWindow
from tests.loyalty.factories import account, member_with
from tests.orders.factories import place_order
from tests.returns.factories import delivered_order

pytestmark = pytest.mark.django_db

MONDAY = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
COMMANDS = ["check_delays", "close_return_windows", "expire_points", "send_birthday_rewards"]


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_explains_itself_and_its_options(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        call_command(command, "--help")

    assert exit_.value.code == 0
    usage = capsys.readouterr().out
    assert "--dry-run" in usage
    assert "--progress" in usage


def test_each_command_is_also_on_the_beat():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {
        "tracking.tasks.shipments_check_delays_task",
        "returns.tasks.returns_close_windows_task",
        "loyalty.tasks.loyalty_expiry_task",
        "loyalty.tasks.loyalty_birthdays_task",
        "orders.tasks.data_prune_task",
    } <= tasks


def _late_parcel(store) -> Shipment:
    order = place_order(store)
    shipment, _ = services.shipment_upsert(
        order=order, carrier="dhl", tracking_number="JD1", estimated_delivery=date(2025, 3, 5)
    )
    services.tracking_event_add(
        shipment=shipment, occurred_at=MONDAY + timedelta(days=1), status=ShipmentStatus.IN_TRANSIT
    )
    return shipment


def test_check_delays_dry_run_counts_the_late_parcel_and_changes_nothing(store):
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False) as clock:
        shipment = _late_parcel(store)
        clock.move_to(datetime(2025, 3, 6, 1, 0, tzinfo=UTC))

        out, _ = run("check_delays", "--dry-run")

    assert out.strip() == "1 shipments would change. Dry run: nothing was changed."
    assert not Shipment.objects.get(pk=shipment.pk).delayed
    assert not Message.objects.filter(kind="shipment_delayed").exists()


def test_check_delays_flags_the_late_parcel_once_with_a_progress_bar(store):
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False) as clock:
        shipment = _late_parcel(store)
        clock.move_to(datetime(2025, 3, 6, 1, 0, tzinfo=UTC))

        out, err = run("check_delays", "--progress")
        again, _ = run("check_delays")

    assert out.strip() == "1 shipments changed."
    assert "Shipments [" in err
    assert "] 1/1" in err
    assert again.strip() == "0 shipments changed."
    assert Shipment.objects.get(pk=shipment.pk).delayed


def test_no_progress_bar_is_drawn_for_a_short_run_off_a_terminal(store):
    delivered_order(store, delivered_days_ago=40)

    _, err = run("close_return_windows")

    assert err == ""


def test_close_return_windows_dry_run_then_a_real_run_with_its_summary(store):
    delivered_order(store, delivered_days_ago=40)

    dry, _ = run("close_return_windows", "--dry-run")
    assert not ClosedReturnWindow.objects.exists()
    real, err = run("close_return_windows", "--progress")

    assert dry.splitlines() == ["  acme: 1", "1 return windows would close. Dry run: nothing was changed."]
    assert real.splitlines() == ["  acme: 1", "1 return windows closed."]
    assert "] 1/1" in err
    assert ClosedReturnWindow.objects.count() == 1


def test_expire_points_dry_run_expires_nothing_and_the_real_run_expires(store):
    start = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        customer = member_with(store, 800)
        clock.move_to(datetime(2027, 1, 10, 12, 0, tzinfo=UTC))

        dry, _ = run("expire_points", "--dry-run")
        assert account(customer).available == 800
        real, err = run("expire_points", "--progress")

    assert "1 accounts would expire, 0 expired rewards would be given back. Dry run: nothing was changed." in dry
    assert "1 accounts expired, 0 expired rewards given back." in real
    assert "Accounts [" in err
    assert account(customer).available == 0
    assert PointsEntry.objects.filter(kind=EntryKind.EXPIRE).count() == 1


def test_send_birthday_rewards_dry_run_gives_nothing_and_the_real_run_gives_once(store):
    customer = member_with(store, 0)
    Customer.objects.filter(pk=customer.pk).update(birthday=date(1990, 3, 15))

    with time_machine.travel(datetime(2026, 3, 15, 12, 0, tzinfo=UTC), tick=False):
        dry, _ = run("send_birthday_rewards", "--dry-run")
        assert account(customer).available == 0
        first, err = run("send_birthday_rewards", "--progress")
        second, _ = run("send_birthday_rewards")

    assert dry.strip() == "1 birthday rewards would be given. Dry run: nothing was changed."
    assert (first.strip(), second.strip()) == ("1 birthday rewards given.", "0 birthday rewards given.")
    assert "Members [" in err
    assert account(customer).available == 200
