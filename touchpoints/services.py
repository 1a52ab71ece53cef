"""Planning touchpoints from cadences, and sending the automatic ones exactly once.

Planning: every anchor (an order event, a promised date, a handoff, a stage, a refusal, a date
in the year) plans the active steps that hang on it. A unique constraint on (step, anchor,
occurrence) makes planning the same step twice for the same anchor impossible, whatever calls
it how often.

Sending: the database decides what is due. `dispatch_due` claims due rows (row locks with
SKIP LOCKED where the database has them, and a compare-and-set of the status in any case),
records the send in a row unique per touchpoint, sends, and records the outcome. A dispatcher
killed between claim and send leaves the row in "sending" with a lease; once the lease expires,
`dispatch_due` returns such rows to "planned" so the next sweep sends them (the rule is in
`release_expired_leases`).
"""

import datetime as dt
import logging
import uuid
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from clients.models import (
    NOT_PURCHASES,
    Channel,
    Client,
    ClientPhone,
    Handoff,
    Order,
    OrderEvent,
    OrderStatus,
    Refusal,
    Stage,
)
from clients.selectors import consents_current

from . import anchors, calendar, messaging
from .models import (
    OPEN_STATUSES,
    Anchor,
    CadenceStep,
    CallAttempt,
    DigestLog,
    OffsetUnit,
    Performer,
    SendRecord,
    Touchpoint,
    TouchpointStatus,
)

logger = logging.getLogger(__name__)

# Why the dispatcher did not send a message (a send record's error, a touchpoint's outcome).
SYSTEM_SKIP_REASONS = ("no consent", "no address", "client archived", "client erased")
User = AbstractBaseUser

EVENT_ANCHORS = {
    OrderStatus.PLACED: Anchor.ORDER_PLACED,
    OrderStatus.READY: Anchor.ORDER_READY,
    OrderStatus.AT_PICKUP: Anchor.ORDER_AT_PICKUP,
    OrderStatus.DELIVERED: Anchor.ORDER_DELIVERED,
}

# A step whose time passed longer ago than this when it is planned (an order imported from
# last year, say) is not planned at all: a "thank you for your order" a year late helps nobody.
STALE_AFTER = {
    Channel.EMAIL: dt.timedelta(days=2),
    Channel.SMS: dt.timedelta(days=1),
    Channel.CALL: dt.timedelta(days=14),
    Channel.POST: dt.timedelta(days=30),
}


# --- planning ------------------------------------------------------------------------------


def _client_tz(client: Client) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(client.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _shift(moment: dt.datetime, amount: int, unit: str) -> dt.datetime:
    if unit == OffsetUnit.HOURS:
        return moment + dt.timedelta(hours=amount)
    delta = {
        OffsetUnit.DAYS: relativedelta(days=amount),
        OffsetUnit.WEEKS: relativedelta(weeks=amount),
        OffsetUnit.MONTHS: relativedelta(months=amount),
        OffsetUnit.YEARS: relativedelta(years=amount),
    }[unit]
    return moment + delta


def step_due_at(*, step: CadenceStep, anchor_at: dt.datetime, client: Client) -> dt.datetime:
    """When a step falls for an anchor, in the client's time zone.

    Offsets in hours count from the anchor's moment; offsets in days and longer count in the
    client's calendar (a day later is the next local date, at the start of the day's window),
    so a daylight-saving change never moves a touchpoint off its local hour.
    """
    tz = _client_tz(client)
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
    steps: QuerySet[CadenceStep] | None = None,
) -> list[Touchpoint]:
    if client.is_out_of_reach:
        return []
    now = timezone.now()
    planned = []
    for step in steps if steps is not None else _steps(anchor):
        due_at = step_due_at(step=step, anchor_at=anchor_at, client=client)
        if _is_stale(due_at, step.channel, now):
            continue
        planned.append(
            _new_touchpoint(
                step=step, client=client, order=order, anchor_key=anchor_key, due_at=due_at
            )
        )
    return _save_new(planned)


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
    return anchors.promised_key(order.pk, order.promised_date)


def status_update_days(placed: dt.date, promised: dt.date) -> list[dt.date]:
    """The days of the status updates before delivery: weekly while a month or more is left,
    twice a week (every 3 or 4 days) from then on, and none in the last two days, which the
    "ready tomorrow" notice and the pickup reminder cover."""
    days = []
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
    tz = _client_tz(client)
    now = timezone.now()
    anchor_key = _promised_key(order)
    promised_start = dt.datetime.combine(order.promised_date, dt.time(0), tzinfo=tz)
    planned: list[Touchpoint] = []
    for step in _steps(Anchor.PROMISED_DATE):
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
    _revive_cancelled(planned)
    return _save_new(planned)


