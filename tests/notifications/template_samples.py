"""Sample contexts and merchant templates shared by the message template tests (test_templates_*.py)."""

from notifications import kinds, registry
from notifications.models import Channel, MessageTemplate
from notifications.preview import builtin_context
from orders.models import Store

LOCALES = ["en", "de", "fr", "es"]
# Every registered kind, the test apps' included, and the channels it declares.
KINDS = [kind.name for kind in registry.kinds()]
KIND_CHANNELS = [(kind.name, channel) for kind in registry.kinds() for channel in kind.channels]
OPTIONAL = [kind.name for kind in registry.kinds() if kind.optional]


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
    values = {"kind": kinds.SHIPPED, "channel": Channel.EMAIL, "locale": "en", "subject": "", "text_body": ""}
    return MessageTemplate.objects.create(store=store, **{**values, **fields})
