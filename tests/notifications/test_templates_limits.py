"""Rendering a merchant's template is bounded in time and size; over a limit the default is sent."""

import threading
import time

import pytest
from django.core import mail

from notifications import kinds
from notifications.models import Channel, Message, MessageState, MessageTemplate
from notifications.render_limits import RenderLimitError
from notifications.rendering import render, render_override
from notifications.services import messages_dispatch_due
from tests.notifications.template_samples import sample, template
from tests.notifications.test_template_admin import URL, merchant  # noqa: F401 - the fixture
from tests.orders.factories import place_order

pytestmark = pytest.mark.django_db

NESTED_LOOPS = (
    "{% for a in range(10000) %}{% for b in range(10000) %}{% for c in range(10000) %}"
    "{% endfor %}{% endfor %}{% endfor %}<p>never</p>"
)
HUGE = [
    '{{ "%0100000000d" % 1 }}',
    '{{ "%.100000000f" % 1 }}',
    '{{ "%*d" % (100000000, 1) }}',
    '{{ "%0100000000d"|format(1) }}',
    '{{ "{:>100000000}".format(1) }}',
    '{{ "{:{w}}".format(1, w=100000000) }}',
    '{{ ("x" * 100000)|replace("x", "yyyyyyyyyy") }}',
    '{{ "x"|center(100000000) }}',
    '{{ "x"|indent(100000000) }}',
    "{% for a in range(100000) %}{% endfor %}",
    '{% set ns = namespace(s="x") %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}',
    "{% set a %}{% for i in range(10000) %}" + "x" * 64 + "{% endfor %}{% endset %}{{ a|length }}",
]


def rendering_time(fn) -> float:
    started = time.monotonic()
    fn()
    return time.monotonic() - started


@pytest.mark.parametrize("body", HUGE)
def test_a_template_that_builds_a_huge_value_fails_at_once(store, body):
    huge = template(store, channel=Channel.SMS, body=body)

    def attempt():
        with pytest.raises(RenderLimitError):
            render_override(huge, context=sample("shipped"))

    assert rendering_time(attempt) < 1


def test_a_template_that_loops_for_ever_is_stopped_by_the_time_limit(store, settings):
    settings.MESSAGE_RENDER_SECONDS = 0.5
    slow = template(store, channel=Channel.SMS, body=NESTED_LOOPS)

    def attempt():
        with pytest.raises(RenderLimitError, match=r"took longer than 0\.5 s"):
            render_override(slow, context=sample("shipped"))

    assert rendering_time(attempt) < 1.5


def test_the_time_limit_works_in_a_worker_thread(store, settings):
    settings.MESSAGE_RENDER_SECONDS = 0.5
    slow = template(store, channel=Channel.SMS, body=NESTED_LOOPS)
    overrides = {(store.pk, "shipped", "sms", "en"): slow}  # no query: the thread has its own connection
    outcome = []

    def in_thread():
        context = sample("shipped")
        outcome.append(
            render(kind="shipped", channel="sms", locale="en", context=context, store_id=store.pk, overrides=overrides)
        )

    worker = threading.Thread(target=in_thread)
    started = time.monotonic()
    worker.start()
    worker.join(timeout=5)

    assert not worker.is_alive()
    assert 0.5 <= time.monotonic() - started < 1.5
    assert "#1001" in outcome[0].text  # the default template


def test_the_lipsum_generator_is_not_available(store):
    tpl = template(store, channel=Channel.SMS, body="[{{ lipsum }}]")

    assert render_override(tpl, context=sample("shipped")).text == "[]"


def test_an_sms_longer_than_1600_characters_falls_back_to_the_default(store):
    tpl = template(store, channel=Channel.SMS, body="{% for i in range(1601) %}x{% endfor %}")

    with pytest.raises(RenderLimitError, match="longer than 1600 characters"):
        render_override(tpl, context=sample("shipped"))


@pytest.mark.parametrize("body", [NESTED_LOOPS, '<p>{{ "%0100000000d" % 1 }}</p>'])
def test_a_message_whose_template_goes_past_a_limit_goes_out_with_the_default_template(store, body):
    order = place_order(store)
    MessageTemplate.objects.create(
        store=store, kind=kinds.ORDER_CONFIRMATION, channel=Channel.EMAIL, locale="en", subject="Hi", body=body
    )

    started = time.monotonic()
    messages_dispatch_due()

    assert time.monotonic() - started < 2 + 2  # the limit, and the rest of the batch
    message = Message.objects.get(kind=kinds.ORDER_CONFIRMATION, channel=Channel.EMAIL)
    assert message.state == MessageState.SENT
    (email,) = mail.outbox
    assert order.number in email.subject  # the default subject, not "Hi"
    assert "never" not in email.body


def test_the_admin_preview_of_a_template_that_loops_for_ever_answers_within_5_seconds(client, merchant, store):  # noqa: F811
    slow = template(store, body=NESTED_LOOPS, subject="Loops")
    client.force_login(merchant)

    started = time.monotonic()
    page = client.get(f"{URL}{slow.pk}/change/")

    assert time.monotonic() - started < 5
    assert page.status_code == 200
    assert "took longer than 2 s to render" in page.content.decode()


def test_the_live_preview_of_a_draft_that_builds_100_mb_answers_at_once_with_the_error(client, merchant, store):  # noqa: F811
    client.force_login(merchant)
    draft = {
        "store": store.pk,
        "kind": kinds.SHIPPED,
        "channel": Channel.EMAIL,
        "locale": "en",
        "subject": "Parcel",
        "body": '<p>{{ "%0100000000d" % 1 }}</p>',
        "text_body": "",
    }

    started = time.monotonic()
    page = client.post(f"{URL}preview/", draft)

    assert time.monotonic() - started < 5
    assert page.status_code == 200
    assert "RenderLimitError: a width or precision above 999 is not allowed" in page.content.decode()


def test_renders_under_the_time_limit_share_one_watchdog_thread(store, settings):
    """A render registers its deadline with the process's watchdog; it does not start a thread."""
    from notifications.render_limits import watchdog_threads

    settings.MESSAGE_RENDER_SECONDS = 0.5
    quick = template(store, channel=Channel.SMS, body="Parcel {{ order.number }}")
    slow = template(store, channel=Channel.SMS, locale="de", body=NESTED_LOOPS)
    before = threading.active_count()

    for _ in range(50):
        render_override(quick, context=sample("shipped"))

    assert watchdog_threads() == 1
    assert threading.active_count() <= before + 1
    with pytest.raises(RenderLimitError):  # and it still stops a runaway render afterwards
        render_override(slow, context=sample("shipped"))
    assert threading.active_count() <= before + 1
