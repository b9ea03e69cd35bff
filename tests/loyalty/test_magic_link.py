"""The magic link: a customer types their email on the loyalty form and gets the page's signed
link by email; an unknown address gets the same answer and no email; the form is rate limited."""

import re

import pytest
from django.core import mail

from orders.models import Customer
from tests.loyalty.factories import member_with
from tests.orders.factories import StoreFactory

SENT = "If this address belongs to one of our customers"


def link_in(email) -> str:
    return re.search(r"https?://[^/\s]+(/loyalty/[^\s/]+/)", email.body).group(1)


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    """Send the form as a browser would; the on-commit nudge delivers the email (eager Celery)."""

    def post(path: str, email: str):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, {"email": email})

    return post


def without_nonce(html: str) -> str:
    return re.sub(r'nonce="[^"]*"', "", html)


def test_a_member_gets_an_email_with_the_link_to_their_page(client, ask, store):
    customer = member_with(store, 1200)

    response = ask("/s/acme/loyalty/", " Ada@Example.com ")

    assert response.status_code == 200
    assert SENT in response.content.decode()
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    page = client.get(link_in(mail.outbox[0]))
    assert "Points available: 1200" in page.content.decode()
    assert customer.first_name in mail.outbox[0].body


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, ask, store):
    member_with(store, 1200)

    known = ask("/s/acme/loyalty/", "ada@example.com").content.decode()
    mail.outbox.clear()
    unknown = ask("/s/acme/loyalty/", "eve@example.com").content.decode()

    assert mail.outbox == []
    assert without_nonce(unknown).replace("eve@", "") == without_nonce(known).replace("ada@", "")


def test_asking_again_at_once_sends_no_second_email(client, ask, store):
    member_with(store, 100)

    ask("/s/acme/loyalty/", "ada@example.com")
    ask("/s/acme/loyalty/", "ada@example.com")

    assert len(mail.outbox) == 1


def test_the_bare_form_of_a_one_store_installation_finds_the_member(client, ask, store):
    member_with(store, 100)

    ask("/loyalty/", "ada@example.com")

    assert len(mail.outbox) == 1


def test_another_stores_form_sends_nothing_for_this_stores_member(client, ask, store):
    StoreFactory(slug="globex", name="Globex")
    member_with(store, 100)

    response = ask("/s/globex/loyalty/", "ada@example.com")

    assert SENT in response.content.decode()
    assert mail.outbox == []


def test_the_21st_request_in_a_minute_is_refused(client, ask, store):
    member_with(store, 100)
    for _ in range(20):
        ask("/s/acme/loyalty/", "eve@example.com")

    response = ask("/s/acme/loyalty/", "ada@example.com")

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert mail.outbox == []


def test_the_form_is_labelled_and_translated(client, ask, store):
    page = client.get("/s/acme/loyalty/?lang=de").content.decode()

    assert '<label for="id_email">E-Mail</label>' in page
    assert Customer.objects.count() == 0


def test_the_bare_form_of_several_stores_writes_from_each_store_the_address_belongs_to(client, ask, store):
    globex = StoreFactory(slug="globex", name="Globex")
    member_with(store, 100)
    member_with(globex, 100)
    StoreFactory(slug="initech", name="Initech")

    ask("/loyalty/", "ada@example.com")

    assert sorted(m.subject for m in mail.outbox) == [
        "Your Acme Outfitters rewards link",
        "Your Globex rewards link",
    ]
