"""Dates of the year: holiday greetings, the year-end letter, and the next year of every
"once, then every year" step once it has had its turn."""

import datetime as dt
from typing import cast

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from clients.models import (
    NOT_PURCHASES,
    Client,
    Order,
    Stage,
)

from .. import anchors, calendar
from ..models import (
    OPEN_STATUSES,
    Anchor,
    CadenceStep,
    Touchpoint,
)
from .planning import _new_touchpoint, _save_new, _steps


def _buyers(audience: str, year: int) -> QuerySet[Client]:
    clients = Client.objects.filter(archived_at__isnull=True, erased_at__isnull=True)
    if audience == CadenceStep.Audience.BUYERS_OF_THE_YEAR:
        bought = Order.objects.filter(client=OuterRef("pk"), placed_at__year=year).exclude(
            status__in=NOT_PURCHASES
        )
        return clients.filter(Exists(bought))
    return clients.filter(stage__in=[Stage.BUYER, Stage.CLIENT, Stage.ADVOCATE])


def plan_yearly(*, today: dt.date | None = None, days_ahead: int = 14) -> int:
    """Plan the dates of the year (holiday greetings, the year-end letter) coming up within
    `days_ahead`, and the next year of every yearly step that has had its turn. Safe to run
    any number of times a day."""
    today = today or timezone.localdate()
    created = 0
    for step in _steps(Anchor.YEARLY_DATE).exclude(month=None).exclude(day=None):
        for year in (today.year, today.year + 1):
            try:
                # Both set: the query leaves the others out.
                day = dt.date(year, cast(int, step.month), cast(int, step.day))
            except ValueError:
                continue  # 29 February in a common year
            if not today <= day <= today + dt.timedelta(days=days_ahead):
                continue
            created += _plan_yearly_date(step=step, day=day)
    created += _plan_next_years()
    return created


def _plan_yearly_date(*, step: CadenceStep, day: dt.date) -> int:
    planned = Touchpoint.objects.filter(
        step=step, anchor_key__endswith=anchors.yearly_key_suffix(day.year)
    )
    before = planned.count()
    batch: list[Touchpoint] = []
    clients = _buyers(step.audience, day.year).select_related("account_manager", "originator")
    for client in clients.iterator(chunk_size=2000):
        tz = client.zone
        due_at = calendar.fit(
            dt.datetime.combine(day, dt.time(0), tzinfo=tz), channel=step.channel, client_tz=tz
        )
        batch.append(
            _new_touchpoint(
                step=step,
                client=client,
                order=None,
                anchor_key=anchors.yearly_key(client.pk, day.year),
                due_at=due_at,
            )
        )
        if len(batch) >= 2000:
            _save_new(batch)
            batch = []
    _save_new(batch)
    return planned.count() - before


def _plan_next_years() -> int:
    """For "once, then every year" steps: the next occurrence after one that had its turn."""
    following = Touchpoint.objects.filter(
        step=OuterRef("step"),
        anchor_key=OuterRef("anchor_key"),
        occurrence=OuterRef("occurrence") + 1,
    )
    had_their_turn = (
        Touchpoint.objects.filter(step__kind=CadenceStep.Kind.YEARLY, step__is_active=True)
        .exclude(status__in=OPEN_STATUSES)
        .exclude(Exists(following))
        .select_related("step", "client", "order", "client__account_manager", "client__originator")
    )
    batch = []
    for touchpoint in had_their_turn.iterator(chunk_size=1000):
        if touchpoint.client.is_out_of_reach:
            continue
        tz = touchpoint.client.zone
        day = touchpoint.due_at.astimezone(tz).date() + relativedelta(years=1)
        due_at = calendar.fit(
            dt.datetime.combine(day, dt.time(0), tzinfo=tz),
            channel=touchpoint.channel,
            client_tz=tz,
        )
        batch.append(
            _new_touchpoint(
                step=cast(CadenceStep, touchpoint.step),  # a yearly step's touchpoint
                client=touchpoint.client,
                order=touchpoint.order,
                anchor_key=touchpoint.anchor_key,
                due_at=due_at,
                occurrence=touchpoint.occurrence + 1,
            )
        )
    return len(_save_new(batch))
