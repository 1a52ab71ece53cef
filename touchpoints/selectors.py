"""Reads of touchpoints shared by the pages and the API; visibility is decided here."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate

from clients.models import Channel, ClientPhone, Order, Stage
from clients.selectors import client_visibility_q
from followup_crm.roles import ACCOUNT_MANAGER, DIRECTOR, SALES_MANAGER, user_roles
from followup_crm.timezones import company_zone
from followup_crm.users import AnyUser

from .models import CallAttempt, CallOutcome, Touchpoint, TouchpointStatus


def touchpoints_visible_to(user: AnyUser) -> QuerySet[Touchpoint]:
    """A director sees every touchpoint; a manager those assigned to them and those of the
    clients they may see."""
    touchpoints = Touchpoint.objects.all()
    if not user_roles(user):
        return touchpoints.none()
    condition = client_visibility_q(user, prefix="client__")
    if condition is None:
        return touchpoints
    return touchpoints.filter(Q(assignee=user) | condition)


def postal_tasks(user: AnyUser, *, due_before: dt.datetime | None = None) -> QuerySet[Touchpoint]:
    """Cards and letters waiting to be printed and posted, oldest first; those due before a
    moment only, if given."""
    tasks = touchpoints_visible_to(user).filter(
        channel=Channel.POST, status=TouchpointStatus.PLANNED
    )
    if due_before is not None:
        tasks = tasks.filter(due_at__lt=due_before)
    tasks = tasks.select_related("client", "order", "assignee", "client__account_manager")
    return tasks.order_by("due_at", "id")


@dataclass(frozen=True)
class PostalLine:
    """One letter to one client: the same letter owed more than once (for two orders, say) is
    printed and posted once. `touchpoint` is the one due first."""

    touchpoint: Touchpoint
    ids: tuple[int, ...]

    @property
    def ids_value(self) -> str:
        return ",".join(str(pk) for pk in self.ids)


def postal_lines(tasks: Iterable[Touchpoint]) -> list[PostalLine]:
    """Postal tasks (in due order) as one line per client and letter, in the order of the
    first of each."""
    grouped: dict[tuple[int, str], list[Touchpoint]] = {}
    for task in tasks:
        grouped.setdefault((task.client_id, task.template_slug or task.purpose), []).append(task)
    return [
        PostalLine(touchpoint=same[0], ids=tuple(task.pk for task in same))
        for same in grouped.values()
    ]


# --- the call list -------------------------------------------------------------------------

STAGE_RANK = Case(
    *(
        When(client__stage=stage, then=Value(rank))
        for rank, stage in enumerate(
            [Stage.PROSPECT, Stage.VISITOR, Stage.BUYER, Stage.CLIENT, Stage.ADVOCATE]
        )
    ),
    default=Value(0),
)

SECTIONS = ("today", "week", "next_week")


@dataclass(frozen=True)
class CallListFilters:
    overdue: bool = False
    channel: str = ""
    stage: str = ""
    cadence: str = ""


def day_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The start and end of the company's working day that holds `now`."""
    tz = company_zone()
    today = now.astimezone(tz).date()
    start = dt.datetime.combine(today, dt.time(0), tzinfo=tz)
    return start, dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0), tzinfo=tz)


def section_bounds(section: str, now: dt.datetime) -> tuple[dt.datetime | None, dt.datetime]:
    """Today (overdue included), the rest of this week, or next week."""
    start, end = day_bounds(now)
    if section == "today":
        return None, end
    week_end = start + dt.timedelta(days=7 - start.weekday())
    if section == "week":
        return end, week_end
    return week_end, week_end + dt.timedelta(days=7)


def _open_work(user: Any) -> QuerySet[Touchpoint]:
    """What a manager does themselves: open, not sent by the system, not a card or letter
    (those have their own list)."""
    return Touchpoint.objects.filter(
        assignee=user, status=TouchpointStatus.PLANNED, is_automatic=False
    ).exclude(channel=Channel.POST)


SORTS = ("", "due", "amount", "stage")


def _earlier_in_queue(rows: QuerySet[Touchpoint]) -> Exists:
    """Another of the same client's rows that comes first (urgent first, then the earliest):
    a client is one row of the list, led by that first call."""
    same_urgency = Q(is_urgent=OuterRef("is_urgent"))
    return Exists(
        rows.filter(client=OuterRef("client")).filter(
            Q(is_urgent=True, **{"is_urgent__gt": OuterRef("is_urgent")})
            | (same_urgency & Q(due_at__lt=OuterRef("due_at")))
            | (same_urgency & Q(due_at=OuterRef("due_at"), id__lt=OuterRef("id")))
        )
    )


