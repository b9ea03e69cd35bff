"""Moments the clock drives: birthday points on the day in the customer's zone, once a year;
expiry warnings 30 and 7 days before; the expiry entry on the day; any activity resets the clock."""

from datetime import UTC, date, datetime, timedelta

import time_machine
from django.core.management import call_command

from loyalty.models import EntryKind, PointsEntry
from loyalty.moments import BIRTHDAY_MESSAGE, EXPIRING_MESSAGE
from loyalty.tasks import loyalty_expiry_task
from notifications.models import Message
from orders.models import Customer
from tests.loyalty.factories import account, member_with

START = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def warnings() -> list[int]:
    return sorted(m.data["days"] for m in Message.objects.filter(kind=EXPIRING_MESSAGE))


def test_points_left_alone_are_warned_about_at_30_and_7_days_and_expire_on_the_day(store):
    with time_machine.travel(START, tick=False) as clock:
        customer = member_with(store, 800)  # activity on 10 January 2026: expires 10 January 2027

        clock.move_to(datetime(2026, 12, 10, 11, 0, tzinfo=UTC))  # 31 days before
        loyalty_expiry_task()
        assert warnings() == []

        clock.move_to(datetime(2026, 12, 11, 13, 0, tzinfo=UTC))  # 30 days before
        loyalty_expiry_task()
        loyalty_expiry_task()
        assert warnings() == [30]
        message = Message.objects.get(kind=EXPIRING_MESSAGE)
        assert (message.data["points"], message.data["expires_on"]) == (800, "2027-01-10")

        clock.move_to(datetime(2027, 1, 3, 13, 0, tzinfo=UTC))  # 7 days before
        loyalty_expiry_task()
        assert warnings() == [7, 30]
        assert account(customer).available == 800

        clock.move_to(datetime(2027, 1, 10, 12, 0, tzinfo=UTC))  # the day
        loyalty_expiry_task()
        loyalty_expiry_task()

    acc = account(customer)
    assert acc.available == 0
    entry = PointsEntry.objects.get(kind=EntryKind.EXPIRE)
    assert (entry.points, entry.available_delta) == (-800, -800)


def test_any_activity_resets_the_expiry_clock(store):
    with time_machine.travel(START, tick=False) as clock:
        customer = member_with(store, 800)

        clock.move_to(START + 300 * DAY)
        from loyalty.services import bonus_give

        bonus_give(customer=customer, kind=EntryKind.BONUS, points=10, key="review:1", reason="Review")

        clock.move_to(datetime(2027, 1, 11, 12, 0, tzinfo=UTC))  # a year after the first activity
        loyalty_expiry_task()

        assert account(customer).available == 810
        assert warnings() == []

        clock.move_to(START + 300 * DAY + 365 * DAY - 29 * DAY)  # 29 days before the new date
        loyalty_expiry_task()
        assert warnings() == [30]


def test_birthday_points_come_on_the_day_in_the_customers_zone_once_a_year(store):
    customer = member_with(store, 0)
    Customer.objects.filter(pk=customer.pk).update(birthday=date(1990, 3, 15), timezone="Pacific/Auckland")

    # 14 March 10:00 UTC is 23:00 in Auckland: not yet.
    with time_machine.travel(datetime(2026, 3, 14, 10, 0, tzinfo=UTC), tick=False):
        call_command("send_birthday_rewards")
    assert account(customer).available == 0

    # 14 March 12:00 UTC is already 15 March 01:00 there.
    with time_machine.travel(datetime(2026, 3, 14, 12, 0, tzinfo=UTC), tick=False):
        call_command("send_birthday_rewards")
        call_command("send_birthday_rewards")
    assert account(customer).available == 200
    assert Message.objects.filter(kind=BIRTHDAY_MESSAGE, customer=customer).count() == 1

    with time_machine.travel(datetime(2027, 3, 15, 9, 0, tzinfo=UTC), tick=False):
        call_command("send_birthday_rewards")
    assert account(customer).available == 400


def test_a_leap_day_birthday_is_celebrated_on_28_february_in_other_years(store):
    customer = member_with(store, 0)
    Customer.objects.filter(pk=customer.pk).update(birthday=date(2000, 2, 29))

    with time_machine.travel(datetime(2027, 2, 28, 12, 0, tzinfo=UTC), tick=False):
        call_command("send_birthday_rewards")

    assert account(customer).available == 200
