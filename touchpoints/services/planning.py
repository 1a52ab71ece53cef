"""Planning touchpoints from cadences.

Every anchor (an order event, a promised date, a handoff, a stage, a refusal) plans the active
steps that hang on it. A unique constraint on (step, anchor, occurrence) makes planning the same
step twice for the same anchor impossible, whatever calls it how often. The dates of the year
are in `yearly.py`.
"""

import datetime as dt
import time
from collections.abc import Sequence
from typing import Any, cast

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from clients.models import (
    NOT_PURCHASES,
    Channel,
    Client,
    Handoff,
    Order,
    OrderEvent,
    OrderStatus,
    Refusal,
)

from .. import anchors, calendar
from ..models import (
    Anchor,
    CadenceStep,
    OffsetUnit,
    Performer,
    Touchpoint,
    TouchpointStatus,
)
from .collisions import _identity, _once_per_client, _without_pile_ups, client_window

EVENT_ANCHORS: dict[str, Anchor] = {
    OrderStatus.PLACED: Anchor.ORDER_PLACED,
    OrderStatus.READY: Anchor.ORDER_READY,
    OrderStatus.AT_PICKUP: Anchor.ORDER_AT_PICKUP,
    OrderStatus.DELIVERED: Anchor.ORDER_DELIVERED,
}


# A step whose time passed longer ago than this when it is planned (an order imported from
# last year, say) is not planned at all: a "thank you for your order" a year late helps nobody.
STALE_AFTER: dict[str, dt.timedelta] = {
    Channel.EMAIL: dt.timedelta(days=2),
    Channel.SMS: dt.timedelta(days=1),
    Channel.CALL: dt.timedelta(days=14),
    Channel.POST: dt.timedelta(days=30),
}


def _shift(moment: dt.datetime, amount: int, unit: str) -> dt.datetime:
    if unit == OffsetUnit.HOURS:
        return moment + dt.timedelta(hours=amount)
    delta = {
        OffsetUnit.DAYS: relativedelta(days=amount),
        OffsetUnit.WEEKS: relativedelta(weeks=amount),
        OffsetUnit.MONTHS: relativedelta(months=amount),
        OffsetUnit.YEARS: relativedelta(years=amount),
    }[OffsetUnit(unit)]
    return moment + delta


def step_due_at(*, step: CadenceStep, anchor_at: dt.datetime, client: Client) -> dt.datetime:
    """When a step falls for an anchor, in the client's time zone.

    Offsets in hours count from the anchor's moment; offsets in days and longer count in the
    client's calendar (a day later is the next local date, at the start of the day's window),
    so a daylight-saving change never moves a touchpoint off its local hour.
    """
    tz = client.zone
    local = anchor_at.astimezone(tz)
    if step.offset_unit == OffsetUnit.HOURS:
        moment = _shift(local, step.offset, OffsetUnit.HOURS)
    elif step.offset == 0:
        moment = local
    else:
        day = _shift(local, step.offset, step.offset_unit).date()
        moment = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    return calendar.fit(moment, channel=step.channel, client_tz=tz)


def _assignee(step: CadenceStep, client: Client, order: Order | None) -> Any:
    if step.performer == Performer.SALES_MANAGER:
        return (order.seller if order else None) or client.originator
    if step.performer == Performer.ACCOUNT_MANAGER or step.channel == Channel.POST:
        return client.account_manager or client.originator
    return None


def _steps(anchor: str, **filters: Any) -> QuerySet[CadenceStep]:
    return CadenceStep.objects.filter(
        anchor=anchor, is_active=True, cadence__is_active=True, **filters
    ).select_related("cadence")


# The active steps of an anchor (and stage), by (anchor, stage), with when they were read:
# planning one order asks for five anchors' steps, which change only when a cadence is edited.
_active_steps_cache: dict[tuple[str, str], tuple[float, list[CadenceStep]]] = {}


def active_steps_forget(**_signal: Any) -> None:
    """Empty the cache of active steps (a cadence or a step was saved or deleted)."""
    _active_steps_cache.clear()


def _active_steps(anchor: str, stage: str = "") -> list[CadenceStep]:
    """The active steps of an anchor (of a stage, for STAGE_REACHED), kept in the process for
    settings.CADENCE_CACHE_SECONDS."""
    key = (anchor, stage)
    now = time.monotonic()
    cached = _active_steps_cache.get(key)
    if cached is not None and now - cached[0] < settings.CADENCE_CACHE_SECONDS:
        return cached[1]
    steps = list(_steps(anchor, **({"anchor_stage": stage} if stage else {})))
    _active_steps_cache[key] = (now, steps)
    return steps


