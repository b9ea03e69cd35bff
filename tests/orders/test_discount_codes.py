"""Discount codes: issued by the store, recorded when orders use them (Shopify, API, import)."""

from decimal import Decimal

import pytest

from orders import services
from orders.inputs import DiscountUse
from orders.models import DiscountCode, DiscountPurpose, DiscountRedemption, DiscountValue, DomainEvent
from postpurchase.exceptions import DomainError
from tests.orders.factories import UserFactory, place_order
from tests.orders.import_helpers import our_order, run_import, write_csv
from tests.orders.shopify_helpers import _order
from tests.orders.shopify_payloads import order_payload, post_webhook

pytestmark = pytest.mark.django_db


def issue(store, **overrides) -> DiscountCode:
    values = {
        "store": store,
        "purpose": DiscountPurpose.COUPON,
        "value_type": DiscountValue.AMOUNT,
        "amount": Decimal("5.00"),
        "code": "WELCOME5",
    }
    return services.discount_code_issue(**(values | overrides))


def with_codes(*codes: tuple[str, str]) -> dict:
    return order_payload(
        discount_codes=[{"code": code, "amount": amount, "type": "fixed_amount"} for code, amount in codes]
    )


def test_a_shopify_order_with_a_code_we_issued_marks_it_redeemed_with_its_amount(client, store):
    code = issue(store)

    post_webhook(client, store, "orders/create", with_codes(("welcome5", "5.00")))

    code.refresh_from_db()
    assert code.times_used == 1
    (redemption,) = code.redemptions.all()
    assert (redemption.order, redemption.amount, redemption.currency) == (_order(store), Decimal("5.00"), "EUR")
    event = DomainEvent.objects.get(kind="discount_code.redeemed")
    assert event.data["amount"] == "5.00"
    assert event.data["discount_code_id"] == code.pk
    assert event.data["external"] is False
    assert event.order == _order(store)


def test_a_store_credit_codes_balance_goes_down_by_the_amount_used(client, store):
    credit = issue(
        store, code="CREDIT-ADA", purpose=DiscountPurpose.STORE_CREDIT, amount=Decimal("30.00"), currency="EUR"
    )
    assert credit.balance == Decimal("30.00")
    assert credit.usage_limit is None

    post_webhook(client, store, "orders/create", with_codes(("CREDIT-ADA", "12.50")))

    credit.refresh_from_db()
    assert credit.balance == Decimal("17.50")
    assert DomainEvent.objects.get(kind="discount_code.redeemed").data["balance"] == "17.50"


def test_an_unknown_code_is_recorded_as_external(client, store):
    post_webhook(client, store, "orders/create", with_codes(("SUMMER-SALE", "7.00")))

    redemption = DiscountRedemption.objects.get()
    assert redemption.external
    assert (redemption.code, redemption.amount) == ("SUMMER-SALE", Decimal("7.00"))
    assert DomainEvent.objects.get(kind="discount_code.redeemed").data["external"] is True


def test_a_replayed_webhook_or_an_order_update_redeems_nothing_twice(client, store):
    credit = issue(store, code="CREDIT-ADA", purpose=DiscountPurpose.STORE_CREDIT, amount=Decimal("30.00"))

    post_webhook(client, store, "orders/create", with_codes(("CREDIT-ADA", "10.00")), event_id="evt-1")
    post_webhook(client, store, "orders/create", with_codes(("CREDIT-ADA", "10.00")), event_id="evt-2")
    post_webhook(client, store, "orders/updated", with_codes(("credit-ada", "10.00")), event_id="evt-3")

    credit.refresh_from_db()
    assert (credit.balance, credit.times_used) == (Decimal("20.00"), 1)
    assert DiscountRedemption.objects.count() == 1
    assert DomainEvent.objects.filter(kind="discount_code.redeemed").count() == 1


def test_a_code_used_beyond_its_limit_is_recorded_with_the_problem(store):
    issue(store, code="ONCE")
    place_order(store, number="#1", discount_codes=[DiscountUse(code="ONCE", amount=Decimal("5"))])

    place_order(store, number="#2", discount_codes=[DiscountUse(code="ONCE", amount=Decimal("5"))])

    second = DomainEvent.objects.get(kind="discount_code.redeemed", order__number="#2")
    assert second.data["problems"] == ["used up"]
    assert DiscountCode.objects.get().times_used == 2


def test_the_api_records_codes_and_shows_them_on_the_order(api, store):
    issue(store)
    body = {
        "number": "#1",
        "email": "ada@example.com",
        "currency": "EUR",
        "line_items": [{"title": "Linen tee", "quantity": 1, "unit_price": "25.00"}],
        "discount_total": "8.00",
        "discount_codes": [{"code": "Welcome5", "amount": "5.00"}, {"code": "PARTNER", "amount": "3.00"}],
    }

    response = api.post("/api/v1/orders/", body, format="json")

    assert response.status_code == 201, response.json()
    assert sorted(response.json()["discount_codes"], key=lambda c: c["code"]) == [
        {"code": "PARTNER", "amount": "3.00", "currency": "EUR", "external": True},
        {"code": "Welcome5", "amount": "5.00", "currency": "EUR", "external": False},
    ]


