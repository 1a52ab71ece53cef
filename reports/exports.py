"""The reports' tables: built once from the selectors' results, shown on the page and exported
to CSV and XLSX from the same definition, so a column cannot say one thing on the screen and
another in the file.

A table is drawn from one section of reports.selectors.SECTIONS: the page computes every
section once and builds every table from them; an export computes only its table's section.
The cells pass through clients.exports' cell rules, so a manager whose name starts with "="
stays a name in a spreadsheet.
"""

import csv
import datetime as dt
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import openpyxl
from django.utils.translation import gettext_lazy as _

from clients.exports import csv_cell, xlsx_cell
from surveys.models import Source
from surveys.selectors import Satisfaction

from . import selectors
from .charts import figure_text
from .selectors import COHORT_MONTHS, Period

TEXT, NUMBER, MONEY, PERCENT = "text", "number", "money", "percent"
CENTS = Decimal("0.01")


@dataclass(frozen=True)
class Column:
    label: Any
    kind: str = NUMBER
    # Cells shaded by their value (0–100), as in the cohort table.
    heat: bool = False

    @property
    def numeric(self) -> bool:
        return self.kind != TEXT


@dataclass(frozen=True)
class Cell:
    value: Any
    column: Column

    @property
    def heat_level(self) -> int | None:
        """0…5 for a shaded cell: its share in steps of 20 %."""
        if not self.column.heat or self.value is None:
            return None
        return min(5, math.ceil(self.value / 20))


@dataclass(frozen=True)
class Table:
    name: str
    title: Any
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)

    @property
    def cells(self) -> list[list[Cell]]:
        """The rows with each value beside its column, for the template."""
        return [[Cell(v, c) for v, c in zip(row, self.columns, strict=True)] for row in self.rows]

    def header(self) -> list[str]:
        return [str(column.label) for column in self.columns]


def person(row: dict[str, Any], prefix: str) -> str:
    """A user's name from a values() row, as the pages show it."""
    name = f"{row[f'{prefix}__first_name']} {row[f'{prefix}__last_name']}".strip()
    return name or row[f"{prefix}__username"] or "—"


def money(amount: Decimal | None) -> Decimal | None:
    # Sums come back from SQLite without their places ("2000"); amounts always show cents.
    return None if amount is None else Decimal(amount).quantize(CENTS)


def month_label(month: dt.datetime | dt.date) -> str:
    return f"{month:%Y-%m}"


# --- the tables --------------------------------------------------------------------------


def _satisfaction_columns(first: Any) -> list[Column]:
    return [
        Column(first, TEXT),
        Column(_("Scores")),
        Column(_("Satisfied (4–5)")),
        Column(_("Satisfaction, %"), PERCENT),
        Column(_("NPS answers")),
        Column(_("NPS")),
    ]


def _satisfaction_row(label: str, figures: Satisfaction) -> list[Any]:
    return [
        label,
        figures.scores,
        figures.satisfied,
        figures.rate,
        figures.nps_answers,
        figures.nps,
    ]


def satisfaction_by_source(section: dict[str, Any]) -> Table:
    by_source = section["by_source"]
    return Table(
        "satisfaction_by_source",
        _("Satisfaction by source"),
        _satisfaction_columns(_("Source")),
        [
            _satisfaction_row(str(label), by_source.get(source, Satisfaction()))
            for source, label in Source.choices
        ],
    )


def satisfaction_by_month(section: dict[str, Any]) -> Table:
    return Table(
        "satisfaction_by_month",
        _("Satisfaction by month"),
        _satisfaction_columns(_("Month")),
        [
            _satisfaction_row(month_label(month), figures)
            for month, figures in section["by_month"].items()
        ],
    )


def distribution(section: dict[str, Any]) -> Table:
    figures: Satisfaction = section["all"]
    return Table(
        "distribution",
        _("Scores from 1 to 5"),
        [Column(_("Score"), TEXT), Column(_("Responses")), Column(_("Share, %"), PERCENT)],
        [
            [str(score), count, selectors._percent(count, figures.scores)]
            for score, count in sorted(figures.distribution.items())
        ],
    )


