"""Every write to orders, customers, shipments and tracking events that matters."""

from .customers import customer_upsert, products_for_skus
from .discounts import (
    OrderDiscountUse,
    discount_code_check,
    discount_code_issue,
    discount_code_redeem,
    discount_redemptions_record,
)
from .orders import order_cancel, order_status_advance, order_status_sync, order_upsert
from .refunds import RefundLineInput, order_refund_record
from .shipments import shipment_status_expire, shipment_upsert, tracking_event_add
from .stores import store_save
from .webhooks import webhook_ingest, webhook_process, webhook_receive

__all__ = [
    "OrderDiscountUse",
    "RefundLineInput",
    "customer_upsert",
    "discount_code_check",
    "discount_code_issue",
    "discount_code_redeem",
    "discount_redemptions_record",
    "order_cancel",
    "order_refund_record",
    "order_status_advance",
    "order_status_sync",
    "order_upsert",
    "products_for_skus",
    "shipment_status_expire",
    "shipment_upsert",
    "store_save",
    "tracking_event_add",
    "webhook_ingest",
    "webhook_process",
    "webhook_receive",
]