def _new_touchpoint(
    *,
    step: CadenceStep,
    client: Client,
    order: Order | None,
    anchor_key: str,
    due_at: dt.datetime,
    occurrence: int = 0,
) -> Touchpoint:
    return Touchpoint(
        client=client,
        order=order,
        step=step,
        anchor_key=anchor_key,
        occurrence=occurrence,
        due_at=due_at,
        assignee=_assignee(step, client, order),
        channel=step.channel,
        is_automatic=step.is_automatic,
        purpose=step.purpose,
        talking_points=step.talking_points,
        template_slug=step.template_slug,
    )


def _save_new(touchpoints: list[Touchpoint]) -> list[Touchpoint]:
    """Insert, skipping any (step, anchor, occurrence) that exists already."""
    if not touchpoints:
        return []
    return Touchpoint.objects.bulk_create(touchpoints, ignore_conflicts=True)


def _is_stale(due_at: dt.datetime, channel: str, now: dt.datetime) -> bool:
    return due_at < now - STALE_AFTER[channel]


def plan_from_anchor(
    *,
    anchor: str,
    anchor_at: dt.datetime,
    anchor_key: str,
    client: Client,
    order: Order | None = None,
    steps: Sequence[CadenceStep] | None = None,
) -> list[Touchpoint]:
    if client.is_out_of_reach:
        return []
    now = timezone.now()
    planned = []
    once_per_client = []
    for step in steps if steps is not None else _active_steps(anchor):
        due_at = step_due_at(step=step, anchor_at=anchor_at, client=client)
        if _is_stale(due_at, step.channel, now):
            continue
        touchpoint = _new_touchpoint(
            step=step, client=client, order=order, anchor_key=anchor_key, due_at=due_at
        )
        if client_window(step) is not None:
            once_per_client.append(touchpoint)
        planned.append(touchpoint)
    allowed = {id(touchpoint) for touchpoint in _once_per_client(once_per_client)}
    once = {id(touchpoint) for touchpoint in once_per_client}
    planned = [t for t in planned if id(t) not in once or id(t) in allowed]
    return _save_new(_without_pile_ups(planned))


def plan_for_order_event(*, order: Order, event: OrderEvent) -> None:
    """What an order event starts and what it ends."""
    if event.type in (OrderStatus.CANCELLED, OrderStatus.RETURNED):
        touchpoints_cancel(
            touchpoints=Touchpoint.objects.filter(order=order),
            reason=f"order {OrderStatus(event.type).label.lower()}",
        )
        return
    if event.type == OrderStatus.DELIVERED:
        # Status updates before delivery have nothing left to say.
        touchpoints_cancel(
            touchpoints=Touchpoint.objects.filter(order=order, step__anchor=Anchor.PROMISED_DATE),
            reason="order delivered",
        )
    anchor = EVENT_ANCHORS.get(event.type)
    if anchor is not None:
        plan_from_anchor(
            anchor=anchor,
            anchor_at=event.at,
            anchor_key=anchors.order_event_key(order.pk, event.type),
            client=order.client,
            order=order,
        )
    if event.type == OrderStatus.PLACED:
        plan_pre_delivery(order=order)


def _promised_key(order: Order) -> str:
    # Called for orders with a promised date only (plan_pre_delivery).
    return anchors.promised_key(order.pk, cast(dt.date, order.promised_date))


def status_update_days(placed: dt.date, promised: dt.date) -> list[dt.date]:
    """The days of the status updates before delivery: weekly while a month or more is left,
    twice a week (every 3 or 4 days) from then on, and none in the last two days, which the
    "ready tomorrow" notice and the pickup reminder cover."""
    days: list[dt.date] = []
    day = placed
    twice_a_week = 0
    while True:
        if (promised - day).days >= 28:
            day += dt.timedelta(days=7)
        else:
            day += dt.timedelta(days=3 if twice_a_week % 2 == 0 else 4)
            twice_a_week += 1
        if (promised - day).days < 2:
            return days
        days.append(day)


