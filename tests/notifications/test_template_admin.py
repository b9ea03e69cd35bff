import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from notifications import kinds
from notifications.admin import MessageTemplateForm
from notifications.flows import messaging_for
from notifications.models import Channel, Flow, MessageTemplate
from orders.models import OrderSource
from tests.orders.factories import UserFactory, place_order

pytestmark = pytest.mark.django_db

URL = "/admin/notifications/messagetemplate/"


def with_messaging_perms(user):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="notifications"))
    return user


@pytest.fixture
def merchant(owner):
    return with_messaging_perms(owner)


@pytest.fixture
def outsider(other_store):
    return with_messaging_perms(UserFactory(username="globex-staff", stores=[other_store]))


def shipped_template(store, **fields) -> MessageTemplate:
    values = {
        "kind": kinds.SHIPPED,
        "channel": Channel.EMAIL,
        "locale": "en",
        "subject": "Parcel for {{ order.number }}",
        "body": "<p>{{ customer.first_name }}, it ships!</p>",
    }
    return MessageTemplate.objects.create(store=store, **{**values, **fields})


def form_data(store, **fields) -> dict:
    values = {
        "store": store.pk,
        "kind": kinds.SHIPPED,
        "channel": Channel.EMAIL,
        "locale": "en",
        "subject": "Parcel for {{ order.number }}",
        "body": "<p>Hi {{ customer.first_name }}</p>",
        "text_body": "",
    }
    return {**values, **fields}


def test_the_change_page_previews_the_template_with_the_stores_latest_order(client, merchant, store):
    place_order(store, number="#A-7")
    template = shipped_template(store)
    client.force_login(merchant)

    page = client.get(f"{URL}{template.pk}/change/")

    assert page.status_code == 200
    assert "Parcel for #A-7" in page.text
    srcdoc = re.search(r'<iframe class="email-preview desktop" sandbox="" srcdoc="([^"]*)"', page.text).group(1)
    assert "<" not in srcdoc  # the email is escaped into the attribute, not live in the admin page
    assert "Ada, it ships!</p>" in unescape(srcdoc)


def test_the_preview_prefers_a_real_order_to_an_imported_one(client, merchant, store):
    place_order(store, number="#LIVE-1", placed_at=timezone.now() - timedelta(days=3))
    place_order(store, number="#OLD-9", source=OrderSource.IMPORT, placed_at=timezone.now())
    template = shipped_template(store)
    client.force_login(merchant)

    page = client.get(f"{URL}{template.pk}/change/")

    assert "Parcel for #LIVE-1" in page.text


def test_a_store_without_orders_previews_a_built_in_sample(client, merchant, store):
    template = shipped_template(store)
    client.force_login(merchant)

    page = client.get(f"{URL}{template.pk}/change/")

    assert "Parcel for #1001" in page.text
    assert "built-in sample" in page.text


def test_an_sms_preview_counts_characters_and_segments(client, merchant, store):
    template = shipped_template(store, channel=Channel.SMS, subject="", body="{{ store.name }}: on its way! 📦")
    client.force_login(merchant)

    page = client.get(f"{URL}{template.pk}/change/")

    assert "Acme Outfitters: on its way! 📦" in page.text
    assert "UCS-2" in page.text
    assert "1 segment" in page.text
    assert "<code>📦</code>" in page.text


def test_a_template_that_fails_on_the_sample_says_so_and_shows_the_fallback(client, merchant, store):
    template = shipped_template(store, subject="{{ order.number / 0 }}")
    client.force_login(merchant)

    page = client.get(f"{URL}{template.pk}/change/")

    assert "This template failed with the sample order" in page.text
    assert "Your order #1001 is on its way" in page.text


def test_the_add_page_starts_from_the_default_template(client, merchant, store):
    client.force_login(merchant)

    page = client.get(f"{URL}add/?kind=shipped&channel=email&locale=de")

    assert page.status_code == 200
    assert "Deine Bestellung {{ order.number }} ist unterwegs" in unescape(page.text)
    assert "In diesem Paket" in page.text
    assert f'<option value="{store.pk}" selected>' in page.text


def test_the_list_offers_to_start_from_each_default(client, merchant, store):
    client.force_login(merchant)

    page = client.get(URL)

    assert page.status_code == 200
    assert f"{URL}add/?kind=coupon&amp;channel=sms&amp;locale=fr" in page.text


