"""The dashboard's charts as plain data: each is a table (what the accessible table, the CSV
export and the Chart.js canvas all show) plus how to draw it."""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from orders.models import Store

from .models import Breakdown
from .selectors import Figures, Period, cohort_table, daily_series, top_counts

Cell = str | int | Decimal | None


@dataclass
class Chart:
    slug: str
    title: str
    kind: str  # Chart.js type: bar | line
    headers: list[str]
    rows: list[list[Cell]]
    # Which table columns are drawn as datasets (the first column is the label axis).
    series: list[int] = field(default_factory=lambda: [1])
    stacked: bool = False

    def config(self) -> dict:
        """What static/insights/dashboard.js hands to Chart.js (numbers as floats, labels as text)."""
        return {
            "type": self.kind,
            "stacked": self.stacked,
            "labels": [str(row[0]) for row in self.rows],
            "datasets": [
                {"label": self.headers[i], "data": [float(row[i] or 0) for row in self.rows]} for i in self.series
            ],
        }

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.headers)
        writer.writerows(["" if cell is None else cell for cell in row] for row in self.rows)
        return out.getvalue()


def build_charts(*, store: Store, period: Period, current: Figures) -> list[Chart]:
    days = daily_series(
        store=store,
        period=period,
        columns=["orders", "revenue", "messages_sent", "messages_delivered", "messages_bounced", "messages_suppressed"],
    )
    deliveries = daily_series(store=store, period=period, columns=["delivered", "delivered_on_time"])
    return [
        Chart(
            "orders",
            "Orders and revenue by day",
            "bar",
            ["Day", "Orders", f"Revenue ({store.currency})"],
            [[d["day"].isoformat(), d["orders"], d["revenue"]] for d in days],
            series=[1],
        ),
        Chart(
            "return-reasons",
            "Top return reasons (items)",
            "bar",
            ["Reason", "Items"],
            [
                [label, n]
                for _key, label, n in top_counts(store=store, period=period, breakdown=Breakdown.RETURN_REASON)
            ],
        ),
        Chart(
            "returned-products",
            "Most-returned products (items)",
            "bar",
            ["Product", "Items"],
            [
                [f"{label} ({key})" if label != key else key, n]
                for key, label, n in top_counts(store=store, period=period, breakdown=Breakdown.RETURNED_PRODUCT)
            ],
        ),
        Chart(
            "deliveries",
            "Deliveries on time by day",
            "bar",
            ["Day", "On time", "Late"],
            [
                [d["day"].isoformat(), d["delivered_on_time"], d["delivered"] - d["delivered_on_time"]]
                for d in deliveries
            ],
            series=[1, 2],
            stacked=True,
        ),
        Chart(
            "messages",
            "Messages by day",
            "line",
            ["Day", "Sent", "Delivered", "Bounced", "Suppressed"],
            [
                [
                    d["day"].isoformat(),
                    d["messages_sent"],
                    d["messages_delivered"],
                    d["messages_bounced"],
                    d["messages_suppressed"],
                ]
                for d in days
            ],
            series=[1, 2, 3, 4],
        ),
        Chart(
            "held-messages",
            "Messages held back, by reason",
            "bar",
            ["Reason", "Messages"],
            [[label, n] for _code, label, n in current.held_by_reason],
        ),
    ]


def cohort_chart(*, store: Store, period: Period) -> Chart:
    """The monthly cohort table (a table, not drawn): customers of each first-order month and how
    many ordered again 0, 1, 2, … months later."""
    rows = cohort_table(store=store, until=period.end)
    width = max((len(r.repeat) for r in rows), default=1)
    return Chart(
        "cohorts",
        "Repeat purchases by monthly cohort",
        "table",
        ["First order month", "Customers", *[f"+{k} mo" for k in range(width)]],
        [[r.cohort.strftime("%Y-%m"), r.size, *r.repeat, *[None] * (width - len(r.repeat))] for r in rows],
        series=[],
    )
