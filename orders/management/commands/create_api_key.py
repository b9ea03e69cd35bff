from django.core.management.base import BaseCommand, CommandError

from orders.models import ApiKey, Store


class Command(BaseCommand):
    help = "Issue an API key for a store. The key is printed once, alone on the last line, and never stored."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", default="default", help="A label to tell keys apart.")

    def handle(self, *args, slug, name, **options):
        store = Store.objects.filter(slug=slug).first()
        if store is None:
            raise CommandError(f"No store with slug {slug!r}. Create it with: manage.py create_store {slug} --name …")
        _key, raw = ApiKey.issue(store=store, name=name)
        self.stderr.write(f"API key {name!r} for {store.name}. Send it as 'Authorization: Bearer <key>':")
        self.stdout.write(raw)