def _revive_cancelled(planned: list[Touchpoint]) -> None:
    """A promised date moved away and back: its earlier plan was cancelled, and planning the
    same day again takes those rows up again instead of colliding with them."""
    for touchpoint in planned:
        Touchpoint.objects.filter(
            step=touchpoint.step,
            anchor_key=touchpoint.anchor_key,
            occurrence=touchpoint.occurrence,
            status=TouchpointStatus.CANCELLED,
        ).update(
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
        steps=_steps(Anchor.STAGE_REACHED, anchor_stage=stage),
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


def client_touchpoints_erase(*, client: Client) -> None:
    """What touchpoints hold about an erased client (clients.signals.client_erased): nothing
    more is planned or sent, and what was written about them or to them is blanked. Dates,
    channels, outcomes and scores stay, so the reports' figures do not move."""
    now = timezone.now()
    touchpoints = Touchpoint.objects.filter(client=client)
    touchpoints_cancel(touchpoints=touchpoints.filter(due_at__gte=now), reason="client erased")
    # What fell due and was not done stays "due, not done" for the discipline figures, as the
    # hourly job would mark it; cancelling it would rewrite them.
    touchpoints.filter(status=TouchpointStatus.PLANNED, due_at__lt=now).update(
        status=TouchpointStatus.MISSED, outcome="client erased", closed_at=now
    )
    touchpoints.exclude(note="").update(note="")
    # Talking points written by a rule (an agreed next contact, a recovery call) quote the
    # client; a cadence step's are the company's own text.
    touchpoints.filter(step__isnull=True).exclude(talking_points="").update(talking_points="")
    CallAttempt.objects.filter(client=client).update(note="", complaint="", no_further_contact="")
    records = SendRecord.objects.filter(touchpoint__client=client)
    records.update(recipient="", subject="", body="")
    # A provider's error message may quote the address; the system's own codes do not.
    records.exclude(error__in=SYSTEM_SKIP_REASONS).update(error="")


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
                day = dt.date(year, step.month, step.day)
            except ValueError:
                continue  # 29 February in a common year
            if not today <= day <= today + dt.timedelta(days=days_ahead):
                continue
            created += _plan_yearly_date(step=step, day=day)
    created += _plan_next_years(today=today)
    return created


def _plan_yearly_date(*, step: CadenceStep, day: dt.date) -> int:
    planned = Touchpoint.objects.filter(
        step=step, anchor_key__endswith=anchors.yearly_key_suffix(day.year)
    )
    before = planned.count()
    batch: list[Touchpoint] = []
    clients = _buyers(step.audience, day.year).select_related("account_manager", "originator")
    for client in clients.iterator(chunk_size=2000):
        tz = _client_tz(client)
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


def _plan_next_years(*, today: dt.date) -> int:
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
        tz = _client_tz(touchpoint.client)
        day = touchpoint.due_at.astimezone(tz).date() + relativedelta(years=1)
        due_at = calendar.fit(
            dt.datetime.combine(day, dt.time(0), tzinfo=tz),
            channel=touchpoint.channel,
            client_tz=tz,
        )
        batch.append(
            _new_touchpoint(
                step=touchpoint.step,
                client=touchpoint.client,
                order=touchpoint.order,
                anchor_key=touchpoint.anchor_key,
                due_at=due_at,
                occurrence=touchpoint.occurrence + 1,
            )
        )
    return len(_save_new(batch))


def mark_missed_calls(*, now: dt.datetime | None = None) -> int:
    """Calls and postal tasks left undone long after they were due become "missed", so the
    list shows what is still worth doing and the reports count the miss."""
    now = now or timezone.now()
    return Touchpoint.objects.filter(
        status=TouchpointStatus.PLANNED,
        is_automatic=False,
        due_at__lt=now - dt.timedelta(days=settings.MISSED_AFTER_DAYS),
    ).update(status=TouchpointStatus.MISSED, closed_at=now, outcome="not done in time")


# --- sending -------------------------------------------------------------------------------


@dataclass
class DispatchResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    released: int = 0
    errors: list[str] = field(default_factory=list)


def release_expired_leases(*, now: dt.datetime) -> int:
    """The rule for a dispatcher that died between claim and send: once its lease has expired,
    the touchpoint goes back to "planned" and the next sweep sends it. The send record stays,
    with the attempt counted, so a manager can see that a first attempt was interrupted."""
    return Touchpoint.objects.filter(status=TouchpointStatus.SENDING, lease_until__lt=now).update(
        status=TouchpointStatus.PLANNED, lease_until=None, lease_owner=""
    )


def _claim(*, now: dt.datetime, limit: int, owner: str) -> list[int]:
    due = Touchpoint.objects.filter(
        status=TouchpointStatus.PLANNED, is_automatic=True, due_at__lte=now
    ).order_by("due_at", "id")
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        # Compare-and-set: only rows still "planned" are taken, whatever another sweep did.
        Touchpoint.objects.filter(id__in=ids, status=TouchpointStatus.PLANNED).update(
            status=TouchpointStatus.SENDING,
            lease_until=now + dt.timedelta(seconds=settings.SEND_LEASE_SECONDS),
            lease_owner=owner,
            attempts=F("attempts") + 1,
        )
        return list(
            Touchpoint.objects.filter(
                id__in=ids, status=TouchpointStatus.SENDING, lease_owner=owner
            ).values_list("id", flat=True)
        )


def _finish(touchpoint_id: int, owner: str, **fields: Any) -> bool:
    """Close a claimed touchpoint, only if this dispatcher still holds it."""
    return bool(
        Touchpoint.objects.filter(
            id=touchpoint_id, status=TouchpointStatus.SENDING, lease_owner=owner
        ).update(lease_until=None, lease_owner="", **fields)
    )


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=settings.SEND_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


@dataclass
class _Sweep:
    """What one sweep reads once for all the rows it claimed."""

    owner: str
    templates: messaging.Templates
    records: dict[int, SendRecord]
    consents: dict[int, dict[str, bool]]


def _deliver(touchpoint: Touchpoint, sweep: _Sweep, result: DispatchResult) -> None:
    now = timezone.now()
    owner = sweep.owner
    client = touchpoint.client
    record = sweep.records.get(touchpoint.pk)
    if record is None:
        # The claim makes this dispatcher the only one here; the one-to-one key guards anyway.
        record = SendRecord.objects.create(
            touchpoint=touchpoint, channel=touchpoint.channel, status=SendRecord.Status.SENDING
        )
    if record.status == SendRecord.Status.SENT:
        # Sent before; the dispatcher that sent it died before closing the touchpoint.
        _finish(touchpoint.pk, owner, status=TouchpointStatus.DONE, closed_at=now)
        return
    record.attempts = touchpoint.attempts
    skip_reason = None
    if client.erased_at is not None:
        skip_reason = "client erased"
    elif client.archived_at is not None:
        skip_reason = "client archived"
    elif not sweep.consents.get(client.pk, {}).get(touchpoint.channel, False):
        skip_reason = "no consent"
    if skip_reason is None:
        try:
            message = messaging.render(touchpoint, sweep.templates)
        except messaging.MessageError as exc:
            _fail(touchpoint, record, owner, str(exc), result)
            return
        record.recipient, record.subject, record.body = (
            message.recipient,
            message.subject,
            message.text,
        )
        if not message.recipient:
            skip_reason = "no address"
    if skip_reason is not None:
        record.status = SendRecord.Status.SKIPPED
        record.error = skip_reason
        record.save()
        _finish(
            touchpoint.pk,
            owner,
            status=TouchpointStatus.SKIPPED,
            outcome=skip_reason,
            closed_at=now,
        )
        result.skipped += 1
        return
    record.save()
    try:
        provider_id = messaging.send(message)
    except messaging.TemporaryError as exc:
        record.error = str(exc)[:1000]
        record.save(update_fields=["error", "attempts"])
        if touchpoint.attempts >= settings.SEND_MAX_ATTEMPTS:
            _fail(touchpoint, record, owner, str(exc), result)
            return
        _finish(
            touchpoint.pk,
            owner,
            status=TouchpointStatus.PLANNED,
            due_at=now + _backoff(touchpoint.attempts),
        )
        result.retried += 1
        return
    except messaging.PermanentError as exc:
        _fail(touchpoint, record, owner, str(exc), result)
        return
    with transaction.atomic():
        record.status = SendRecord.Status.SENT
        record.sent_at = timezone.now()
        record.provider_id = provider_id[:255]
        record.error = ""
        record.save()
        _finish(touchpoint.pk, owner, status=TouchpointStatus.DONE, outcome="sent", closed_at=now)
    result.sent += 1


def _fail(
    touchpoint: Touchpoint, record: SendRecord, owner: str, reason: str, result: DispatchResult
) -> None:
    record.status = SendRecord.Status.FAILED
    record.error = reason[:1000]
    record.save()
    _finish(
        touchpoint.pk,
        owner,
        status=TouchpointStatus.FAILED,
        outcome="failed",
        note=reason[:1000],
        closed_at=timezone.now(),
    )
    result.failed += 1
    result.errors.append(reason)


def dispatch_due(*, limit: int = 500, now: dt.datetime | None = None) -> DispatchResult:
    """One sweep: release expired leases, claim what is due, send it, record the outcome."""
    now = now or timezone.now()
    owner = uuid.uuid4().hex
    result = DispatchResult(released=release_expired_leases(now=now))
    ids = _claim(now=now, limit=limit, owner=owner)
    result.claimed = len(ids)
    if not ids:
        return result
    touchpoints = list(
        Touchpoint.objects.filter(id__in=ids)
        .select_related(
            "client", "order", "assignee", "client__account_manager", "client__originator"
        )
        .prefetch_related(
            Prefetch("client__phones", queryset=ClientPhone.objects.order_by("-is_primary", "id"))
        )
    )
    sweep = _Sweep(
        owner=owner,
        templates=messaging.Templates(),
        records={r.touchpoint_id: r for r in SendRecord.objects.filter(touchpoint_id__in=ids)},
        consents=consents_current({t.client_id for t in touchpoints}),
    )
    for touchpoint in touchpoints:
        try:
            _deliver(touchpoint, sweep, result)
        except Exception as exc:
            # One broken row must not stop the sweep; the lease brings it back later.
            logger.exception("Sending touchpoint %s failed", touchpoint.pk)
            result.errors.append(f"{touchpoint.pk}: {exc.__class__.__name__}")
    return result


# --- the morning digest --------------------------------------------------------------------


def digest_send(*, day: dt.date | None = None) -> int:
    """E-mail each manager their day: overdue and due calls and tasks. Once per manager and
    day, however often it runs."""
    day = day or timezone.localdate()
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    work = (
        Touchpoint.objects.filter(
            status=TouchpointStatus.PLANNED, is_automatic=False, due_at__lt=end
        )
        .exclude(assignee=None)
        .select_related("client", "assignee")
        .order_by("assignee_id", "due_at")
    )
    by_user: dict[int, list[Touchpoint]] = {}
    for touchpoint in work:
        by_user.setdefault(touchpoint.assignee_id, []).append(touchpoint)
    already = set(DigestLog.objects.filter(day=day).values_list("user_id", flat=True))
    sent = 0
    for user_id, items in by_user.items():
        user = items[0].assignee
        if user_id in already or not user.email:
            continue
        try:
            with transaction.atomic():
                DigestLog.objects.create(user=user, day=day, items=len(items))
                messaging.send_digest(user=user, day=day, touchpoints=items)
        except IntegrityError:
            continue  # another worker sent it
        except (messaging.TemporaryError, messaging.PermanentError):
            logger.warning("Morning digest for %s not sent", user, exc_info=True)
            continue
        sent += 1
    return sent


# --- postal tasks --------------------------------------------------------------------------


def postal_mark_sent(*, touchpoints: QuerySet[Touchpoint], by: User) -> int:
    """Cards and letters confirmed as posted."""
    return touchpoints.filter(channel=Channel.POST, status=TouchpointStatus.PLANNED).update(
        status=TouchpointStatus.DONE,
        outcome="posted",
        note=f"posted, confirmed by {by.get_username()}",
        closed_at=timezone.now(),
    )


def postal_letters(*, touchpoints: list[Touchpoint]) -> list[dict[str, Any]]:
    """Each postal task rendered for printing: address block and letter, one per page."""
    templates = messaging.Templates()
    letters = []
    for touchpoint in touchpoints:
        client = touchpoint.client
        try:
            template = templates.get(touchpoint.template_slug, Channel.POST, client.language)
            message = messaging.render_template(
                template,
                messaging.context_for(
                    client, touchpoint.order, touchpoint.assignee, templates.director
                ),
                client.language,
            )
        except messaging.MessageError as exc:
            message = None
            error = str(exc)
        else:
            error = ""
        letters.append({"touchpoint": touchpoint, "message": message, "error": error})
    return letters
