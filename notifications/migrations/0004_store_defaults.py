"""Stores created before `store.created` set up their defaults get their messaging settings and
default flows now, so the admin shows them before the first order (a store that already has its
settings keeps them and its flows untouched)."""

from django.db import migrations

DAY = 24 * 60
# The default flows as they stood when this migration was written (trigger, kind, channel, delay, transactional).
FLOWS = [
    ("order_placed", "order_confirmation", "email", 0, True),
    ("shipment_shipped", "shipped", "email", 0, True),
    ("shipment_shipped", "shipped", "sms", 0, True),
    ("shipment_out_for_delivery", "out_for_delivery", "email", 0, True),
    ("shipment_out_for_delivery", "out_for_delivery", "sms", 0, True),
    ("shipment_delivered", "delivered", "email", 0, True),
    ("shipment_delayed", "delayed", "email", 0, True),
    ("shipment_exception", "exception", "email", 0, True),
    ("shipment_exception", "exception", "sms", 0, True),
    ("order_delivered", "thank_you", "email", 2 * DAY, False),
    ("order_delivered", "recommendations", "email", 10 * DAY, False),
    ("order_delivered", "coupon", "email", 21 * DAY, False),
]


def set_up_defaults(apps, schema_editor):
    Store = apps.get_model("orders", "Store")
    MessagingSettings = apps.get_model("notifications", "MessagingSettings")
    Flow = apps.get_model("notifications", "Flow")
    bare = Store.objects.filter(messaging__isnull=True)
    for store in bare.iterator():
        MessagingSettings.objects.create(store=store)
        Flow.objects.bulk_create(
            [
                Flow(store=store, trigger=t, kind=k, channel=c, delay_minutes=d, transactional=tr)
                for t, k, c, d, tr in FLOWS
            ],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_optional_email_requires_consent"),
        ("orders", "0003_order_order_number"),
    ]

    operations = [migrations.RunPython(set_up_defaults, migrations.RunPython.noop)]