def asked_time_of(touchpoint: Any, due_at: Any) -> QuerySet[CallAttempt]:
    """The attempt in which the client asked to be called back at the very time the call is
    due: such a call has a fixed time."""
    return CallAttempt.objects.filter(
        touchpoint=touchpoint, outcome=CallOutcome.CALL_BACK, callback_at=due_at
    )


def call_list(
    user: Any,
    *,
    now: dt.datetime,
    section: str = "today",
    filters: CallListFilters | None = None,
    sort: str = "",
) -> QuerySet[Touchpoint]:
    """A manager's calls, one row per client (led by the client's first call; call_companions
    reads the others), most important first: urgent, then day by day (overdue first); within a
    day the calls at a time the client asked for, at that time, then the rest by the size of the
    purchase and the client's stage. `sort` orders by due time, amount or stage instead. A fixed
    number of queries whatever the number of rows."""
    filters = filters or CallListFilters()
    rows = section_rows(user, now=now, section=section, filters=filters)
    if section == "today":
        # Handled and waiting for a retry later today: back in the list when it is due.
        rows = rows.exclude(
            Q(attempts__gt=0, due_at__gt=now)
            & ~Exists(asked_time_of(OuterRef("pk"), OuterRef("due_at")))
        )
    latest_order = Order.objects.filter(client=OuterRef("client")).order_by("-placed_at", "-id")
    asked_time = asked_time_of(OuterRef("pk"), OuterRef("due_at"))
    tz = company_zone()
    listed = call_rows(rows.exclude(_earlier_in_queue(rows))).annotate(
        due_day=TruncDate("due_at", tzinfo=tz),
        purchase=Coalesce("order__amount", Subquery(latest_order.values("amount")[:1])),
        purchase_currency=Coalesce(
            "order__currency", Subquery(latest_order.values("currency")[:1])
        ),
        stage_rank=STAGE_RANK,
        fixed_time=Exists(asked_time),
    )
    if sort == "due":
        return listed.order_by("due_at", "id")
    if sort == "amount":
        return listed.order_by(F("purchase").desc(nulls_last=True), "due_at", "id")
    if sort == "stage":
        return listed.order_by("-stage_rank", "due_at", "id")
    return listed.order_by(
        "-is_urgent",
        "due_day",
        "-fixed_time",
        Case(When(fixed_time=True, then="due_at")),
        F("purchase").desc(nulls_last=True),
        "-stage_rank",
        "due_at",
        "id",
    )


def section_rows(
    user: Any, *, now: dt.datetime, section: str, filters: CallListFilters
) -> QuerySet[Touchpoint]:
    start, end = section_bounds(section, now)
    rows = _open_work(user).filter(due_at__lt=end)
    if start is not None:
        rows = rows.filter(due_at__gte=start)
    if filters.overdue:
        rows = rows.filter(due_at__lt=day_bounds(now)[0])
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    if filters.stage:
        rows = rows.filter(client__stage=filters.stage)
    if filters.cadence:
        rows = rows.filter(step__cadence__slug=filters.cadence)
    return rows


def call_companions(
    leads: list[Touchpoint], *, within: QuerySet[Touchpoint]
) -> dict[int, list[Touchpoint]]:
    """The other calls of the clients the rows lead among `within` (the list's section and
    filters: what one conversation covers), by the lead's id: one query."""
    if not leads:
        return {}
    by_client = {row.client_id: row for row in leads}
    others = (
        within.filter(client_id__in=list(by_client))
        .exclude(pk__in=[row.pk for row in leads])
        .only("pk", "client_id", "purpose", "due_at", "is_urgent", "talking_points")
        .order_by("-is_urgent", "due_at", "id")
    )
    found: dict[int, list[Touchpoint]] = {}
    for row in others:
        found.setdefault(by_client[row.client_id].pk, []).append(row)
    return found


@dataclass(frozen=True)
class CallCounters:
    overdue: int
    due_today: int
    done_today: int

    @property
    def planned_today(self) -> int:
        return self.overdue + self.due_today + self.done_today

    @property
    def progress(self) -> int:
        """Done today as a percentage of the day's work."""
        return round(100 * self.done_today / self.planned_today) if self.planned_today else 0


def call_counters(user: Any, *, now: dt.datetime) -> CallCounters:
    start, end = day_bounds(now)
    planned = Q(status=TouchpointStatus.PLANNED)
    closed = Q(
        status__in=[TouchpointStatus.DONE, TouchpointStatus.MISSED, TouchpointStatus.SKIPPED],
        closed_at__gte=start,
        closed_at__lt=end,
    )
    counts = (
        Touchpoint.objects.filter(assignee=user, is_automatic=False)
        .exclude(channel=Channel.POST)
        .filter((planned & Q(due_at__lt=end)) | closed)
        .aggregate(
            overdue=Count("id", filter=planned & Q(due_at__lt=start)),
            due_today=Count("id", filter=planned & Q(due_at__gte=start, due_at__lt=end)),
            done_today=Count("id", filter=closed),
        )
    )
    return CallCounters(**counts)


