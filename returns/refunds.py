"""Refund providers: who moves the money when a return is resolved with money back.

Resolving a return whose `refund_amount` is above zero (a refund, an exchange for a cheaper
variant, a "keep it" refund) asks the store's provider (`ReturnPolicy.refund_provider`, chosen per
store in the admin) to refund a `RefundRequest`; its `RefundResult` (provider, method, reference)
is saved on the return and carried by its `return.*` event next to the amount. Store credit is
not a refund: it is a discount code (`discount_code_issue`).

- `record_only` (built-in, the default): moves no money. The merchant refunds in their payment
  provider or store admin and types its reference when resolving; we record amount, method and
  reference. It is local, so it runs inside the resolving transaction.
- `shopify`: the documented slot, not calling out yet. It would
  `POST /admin/api/<version>/orders/<id>/refunds/calculate.json` with the return's
  `refund_line_items` (the line's Shopify id, quantity, `restock_type` `return`, the location)
  and then `POST …/orders/<id>/refunds.json` with the calculated `transactions` (kind `refund`,
  the capture as `parent_id`, the amount), keeping the refund's id as the reference. It needs the
  store's Admin API token, and, being network I/O, it must run after the resolving transaction
  commits (a task retried on `ProviderTransientError`, as remote label providers do), never inside
  it. Shopify then sends `refunds/create` for the same refund; `returns.subscribers.order_refunded`
  leaves an already resolved return alone, so the refund is not counted twice. Until it is built
  it refuses with a reason the merchant reads, and nothing changes: they refund in Shopify, whose
  webhook resolves the return (method `platform`).

A refund the platform made and reported to us (`order.refunded`) is recorded without asking any
provider: the money has moved already.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from postpurchase.exceptions import DomainError

from .models import RefundMethod, RefundProviderName


@dataclass(frozen=True, kw_only=True)
class RefundRequest:
    store_id: int
    order_id: int
    rma: str
    amount: Decimal  # whole cents, never above what is left of what the order paid
    currency: str
    lines: list[tuple[int, int]]  # (our line item id, quantity)
    reference: str = ""  # what the merchant typed: their payment provider's refund id


@dataclass(frozen=True, kw_only=True)
class RefundResult:
    provider: str
    method: str
    reference: str


class RefundProvider(Protocol):
    name: str

    def refund(self, request: RefundRequest) -> RefundResult:
        """Send `request.amount` back to the customer; DomainError (the merchant's reason) if not."""
        ...


class RecordOnlyProvider:
    """Records what the merchant refunded elsewhere; moves no money."""

    name = RefundProviderName.RECORD_ONLY.value

    def refund(self, request: RefundRequest) -> RefundResult:
        return RefundResult(provider=self.name, method=RefundMethod.ORIGINAL_PAYMENT, reference=request.reference)


class ShopifyRefundProvider:
    """The documented slot (see the module docstring); refuses rather than pretend."""

    name = RefundProviderName.SHOPIFY.value

    def refund(self, request: RefundRequest) -> RefundResult:
        raise DomainError(
            "Refunding through Shopify is not available yet: refund in your Shopify admin (the return is "
            "resolved when Shopify tells us), or switch the return policy's refund provider to record only.",
            extra={"refund_provider": self.name},
        )


DEFAULT_PROVIDERS = {
    RefundProviderName.RECORD_ONLY.value: "returns.refunds.RecordOnlyProvider",
    RefundProviderName.SHOPIFY.value: "returns.refunds.ShopifyRefundProvider",
}


def refund_provider(name: str) -> RefundProvider:
    """The provider called `name` (`RETURN_REFUND_PROVIDERS` maps names to classes, for tests and forks)."""
    providers: dict[str, str] = getattr(settings, "RETURN_REFUND_PROVIDERS", DEFAULT_PROVIDERS)
    try:
        provider: RefundProvider = import_string(providers[name])()
    except KeyError:
        raise ValueError(f"unknown refund provider {name!r}; known: {', '.join(sorted(providers))}") from None
    return provider


def platform_refund(*, source: str, reference: str) -> RefundResult:
    """A refund the store platform made and told us about: recorded, not asked for."""
    return RefundResult(provider=source, method=RefundMethod.PLATFORM, reference=reference)
