"""Services for working the call list as a queue: one conversation recorded against all the
calls due for a client, moving or skipping them together, and undoing what was just done.

They call the rules of calls.py for each touchpoint (nothing about how a call ends is decided
here) and keep, for UNDO_SECONDS, what each action changed: the touchpoints' state before and
after, the call attempts it recorded, the touchpoints it planned. Undo puts it all back only
while the touchpoints are exactly as the action left them (compare-and-set), so it never
overwrites what somebody did since.
"""

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from followup_crm.users import User

from . import calls, signals
from .models import (
    CallAttempt,
    CallOutcome,
    OfferAnswer,
    Touchpoint,
    TouchpointStatus,
    TouchpointUndo,
)

UNDO_SECONDS = 30
# What an action changes on a touchpoint, and what Undo puts back.
STATE_FIELDS = ("status", "due_at", "attempts", "outcome", "note", "closed_at")


@dataclass(frozen=True)
class Handled:
    """What an action did: the touchpoints as they are now, the attempts it recorded (in the
    order of the touchpoints), and its Undo, if it can be undone."""

    touchpoints: list[Touchpoint]
    attempts: list[CallAttempt]
    undo: TouchpointUndo | None


def _moment(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def touchpoint_state(touchpoint: Touchpoint) -> dict[str, Any]:
    """A touchpoint's state as Undo keeps it (JSON)."""
    return {
        "id": touchpoint.pk,
        "status": touchpoint.status,
        "due_at": _moment(touchpoint.due_at),
        "attempts": touchpoint.attempts,
        "outcome": touchpoint.outcome,
        "note": touchpoint.note,
        "closed_at": _moment(touchpoint.closed_at),
    }


def _locked(touchpoints: Sequence[Touchpoint]) -> list[Touchpoint]:
    """The touchpoints read again under a row lock, in the order given; all of one client."""
    if not touchpoints:
        raise ValidationError(_("Choose at least one call."))
    ids = [touchpoint.pk for touchpoint in touchpoints]
    found = {
        row.pk: row
        for row in Touchpoint.objects.select_for_update()
        .select_related("client")
        .filter(pk__in=ids)
        .order_by("pk")
    }
    if len(found) != len(set(ids)):
        raise ValidationError(_("One of these calls no longer exists."))
    rows = [found[pk] for pk in dict.fromkeys(ids)]
    if len({row.client_id for row in rows}) > 1:
        raise ValidationError(_("Calls recorded together must be with the same client."))
    return rows


def _last_touchpoint_pk() -> int:
    return Touchpoint.objects.aggregate(last=Max("pk"))["last"] or 0


def _undo_record(
    *,
    rows: list[Touchpoint],
    before: list[dict[str, Any]],
    after_pk: int,
    attempts: list[CallAttempt],
    summary: str,
    by: User,
) -> TouchpointUndo:
    client = rows[0].client
    now = timezone.now()
    # Undos that can no longer be used are of no more use: this user's go as a new one comes.
    TouchpointUndo.objects.filter(by=by, expires_at__lt=now).delete()
    fresh = Touchpoint.objects.filter(pk__in=[row.pk for row in rows]).order_by("pk")
    planned = Touchpoint.objects.filter(client=client, pk__gt=after_pk).values_list("pk", flat=True)
    return TouchpointUndo.objects.create(
        token=secrets.token_urlsafe(32),
        by=by,
        client=client,
        summary=summary[:255],
        before=before,
        after=[touchpoint_state(row) for row in fresh],
        attempts=[attempt.pk for attempt in attempts],
        planned=list(planned),
        expires_at=now + dt.timedelta(seconds=UNDO_SECONDS),
    )


def _undoable(report: calls.CallReport) -> bool:
    """What Undo cannot take back: a refusal (it changes the client and plans a cadence), a
    referral (a new client) and a complaint (the directors are told at once)."""
    return not (
        report.outcome == CallOutcome.REFUSED
        or report.referral_name.strip()
        or report.complaint.strip()
    )


def _companion_report(report: calls.CallReport, lead: Touchpoint) -> calls.CallReport:
    """The same conversation as recorded against the other calls of the client: its outcome
    and notes, but the next contact, the score, the offers and the referral count once."""
    if report.outcome != CallOutcome.REACHED:
        return report
    return replace(
        report,
        satisfaction=None,
        next_contact_on=None,
        no_further_contact=_("Talked over in the same call: %(purpose)s")
        % {"purpose": lead.purpose},
        upsell=OfferAnswer.NOT_OFFERED,
        cross_sell=OfferAnswer.NOT_OFFERED,
        referral_name="",
        referral_phone="",
        complaint="",
    )


@transaction.atomic
def touchpoints_complete_together(
    *, touchpoints: Sequence[Touchpoint], report: calls.CallReport, by: User, summary: str = ""
) -> Handled:
    """One conversation recorded against every call given (the first one leads): each gets
    its attempt through touchpoint_complete; the next contact, the score and the offers are
    recorded once, on the first. A refusal closes the others as skipped (it is recorded once).
    All or nothing."""
    rows = _locked(touchpoints)
    before = [touchpoint_state(row) for row in rows]
    after_pk = _last_touchpoint_pk()
    lead, others = rows[0], rows[1:]
    attempts = [calls.touchpoint_complete(touchpoint=lead, report=report, by=by)]
    for row in others:
        if report.outcome == CallOutcome.REFUSED:
            calls.touchpoint_skip(touchpoint=row, reason=_("The client refused"), by=by)
        else:
            companion = _companion_report(report, lead)
            attempts.append(calls.touchpoint_complete(touchpoint=row, report=companion, by=by))
    undo = None
    if _undoable(report):
        undo = _undo_record(
            rows=rows, before=before, after_pk=after_pk, attempts=attempts, summary=summary, by=by
        )
    return Handled(touchpoints=_fresh(rows), attempts=attempts, undo=undo)


@transaction.atomic
def touchpoints_reschedule_together(
    *,
    touchpoints: Sequence[Touchpoint],
    due_at: dt.datetime,
    reason: str,
    by: User,
    summary: str = "",
) -> Handled:
    """Move every call given to the same time, through touchpoint_reschedule; all or nothing."""
    rows = _locked(touchpoints)
    before = [touchpoint_state(row) for row in rows]
    after_pk = _last_touchpoint_pk()
    for row in rows:
        calls.touchpoint_reschedule(touchpoint=row, due_at=due_at, reason=reason, by=by)
    undo = _undo_record(
        rows=rows, before=before, after_pk=after_pk, attempts=[], summary=summary, by=by
    )
    return Handled(touchpoints=_fresh(rows), attempts=[], undo=undo)


@transaction.atomic
def touchpoints_skip_together(
    *, touchpoints: Sequence[Touchpoint], reason: str, by: User, summary: str = ""
) -> Handled:
    """Skip every call given, through touchpoint_skip; all or nothing."""
    rows = _locked(touchpoints)
    before = [touchpoint_state(row) for row in rows]
    after_pk = _last_touchpoint_pk()
    for row in rows:
        calls.touchpoint_skip(touchpoint=row, reason=reason, by=by)
    undo = _undo_record(
        rows=rows, before=before, after_pk=after_pk, attempts=[], summary=summary, by=by
    )
    return Handled(touchpoints=_fresh(rows), attempts=[], undo=undo)


def _fresh(rows: list[Touchpoint]) -> list[Touchpoint]:
    for row in rows:
        row.refresh_from_db(fields=list(STATE_FIELDS))
    return rows


@transaction.atomic
def touchpoint_undo(*, touchpoint: Touchpoint, token: str, by: User) -> list[Touchpoint]:
    """Put back the calls of one action exactly as they were: their state, no attempt, nothing
    planned. Refused when the token is not this user's action on this call, after
    UNDO_SECONDS, once used, and when anything changed since the action."""
    undo = TouchpointUndo.objects.select_for_update().filter(token=token, by=by).first()
    if undo is None or touchpoint.pk not in [state["id"] for state in undo.after]:
        raise ValidationError(_("There is no such action to undo."))
    if undo.used_at is not None:
        raise ValidationError(_("This action is undone already."))
    now = timezone.now()
    if now >= undo.expires_at:
        raise ValidationError(
            _("Undo is possible for %(seconds)d seconds after an action; that time has passed.")
            % {"seconds": UNDO_SECONDS}
        )
    rows = {
        row.pk: row
        for row in Touchpoint.objects.select_for_update().filter(
            pk__in=[state["id"] for state in undo.after]
        )
    }
    for state in undo.after:
        row = rows.get(state["id"])
        if row is None or touchpoint_state(row) != state:
            raise ValidationError(
                _("The call has changed since (somebody worked on it); it cannot be undone.")
            )
    planned = list(Touchpoint.objects.select_for_update().filter(pk__in=undo.planned))
    if any(row.status != TouchpointStatus.PLANNED or row.attempts for row in planned):
        raise ValidationError(
            _("What this action planned has been worked on since; it cannot be undone.")
        )
    for attempt in CallAttempt.objects.filter(pk__in=undo.attempts):
        signals.call_undone.send(sender=CallAttempt, attempt=attempt)
        attempt.delete()
    Touchpoint.objects.filter(pk__in=[row.pk for row in planned]).delete()
    restored = []
    for state in undo.before:
        row = rows[state["id"]]
        row.status = state["status"]
        row.due_at = dt.datetime.fromisoformat(state["due_at"])
        row.attempts = state["attempts"]
        row.outcome = state["outcome"]
        row.note = state["note"]
        row.closed_at = (
            dt.datetime.fromisoformat(state["closed_at"]) if state["closed_at"] else None
        )
        row.save(update_fields=list(STATE_FIELDS))
        restored.append(row)
    undo.used_at = now
    undo.save(update_fields=["used_at"])
    return restored
