"""The default flows every store starts with. Merchants change them in the admin."""

from datetime import timedelta

from .models import Channel, Flow, MessageKind, MessagingSettings, Trigger

DAY = int(timedelta(days=1).total_seconds() // 60)

# (trigger, kind, channel, delay in minutes, transactional)
DEFAULT_FLOWS = [
    (Trigger.ORDER_PLACED, MessageKind.ORDER_CONFIRMATION, Channel.EMAIL, 0, True),
    (Trigger.SHIPMENT_SHIPPED, MessageKind.SHIPPED, Channel.EMAIL, 0, True),
    (Trigger.SHIPMENT_SHIPPED, MessageKind.SHIPPED, Channel.SMS, 0, True),
    (Trigger.SHIPMENT_OUT_FOR_DELIVERY, MessageKind.OUT_FOR_DELIVERY, Channel.EMAIL, 0, True),
    (Trigger.SHIPMENT_OUT_FOR_DELIVERY, MessageKind.OUT_FOR_DELIVERY, Channel.SMS, 0, True),
    (Trigger.SHIPMENT_DELIVERED, MessageKind.DELIVERED, Channel.EMAIL, 0, True),
    (Trigger.SHIPMENT_DELAYED, MessageKind.DELAYED, Channel.EMAIL, 0, True),
    (Trigger.SHIPMENT_EXCEPTION, MessageKind.EXCEPTION, Channel.EMAIL, 0, True),
    (Trigger.SHIPMENT_EXCEPTION, MessageKind.EXCEPTION, Channel.SMS, 0, True),
    (Trigger.ORDER_DELIVERED, MessageKind.THANK_YOU, Channel.EMAIL, 2 * DAY, False),
    (Trigger.ORDER_DELIVERED, MessageKind.RECOMMENDATIONS, Channel.EMAIL, 10 * DAY, False),
    (Trigger.ORDER_DELIVERED, MessageKind.COUPON, Channel.EMAIL, 21 * DAY, False),
]


def messaging_for(store) -> MessagingSettings:
    """The store's messaging settings; the first call also creates its default flows."""
    settings, created = MessagingSettings.objects.get_or_create(store=store)
    if created:
        Flow.objects.bulk_create(
            [
                Flow(store=store, trigger=t, kind=k, channel=c, delay_minutes=d, transactional=tr)
                for t, k, c, d, tr in DEFAULT_FLOWS
            ],
            ignore_conflicts=True,
        )
    return settings