def cohorts(section: list[dict[str, Any]]) -> Table:
    months = range(1, COHORT_MONTHS + 1)
    return Table(
        "cohorts",
        _("Bought again within n months, by the month of the first purchase"),
        [
            Column(_("First purchase"), TEXT),
            Column(_("Buyers")),
            *(Column(str(n), PERCENT, heat=True) for n in months),
        ],
        [[month_label(row["month"]), row["buyers"], *row["shares"]] for row in section],
    )


def funnel(section: dict[str, Any]) -> Table:
    entries = {stage: n for stage, _label, n in section["entries"]}
    return Table(
        "funnel",
        _("Lifecycle stages"),
        [Column(_("Stage"), TEXT), Column(_("Clients now")), Column(_("Entered in the period"))],
        [[str(label), n, entries.get(stage, 0)] for stage, label, n in section["by_stage"]],
    )


def discipline(section: dict[str, Any]) -> Table:
    return Table(
        "discipline",
        _("Touchpoint discipline by manager"),
        [
            Column(_("Manager"), TEXT),
            Column(_("Due")),
            Column(_("Done")),
            Column(_("Done on time")),
            Column(_("On time, %"), PERCENT),
            Column(_("Overdue now")),
        ],
        [
            [
                person(row, "assignee"),
                row["due"],
                row["done"],
                row["on_time"],
                row["rate"],
                row["overdue"],
            ]
            for row in section["by_manager"]
        ],
    )


def offers(section: dict[str, Any]) -> Table:
    return Table(
        "offers",
        _("Upsell and cross-sell offers"),
        [
            Column(_("Offer"), TEXT),
            Column(_("Offered")),
            Column(_("Accepted")),
            Column(_("Accepted, %"), PERCENT),
        ],
        [
            [str(label), section[f"{kind}_offered"], section[f"{kind}_accepted"], section[rate]]
            for kind, label, rate in (
                ("upsell", _("Upsell"), "upsell_rate"),
                ("cross_sell", _("Cross-sell"), "cross_sell_rate"),
            )
        ],
    )


def refusals(section: list[tuple[str, str, int]]) -> Table:
    return Table(
        "refusals",
        _("Refusal reasons"),
        [Column(_("Reason"), TEXT), Column(_("Refusals"))],
        [[str(label), n] for _reason, label, n in section],
    )


def commissions(section: list[dict[str, Any]]) -> Table:
    return Table(
        "commissions",
        _("Commissions by sales manager"),
        [
            Column(_("Sales manager"), TEXT),
            Column(_("Currency"), TEXT),
            Column(_("Purchases")),
            Column(_("Sales"), MONEY),
            Column(_("Commission"), MONEY),
        ],
        [
            [
                person(row, "sales_manager"),
                row["currency"],
                row["orders"],
                money(row["sales"]),
                money(row["amount"]),
            ]
            for row in section
        ],
    )


@dataclass(frozen=True)
class TableSpec:
    section: str  # the key of reports.selectors.SECTIONS it is drawn from
    build: Callable[[Any], Table]


TABLES: dict[str, TableSpec] = {
    "satisfaction_by_source": TableSpec("satisfaction", satisfaction_by_source),
    "satisfaction_by_month": TableSpec("satisfaction", satisfaction_by_month),
    "distribution": TableSpec("satisfaction", distribution),
    "cohorts": TableSpec("cohorts", cohorts),
    "funnel": TableSpec("funnel", funnel),
    "discipline": TableSpec("discipline", discipline),
    "offers": TableSpec("offers", offers),
    "refusals": TableSpec("refusals", refusals),
    "commissions": TableSpec("commissions", commissions),
}


def tables(sections: dict[str, Any]) -> dict[str, Table]:
    """Every table, from the sections the page computed (no query)."""
    return {name: spec.build(sections[spec.section]) for name, spec in TABLES.items()}


def table_export(name: str, period: Period, now: dt.datetime, manager: Any = None) -> Table:
    """One table on its own: only its section is computed."""
    spec = TABLES[name]
    return spec.build(selectors.SECTIONS[spec.section](period, now, manager))


