"""Claims: a delivery problem reported by the customer ("not received", "damaged", "wrong or missing
item"), and the choices offered when a parcel is late.

A claim is a `ReturnRequest` of kind `claim` (number `CLM-…`): a return without shipping back. It is
priced and decided by the same policy (`returns.policy`: window, auto-approval under an amount,
review after N claims in 12 months) and resolved through the same services (`resolve_record`:
refund, store credit as a discount code), plus a reship: a new outbound shipment for the merchant
to fulfil. Its events are `claim.*` (returns.events), its messages `claim_*` (claims.messages).
"""
