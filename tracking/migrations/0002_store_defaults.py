"""Stores created before `store.created` set up their defaults get their tracking settings now, so
the admin shows their delivery promises before the first order."""

from django.db import migrations


def set_up_defaults(apps, schema_editor):
    Store = apps.get_model("orders", "Store")
    TrackingSettings = apps.get_model("tracking", "TrackingSettings")
    TrackingSettings.objects.bulk_create(
        [TrackingSettings(store=store) for store in Store.objects.filter(tracking__isnull=True)],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0001_initial"),
        ("orders", "0003_order_order_number"),
    ]

    operations = [migrations.RunPython(set_up_defaults, migrations.RunPython.noop)]
