"""The director's figures. Every one is a SQL aggregate over the period (one query or a few,
whatever the data size); nothing here loops over rows in Python.

A period is [start, end) in the company's time zone. A purchase is an order that was not
cancelled or returned. "Manager" narrows each figure to the manager it belongs to: the
account manager at the time for satisfaction, the assignee for touchpoints, the originator for
commissions, and the client's account manager or originator otherwise.
"""

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import ExtractMonth, ExtractYear, TruncDate, TruncMonth
from django.utils.functional import Promise

from clients.models import (
    Client,
    Commission,
    Order,
    OrderStatus,
    PromisedDateChange,
    Referral,
    Refusal,
    Stage,
    StageChange,
)
from followup_crm.timezones import company_zone
from surveys import selectors as survey_selectors
from touchpoints.models import CallAttempt, Touchpoint, TouchpointStatus

COHORT_MONTHS = 12


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime

    @classmethod
    def from_dates(cls, first: dt.date, last: dt.date) -> "Period":
        """From the first to the last day, both included, in the company's time zone."""
        tz = company_zone()
        return cls(
            dt.datetime.combine(first, dt.time(0), tzinfo=tz),
            dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=tz),
        )

    @property
    def previous(self) -> "Period":
        """The period of the same length just before, for comparison."""
        return Period(self.start - (self.end - self.start), self.start)

    def q(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})

    @property
    def first_day(self) -> dt.date:
        return self.start.date()

    @property
    def last_day(self) -> dt.date:
        return (self.end - dt.timedelta(days=1)).date()


def _tz() -> zoneinfo.ZoneInfo:
    return company_zone()


def _clients(manager: Any = None) -> QuerySet[Client]:
    clients = Client.objects.all()
    if manager is not None:
        clients = clients.filter(Q(account_manager=manager) | Q(originator=manager))
    return clients


# --- satisfaction ------------------------------------------------------------------------


def satisfaction(period: Period, manager: Any = None, *, past: bool = False) -> dict[str, Any]:
    """The period's scores, in all and by source and month; hidden dissatisfaction; the
    recovery calls open now. For a past period only compared with (`past`), the figures the
    comparison reads: no breakdowns, nothing of the present."""
    responses = survey_selectors.responses_between(period.start, period.end, manager=manager)
    hidden = survey_selectors.hidden_dissatisfaction(period.start, period.end)
    if manager is not None:
        hidden = hidden.filter(account_manager=manager)
    figures = {
        "all": survey_selectors.satisfaction(responses),
        "hidden_dissatisfaction": hidden.count(),
        "open_recovery": None,
    }
    if past:
        return figures
    recovery = Touchpoint.objects.filter(status=TouchpointStatus.PLANNED, is_urgent=True)
    if manager is not None:
        recovery = recovery.filter(assignee=manager)
    return {
        **figures,
        "by_source": survey_selectors.satisfaction_by(responses, "source"),
        "by_month": survey_selectors.satisfaction_by(responses, "month"),
        "open_recovery": recovery.count(),
    }


# --- repeat purchases --------------------------------------------------------------------


@dataclass(frozen=True)
class RepeatPurchases:
    buyers: int
    repeat_buyers: int
    days_to_second: float | None

    @property
    def rate(self) -> float | None:
        return round(100 * self.repeat_buyers / self.buyers, 1) if self.buyers else None


def repeat_purchases(period: Period, manager: Any = None) -> RepeatPurchases:
    """As of the end of the period: buyers with two or more purchases among all buyers; and
    the mean days from first to second purchase for second purchases made in the period."""
    # A client had bought once (twice) by the end of the period when their first (second)
    # purchase came before it: the purchase times the lifecycle keeps on the client.
    counted = _clients(manager).aggregate(
        buyers=Count("id", filter=Q(first_purchase_at__lt=period.end)),
        repeat_buyers=Count("id", filter=Q(second_purchase_at__lt=period.end)),
        gap=Avg(
            ExpressionWrapper(
                F("second_purchase_at") - F("first_purchase_at"), output_field=DurationField()
            ),
            filter=Q(second_purchase_at__gte=period.start, second_purchase_at__lt=period.end),
        ),
    )
    gap = counted["gap"]
    days = round(gap.total_seconds() / 86400, 1) if gap is not None else None
    return RepeatPurchases(counted["buyers"], counted["repeat_buyers"], days)


