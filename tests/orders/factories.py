from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from orders import services
from orders.inputs import LineItemInput, MarketingConsent, OrderInput
from orders.models import ApiKey, OrderSource, Store


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"store-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    currency = "EUR"
    shopify_secret = factory.Sequence(lambda n: f"shpss_secret_{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def stores(self, create, extracted, **kwargs):
        if create and extracted:
            self.stores.set(extracted)
        self.save()


# The customer ticked "email me offers" at checkout: optional email needs that by default.
AGREED_TO_EMAIL = MarketingConsent(email=True)


def api_key_for(store: Store) -> str:
    _key, raw = ApiKey.issue(store=store)
    return raw


def order_input(**overrides) -> OrderInput:
    """A plausible order as any ingest path would hand it to the services."""
    values = {
        "number": "#1001",
        "email": "Ada.Lovelace@Example.com",
        "currency": "EUR",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "shipping_address": {"name": "Ada Lovelace", "line1": "1 Analytical St", "city": "London", "country": "GB"},
        "line_items": [
            LineItemInput(sku="TEE-1", title="Linen tee", quantity=2, unit_price=Decimal("25.00")),
            LineItemInput(sku="CAP-1", title="Wool cap", quantity=1, unit_price=Decimal("19.90")),
        ],
    }
    values.update(overrides)
    return OrderInput(**values)


def place_order(store: Store, *, source: str = OrderSource.API, **overrides):
    order, _created = services.order_upsert(store=store, data=order_input(**overrides), source=source)
    return order
