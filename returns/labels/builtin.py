"""The built-in label provider: no carrier account, a printable PDF with the RMA's barcodes.

Its tracking number is the RMA number: the merchant's warehouse, or a carrier integration
posting to the generic carrier webhook, reports the parcel under it, and those checkpoints move
the return (`returns.subscribers`).
"""

from returns.labels import IssuedLabel, LabelRequest


class BuiltinLabelProvider:
    name = "builtin"
    remote = False

    def issue(self, request: LabelRequest) -> IssuedLabel:
        return IssuedLabel(carrier="", tracking_number=request.rma)
