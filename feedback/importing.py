"""Importing reviews from other review apps' CSV exports (`import_reviews`).

Columns read per format (header names compared case-insensitively; docs/import-reviews.md):

- judgeme: title, body, rating, review_date, reviewer_name, reviewer_email, product_id,
  product_handle, reply
- yotpo: review_title, review_content, review_score, date, display_name, email, product_id, sku,
  comment_content (the store's reply), review_id
- csv (ours): id, sku, rating, title, body, author, email, created_at, reply

A product is found by SKU, else by the platform's product id (`Product.external_id`, then the
variant `group`, which holds Shopify's product id), else by handle (a product URL ending in
`/products/<handle>`). A review is tied to an order line (and marked verified) only when a delivered
order of the store with that email holds the product. The same moderation as for reviews written
here applies (content only). Imports are history: they are published or held without events.
Each review is stored once: by the export's review id, or a fingerprint of product, email, date
and text, so importing the file again creates nothing.
"""

import csv
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from orders.models import LineItem, OrderStatus, Product, Store

from .models import Review, ReviewSource, ReviewStatus
from .moderation import hold_reasons, plain_text

FORMATS = {
    "judgeme": {
        "id": "",
        "title": "title",
        "body": "body",
        "rating": "rating",
        "date": "review_date",
        "author": "reviewer_name",
        "email": "reviewer_email",
        "product_id": "product_id",
        "handle": "product_handle",
        "sku": "",
        "reply": "reply",
    },
    "yotpo": {
        "id": "review_id",
        "title": "review_title",
        "body": "review_content",
        "rating": "review_score",
        "date": "date",
        "author": "display_name",
        "email": "email",
        "product_id": "product_id",
        "handle": "",
        "sku": "sku",
        "reply": "comment_content",
    },
    "csv": {
        "id": "id",
        "title": "title",
        "body": "body",
        "rating": "rating",
        "date": "created_at",
        "author": "author",
        "email": "email",
        "product_id": "",
        "handle": "",
        "sku": "sku",
        "reply": "reply",
    },
}
_DELIVERED = (OrderStatus.DELIVERED, OrderStatus.PARTIALLY_RETURNED, OrderStatus.RETURNED)


@dataclass
class ImportResult:
    created: int = 0
    unchanged: int = 0
    held: int = 0
    errors: list[str] = field(default_factory=list)


def _date(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    found = parse_datetime(value)
    if found is None:
        day = parse_date(value[:10])
        found = datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None
    if found is not None and timezone.is_naive(found):
        found = found.replace(tzinfo=UTC)
    return found


def _product(store: Store, row: dict[str, str], cache: dict[tuple[str, str], Product | None]) -> Product | None:
    for how, value in (("sku", row["sku"]), ("id", row["product_id"]), ("handle", row["handle"])):
        if not value:
            continue
        if (how, value) not in cache:
            products = Product.objects.filter(store=store)
            if how == "sku":
                found = products.filter(sku=value).first()
            elif how == "id":
                found = products.filter(external_id=value).first() or products.filter(group=value).first()
            else:
                found = products.filter(url__endswith=f"/products/{value}").first()
            cache[(how, value)] = found
        if cache[(how, value)] is not None:
            return cache[(how, value)]
    return None


def _display(author: str) -> str:
    parts = author.split()
    if not parts:
        return "A customer"
    return f"{parts[0]} {parts[-1][0]}." if len(parts) > 1 else parts[0]


def reviews_import(*, store: Store, file: IO[str], format: str) -> ImportResult:
    """Import one export file; a bad row is reported with its line number and the rest import."""
    columns = FORMATS[format]
    result = ImportResult()
    reader = csv.DictReader(file)
    if reader.fieldnames is None:
        result.errors.append("line 1: the file is empty")
        return result
    cache: dict[tuple[str, str], Product | None] = {}
    for row in _rows(reader, columns):
        line, values = row
        rating_text = values["rating"].strip()
        if not rating_text.isdigit() or not 1 <= int(rating_text) <= 5:
            result.errors.append(f"line {line}: rating must be 1 to 5, got {rating_text!r}")
            continue
        product = _product(store, values, cache)
        if product is None:
            result.errors.append(f"line {line}: no product matches it (sku, product id or handle)")
            continue
        title, body = plain_text(values["title"])[:150], plain_text(values["body"])[:5000]
        if not (title or body):
            result.errors.append(f"line {line}: the review has no text")
            continue
        created_at = _date(values["date"]) or timezone.now()
        email = values["email"].strip().lower()
        external = (
            values["id"].strip()
            or hashlib.sha256(
                "\x1f".join([str(product.pk), email, created_at.isoformat(), title, body]).encode()
            ).hexdigest()[:40]
        )
        external = f"{format}:{external}"[:100]
        if Review.objects.filter(store=store, source=ReviewSource.IMPORT, external_id=external).exists():
            result.unchanged += 1
            continue
        line_item = (
            LineItem.objects.filter(
                order__store=store, order__email__iexact=email, order__status__in=_DELIVERED, product=product
            )
            .select_related("order")
            .order_by("-order__placed_at")
            .first()
            if email
            else None
        )
        reasons = hold_reasons(f"{title}\n{body}", regions=[])
        with transaction.atomic():
            Review.objects.create(
                store=store,
                product=product,
                order=line_item.order
                if line_item and not Review.objects.filter(order=line_item.order, product=product).exists()
                else None,
                line_item=line_item,
                rating=int(rating_text),
                title=title,
                body=body,
                display_name=_display(values["author"]),
                verified=line_item is not None,
                source=ReviewSource.IMPORT,
                external_id=external,
                status=ReviewStatus.PENDING if reasons else ReviewStatus.PUBLISHED,
                hold_reasons=", ".join(reasons),
                reply=plain_text(values["reply"]),
                replied_at=created_at if values["reply"].strip() else None,
                created_at=created_at,
                published_at=None if reasons else created_at,
            )
        result.created += 1
        result.held += bool(reasons)
    return result


def _rows(reader: "csv.DictReader[str]", columns: dict[str, str]) -> Iterable[tuple[int, dict[str, str]]]:
    names = {name.strip().lower(): name for name in reader.fieldnames or []}
    for row in reader:
        values = {key: (row.get(names.get(column, ""), "") or "") if column else "" for key, column in columns.items()}
        yield reader.line_num, values
