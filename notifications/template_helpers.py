"""Filters message templates use, and turning an HTML body into its plain-text part.

Everything here takes and returns plain values: templates, including merchants', call it.
"""

import re
from datetime import date, datetime
from html.parser import HTMLParser

from jinja2 import pass_context

DASH = "\u2013"  # an en dash, as ranges are typeset
MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
}
MONTHS = {locale: names.split() for locale, names in MONTHS.items()}


def _as_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value).date()
        except ValueError:
            return None
    return None


def _day(d: date, locale: str) -> str:
    if locale == "de":
        return f"{d.day}."
    if locale == "fr" and d.day == 1:
        return "1er"
    return str(d.day)


def _day_month(d: date, locale: str) -> str:
    month = MONTHS.get(locale, MONTHS["en"])[d.month - 1]
    return f"{_day(d, locale)} de {month}" if locale == "es" else f"{_day(d, locale)} {month}"


def _full(d: date, locale: str) -> str:
    return f"{_day_month(d, locale)} de {d.year}" if locale == "es" else f"{_day_month(d, locale)} {d.year}"


def format_date(value, locale: str = "en", fmt: str | None = None) -> str:
    """A date as people write it in `locale` ("3 March 2025", "3. März 2025", "1er mars 2025")."""
    d = _as_date(value)
    if d is None:
        return ""
    if fmt:
        return d.strftime(fmt)
    return _full(d, locale if locale in MONTHS else "en")


def format_date_range(start, end, locale: str = "en") -> str:
    """A range that says the month and year once when both ends share them, in `locale`'s words."""
    start, end = _as_date(start), _as_date(end)
    locale = locale if locale in MONTHS else "en"
    if start is None or end is None or start == end:
        return format_date(start or end, locale)
    if start > end:
        start, end = end, start
    if (start.year, start.month) == (end.year, end.month):
        return f"{_day(start, locale)}{DASH}{_full(end, locale)}"
    if start.year == end.year:
        return f"{_day_month(start, locale)} {DASH} {_full(end, locale)}"
    return f"{_full(start, locale)} {DASH} {_full(end, locale)}"


@pass_context
def date_filter(context, value, fmt: str | None = None) -> str:
    return format_date(value, context.get("locale", "en"), fmt)


@pass_context
def date_range_filter(context, start, end) -> str:
    return format_date_range(start, end, context.get("locale", "en"))


def address_lines(address) -> list[str]:
    """A postal address (the order's JSON) as the lines of an envelope, empty parts left out."""
    if not isinstance(address, dict):
        return []
    town = " ".join(str(address.get(key) or "").strip() for key in ("postal_code", "city")).strip()
    parts = [
        address.get("name"),
        address.get("line1"),
        address.get("line2"),
        town,
        address.get("region"),
        address.get("country"),
    ]
    return [str(part).strip() for part in parts if part and str(part).strip()]


_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote", "section", "hr"}
_LINES = {"tr", "li", "header", "footer"}
_SKIP = {"style", "script", "head", "title"}


class _TextMaker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0
        self.links: list[tuple[str, int]] = []  # (href, where its text starts in out)
        self.cells = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.out.append("\n\n")
        elif tag == "tr":
            self.out.append("\n")
            self.cells = 0
        elif tag in ("td", "th"):
            if self.cells:
                self.out.append("  ")
            self.cells += 1
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in _LINES or tag == "br":
            self.out.append("\n")
        elif tag == "img" and attrs.get("alt"):
            self.out.append(attrs["alt"])
        elif tag == "a":
            self.links.append((attrs.get("href") or "", len(self.out)))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in _SKIP:
            self.skipping -= 1

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in _BLOCKS:
            self.out.append("\n\n")
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.out[start:]).strip()
            target = href.removeprefix("mailto:")
            if href and not href.startswith("#") and target != label:
                self.out.append(f": {target}" if label else target)

    def handle_data(self, data):
        if not self.skipping:
            self.out.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """The plain-text part for an HTML body: paragraphs and rows become lines, links show their address."""
    maker = _TextMaker()
    maker.feed(html or "")
    maker.close()
    lines = [line.strip() for line in "".join(maker.out).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