def test_the_csv_import_records_the_code_at_the_orders_discount_total_once(tmp_path, store):
    credit = issue(store, code="CREDIT-1", purpose=DiscountPurpose.STORE_CREDIT, amount=Decimal("50.00"))
    path = write_csv(tmp_path / "orders.csv", our_order(1, discount_code="credit-1", discount_total="6.00"))

    out, status = run_import(path)
    run_import(path)

    assert status == 0, out
    credit.refresh_from_db()
    assert (credit.balance, credit.times_used) == (Decimal("44.00"), 1)
    assert DomainEvent.objects.filter(kind="discount_code.redeemed").count() == 1


def test_issuing_makes_a_random_readable_code_and_records_the_event(store):
    customer = place_order(store).customer

    code = services.discount_code_issue(
        store=store,
        customer=customer,
        purpose=DiscountPurpose.LOYALTY_REWARD,
        value_type=DiscountValue.FREE_SHIPPING,
        prefix="REWARD-",
    )

    assert code.code.startswith("REWARD-")
    assert len(code.code) == len("REWARD-") + 10
    assert not set(code.code.removeprefix("REWARD-")) & set("01OIL")
    event = DomainEvent.objects.get(kind="discount_code.issued")
    assert (event.customer, event.data["value"]) == (customer, "free shipping")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"value_type": DiscountValue.PERCENT, "percent": 0}, "percent from 1 to 100"),
        ({"amount": Decimal("0")}, "amount above zero"),
        ({"purpose": DiscountPurpose.STORE_CREDIT, "value_type": DiscountValue.PERCENT, "percent": 10}, "amount"),
        ({"code": "x"}, "3 to 64 letters"),
    ],
)
def test_issuing_refuses_a_code_that_could_not_work(store, overrides, message):
    with pytest.raises(DomainError, match=message):
        issue(store, **overrides)

    assert not DiscountCode.objects.exists()


def test_a_code_is_unique_per_store_whatever_its_case(store, other_store):
    issue(store, code="WELCOME5")
    issue(other_store, code="WELCOME5")

    with pytest.raises(DomainError, match="already exists"):
        issue(store, code="welcome5")


def test_the_shopify_provider_slot_refuses_instead_of_pretending(store):
    with pytest.raises(DomainError, match="not built yet"):
        issue(store, provider="shopify")

    assert not DiscountCode.objects.exists()


def test_staff_see_only_their_stores_codes_in_the_admin(client, owner, store, other_store):
    issue(store, code="MINE-1")
    issue(other_store, code="THEIRS-1")
    client.force_login(owner)

    page = client.get("/admin/orders/discountcode/").content.decode()

    assert "MINE-1" in page
    assert "THEIRS-1" not in page


def test_a_code_added_in_the_admin_is_issued_with_its_event(client, store):
    admin = UserFactory(username="root", is_superuser=True)
    client.force_login(admin)

    response = client.post(
        "/admin/orders/discountcode/add/",
        {
            "store": store.pk,
            "code": "",
            "purpose": "coupon",
            "value_type": "percent",
            "percent": "15",
            "amount": "0",
            "usage_limit": "1",
            "redemptions-TOTAL_FORMS": "0",
            "redemptions-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    code = DiscountCode.objects.get()
    assert (code.percent, code.value_label) == (15, "15%")
    assert DomainEvent.objects.filter(kind="discount_code.issued", data__code=code.code).exists()


def test_the_admin_refuses_a_percentage_code_without_a_percent(client, store):
    client.force_login(UserFactory(username="root", is_superuser=True))

    response = client.post(
        "/admin/orders/discountcode/add/",
        {
            "store": store.pk,
            "purpose": "coupon",
            "value_type": "percent",
            "amount": "0",
            "usage_limit": "1",
            "redemptions-TOTAL_FORMS": "0",
            "redemptions-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "A percentage code needs a percent from 1 to 100." in response.content.decode()
    assert not DiscountCode.objects.exists()


def test_a_garbled_or_negative_shopify_amount_never_adds_credit_nor_costs_the_order(client, store):
    credit = issue(store, code="CREDIT-ADA", purpose=DiscountPurpose.STORE_CREDIT, amount=Decimal("30.00"))
    payload = order_payload(
        discount_codes=[
            {"code": "CREDIT-ADA", "amount": "-50.00", "type": "fixed_amount"},
            {"code": "ODD", "amount": "five", "type": "fixed_amount"},
            {"code": "", "amount": "1.00"},
            None,
        ]
    )

    response = post_webhook(client, store, "orders/create", payload)

    assert response.status_code == 200
    assert _order(store).number == "#1001"
    credit.refresh_from_db()
    assert credit.balance == Decimal("30.00")
    assert sorted(DiscountRedemption.objects.values_list("code", "amount")) == [
        ("CREDIT-ADA", Decimal("0.00")),
        ("ODD", Decimal("0.00")),
    ]


def test_the_api_refuses_more_than_twenty_codes_or_a_blank_one(api):
    body = {
        "number": "#1",
        "email": "ada@example.com",
        "currency": "EUR",
        "line_items": [{"title": "Linen tee", "quantity": 1, "unit_price": "25.00"}],
    }

    too_many = api.post(
        "/api/v1/orders/", body | {"discount_codes": [{"code": f"C{n:03}"} for n in range(21)]}, format="json"
    )
    blank = api.post("/api/v1/orders/", body | {"discount_codes": [{"code": " "}]}, format="json")

    assert (too_many.status_code, blank.status_code) == (400, 400)
    assert not DiscountRedemption.objects.exists()