def cohorts(period: Period, manager: Any = None) -> list[dict[str, Any]]:
    """Buyers by the month of their first purchase (months that start in the period) and the
    share of them who had bought again within 1…12 months (cumulative)."""
    first_month = ExtractYear("first_purchase_at") * 12 + ExtractMonth("first_purchase_at")
    second_month = ExtractYear("second_purchase_at") * 12 + ExtractMonth("second_purchase_at")
    # Counted by first-purchase month and months to the second purchase (NULL: none yet), so
    # each client's months are worked out once, not once for each column of the table.
    rows = (
        _clients(manager)
        .filter(first_purchase_at__gte=period.start, first_purchase_at__lt=period.end)
        .annotate(
            cohort=TruncMonth("first_purchase_at", tzinfo=_tz()),
            gap=ExpressionWrapper(second_month - first_month, output_field=IntegerField()),
        )
        .values("cohort", "gap")
        .annotate(buyers=Count("id"))
        .order_by("cohort", "gap")
    )
    # At most a few hundred aggregated rows (months × gaps), added up into the cumulative
    # columns: bought again within k months counts every gap of k months or less.
    table: dict[dt.datetime, dict[str, Any]] = {}
    for row in rows:
        entry = table.setdefault(
            row["cohort"], {"month": row["cohort"], "buyers": 0, "again": [0] * COHORT_MONTHS}
        )
        entry["buyers"] += row["buyers"]
        if row["gap"] is not None:
            for k in range(max(row["gap"], 1), COHORT_MONTHS + 1):
                entry["again"][k - 1] += row["buyers"]
    return [
        {
            "month": entry["month"],
            "buyers": entry["buyers"],
            "shares": [round(100 * again / entry["buyers"], 1) for again in entry["again"]],
        }
        for entry in table.values()
    ]


# --- the lifecycle funnel ----------------------------------------------------------------


def funnel(period: Period, manager: Any = None, *, past: bool = False) -> dict[str, Any]:
    """Clients per stage now and stage entries in the period (not for a `past` period only
    compared with); conversion and closure rates."""
    by_stage: dict[str, int] = {}
    entries: dict[str, int] = {}
    if not past:
        clients = _clients(manager).filter(archived_at__isnull=True)
        by_stage = dict(clients.values_list("stage").annotate(n=Count("id")).order_by())
        changes = StageChange.objects.filter(period.q("at"))
        if manager is not None:
            changes = changes.filter(
                Q(client__account_manager=manager) | Q(client__originator=manager)
            )
        entries = dict(changes.values_list("to_stage").annotate(n=Count("id")).order_by())

    # Conversion: of the clients who came in during the period, how many bought (by its end).
    visitors = (
        _clients(manager)
        .filter(period.q("visited_at"))
        .aggregate(
            visitors=Count("id"), converted=Count("id", filter=Q(first_purchase_at__lt=period.end))
        )
    )
    # Closure: first purchases won in the period against refusals recorded in it.
    won = (
        _clients(manager)
        .filter(first_purchase_at__gte=period.start, first_purchase_at__lt=period.end)
        .count()
    )
    refusals = Refusal.objects.filter(period.q("at"))
    if manager is not None:
        refusals = refusals.filter(
            Q(client__account_manager=manager) | Q(client__originator=manager)
        )
    refused = refusals.count()
    return {
        "by_stage": [(stage, label, by_stage.get(stage, 0)) for stage, label in Stage.choices],
        "entries": [(stage, label, entries.get(stage, 0)) for stage, label in Stage.choices],
        "visitors": visitors["visitors"],
        "converted": visitors["converted"],
        "conversion_rate": _percent(visitors["converted"], visitors["visitors"]),
        "won": won,
        "refused": refused,
        "closure_rate": _percent(won, won + refused),
    }


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# --- delivery ----------------------------------------------------------------------------


def on_time_delivery(period: Period, manager: Any = None) -> dict[str, Any]:
    """Orders delivered in the period with a promised date: the share delivered by the date
    promised first (the company's calendar day), however often it moved since, and how many
    of them had their date moved."""
    orders = Order.objects.filter(
        period.q("delivered_at"), status__in=[OrderStatus.DELIVERED, OrderStatus.RETURNED]
    ).exclude(first_promised_date=None)
    if manager is not None:
        orders = orders.filter(Q(client__account_manager=manager) | Q(client__originator=manager))
    moved = PromisedDateChange.objects.filter(order=OuterRef("pk"), old_date__isnull=False)
    counts = orders.annotate(
        delivered_day=TruncDate("delivered_at", tzinfo=_tz()), was_moved=Exists(moved)
    ).aggregate(
        delivered=Count("id"),
        on_time=Count("id", filter=Q(delivered_day__lte=F("first_promised_date"))),
        moved=Count("id", filter=Q(was_moved=True)),
    )
    return {**counts, "rate": _percent(counts["on_time"], counts["delivered"])}


# --- touchpoint discipline ---------------------------------------------------------------


# The staff fields the discipline table names a manager by.
PERSON_FIELDS = ("username", "first_name", "last_name")


