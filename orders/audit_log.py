"""Orders' changes on the audit log: an order updated, cancelled or refunded, by whoever did it.

Placing an order is not a change someone made to it, so only these kinds are logged; the actor is
the request's or task's (`postpurchase.audit`), so the log tells a Shopify webhook from an API key.
"""

from orders.events import ORDER_CANCELLED, ORDER_REFUNDED, ORDER_UPDATED
from orders.models import DomainEvent
from postpurchase.audit import audit_record
from postpurchase.events import subscribe


@subscribe(ORDER_UPDATED, ORDER_CANCELLED, ORDER_REFUNDED)
def order_change_audit(event: DomainEvent) -> None:
    if event.order is not None:
        audit_record(target=event.order, action=event.kind, changes=dict(event.data))
