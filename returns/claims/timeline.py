"""How the merchant's timeline words `claim.*` and `late_parcel.*` events."""

from collections.abc import Callable
from typing import Any

from orders.events import describes
from returns import events
from returns.models import ReturnStatus


def _amount(d: dict[str, Any], key: str) -> str:
    return f"{d.get('currency', '')} {d.get(key, '')}"


_WORDS: dict[str, Callable[[dict[str, Any]], str]] = {
    ReturnStatus.REQUESTED: lambda d: (
        f"Problem {d.get('number')} reported ({d.get('problem')}, wants {d.get('resolution')}, "
        f"items worth {_amount(d, 'items_amount')})"
    ),
    ReturnStatus.APPROVED: lambda d: (
        f"Problem {d.get('number')} approved" + (" automatically" if d.get("auto") else "")
    ),
    ReturnStatus.REJECTED: lambda d: f"Problem {d.get('number')} rejected: {d.get('reason', '')}",
    ReturnStatus.REFUNDED: lambda d: f"Problem {d.get('number')} refunded: {_amount(d, 'refund_amount')}",
    ReturnStatus.CREDITED: lambda d: (
        f"Problem {d.get('number')} credited: {_amount(d, 'credit_amount')} as {d.get('code', 'store credit')}"
    ),
    ReturnStatus.RESHIPPED: lambda d: (
        f"Problem {d.get('number')}: items to send again (shipment {d.get('shipment_id')})"
    ),
    ReturnStatus.CANCELLED: lambda d: (
        f"Problem {d.get('number')} cancelled" + (f": {d['reason']}" if d.get("reason") else "")
    ),
}
_CHOICES = {
    "wait": "chose to keep waiting",
    "reship": "asked for a reship",
    "refund": "asked for a refund",
    "contact": "chose to contact the store",
}


def register() -> None:
    for status, words in _WORDS.items():
        describes(events.CLAIM_KINDS[status])(words)
    describes(events.LATE_OFFERED)(lambda d: f"Late parcel {d.get('tracking_number', '')}: choices offered".strip())
    describes(events.LATE_CHOSEN)(
        lambda d: (
            f"Late parcel: the customer {_CHOICES.get(str(d.get('choice')), d.get('choice'))}"
            + (f" ({d['number']})" if d.get("number") else "")
        )
    )
    describes(events.LATE_CLOSED)(lambda d: "Late parcel arrived: the choices are closed")
