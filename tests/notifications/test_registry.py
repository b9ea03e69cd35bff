"""Message kinds owned by the apps that send them: a throwaway app (tests/apps/fake_pillar)
declares a kind with its own templates and default flow, and notifications sends it unchanged."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from notifications import registry
from notifications.flows import flows_sync
from notifications.models import Flow, Message, MessageState
from notifications.registry import DefaultFlow, Kind
from notifications.services import messages_dispatch_due
from orders.events import event_record
from tests.apps.fake_pillar.apps import NUDGE, NUDGED
from tests.orders.factories import StoreFactory, place_order

pytestmark = pytest.mark.django_db


def test_a_kind_declared_by_another_app_is_scheduled_by_its_flow_and_sent_with_its_template(store, deliver):
    order = deliver(place_order, store, number="#3001")
    mail.outbox = []  # the order confirmation

    deliver(event_record, kind=NUDGED, store=store, order=order, data={"nudge": "Your wool cap misses you"})

    message = Message.objects.get(order=order, kind=NUDGE)
    assert message.state == MessageState.SCHEDULED
    assert timedelta(minutes=59) < message.send_at - message.created_at <= timedelta(hours=1)
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1), tick=False):
        messages_dispatch_due()
    message.refresh_from_db()
    assert message.state == MessageState.SENT
    [email] = mail.outbox
    assert email.subject == "A nudge about order #3001"
    assert "Your wool cap misses you: order #3001." in email.body
    assert "Acme Outfitters" in email.body  # the shared footer around the app's own body


def test_a_merchant_who_disables_the_flow_gets_no_message_of_that_kind(store, deliver):
    order = place_order(store, number="#3003")
    Flow.objects.filter(store=store, kind=NUDGE).update(enabled=False)

    deliver(event_record, kind=NUDGED, store=store, order=order, data={})

    assert not Message.objects.filter(kind=NUDGE).exists()


@pytest.fixture
def late_kind(tmp_path):
    """A kind registered after the stores exist, as a pillar deployed later would be."""
    (tmp_path / "en").mkdir()
    kind = Kind(
        name="late_arrival",
        label="Late arrival",
        app="fake_pillar",
        templates=tmp_path,
        channels=("email", "sms"),
        triggers=("fake_pillar.arrived",),
        flows=(DefaultFlow(channel="email"), DefaultFlow(channel="sms", delay=timedelta(days=1), enabled=False)),
    )
    yield kind
    registry.unregister(kind.name)


def test_existing_stores_get_the_flows_of_a_newly_registered_kind_once(store, other_store, late_kind):
    flows_sync()  # the stores are set up with the kinds known then
    before = Flow.objects.count()
    registry.register(late_kind)

    created = flows_sync()
    again = flows_sync()

    assert (created, again) == (4, 0)
    assert Flow.objects.count() == before + 4
    for each in (store, other_store):
        flows = {(f.channel, f.delay_minutes, f.enabled) for f in Flow.objects.filter(store=each, kind="late_arrival")}
        assert flows == {("email", 0, True), ("sms", 1440, False)}


def test_a_new_store_starts_with_every_registered_kinds_flows(late_kind):
    registry.register(late_kind)
    store = StoreFactory(slug="fresh")
    flows_sync()

    assert Flow.objects.filter(store=store, kind="late_arrival").count() == 2
    assert Flow.objects.filter(store=store, kind=NUDGE).count() == 1


def test_a_kind_with_a_flow_on_an_undeclared_channel_is_refused(tmp_path):
    kind = Kind(
        name="broken",
        label="Broken",
        app="x",
        templates=tmp_path,
        channels=("email",),
        triggers=("x.y",),
        flows=(DefaultFlow(channel="sms"),),
    )

    with pytest.raises(Exception, match="channel 'sms'"):
        registry.register(kind)
    assert not registry.is_kind("broken")


def test_the_admin_groups_kinds_by_app_with_their_human_names(admin_client, store):
    page = admin_client.get("/admin/notifications/flow/add/")

    assert page.status_code == 200
    assert '<optgroup label="Fake pillar">' in page.text
    assert '<option value="fake_pillar_nudge">Nudge</option>' in page.text
    assert '<optgroup label="Tracking">' in page.text
    assert '<option value="out_for_delivery">Out for delivery</option>' in page.text


def test_two_events_on_one_order_are_two_messages_and_a_replay_is_none(store, deliver):
    from postpurchase.events import publish

    order = deliver(place_order, store, number="#3004")
    first = deliver(event_record, kind=NUDGED, store=store, order=order, data={})
    deliver(event_record, kind=NUDGED, store=store, order=order, data={})

    publish(first)  # the same event again

    assert Message.objects.filter(order=order, kind=NUDGE).count() == 2


def test_a_flow_must_use_one_of_its_kinds_triggers_and_channels(admin_client, store):
    page = admin_client.post(
        "/admin/notifications/flow/add/",
        {"store": store.pk, "trigger": "order_placed", "kind": NUDGE, "channel": "sms", "delay_minutes": 0},
    )

    assert page.status_code == 200
    assert "“Nudge” is sent on fake_pillar.nudged" in page.text
    assert "“Nudge” has no sms version." in page.text
    assert not Flow.objects.filter(store=store, kind=NUDGE, channel="sms").exists()


def test_the_template_admin_starts_and_previews_a_declared_kind_with_its_own_sample(admin_client, store):
    listing = admin_client.get("/admin/notifications/messagetemplate/")
    start = admin_client.get("/admin/notifications/messagetemplate/add/?kind=fake_pillar_nudge&channel=email&locale=de")
    preview = admin_client.post(
        "/admin/notifications/messagetemplate/preview/",
        {
            "store": store.pk,
            "kind": NUDGE,
            "channel": "email",
            "locale": "en",
            "subject": "Psst {{ order.number }}",
            "body": "<p>{{ message.data.nudge }}</p>",
            "text_body": "",
        },
    )

    assert '<th scope="colgroup" colspan="3">Fake pillar</th>' in listing.text
    assert "Ein Stups zur Bestellung {{ order.number }}" in start.text  # the app's own German template
    assert "Psst #1001" in preview.text
    assert "Your wool cap misses you" in preview.text  # the kind's declared sample data