# --- the files ---------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    # Lazy translations and Decimals as a spreadsheet takes them.
    if isinstance(value, str | int | float | Decimal | dt.date) or value is None:
        return value
    return str(value)


def csv_text(table: Table) -> str:
    buffer = io.StringIO()
    # Excel takes a CSV for UTF-8 only when it starts with the byte order mark.
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    for row in [table.header(), *table.rows]:
        writer.writerow([csv_cell(_plain(value)) for value in row])
    return buffer.getvalue()


def xlsx_bytes(table: Table) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    # A sheet's title is at most 31 characters and may not hold some punctuation.
    sheet = workbook.create_sheet(title=table.name[:31])
    for row in [table.header(), *table.rows]:
        sheet.append([xlsx_cell(_plain(value)) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(table: Table, period: Period, extension: str) -> str:
    return f"{table.name}-{period.first_day:%Y-%m-%d}-{period.last_day:%Y-%m-%d}.{extension}"


# --- the headline figures ----------------------------------------------------------------

UP, DOWN = "up", "down"


@dataclass(frozen=True)
class FigureSpec:
    key: str  # in reports.selectors.headline
    label: Any
    unit: str = ""
    better: str = ""  # UP or DOWN when a change is good or bad news; "" when neither
    compared: bool = True  # False for a figure of the present, the same for any period
    decimals: int | None = None  # fixed decimal places (money); None: as figure_text does


HEADLINE: tuple[FigureSpec, ...] = (
    FigureSpec("satisfaction_rate", _("Satisfaction rate"), "%", UP),
    FigureSpec("nps", _("NPS"), "", UP),
    FigureSpec("responses", _("Scores received")),
    FigureSpec("hidden_dissatisfaction", _("Hidden dissatisfaction"), "", DOWN),
    FigureSpec("open_recovery", _("Recovery calls open now"), "", DOWN, compared=False),
    FigureSpec("repeat_purchase_rate", _("Repeat-purchase rate"), "%", UP),
    FigureSpec("days_to_second_purchase", _("Days to the second purchase"), "", DOWN),
    FigureSpec("conversion_rate", _("Conversion rate"), "%", UP),
    FigureSpec("closure_rate", _("Closure rate"), "%", UP),
    FigureSpec("on_time_delivery_rate", _("Delivered on time"), "%", UP),
    FigureSpec("discipline_rate", _("Touchpoints done on time"), "%", UP),
    FigureSpec("commissions", _("Commissions"), decimals=2),
)


@dataclass(frozen=True)
class Figure:
    spec: FigureSpec
    value: Any
    previous: Any
    change: Any

    @property
    def trend(self) -> str:
        """UP, DOWN, "same", or "" when there is nothing to compare."""
        if not self.spec.compared or self.change is None:
            return ""
        return UP if self.change > 0 else DOWN if self.change < 0 else "same"

    @property
    def arrow(self) -> str:
        return {UP: "▲", DOWN: "▼", "same": "="}.get(self.trend, "")

    @property
    def tone(self) -> str:
        """ "good" or "bad" news, for the colour; "" when a change is neither."""
        if self.trend not in (UP, DOWN) or not self.spec.better:
            return ""
        return "good" if self.trend == self.spec.better else "bad"

    @property
    def value_text(self) -> str:
        return figure_text(self.value, self.spec.unit, self.spec.decimals)

    @property
    def previous_text(self) -> str:
        return figure_text(self.previous, self.spec.unit, self.spec.decimals)

    @property
    def change_text(self) -> str:
        """The size of the change (the arrow gives its sign); rates change in points."""
        if not self.trend:
            return ""
        return figure_text(abs(self.change), "", self.spec.decimals)


def headline_figures(current: dict[str, Any], previous: dict[str, Any]) -> list[Figure]:
    change = selectors.headline_change(current, previous)
    return [
        Figure(spec, current[spec.key], previous.get(spec.key), change[spec.key])
        for spec in HEADLINE
    ]