# --- the call pages (added with the call list pages) ----------------------------------------


def calls_workable_by(user: Any) -> QuerySet[Touchpoint]:
    """The calls a user may open and record: visible to them and assigned to them, any of them
    for a director. Cards, letters and what the system sends are not worked from here."""
    rows = touchpoints_visible_to(user).filter(is_automatic=False).exclude(channel=Channel.POST)
    if DIRECTOR not in user_roles(user):
        rows = rows.filter(assignee=user)
    return rows


def call_rows(rows: QuerySet[Touchpoint]) -> QuerySet[Touchpoint]:
    """The facts the call list shows for each row: the last contact's summary, the client, the
    order, the phones, and whether the client is in recovery (an urgent touchpoint of theirs,
    made by a complaint or a poor answer, is still open). Used by the list and for rows read one
    at a time (a single call's page, a row drawn again after an action)."""
    last_call = CallAttempt.objects.filter(client=OuterRef("client")).order_by("-at", "-id")
    open_recovery = Touchpoint.objects.filter(
        client=OuterRef("client"), status=TouchpointStatus.PLANNED, is_urgent=True
    )
    return (
        # Touchpoint declares these for the rows' readers, which the plugin takes for a clash.
        rows.annotate(  # type: ignore[no-redef]
            last_outcome=Subquery(last_call.values("outcome")[:1]),
            last_note=Subquery(last_call.values("note")[:1]),
            last_at=Subquery(last_call.values("at")[:1]),
            in_recovery=Exists(open_recovery),
            recovery_reason=Subquery(open_recovery.order_by("-id").values("talking_points")[:1]),
            recovery_key=Subquery(open_recovery.order_by("-id").values("anchor_key")[:1]),
        )
        .select_related("client", "order", "step__cadence", "assignee")
        .prefetch_related(
            Prefetch("client__phones", queryset=ClientPhone.objects.order_by("-is_primary", "id"))
        )
    )


def touchpoints_to_reassign(
    *, from_user: Any, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> QuerySet[Touchpoint]:
    """A manager's open touchpoints that a director may hand to someone else, optionally those
    due in [start, end); the same rows touchpoints_reassign moves."""
    rows = Touchpoint.objects.filter(
        assignee=from_user, status=TouchpointStatus.PLANNED, is_automatic=False
    )
    if start is not None:
        rows = rows.filter(due_at__gte=start)
    if end is not None:
        rows = rows.filter(due_at__lt=end)
    return rows


# --- acting on one touchpoint (added with the API actions and the client card) --------------


def touchpoint_may_act(*, user: Any, touchpoint: Touchpoint) -> bool:
    """Whether a user who may see a touchpoint may also complete, reschedule or skip it: its
    assignee, a director, and for a message the system sends that nobody holds, whoever may
    see its client. The same people as calls_workable_by for the calls."""
    if touchpoint.assignee_id is not None:
        return touchpoint.assignee_id == user.pk or DIRECTOR in user_roles(user)
    return touchpoint.is_automatic or DIRECTOR in user_roles(user)


def task_assignees(*, client: Any, user: Any) -> QuerySet[Any]:
    """Who a one-off task about a client may go to: the people who may see the client and work
    with them — its sales manager, its account manager — and the user who writes it."""
    ids = {client.originator_id, client.account_manager_id, user.pk} - {None}
    return (
        get_user_model()
        .objects.filter(
            pk__in=ids,
            is_active=True,
            groups__name__in=[SALES_MANAGER, ACCOUNT_MANAGER, DIRECTOR],
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def touchpoints_actable_by(
    user: AnyUser, rows: QuerySet[Touchpoint] | None = None
) -> QuerySet[Touchpoint]:
    """touchpoint_may_act for many rows at once (the bulk actions of the lists): of `rows` (the
    touchpoints the user may see when left out), those the user may also act on."""
    rows = touchpoints_visible_to(user) if rows is None else rows
    if DIRECTOR in user_roles(user):
        return rows
    return rows.filter(Q(assignee=user) | Q(assignee__isnull=True, is_automatic=True))


def calls_of_everyone() -> QuerySet[Touchpoint]:
    """What a manager does on the phone: not sent by the system, not a card or letter. The
    call list's own rows (touchpoints.selectors) are these, open and assigned."""
    return Touchpoint.objects.filter(is_automatic=False).exclude(channel=Channel.POST)


def open_calls() -> QuerySet[Touchpoint]:
    """Calls still to make, whoever holds them: the rows of the call lists put together."""
    return calls_of_everyone().filter(status=TouchpointStatus.PLANNED)
