from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from orders import services
from orders.models import Store

SECRETS = ("shopify_secret", "aftership_secret", "easypost_secret")


class Command(BaseCommand):
    help = "Create a store (the tenant), or update the settings given for an existing one."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--currency", default="USD")
        parser.add_argument("--timezone", default="UTC")
        parser.add_argument("--locale", default="en", choices=["en", "de", "fr", "es"])
        parser.add_argument("--support-email", default="")
        for field in SECRETS:
            parser.add_argument(f"--{field.replace('_', '-')}", default="")

    def handle(self, *args, slug, name, currency, timezone, locale, support_email, **options):
        store = Store.objects.filter(slug=slug).first() or Store(slug=slug)
        created = store.pk is None
        store.name = name
        if created or currency != "USD":
            store.currency = currency.upper()
        if created or timezone != "UTC":
            store.timezone = timezone
        if created or locale != "en":
            store.default_locale = locale
        if support_email:
            store.support_email = support_email
        for field in SECRETS:
            if options[field]:
                if field == "shopify_secret" and store.shopify_secret not in ("", options[field]):
                    # Rotation: the old secret keeps working until the platform uses the new one.
                    store.shopify_secret_previous = store.shopify_secret
                setattr(store, field, options[field])
        try:
            store.full_clean(exclude=["staff"])
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        services.store_save(store=store, actor="create_store")
        self.stdout.write(f"{'Created' if created else 'Updated'} store {store.slug} ({store.name}).")