def plan_pre_delivery(*, order: Order) -> list[Touchpoint]:
    """Plan the pre-delivery cadence for an undelivered order with a promised date."""
    if order.promised_date is None or order.status in (OrderStatus.DELIVERED, *NOT_PURCHASES):
        return []
    client = order.client
    if client.archived_at is not None:
        return []
    tz = client.zone
    now = timezone.now()
    anchor_key = _promised_key(order)
    promised_start = dt.datetime.combine(order.promised_date, dt.time(0), tzinfo=tz)
    planned: list[Touchpoint] = []
    for step in _active_steps(Anchor.PROMISED_DATE):
        if step.kind == CadenceStep.Kind.STATUS_SERIES:
            placed_day = order.placed_at.astimezone(tz).date()
            for occurrence, day in enumerate(status_update_days(placed_day, order.promised_date)):
                start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
                due_at = calendar.fit(start, channel=step.channel, client_tz=tz)
                if due_at < now or due_at >= promised_start:
                    continue  # gone already, or pushed by holidays past the promised day
                planned.append(
                    _new_touchpoint(
                        step=step,
                        client=client,
                        order=order,
                        anchor_key=anchor_key,
                        due_at=due_at,
                        occurrence=occurrence,
                    )
                )
            continue
        due_at = step_due_at(step=step, anchor_at=promised_start, client=client)
        if due_at < now or due_at < order.placed_at:
            continue  # a notice for a day already gone, or before the order itself
        planned.append(
            _new_touchpoint(
                step=step, client=client, order=order, anchor_key=anchor_key, due_at=due_at
            )
        )
    planned = _without_pile_ups(planned)
    _revive_cancelled(planned)
    return _save_new(planned)


def _revive_cancelled(planned: list[Touchpoint]) -> None:
    """A promised date moved away and back: its earlier plan was cancelled, and planning the
    same day again takes those rows up again instead of colliding with them. One query finds
    them (usually none); only the rows taken up again are written."""
    if not planned:
        return
    wanted = {_identity(touchpoint): touchpoint for touchpoint in planned}
    cancelled = Touchpoint.objects.filter(
        step_id__in={touchpoint.step_id for touchpoint in planned},
        anchor_key__in={touchpoint.anchor_key for touchpoint in planned},
        status=TouchpointStatus.CANCELLED,
    ).values_list("pk", "step_id", "anchor_key", "occurrence")
    for pk, *identity in cancelled:
        touchpoint = wanted.get(tuple(identity))
        if touchpoint is None:
            continue
        Touchpoint.objects.filter(pk=pk, status=TouchpointStatus.CANCELLED).update(
            status=TouchpointStatus.PLANNED, due_at=touchpoint.due_at, outcome="", closed_at=None
        )


def replan_promised_date(*, order: Order) -> list[Touchpoint]:
    """The promised date moved: drop the old pre-delivery plan and make a new one."""
    touchpoints_cancel(
        touchpoints=Touchpoint.objects.filter(order=order, step__anchor=Anchor.PROMISED_DATE),
        reason="promised date moved",
    )
    return plan_pre_delivery(order=order)


def plan_for_handoff(*, handoff: Handoff) -> list[Touchpoint]:
    return plan_from_anchor(
        anchor=Anchor.HANDOFF,
        anchor_at=handoff.created_at,
        anchor_key=anchors.handoff_key(handoff.pk),
        client=handoff.client,
    )


def plan_for_stage(*, client: Client, stage: str) -> list[Touchpoint]:
    return plan_from_anchor(
        anchor=Anchor.STAGE_REACHED,
        anchor_at=timezone.now(),
        anchor_key=anchors.stage_key(client.pk, stage),
        client=client,
        steps=_active_steps(Anchor.STAGE_REACHED, stage),
    )


def plan_for_refusal(*, refusal: Refusal) -> list[Touchpoint]:
    """A refusal ends the open plan it concerns and schedules a win-back contact."""
    stale = Touchpoint.objects.filter(client=refusal.client)
    stale = stale.filter(order=refusal.order) if refusal.order else stale.filter(order=None)
    touchpoints_cancel(touchpoints=stale, reason="client refused")
    return plan_from_anchor(
        anchor=Anchor.REFUSAL,
        anchor_at=refusal.at,
        anchor_key=anchors.refusal_key(refusal.pk),
        client=refusal.client,
        order=refusal.order,
    )


def touchpoints_cancel(*, touchpoints: QuerySet[Touchpoint], reason: str) -> int:
    """Cancel what is still ahead; what was done or is being sent stays as it is."""
    return touchpoints.filter(status=TouchpointStatus.PLANNED).update(
        status=TouchpointStatus.CANCELLED, outcome=reason[:30], closed_at=timezone.now()
    )


def mark_missed_calls(*, now: dt.datetime | None = None) -> int:
    """Calls and postal tasks left undone long after they were due become "missed", so the
    list shows what is still worth doing and the reports count the miss."""
    now = now or timezone.now()
    return Touchpoint.objects.filter(
        status=TouchpointStatus.PLANNED,
        is_automatic=False,
        due_at__lt=now - dt.timedelta(days=settings.MISSED_AFTER_DAYS),
    ).update(status=TouchpointStatus.MISSED, closed_at=now, outcome="not done in time")
