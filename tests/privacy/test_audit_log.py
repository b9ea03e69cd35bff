"""The audit log: who — staff user, API key, provider webhook, task or command — changed what."""

import pytest

from loyalty.tasks import loyalty_expiry_task
from notifications.flows import messaging_for
from notifications.models import MessagingSettings
from orders.models import Order
from postpurchase.audit import audit_for
from postpurchase.models import AuditEntry
from returns.models import ReturnRequest
from tests.notifications.test_template_admin import with_messaging_perms
from tests.orders.factories import UserFactory, place_order
from tests.orders.shopify_payloads import ORDER_ID, order_payload, post_webhook
from tests.privacy.person import seed_person
from tests.returns.factories import delivered_order, request_return

pytestmark = pytest.mark.django_db


def settings_change(client, messaging: MessagingSettings, **fields):
    data = {
        "store": messaging.store_id,
        "sender_name": messaging.sender_name,
        "reply_to": messaging.reply_to,
        "quiet_hours_start": "21:00",
        "quiet_hours_end": "08:00",
        "cap_per_day": 1,
        "cap_per_month": 5,
        "coupon_percent": 10,
        "optional_email_requires_consent": "on",
        **fields,
    }
    return client.post(f"/admin/notifications/messagingsettings/{messaging.pk}/change/", data)


def test_a_staff_users_settings_change_is_logged_with_before_and_after(client, owner, store):
    messaging = messaging_for(store)
    client.force_login(with_messaging_perms(owner))

    response = settings_change(client, messaging, cap_per_day=3)

    assert response.status_code == 302
    [entry] = audit_for(messaging)
    assert (entry.actor_kind, entry.actor, entry.action) == ("staff", "owner", "changed")
    assert entry.changes == {"cap_per_day": [1, 3]}
    assert entry.store_id == store.pk


def test_the_change_page_shows_the_objects_history(client, owner, store):
    messaging = messaging_for(store)
    client.force_login(with_messaging_perms(owner))
    settings_change(client, messaging, cap_per_day=3)

    page = client.get(f"/admin/notifications/messagingsettings/{messaging.pk}/change/").content.decode()

    assert "Who changed what, newest first" in page
    assert "Staff user: owner" in page
    assert "cap_per_day: 1 → 3" in page


def test_a_secret_is_never_written_to_the_log(admin_client, store):
    data = {
        "name": store.name,
        "slug": store.slug,
        "currency": "EUR",
        "timezone": "UTC",
        "default_locale": "en",
        "primary_color": "#1f6feb",
        "shopify_secret": "shpss_new_secret",
        "webhook_retention_days": 30,
        "message_retention_days": 90,
    }

    response = admin_client.post(f"/admin/orders/store/{store.pk}/change/", data)

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="changed", object_id=store.pk)
    assert entry.changes["shopify_secret"] == "***"
    assert "shpss_new_secret" not in str(AuditEntry.objects.values_list("changes", flat=True))


def test_an_api_key_cancelling_an_order_is_logged_as_the_key(api, store):
    order = place_order(store)

    assert api.post(f"/api/v1/orders/{order.pk}/cancel/").status_code == 200

    [entry] = audit_for(order)
    assert (entry.actor_kind, entry.action) == ("api_key", "order.cancelled")
    assert entry.actor.startswith("pp_")


def test_a_shopify_webhook_updating_an_order_is_logged_as_the_webhook(client, store):
    post_webhook(client, store, "orders/create", order_payload())

    post_webhook(client, store, "orders/updated", order_payload(phone="+4915112345678"))

    order = Order.objects.get(external_id=str(ORDER_ID))
    [entry] = audit_for(order)
    assert (entry.actor_kind, entry.actor, entry.action) == ("webhook", "shopify orders/updated", "order.updated")


def test_a_return_approved_through_the_api_is_logged_with_the_key(api, store):
    rr = request_return(delivered_order(store), (0, 1))

    assert api.post(f"/api/v1/returns/{rr.pk}/approve/", {}, format="json").status_code == 200

    actions = [(e.actor_kind, e.action) for e in audit_for(ReturnRequest.objects.get(pk=rr.pk))]
    assert ("api_key", "return.approved") in actions
    assert actions[0] == ("system", "return.requested")


def test_points_changed_by_a_staff_adjustment_and_by_a_task_name_their_actor(client, store):
    seeded = seed_person(client, store)  # a staff adjustment of 100 points, made outside a request
    account = seeded.customer.loyalty_account

    loyalty_expiry_task.apply()

    adjusted = [e for e in audit_for(account) if e.action == "points.adjust"]
    assert [(e.changes["points"], e.changes["reason"]) for e in adjusted] == [
        (100, "Goodwill for Augusta Byronsdottir")
    ]
    earned = [e for e in audit_for(account) if e.action == "points.earn"]
    assert [e.actor_kind for e in earned] == ["webhook"]


def test_a_task_is_the_actor_of_what_it_changes(store):
    from postpurchase.audit import current_actor
    from postpurchase.celery import app

    seen = []

    @app.task(name="tests.privacy.who_acts")
    def who_acts() -> None:
        seen.append(str(current_actor()))

    who_acts.apply()

    assert seen == ["task:tests.privacy.who_acts"]
    assert str(current_actor()) == "system"


def test_a_staff_user_with_no_store_sees_no_history_of_another_store(client, store, other_store):
    messaging = messaging_for(store)
    outsider = with_messaging_perms(UserFactory(username="outsider", stores=[other_store]))
    client.force_login(outsider)

    page = client.get(f"/admin/notifications/messagingsettings/{messaging.pk}/change/")

    assert page.status_code in (302, 404)


def test_after_a_task_run_inside_a_request_the_request_acts_again():
    from postpurchase.audit import Actor, acting_as, current_actor
    from postpurchase.celery import app

    @app.task(name="tests.privacy.nested")
    def nested() -> str:
        return str(current_actor())

    with acting_as(Actor("staff", "owner")):
        inside = nested.apply().get()
        after = str(current_actor())

    assert (inside, after) == ("task:tests.privacy.nested", "staff:owner")


def test_the_order_page_shows_who_cancelled_it(api, client, owner, store):
    order = place_order(store)
    api.post(f"/api/v1/orders/{order.pk}/cancel/")
    client.force_login(owner)

    page = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()

    assert "Who changed what, newest first" in page
    assert "API key: pp_" in page
    assert "order.cancelled" in page
