"""Where an issued discount code must also exist so that the checkout accepts it.

`discount_code_issue` records every code in our database and then asks the store's provider to
make it known at the checkout. A provider returns its own reference for the code (kept in
`DiscountCode.provider_ref`).

- `builtin`: the code lives only here. Right for codes the merchant's checkout takes from us
  some other way (a storefront that asks our API), and for store credit we settle ourselves.
- `shopify`: the slot for creating the code in the store's Shopify admin, documented but not
  calling out yet. It would `POST /admin/api/<version>/price_rules.json` (value type
  `fixed_amount` or `percentage` with a negative `value`, `target_type` `shipping_line` for free
  shipping, `usage_limit`, `once_per_customer`, `ends_at`, `customer_selection` `prerequisite`
  with the customer's Shopify id) and then `POST …/price_rules/<id>/discount_codes.json` with
  the code, keeping the price rule id as `provider_ref`. It needs the store's Admin API token,
  and, being network I/O, must run after the issuing transaction commits (a task retried on
  transient errors), never inside it.

Providers are chosen by name through the `DISCOUNT_PROVIDERS` setting.
"""

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from orders.models import DiscountCode


class DiscountProvider(Protocol):
    name: str

    def issue(self, code: DiscountCode) -> str:
        """Make `code` usable at the checkout; return the provider's reference ("" if none)."""
        ...


class BuiltinProvider:
    """Records the code and nothing more."""

    name = "builtin"

    def issue(self, code: DiscountCode) -> str:
        return ""


class ShopifyProvider:
    """The documented slot (see the module docstring); refuses rather than pretend."""

    name = "shopify"

    def issue(self, code: DiscountCode) -> str:
        raise NotImplementedError(
            "creating discount codes in Shopify is not built yet; issue the code with the builtin "
            "provider and create it in Shopify by hand"
        )


DEFAULT_PROVIDERS = {
    "builtin": "orders.discount_providers.BuiltinProvider",
    "shopify": "orders.discount_providers.ShopifyProvider",
}


def discount_provider(name: str) -> DiscountProvider:
    providers = getattr(settings, "DISCOUNT_PROVIDERS", DEFAULT_PROVIDERS)
    try:
        return import_string(providers[name])()
    except KeyError:
        raise ValueError(f"unknown discount provider {name!r}; known: {', '.join(sorted(providers))}") from None
