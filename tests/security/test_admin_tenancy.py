"""Every registered ModelAdmin, walked as staff of one store: no changelist, list filter, search,
add form or autocomplete shows anything of another store. Every marker of the other store's
data contains "globex", so one case-insensitive search of the HTML finds any leak."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse

from notifications.models import Channel, Consent, MessageTemplate, Suppression
from orders import services
from orders.inputs import LineItemInput
from orders.models import InboundWebhook
from tests.orders.factories import StoreFactory, UserFactory, place_order
from tracking.models import FaqEntry, TrackingSettings

pytestmark = pytest.mark.django_db

OUR_APPS = {"orders", "tracking", "notifications", "returns", "loyalty", "feedback"}


@pytest.fixture
def theirs(store):
    """Globex: a store with a row in every table the admin shows, each carrying its name."""
    globex = StoreFactory(slug="globex", name="Globex")
    order = place_order(
        globex,
        number="#GLOBEX-1",
        email="wile@globex.example",
        phone="+4915100000001",
        line_items=[LineItemInput(sku="GLOBEX-ANVIL", title="Globex anvil", quantity=1, unit_price=Decimal("9"))],
    )
    shipment, _ = services.shipment_upsert(order=order, carrier="GlobexPost", tracking_number="GLOBEX123")
    services.tracking_event_add(
        shipment=shipment, occurred_at=order.placed_at, status="in_transit", message="Globex depot", location="Globex"
    )
    InboundWebhook.objects.create(
        provider="globex-provider", store=globex, topic="globex/topic", event_id="globex-1", headers={}, body="{}"
    )
    TrackingSettings.objects.update_or_create(store=globex, defaults={"promo_text": "Globex sale"})
    FaqEntry.objects.create(store=globex, question="Globex question?", answer="Globex answer")
    MessageTemplate.objects.create(store=globex, kind="shipped", channel="email", subject="Globex", body="Globex")
    Suppression.objects.create(store=globex, channel=Channel.EMAIL, address="coyote@globex.example", reason="Globex")
    Consent.objects.create(
        customer=order.customer, channel="sms", opted_in=True, source="globex checkout", recorded_at=order.placed_at
    )
    UserFactory(username="globex-staff", stores=[globex])
    place_order(store, number="#1001", email="ada@example.com")
    return globex


@pytest.fixture
def staff(store):
    """Staff of Acme only, with every permission of our apps (none of auth's)."""
    user = UserFactory(username="acme-staff", stores=[store])
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=OUR_APPS))
    return user


def registered():
    return sorted(admin.site._registry, key=lambda model: model._meta.label)


def leaks(html: str) -> bool:
    return "globex" in html.lower()


def test_no_changelist_filter_or_search_shows_another_stores_data(client, staff, theirs):
    client.force_login(staff)
    seen, leaked = [], []

    for model in registered():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        # Search terms that match only Globex's rows without containing its name (the page echoes them).
        for params in ({}, {"q": "wile"}, {"q": "anvil"}, {"q": "coyote"}, {"q": "123"}):
            response = client.get(url, params)
            if model._meta.app_label not in OUR_APPS:
                assert response.status_code == 403, url
                continue
            assert response.status_code == 200, url
            seen.append(model._meta.label)
            if leaks(response.content.decode()):
                leaked.append((model._meta.label, params))

    assert leaked == []
    assert {"orders.Order", "orders.Shipment", "notifications.Suppression", "tracking.FaqEntry"} <= set(seen)


def test_no_add_form_offers_another_stores_rows(client, staff, theirs):
    client.force_login(staff)
    leaked = []

    for model in registered():
        if model._meta.app_label not in OUR_APPS:
            continue
        response = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"))
        if response.status_code == 200 and leaks(response.content.decode()):
            leaked.append(model._meta.label)

    assert leaked == []


def test_no_autocomplete_offers_another_stores_rows(client, staff, theirs):
    client.force_login(staff)
    asked, leaked = [], []

    for model in registered():
        if model._meta.app_label not in OUR_APPS:
            continue
        for field in model._meta.get_fields():
            if not (field.many_to_one or field.one_to_one) or not field.concrete:
                continue
            related_admin = admin.site._registry.get(field.related_model)
            if related_admin is None or not related_admin.search_fields:
                continue
            for term in ("", "glo"):
                response = client.get(
                    "/admin/autocomplete/",
                    {
                        "app_label": model._meta.app_label,
                        "model_name": model._meta.model_name,
                        "field_name": field.name,
                        "term": term,
                    },
                )
                asked.append((model._meta.label, field.name))
                if response.status_code == 200 and leaks(response.content.decode()):
                    leaked.append((model._meta.label, field.name, term))

    assert asked
    assert leaked == []


def test_every_change_page_of_the_users_own_rows_opens_and_shows_nothing_of_another_store(client, staff, theirs, store):
    client.force_login(staff)
    opened, leaked, broken = [], [], []

    for model in registered():
        if model._meta.app_label not in OUR_APPS:
            continue
        model_admin = admin.site._registry[model]
        request = RequestFactory().get("/admin/")
        request.user, request.resolver_match = staff, None
        row = model_admin.get_queryset(request).first()
        if row is None:
            continue
        response = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[row.pk]))
        opened.append(model._meta.label)
        if response.status_code != 200:
            broken.append((model._meta.label, response.status_code))
        elif leaks(response.content.decode()):
            leaked.append(model._meta.label)

    assert broken == []
    assert leaked == []
    assert {"orders.Store", "orders.Order", "orders.Customer"} <= set(opened)
