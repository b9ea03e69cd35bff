"""The three file formats import_orders reads, each turned into a stream of RawOrder.

- our CSV (docs/import-format.md): one row per line item, header starts with our column names;
- Shopify's "Export orders" CSV: one row per line item, order-level cells on the first row only;
- JSON lines: one order per line, in the REST API's create format.

Files are read line by line and never held whole, so memory does not grow with the file.
Rows of one order must be adjacent, as both CSV layouts write them.
"""

import codecs
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .validation import RawItem, RawOrder

FORMAT_CSV = "csv"
FORMAT_SHOPIFY = "shopify"
FORMAT_JSONL = "jsonl"
FORMAT_NAMES = {FORMAT_CSV: "CSV", FORMAT_SHOPIFY: "Shopify orders export", FORMAT_JSONL: "JSON lines"}

ADDRESS_KEYS = ("name", "line1", "line2", "city", "region", "postal_code", "country")

# Our CSV: column -> the canonical name validation knows it by.
OUR_ORDER_COLUMNS = {
    "order_number": "number",
    "external_id": "external_id",
    "placed_at": "placed_at",
    "email": "email",
    "phone": "phone",
    "first_name": "first_name",
    "last_name": "last_name",
    "locale": "locale",
    "currency": "currency",
    "shipping_total": "shipping_total",
    "tax_total": "tax_total",
    "discount_total": "discount_total",
    "total": "total",
    "cancelled_at": "cancelled_at",
    "accepts_email_marketing": "accepts_email_marketing",
    "accepts_sms_marketing": "accepts_sms_marketing",
    "discount_code": "discount_code",
}
OUR_ADDRESS_COLUMNS = {f"ship_{key}": key for key in ADDRESS_KEYS}
OUR_ITEM_COLUMNS = {
    "sku": "sku",
    "title": "title",
    "quantity": "quantity",
    "unit_price": "unit_price",
    "lasts_days": "lasts_days",  # optional: a product's "lasts about N days" (replenishment reminders)
}
OUR_COLUMNS = (*OUR_ORDER_COLUMNS, *OUR_ITEM_COLUMNS, *OUR_ADDRESS_COLUMNS)
OUR_REQUIRED = ("order_number", "email", "currency", "title", "quantity", "unit_price")

SHOPIFY_ORDER_COLUMNS = {
    "Name": "number",
    "Id": "external_id",
    "Created at": "placed_at",
    "Email": "email",
    "Currency": "currency",
    "Shipping": "shipping_total",
    "Taxes": "tax_total",
    "Discount Amount": "discount_total",
    "Total": "total",
    "Cancelled at": "cancelled_at",
    "Discount Code": "discount_code",
}
SHOPIFY_ITEM_COLUMNS = {
    "Lineitem sku": "sku",
    "Lineitem name": "title",
    "Lineitem quantity": "quantity",
    "Lineitem price": "unit_price",
}
SHOPIFY_ADDRESS = {
    "name": "Name",
    "line1": "Address1",
    "line2": "Address2",
    "city": "City",
    "region": "Province",
    "postal_code": "Zip",
    "country": "Country",
}
SHOPIFY_PHONES = ("Phone", "Shipping Phone", "Billing Phone")
SHOPIFY_ACCEPTS_MARKETING = "Accepts Marketing"
SHOPIFY_SIGNATURE = {"Name", "Lineitem name", "Lineitem quantity"}
SHOPIFY_REQUIRED = ("Name", "Email", "Currency", "Lineitem name", "Lineitem quantity", "Lineitem price")


class ImportFileError(Exception):
    """The file as a whole cannot be read: unknown layout, missing columns, not UTF-8."""


@dataclass
class Source:
    """An opened import file: what it is and its orders, read lazily."""

    format: str
    orders: Iterator[RawOrder]
    labels: dict[str, str]
    lines: "_Lines"
    notices: list[str] = field(default_factory=list)

    @property
    def bytes_read(self) -> int:
        return self.lines.bytes_read


class _Lines:
    """A binary file as decoded text lines, counting bytes for the progress bar."""

    def __init__(self, fh):
        self.fh = fh
        self.bytes_read = 0
        self.line = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self.fh:
            self.line += 1
            self.bytes_read += len(raw)
            if self.line == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)  # Excel's "CSV UTF-8" starts with one
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                raise ImportFileError(f"line {self.line} is not UTF-8 text; save the file as UTF-8") from None


