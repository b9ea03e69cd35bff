"""Message kinds and triggers become an open set (notifications.registry); each store remembers
which default flows it was given, so the sync gives it only those of newly registered kinds (and
never brings back one its merchant deleted)."""

import notifications.registry
from django.db import migrations, models

# The default flows every existing store was given (by 0004 or on first use) before this migration.
GIVEN = [
    "order_placed/order_confirmation/email",
    "shipment_shipped/shipped/email",
    "shipment_shipped/shipped/sms",
    "shipment_out_for_delivery/out_for_delivery/email",
    "shipment_out_for_delivery/out_for_delivery/sms",
    "shipment_delivered/delivered/email",
    "shipment_delayed/delayed/email",
    "shipment_exception/exception/email",
    "shipment_exception/exception/sms",
    "order_delivered/thank_you/email",
    "order_delivered/recommendations/email",
    "order_delivered/coupon/email",
]


def remember_given(apps, schema_editor):
    apps.get_model("notifications", "MessagingSettings").objects.update(synced_flows=sorted(GIVEN))


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0005_suppression_store'),
    ]

    operations = [
        migrations.AddField(
            model_name='messagingsettings',
            name='synced_flows',
            field=models.JSONField(blank=True, default=list, editable=False, help_text='The default flows (trigger/kind/channel) this store was given, so the sync adds only new ones.'),
        ),
        migrations.AlterField(
            model_name='flow',
            name='kind',
            field=models.CharField(choices=notifications.registry.kind_choices, max_length=64),
        ),
        migrations.AlterField(
            model_name='flow',
            name='trigger',
            field=models.CharField(choices=notifications.registry.trigger_choices, max_length=64),
        ),
        migrations.AlterField(
            model_name='message',
            name='kind',
            field=models.CharField(choices=notifications.registry.kind_choices, max_length=64),
        ),
        migrations.AlterField(
            model_name='messagetemplate',
            name='kind',
            field=models.CharField(choices=notifications.registry.kind_choices, max_length=64),
        ),
        migrations.RunPython(remember_given, migrations.RunPython.noop),
    ]
