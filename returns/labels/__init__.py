"""Return labels: the provider interface, the configured provider, and the built-in PDF.

A provider turns a `LabelRequest` (the RMA, who sends, where to) into an `IssuedLabel` (carrier,
tracking number and, for a carrier's label, the PDF's URL). `RETURN_LABEL_PROVIDER` (a dotted
path, default the built-in one) picks it.

- The built-in provider (`returns.labels.builtin`) is local: no network, so approval issues its
  label in the approval's own transaction, and the PDF is drawn from the `ReturnLabel` row each
  time its signed link is opened (nothing to store, nothing to lose; the row never changes).
- A carrier's API (EasyPost `Shipment.create` + `buy`, Shippo `Transaction.create`: both answer
  a tracking number and a label URL) is a provider with `remote = True`. Its `issue` calls the
  API, so it never runs inside a transaction: approval commits, then `return_label_issue_task`
  calls the provider and records the answer in a transaction of its own (`return_label_issue`).
  Raise `ProviderTransientError` for what a retry may fix. Such a provider's `pdf_url` is where
  the signed link redirects.
"""

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True, kw_only=True)
class LabelRequest:
    rma: str
    order_number: str
    store_name: str
    from_address: list[str]  # the customer's, as printed
    to_address: list[str]  # the store's return address, as printed


@dataclass(frozen=True, kw_only=True)
class IssuedLabel:
    carrier: str
    tracking_number: str
    pdf_url: str = ""  # a carrier's own PDF; empty: the built-in drawing


class LabelProvider(Protocol):
    name: str
    remote: bool  # True: calls a carrier's API, so only outside a transaction

    def issue(self, request: LabelRequest) -> IssuedLabel: ...


def label_provider() -> LabelProvider:
    provider: LabelProvider = import_string(settings.RETURN_LABEL_PROVIDER)()
    return provider
