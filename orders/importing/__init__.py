"""Bulk import of orders from files: our CSV, Shopify's orders export, JSON lines.

readers.py reads each format into RawOrders, validation.py makes OrderInputs of them,
bulk.py writes a batch with set-based statements (tables.py: COPY on PostgreSQL), and
service.py ties them together. The format is documented in docs/import-format.md.
"""

from .readers import ImportFileError
from .service import BATCH_SIZE, ImportSummary, orders_import

__all__ = ["BATCH_SIZE", "ImportFileError", "ImportSummary", "orders_import"]