def source_open(path: Path, fh) -> Source:
    """Recognise the file's format (by extension, first character, then CSV header) and read it."""
    lines = _Lines(fh)
    head = fh.peek(4096).removeprefix(codecs.BOM_UTF8).lstrip()
    if path.suffix.lower() in (".jsonl", ".ndjson") or head.startswith(b"{"):
        labels = {"first_name": "customer.first_name", "last_name": "customer.last_name"}
        labels |= {
            "accepts_email_marketing": "marketing_consent.email",
            "accepts_sms_marketing": "marketing_consent.sms",
            "marketing_consent_at": "marketing_consent.at",
        }
        return Source(FORMAT_JSONL, _jsonl_orders(lines), labels=labels, lines=lines)
    reader = csv.reader(lines)
    header = [name.strip() for name in next(reader, [])]
    if "order_number" in header:
        return _our_csv(reader, header, lines)
    if set(header) >= SHOPIFY_SIGNATURE:
        return _shopify_csv(reader, header, lines)
    raise ImportFileError(
        "unknown file layout: expected our CSV header (order_number, email, ...), a Shopify orders "
        "export (Name, Email, ..., Lineitem name, ...), or JSON lines (.jsonl, one order per line)"
    )


def _require(header: list[str], required: tuple[str, ...]) -> None:
    missing = [name for name in required if name not in header]
    if missing:
        raise ImportFileError(f"the header lacks the column(s) {', '.join(missing)}")


