from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        from . import (  # noqa: F401 - register the OpenAPI auth scheme and the Shopify handler
            audit_log,
            schema,
            shopify,
        )
        from .privacy import handlers  # noqa: F401 - orders' part of erasure and export