def test_saving_a_template_with_a_syntax_error_shows_the_line(client, merchant, store):
    client.force_login(merchant)

    page = client.post(f"{URL}add/", form_data(store, body="<p>Hi</p>\n{% if order %}\n<p>{{ order.number }</p>"))

    assert page.status_code == 200
    assert "Line 3" in page.text
    assert not MessageTemplate.objects.exists()


def test_a_valid_template_is_saved(client, merchant, store):
    client.force_login(merchant)

    page = client.post(f"{URL}add/", form_data(store))

    assert page.status_code == 302
    assert MessageTemplate.objects.get().subject == "Parcel for {{ order.number }}"


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"subject": "{{ order.number"}, "subject", "Line 1"),
        ({"text_body": "ok\n{% endif %}"}, "text_body", "Line 2"),
        ({"body": "{{ order.number | no_such_filter }}"}, "body", "No filter named 'no_such_filter'"),
        ({"subject": ""}, "subject", "An email needs a subject."),
        ({"channel": Channel.SMS}, "subject", "An SMS has no subject"),
    ],
)
def test_the_form_rejects_what_cannot_be_sent(store, fields, field, error):
    form = MessageTemplateForm(data=form_data(store, **fields))

    assert not form.is_valid()
    assert error in " ".join(form.errors[field])


def test_the_preview_button_renders_the_unsaved_form(client, merchant, store):
    client.force_login(merchant)

    page = client.post(f"{URL}preview/", form_data(store, subject="Draft for {{ order.number }}"))

    assert page.status_code == 200
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "Draft for #1001" in page.text
    assert 'srcdoc="' in page.text


def test_the_preview_button_reports_syntax_errors(client, merchant, store):
    client.force_login(merchant)

    page = client.post(f"{URL}preview/", form_data(store, body="<p>\n{% for %}</p>"))

    assert "Line 2" in page.text
    assert "srcdoc" not in page.text


def test_the_preview_never_uses_another_stores_orders(client, merchant, store, other_store):
    place_order(other_store, number="#GLOBEX-1")
    client.force_login(merchant)

    page = client.post(f"{URL}preview/", form_data(other_store))

    assert "#GLOBEX-1" not in page.text
    assert "Parcel for #1001" in page.text


def test_the_preview_needs_messaging_permissions(client, owner, store):
    client.force_login(owner)

    page = client.post(f"{URL}preview/", form_data(store))

    assert page.status_code == 403


def test_a_staff_user_of_another_store_cannot_see_the_stores_templates(client, outsider, store):
    template = shipped_template(store, subject="Acme secret subject")
    client.force_login(outsider)

    listing = client.get(URL)
    change = client.get(f"{URL}{template.pk}/change/", follow=True)

    assert listing.status_code == 200
    assert "Acme secret subject" not in listing.text
    assert "Acme secret subject" not in change.text
    assert "doesn\u2019t exist" in change.text


def test_flows_are_listed_and_edited_per_store(client, merchant, store, other_store):
    messaging_for(store)
    messaging_for(other_store)
    client.force_login(merchant)

    page = client.get("/admin/notifications/flow/")

    assert page.status_code == 200
    assert 'name="form-0-enabled"' in page.text
    assert "2 days after" in page.text
    assert 'name="form-0-delay_minutes"' not in page.text  # never as raw minutes
    assert "Globex" not in page.text
    assert Flow.objects.filter(store=other_store).count() == Flow.objects.filter(store=store).count()


def test_messaging_settings_are_scoped_to_the_users_stores(client, merchant, store, other_store):
    messaging_for(store)
    messaging_for(other_store)
    client.force_login(merchant)

    page = client.get("/admin/notifications/messagingsettings/")

    assert "Acme Outfitters" in page.text
    assert "Globex" not in page.text


def test_a_flows_delay_is_edited_as_an_amount_and_a_unit(client, merchant, store):
    messaging_for(store)
    flow = Flow.objects.filter(store=store, delay_minutes=2 * 1440).first()
    client.force_login(merchant)

    form = client.get(f"/admin/notifications/flow/{flow.pk}/change/")
    assert 'name="delay_amount" value="2"' in form.text
    assert '<option value="days" selected>' in form.text

    data = {
        "store": store.pk,
        "trigger": flow.trigger,
        "kind": flow.kind,
        "channel": flow.channel,
        "transactional": "on" if flow.transactional else "",
        "enabled": "on",
        "delay_amount": "3",
        "delay_unit": "hours",
    }
    response = client.post(f"/admin/notifications/flow/{flow.pk}/change/", {k: v for k, v in data.items() if v})

    assert response.status_code == 302
    flow.refresh_from_db()
    assert flow.delay_minutes == 180
