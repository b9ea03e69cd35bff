"""GDPR: erasing and exporting one customer of one store, through every app.

`orders` owns the entry points because it sits left of every app and Shopify's privacy webhooks
arrive here: `customer_erase` publishes one `customer.erased` event (`Erasure`) that each app
handles for its own tables, and `customer_export` asks every registered exporter for its part.
"""

from .erasure import CUSTOMER_ERASED, Erasure, Person, customer_erase, person_find, rows_mentioning, store_erase
from .export import customer_export, exporter, exporters
from .prune import data_prune, pruner

__all__ = [
    "CUSTOMER_ERASED",
    "Erasure",
    "Person",
    "customer_erase",
    "customer_export",
    "data_prune",
    "exporter",
    "exporters",
    "person_find",
    "pruner",
    "rows_mentioning",
    "store_erase",
]
