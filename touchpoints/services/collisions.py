"""When planned touchpoints collide: at most one call or postal task per client, order and day
(the one nearest to delivery wins; messages are never merged), and steps of scope "client"
planned once per client within their window. Used by planning and by the benchmark generator."""

import datetime as dt
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar, cast

from django.utils.translation import gettext as _

from clients.models import (
    Order,
)

from .. import calendar
from ..models import (
    CadenceStep,
    Touchpoint,
    TouchpointStatus,
)

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def _day_key(touchpoint: Touchpoint) -> tuple[int, str, int | None, dt.date]:
    return (
        touchpoint.client_id,
        touchpoint.channel,
        touchpoint.order_id,
        touchpoint.due_at.astimezone(touchpoint.client.zone).date(),
    )


def _identity(touchpoint: Touchpoint) -> tuple[Any, ...]:
    return (touchpoint.step_id, touchpoint.anchor_key, touchpoint.occurrence)


def one_a_day(
    planned: Iterable[T], *, channel: Callable[[T], str], day_key: Callable[[T], K]
) -> tuple[list[T], dict[K, T]]:
    """The pile-up rule on touchpoints planned together: automatic messages (every channel but
    calls and postal tasks) all stay, in the order given; of the calls and postal tasks, the
    last one planned for each day key (client, channel, order, local date) stays. Returns the
    messages and the calls and postal tasks by day key. Used by the benchmark generator too."""
    kept: list[T] = []
    merged: dict[K, T] = {}
    for touchpoint in planned:
        if channel(touchpoint) in calendar.PEOPLES_WORK:
            merged[day_key(touchpoint)] = touchpoint
        else:
            kept.append(touchpoint)
    return kept, merged


def _without_pile_ups(planned: list[Touchpoint]) -> list[Touchpoint]:
    """At most one call (or postal task) a day for one client about one order (or about no
    order): when the calendar pushes several onto the same working day (the New Year and May
    holidays do), the last one planned for the day stays. The status series is planned in
    order, so that is the one nearest to delivery. A day that already has such a touchpoint
    (planned, being done, or done) gets no second one. Automatic messages are never merged:
    each says something else (the day-before and day-of notices stay)."""
    kept, merged = one_a_day(
        planned, channel=lambda touchpoint: touchpoint.channel, day_key=_day_key
    )
    if not merged:
        return kept
    due_times = [touchpoint.due_at for touchpoint in merged.values()]
    existing = (
        Touchpoint.objects.filter(
            client_id__in={key[0] for key in merged},
            channel__in=calendar.PEOPLES_WORK,
            due_at__gte=min(due_times) - dt.timedelta(days=1),
            due_at__lte=max(due_times) + dt.timedelta(days=1),
        )
        .exclude(status=TouchpointStatus.CANCELLED)
        .select_related("client")
    )
    taken: dict[tuple[int, str, int | None, dt.date], set[tuple[Any, ...]]] = {}
    for touchpoint in existing:
        taken.setdefault(_day_key(touchpoint), set()).add(_identity(touchpoint))
    for key, touchpoint in merged.items():
        # The very same touchpoint planned again is left to the unique constraint.
        if key not in taken or _identity(touchpoint) in taken[key]:
            kept.append(touchpoint)
    return kept


def _step_id(touchpoint: Touchpoint) -> int:
    return cast(int, touchpoint.step_id)  # planned from a step


def client_window(step: CadenceStep) -> dt.timedelta | None:
    """For a step planned once per client, its window: a client who has one (not cancelled)
    due this close to it gets no second. None for a step every order plans. Used by the
    benchmark generator too."""
    if step.scope != CadenceStep.Scope.CLIENT:
        return None
    return dt.timedelta(days=step.scope_window_days)


def _once_per_client(candidates: list[Touchpoint]) -> list[Touchpoint]:
    """Of touchpoints of steps planned once per client (all for one client), those that may be
    planned: not one whose client already has one of the step within the step's window. An
    open one of another order learns about this order in its talking points. The touchpoints
    already there are read in one query, whatever the number of steps."""
    if not candidates:
        return []
    # Every candidate was planned from a step of scope "client": it has a step and a window.
    windows = {
        _step_id(touchpoint): client_window(cast(CadenceStep, touchpoint.step)) or dt.timedelta(0)
        for touchpoint in candidates
    }
    existing = (
        Touchpoint.objects.filter(
            step_id__in=windows,
            client_id=candidates[0].client_id,
            due_at__gte=min(t.due_at - windows[_step_id(t)] for t in candidates),
            due_at__lte=max(t.due_at + windows[_step_id(t)] for t in candidates),
        )
        .exclude(status=TouchpointStatus.CANCELLED)
        .order_by("due_at", "id")
    )
    by_step: dict[int, list[Touchpoint]] = {}
    for touchpoint in existing:
        by_step.setdefault(_step_id(touchpoint), []).append(touchpoint)
    kept = []
    for touchpoint in candidates:
        window = windows[_step_id(touchpoint)]
        other = next(
            (
                other
                for other in by_step.get(_step_id(touchpoint), [])
                if touchpoint.due_at - window <= other.due_at <= touchpoint.due_at + window
                and (other.anchor_key, other.occurrence)
                != (touchpoint.anchor_key, touchpoint.occurrence)
            ),
            None,
        )
        if other is None:
            kept.append(touchpoint)
        else:
            _mention_order(other, touchpoint.order)
    return kept


def _mention_order(other: Touchpoint, order: Order | None) -> None:
    """An open touchpoint of another order that stands for this one too says so."""
    open_for_another = other.status == TouchpointStatus.PLANNED and other.order_id != getattr(
        order, "pk", None
    )
    if order is not None and open_for_another:
        line = _("Also about order %(order)s.") % {"order": order}
        if line not in other.talking_points:
            other.talking_points = "\n".join(filter(None, [other.talking_points, line]))
            other.save(update_fields=["talking_points"])
