"""Sample contexts and merchant templates shared by the message template tests (test_templates_*.py)."""

from notifications.models import Channel, MessageKind, MessageTemplate
from notifications.preview import builtin_context
from orders.models import Store

LOCALES = ["en", "de", "fr", "es"]
KINDS = MessageKind.values
OPTIONAL = [MessageKind.THANK_YOU, MessageKind.RECOMMENDATIONS, MessageKind.COUPON]


def a_store(**fields) -> Store:
    values = {
        "name": "Acme Outfitters",
        "currency": "EUR",
        "primary_color": "#0a7d4f",
        "support_email": "help@acme.example",
        "logo_url": "https://acme.example/logo.png",
    }
    return Store(**{**values, **fields})


def sample(kind: str, locale: str = "en", **store_fields) -> dict:
    return builtin_context(a_store(**store_fields), kind=kind, locale=locale)


def template(store, **fields) -> MessageTemplate:
    values = {"kind": MessageKind.SHIPPED, "channel": Channel.EMAIL, "locale": "en", "subject": "", "text_body": ""}
    return MessageTemplate.objects.create(store=store, **{**values, **fields})