# Done on time: done by the end of its due day (`due_day`, annotated by discipline_due).
DONE_ON_TIME = Q(status=TouchpointStatus.DONE, closed_at__date__lte=F("due_day"))


def _owed(manager: Any = None) -> QuerySet[Touchpoint]:
    owed = Touchpoint.objects.filter(is_automatic=False).exclude(assignee=None)
    return owed if manager is None else owed.filter(assignee=manager)


def discipline_due(period: Period, manager: Any = None) -> QuerySet[Touchpoint]:
    """The touchpoints the discipline counts: those people owe (calls and postal tasks) that
    fell due in the period and were not cancelled, each with its due day (for DONE_ON_TIME)."""
    due = _owed(manager).filter(period.q("due_at")).exclude(status=TouchpointStatus.CANCELLED)
    return due.annotate(due_day=TruncDate("due_at", tzinfo=_tz()))


def discipline(
    period: Period, now: dt.datetime, manager: Any = None, *, past: bool = False
) -> dict[str, Any]:
    """Touchpoints people owe (calls and postal tasks) due in the period: done by the end of
    their due day, against all that fell due; and what is overdue now (not for a `past`
    period only compared with: it is the same for any period). Per manager too."""
    owed = _owed(manager)
    counts = {
        "due": Count("id"),
        "done": Count("id", filter=Q(status=TouchpointStatus.DONE)),
        "on_time": Count("id", filter=DONE_ON_TIME),
    }
    annotated = discipline_due(period, manager)
    if past:
        totals = annotated.aggregate(**counts)
        return {**totals, "rate": _percent(totals["on_time"], totals["due"])}
    # Grouped by the assignee's id alone, the names read apart (the staff: a short table, read
    # whole so the page's query count never depends on the data): joining the users into the
    # grouping of a few hundred thousand rows cost a third of the query.
    # Rows of a values(), plain dicts: the names and figures are added to them.
    per_manager = cast(
        list[dict[str, Any]], list(annotated.values("assignee").annotate(**counts).order_by())
    )
    names = {
        user["id"]: user
        for user in get_user_model().objects.values("id", *PERSON_FIELDS).order_by()
    }
    overdue = dict(
        owed.filter(status=TouchpointStatus.PLANNED, due_at__lt=now)
        .values_list("assignee")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in per_manager:
        user = names[row["assignee"]]
        row.update({f"assignee__{field}": user[field] for field in PERSON_FIELDS})
        row["overdue"] = overdue.get(row["assignee"], 0)
        row["rate"] = _percent(row["on_time"], row["due"])
    per_manager.sort(key=lambda row: row["assignee__username"])
    total_due = sum(row["due"] for row in per_manager)
    total_on_time = sum(row["on_time"] for row in per_manager)
    return {
        "due": total_due,
        "on_time": total_on_time,
        "rate": _percent(total_on_time, total_due),
        "overdue": sum(overdue.values()),
        "by_manager": per_manager,
    }


# --- offers, refusals, referrals, commissions --------------------------------------------


def offers(period: Period, manager: Any = None) -> dict[str, Any]:
    attempts = CallAttempt.objects.filter(period.q("at"))
    if manager is not None:
        attempts = attempts.filter(recorded_by=manager)
    counts = attempts.aggregate(
        upsell_offered=Count("id", filter=~Q(upsell="")),
        upsell_accepted=Count("id", filter=Q(upsell="accepted")),
        cross_sell_offered=Count("id", filter=~Q(cross_sell="")),
        cross_sell_accepted=Count("id", filter=Q(cross_sell="accepted")),
    )
    counts["upsell_rate"] = _percent(counts["upsell_accepted"], counts["upsell_offered"])
    counts["cross_sell_rate"] = _percent(
        counts["cross_sell_accepted"], counts["cross_sell_offered"]
    )
    return counts


def refusal_reasons(period: Period, manager: Any = None) -> list[tuple[str, str | Promise, int]]:
    refusals = Refusal.objects.filter(period.q("at"))
    if manager is not None:
        refusals = refusals.filter(
            Q(client__account_manager=manager) | Q(client__originator=manager)
        )
    counts = dict(refusals.values_list("reason").annotate(n=Count("id")).order_by())
    return [(reason, label, counts.get(reason, 0)) for reason, label in Refusal.Reason.choices]


def referrals(period: Period, manager: Any = None) -> dict[str, int]:
    made = Referral.objects.all()
    if manager is not None:
        made = made.filter(Q(referrer__account_manager=manager) | Q(referrer__originator=manager))
    return made.aggregate(
        recorded=Count("id", filter=period.q("created_at")),
        converted=Count("id", filter=period.q("converted_at")),
    )


def commissions(period: Period, manager: Any = None) -> list[dict[str, Any]]:
    """Per originating sales manager and currency, for purchases credited in the period."""
    rows = Commission.objects.filter(period.q("created_at"), voided_at__isnull=True)
    if manager is not None:
        rows = rows.filter(sales_manager=manager)
    return cast(  # rows of a values(): plain dicts
        list[dict[str, Any]],
        list(
            rows.values(
                "sales_manager",
                "sales_manager__username",
                "sales_manager__first_name",
                "sales_manager__last_name",
                "currency",
            )
            .annotate(orders=Count("id"), amount=Sum("amount"), sales=Sum("order__amount"))
            .order_by("sales_manager__username", "currency")
        ),
    )


def headline(
    period: Period, now: dt.datetime, manager: Any = None, *, past: bool = False
) -> dict[str, Any]:
    """The figures the summary API and the weekly e-mail carry, for one period. The headline
    of a `past` period, only compared with the current one, leaves out the figures of the
    present (open recovery calls: None) and what only the page's sections show."""
    sections = {
        name: (PAST_SECTIONS if past else SECTIONS)[name](period, now, manager)
        for name in HEADLINE_SECTIONS
    }
    return headline_from(sections)


# --- the whole page (added with the reports page) ----------------------------------------

Section = Callable[[Period, dt.datetime, Any], Any]

# Every block of the reports page by name, each one selector call. The page computes them all
# once and derives the headline from the same results, so no query runs twice; an export
# computes only the block its table is drawn from.
SECTIONS: dict[str, Section] = {
    "satisfaction": lambda period, _now, manager: satisfaction(period, manager),
    "repeat_purchases": lambda period, _now, manager: repeat_purchases(period, manager),
    "cohorts": lambda period, _now, manager: cohorts(period, manager),
    "funnel": lambda period, _now, manager: funnel(period, manager),
    "delivery": lambda period, _now, manager: on_time_delivery(period, manager),
    "discipline": lambda period, now, manager: discipline(period, now, manager),
    "offers": lambda period, _now, manager: offers(period, manager),
    "refusals": lambda period, _now, manager: refusal_reasons(period, manager),
    "referrals": lambda period, _now, manager: referrals(period, manager),
    "commissions": lambda period, _now, manager: commissions(period, manager),
}
HEADLINE_SECTIONS = (
    "satisfaction",
    "repeat_purchases",
    "funnel",
    "delivery",
    "discipline",
    "commissions",
)
# The headline's sections for a past period, only compared with (see headline).
PAST_SECTIONS: dict[str, Section] = {
    **SECTIONS,
    "satisfaction": lambda period, _now, manager: satisfaction(period, manager, past=True),
    "funnel": lambda period, _now, manager: funnel(period, manager, past=True),
    "discipline": lambda period, now, manager: discipline(period, now, manager, past=True),
}


def headline_from(sections: dict[str, Any]) -> dict[str, Any]:
    """The headline figures out of the sections already computed (see SECTIONS)."""
    sat = sections["satisfaction"]
    repeat = sections["repeat_purchases"]
    flow = sections["funnel"]
    return {
        "satisfaction_rate": sat["all"].rate,
        "nps": sat["all"].nps,
        "responses": sat["all"].scores,
        "hidden_dissatisfaction": sat["hidden_dissatisfaction"],
        "open_recovery": sat["open_recovery"],
        "repeat_purchase_rate": repeat.rate,
        "days_to_second_purchase": repeat.days_to_second,
        "conversion_rate": flow["conversion_rate"],
        "closure_rate": flow["closure_rate"],
        "on_time_delivery_rate": sections["delivery"]["rate"],
        "discipline_rate": sections["discipline"]["rate"],
        # One row per sales manager and currency: a handful of aggregated rows, not the data.
        "commissions": sum((row["amount"] for row in sections["commissions"]), Decimal(0)),
    }


def dashboard(period: Period, now: dt.datetime, manager: Any = None) -> dict[str, Any]:
    """Every section of the reports page plus its headline: a fixed number of queries."""
    sections = {name: figures(period, now, manager) for name, figures in SECTIONS.items()}
    sections["headline"] = headline_from(sections)
    return sections


def headline_change(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """Each figure minus its value in the previous period; None where either is missing.
    Rates are rounded to a tenth, as the figures are, so 50.0 − 33.3 is 16.7, not
    16.700000000000003."""
    return {key: _difference(value, previous.get(key)) for key, value in current.items()}


def _difference(value: Any, before: Any) -> Any:
    numbers = (int, float, Decimal)
    if not isinstance(value, numbers) or not isinstance(before, numbers):
        return None
    if isinstance(value, float) or isinstance(before, float):
        return round(float(value) - float(before), 1)
    return value - before
