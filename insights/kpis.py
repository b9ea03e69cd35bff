"""The dashboard's headline figures as tiles: this period, the previous one, and the change."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from postpurchase.money import money_format

from .selectors import Figures

Value = int | Decimal | None


@dataclass(frozen=True)
class Tile:
    label: str
    current: str
    previous: str
    change: str  # "+12.5%", "-3 pts" or "" when it cannot be said
    note: str = ""


def _percent(value: Value) -> str:
    return "–" if value is None else f"{value}%"


def _number(value: Value) -> str:
    return "–" if value is None else f"{value:,}"


def _change(current: Value, previous: Value, *, points: bool) -> str:
    if current is None or previous is None:
        return ""
    if points:  # rates move by percentage points, not by a percentage of themselves
        diff = Decimal(current) - Decimal(previous)
        return f"{diff:+.1f} pts"
    if not previous:
        return ""
    return f"{(Decimal(current) - Decimal(previous)) / Decimal(previous) * 100:+.1f}%"


def tiles(current: Figures, previous: Figures, currency: str) -> list[Tile]:
    def money(value: Value) -> str:
        return "–" if value is None else money_format(Decimal(value), currency)

    rows: list[tuple[str, Callable[[Figures], Value], Callable[[Value], str], bool, str]] = [
        ("Orders", lambda f: f.orders, _number, False, ""),
        ("Revenue", lambda f: f.revenue, money, False, ""),
        ("Average order value", lambda f: f.aov, money, False, ""),
        ("Repeat purchase rate", lambda f: f.repeat_rate, _percent, True, "customers with 2+ orders, all time"),
        ("Customer lifetime value", lambda f: f.cltv, money, False, "revenue per customer, all time"),
        ("Return rate (items)", lambda f: f.return_rate_items, _percent, True, ""),
        ("Return rate (value)", lambda f: f.return_rate_value, _percent, True, ""),
        ("Returns kept as exchange or credit", lambda f: f.retained_share, _percent, True, "revenue retained"),
        ("On-time delivery", lambda f: f.on_time_rate, _percent, True, "against the promised date"),
        ("Average delay of late deliveries", lambda f: f.average_delay_days, _days, False, ""),
        ("Messages sent", lambda f: f.messages_sent, _number, False, ""),
        ("Messages delivered", lambda f: f.messages_delivered, _number, False, ""),
        ("Messages bounced", lambda f: f.messages_bounced, _number, False, ""),
        ("Messages suppressed", lambda f: f.messages_suppressed, _number, False, ""),
        ("NPS", lambda f: f.nps, _score, False, "% promoters - % detractors"),
        ("CSAT", lambda f: f.csat, _percent, True, "answers of 4 or 5"),
        ("Reviews", lambda f: f.reviews, _number, False, ""),
        ("Average rating", lambda f: f.average_rating, _stars, False, ""),
        ("Loyalty members joined", lambda f: f.members_joined, _number, False, ""),
        ("Points issued", lambda f: f.points_issued, _number, False, ""),
        ("Points redeemed", lambda f: f.points_redeemed, _number, False, ""),
        ("Points liability", lambda f: f.liability_value, money, False, "unspent points at redemption value"),
        ("Open returns", lambda f: f.open_returns_value, money, False, "refunds and credit not yet settled"),
        ("Owed to customers", lambda f: f.exposure, money, False, "points liability + open returns"),
    ]
    return [
        Tile(label, fmt(get(current)), fmt(get(previous)), _change(get(current), get(previous), points=pts), note)
        for label, get, fmt, pts, note in rows
    ]


def _days(value: Value) -> str:
    return "–" if value is None else f"{value} days"


def _score(value: Value) -> str:
    return "–" if value is None else f"{value:+}"


def _stars(value: Value) -> str:
    return "–" if value is None else f"{value} / 5"