def _rows(reader) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, cells), skipping blank lines; a quoted cell may span lines."""
    previous_end = reader.line_num
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a quote never closed: the rest cannot be split into cells
            raise ImportFileError(f"line {reader.line_num}: {exc}") from None
        start, previous_end = previous_end + 1, reader.line_num
        if row and any(row):
            yield start, row


def _grouped(reader, key_index: int, width: int) -> Iterator[tuple[int, list[tuple[int, list[str]]]]]:
    """Adjacent rows with the same order key, as (line of the first row, [(line, cells), ...])."""
    group: list[tuple[int, list[str]]] = []
    current = None
    for line, row in _rows(reader):
        if len(row) < width:
            row = row + [""] * (width - len(row))
        key = row[key_index].strip()
        if group and (key != current or not key):
            yield group[0][0], group
            group = []
        current = key
        group.append((line, row))
    if group:
        yield group[0][0], group


def _our_csv(reader, header: list[str], lines: _Lines) -> Source:
    _require(header, OUR_REQUIRED)
    index = {name: i for i, name in enumerate(header)}
    orders = [(canonical, index[col]) for col, canonical in OUR_ORDER_COLUMNS.items() if col in index]
    address = [(key, index[col]) for col, key in OUR_ADDRESS_COLUMNS.items() if col in index]
    items = [(canonical, index[col]) for col, canonical in OUR_ITEM_COLUMNS.items() if col in index]
    # Order-level cells, to check that a repeated one says the same as the order's first row.
    repeated = [(col, i) for col, i in index.items() if col in OUR_ORDER_COLUMNS or col in OUR_ADDRESS_COLUMNS]
    labels = {canonical: col for col, canonical in OUR_ORDER_COLUMNS.items()}
    labels |= {f"shipping_address.{key}": col for col, key in OUR_ADDRESS_COLUMNS.items()}
    unknown = [name for name in header if name not in OUR_COLUMNS]
    notices = [f"ignored unknown column(s): {', '.join(unknown)}"] if unknown else []

    def read() -> Iterator[RawOrder]:
        for first_line, group in _grouped(reader, index["order_number"], len(header)):
            first = group[0][1]
            values = {canonical: first[i] for canonical, i in orders}
            values["shipping_address"] = {key: first[i] for key, i in address}
            raw = RawOrder(first_line, values)
            for line, row in group:
                if len(row) > len(header):
                    raw.problems.append((line, f"the row has {len(row)} cells but the header has {len(header)}"))
                raw.items.append(RawItem(line, {canonical: row[i] for canonical, i in items}))
                if line != first_line:
                    for col, i in repeated:
                        cell = row[i].strip()
                        if cell and cell != first[i].strip():
                            raw.problems.append(
                                (line, f"{col} {cell!r} differs from {first[i].strip()!r} on line {first_line}")
                            )
            yield raw

    return Source(FORMAT_CSV, read(), labels=labels, lines=lines, notices=notices)


def _split_name(full: str) -> tuple[str, str]:
    first, _space, last = full.strip().partition(" ")
    return first, last.strip()


def _shopify_address(row: list[str], index: dict[str, int], prefix: str) -> dict:
    address = {}
    for key, suffix in SHOPIFY_ADDRESS.items():
        i = index.get(f"{prefix} {suffix}")
        if i is not None and row[i].strip():
            address[key] = row[i]
    if "postal_code" in address:
        # Shopify writes ZIPs as '02134 so spreadsheets keep the leading zero.
        address["postal_code"] = address["postal_code"].strip().removeprefix("'")
    return address


def _shopify_csv(reader, header: list[str], lines: _Lines) -> Source:
    _require(header, SHOPIFY_REQUIRED)
    index = {name: i for i, name in enumerate(header)}
    orders = [(canonical, index[col]) for col, canonical in SHOPIFY_ORDER_COLUMNS.items() if col in index]
    items = [(canonical, index[col]) for col, canonical in SHOPIFY_ITEM_COLUMNS.items() if col in index]
    phones = [index[col] for col in SHOPIFY_PHONES if col in index]
    names = [index[col] for col in ("Billing Name", "Shipping Name") if col in index]
    labels = {canonical: col for col, canonical in (SHOPIFY_ORDER_COLUMNS | SHOPIFY_ITEM_COLUMNS).items()}
    labels |= {"phone": "Phone", "first_name": "Billing Name", "last_name": "Billing Name"}
    labels |= {"accepts_email_marketing": SHOPIFY_ACCEPTS_MARKETING}
    accepts = index.get(SHOPIFY_ACCEPTS_MARKETING)
    for kind, prefix in (("shipping_address", "Shipping"), ("billing_address", "Billing")):
        labels |= {f"{kind}.{key}": f"{prefix} {suffix}" for key, suffix in SHOPIFY_ADDRESS.items()}

    def read() -> Iterator[RawOrder]:
        for first_line, group in _grouped(reader, index["Name"], len(header)):
            # Shopify fills the order-level cells on the order's first row only.
            first = group[0][1]
            values = {canonical: first[i] for canonical, i in orders}
            values["phone"] = next((first[i] for i in phones if first[i].strip()), "")
            full_name = next((first[i] for i in names if first[i].strip()), "")
            values["first_name"], values["last_name"] = _split_name(full_name)
            values["shipping_address"] = _shopify_address(first, index, "Shipping")
            values["billing_address"] = _shopify_address(first, index, "Billing")
            if accepts is not None:
                # Shopify writes "no" for every box left unticked, which is not a refusal.
                values["accepts_email_marketing"] = "yes" if first[accepts].strip().lower() == "yes" else ""
            raw = RawOrder(first_line, values)
            for line, row in group:
                raw.items.append(RawItem(line, {canonical: row[i] for canonical, i in items}))
            yield raw

    return Source(FORMAT_SHOPIFY, read(), labels=labels, lines=lines)


_JSON_ORDER_KEYS = (
    "number",
    "external_id",
    "placed_at",
    "email",
    "phone",
    "locale",
    "currency",
    "shipping_total",
    "tax_total",
    "discount_total",
    "total",
    "cancelled_at",
    "shipping_address",
    "billing_address",
    "discount_codes",
)


def _jsonl_order(line: int, text: str) -> RawOrder:
    try:
        # Decimal, not float, so 19.9 stays 19.90.
        obj = json.loads(text, parse_float=Decimal)
    except ValueError as exc:
        return RawOrder(line, {}, problems=[(line, f"not valid JSON: {exc}")])
    if not isinstance(obj, dict):
        return RawOrder(line, {}, problems=[(line, "each line must be one JSON object (an order)")])
    values = {key: obj.get(key) for key in _JSON_ORDER_KEYS}
    raw = RawOrder(line, values)
    customer = obj.get("customer") or {}
    if isinstance(customer, dict):
        values["first_name"], values["last_name"] = customer.get("first_name"), customer.get("last_name")
    else:
        raw.problems.append((line, "customer must be an object"))
    consent = obj.get("marketing_consent") or {}
    if isinstance(consent, dict):
        values["accepts_email_marketing"], values["accepts_sms_marketing"] = consent.get("email"), consent.get("sms")
        values["marketing_consent_at"] = consent.get("at")
    else:
        raw.problems.append((line, "marketing_consent must be an object"))
    line_items = obj.get("line_items") or []
    if not isinstance(line_items, list):
        raw.problems.append((line, "line_items must be a list"))
        line_items = []
    for n, item in enumerate(line_items):
        if isinstance(item, dict):
            raw.items.append(RawItem(line, item, label_prefix=f"line_items[{n}]."))
        else:
            raw.problems.append((line, f"line_items[{n}] must be an object"))
    return raw


def _jsonl_orders(lines: _Lines) -> Iterator[RawOrder]:
    for text in lines:
        if text.strip():
            yield _jsonl_order(lines.line, text)
