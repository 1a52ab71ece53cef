"""Reads for the director's team board: one row of figures per manager, and the calls behind
each figure. Each figure is one condition (FIGURES), counted for the board by a single query
grouped by assignee and listed with the same condition on the figure's page, so that the
number and its list always agree. Done on time is the reports'
touchpoint discipline; the board is a report, so it lives here and reads the other apps.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from clients.selectors import person_name
from touchpoints import selectors
from touchpoints.forms import manager_queryset
from touchpoints.models import Touchpoint, TouchpointStatus
from touchpoints.selectors import day_bounds

from .selectors import DONE_ON_TIME, Period, discipline, discipline_due

# The days before today whose touchpoints "done on time" counts (today is not over yet).
ON_TIME_DAYS = 30

CLOSED = [TouchpointStatus.DONE, TouchpointStatus.MISSED, TouchpointStatus.SKIPPED]


@dataclass(frozen=True)
class Figure:
    slug: str
    label: str | Promise
    hint: str | Promise


FIGURES: dict[str, Figure] = {
    figure.slug: figure
    for figure in (
        Figure("due_today", _("Due today"), _("Open calls due today.")),
        Figure("overdue", _("Overdue"), _("Open calls due before today.")),
        Figure("done_today", _("Done today"), _("Calls closed today: done, missed or skipped.")),
        Figure(
            "on_time",
            _("Done on time"),
            _(
                "Touchpoints due in the last 30 days (to yesterday) done by the end of their "
                "due day, as in the reports."
            ),
        ),
        Figure("urgent", _("Urgent open"), _("Open urgent calls: recovering unhappy clients.")),
    )
}


def _conditions(now: dt.datetime) -> dict[str, Q]:
    start, end = day_bounds(now)
    planned = Q(status=TouchpointStatus.PLANNED)
    return {
        "due_today": planned & Q(due_at__gte=start, due_at__lt=end),
        "overdue": planned & Q(due_at__lt=start),
        "done_today": Q(status__in=CLOSED, closed_at__gte=start, closed_at__lt=end),
        "urgent": planned & Q(is_urgent=True),
    }


def on_time_period(now: dt.datetime) -> Period:
    """The ON_TIME_DAYS full days before today."""
    today = day_bounds(now)[0].date()
    return Period.from_dates(today - dt.timedelta(days=ON_TIME_DAYS), today - dt.timedelta(days=1))


@dataclass(frozen=True)
class BoardRow:
    manager: Any
    name: str
    due_today: int
    overdue: int
    done_today: int
    urgent: int
    on_time: int
    owed: int
    on_time_rate: float | None


def team_board(now: dt.datetime) -> list[BoardRow]:
    """One row per active sales or account manager, by name. A fixed number of queries: the
    managers, the day's figures grouped by assignee, and the reports' discipline."""
    managers = list(manager_queryset(active_only=True))
    conditions = _conditions(now)
    # The figures' names come from `conditions`: rows of a values() are plain dicts.
    counted: dict[int, dict[str, int]] = {
        row["assignee"]: cast(dict[str, int], row)
        for row in selectors.calls_of_everyone()
        .filter(assignee__in=[manager.pk for manager in managers])
        .filter(Q(status=TouchpointStatus.PLANNED) | conditions["done_today"])
        .values("assignee")
        .annotate(**{slug: Count("id", filter=q) for slug, q in conditions.items()})
        .order_by()
    }
    on_time = {row["assignee"]: row for row in discipline(on_time_period(now), now)["by_manager"]}
    rows = []
    for manager in managers:
        figures = counted.get(manager.pk, {})
        kept = on_time.get(manager.pk, {})
        rows.append(
            BoardRow(
                manager=manager,
                name=person_name(manager) or "",
                due_today=figures.get("due_today", 0),
                overdue=figures.get("overdue", 0),
                done_today=figures.get("done_today", 0),
                urgent=figures.get("urgent", 0),
                on_time=kept.get("on_time", 0),
                owed=kept.get("due", 0),
                on_time_rate=kept.get("rate"),
            )
        )
    return rows


def team_manager(pk: int) -> Any:
    """A manager the board shows (an active sales or account manager), or None."""
    return manager_queryset(active_only=True).filter(pk=pk).first()


def figure_rows(manager: Any, figure: str, now: dt.datetime) -> QuerySet[Touchpoint]:
    """The touchpoints behind one figure of one manager's row, oldest due first. Done on time
    lists every touchpoint it counted, each with `on_time` saying whether it was."""
    if figure == "on_time":
        rows: QuerySet[Touchpoint] = discipline_due(on_time_period(now), manager).annotate(
            on_time=ExpressionWrapper(DONE_ON_TIME, output_field=BooleanField())
        )
    else:
        rows = selectors.calls_of_everyone().filter(_conditions(now)[figure], assignee=manager)
    return rows.select_related("client").order_by("due_at", "id")
