"""Services for the managers' work on touchpoints: completing a call, rescheduling, skipping,
and reassigning. Every rule of "how a call ends" lives here; the pages and the API call these.

Every conversation ends with an agreement: a reached call records the agreed date of the next
contact (which plans it) or an explicit "no further contact" with the reason.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from clients import services as client_services
from clients.models import Channel, Client, Refusal
from followup_crm.mail import staff_mail_queue
from followup_crm.models import StaffMail
from followup_crm.roles import ACCOUNT_MANAGER, DIRECTOR, SALES_MANAGER
from followup_crm.users import User

from . import calendar, signals
from .models import (
    CallAttempt,
    CallOutcome,
    OfferAnswer,
    Touchpoint,
    TouchpointChange,
    TouchpointStatus,
)

# How far ahead an agreed next contact may be.
NEXT_CONTACT_HORIZON = dt.timedelta(days=2 * 366)


@dataclass(frozen=True)
class CallReport:
    """What a manager records about one call attempt."""

    outcome: str
    satisfaction: int | None = None
    note: str = ""
    next_contact_on: dt.date | None = None
    no_further_contact: str = ""
    callback_at: dt.datetime | None = None
    upsell: str = OfferAnswer.NOT_OFFERED
    cross_sell: str = OfferAnswer.NOT_OFFERED
    referral_name: str = ""
    referral_phone: str = ""
    complaint: str = ""
    refusal_reason: str = ""


def _check_open(touchpoint: Touchpoint) -> None:
    if touchpoint.status != TouchpointStatus.PLANNED:
        raise ValidationError(
            _("This touchpoint is already %(status)s.")
            % {"status": TouchpointStatus(touchpoint.status).label.lower()}
        )


def call_report_errors(report: CallReport, today: dt.date) -> dict[str, list[str]]:
    """Every problem with a report, by field: the form and the API show the same messages."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if report.outcome not in CallOutcome.values:
        add("outcome", _("Choose how the call went."))
        return errors
    reached = report.outcome == CallOutcome.REACHED
    if report.satisfaction is not None and not reached:
        add("satisfaction", _("Record satisfaction only when you reached the client."))
    if report.satisfaction is not None and not 1 <= report.satisfaction <= 5:
        add("satisfaction", _("Satisfaction is from 1 to 5."))
    if reached:
        if report.next_contact_on is None and not report.no_further_contact.strip():
            add(
                "next_contact_on",
                _("Agree the date of the next contact, or say why there will be none."),
            )
        if report.next_contact_on is not None and report.no_further_contact.strip():
            add("no_further_contact", _("Either a next contact date or no further contact."))
        if report.next_contact_on is not None:
            if report.next_contact_on <= today:
                add("next_contact_on", _("The next contact must be after today."))
            elif report.next_contact_on > today + NEXT_CONTACT_HORIZON:
                add("next_contact_on", _("The next contact must be within two years."))
    else:
        for field, value in (
            ("next_contact_on", report.next_contact_on),
            ("upsell", report.upsell),
            ("cross_sell", report.cross_sell),
            ("referral_name", report.referral_name),
            ("complaint", report.complaint),
        ):
            if value:
                add(field, _("Only for a call in which you reached the client."))
    for field in ("upsell", "cross_sell"):
        if getattr(report, field) not in OfferAnswer.values:
            add(field, _("Choose an answer from the list."))
    if report.referral_phone and not report.referral_name:
        add("referral_name", _("Give the name of the person they recommended."))
    if report.outcome == CallOutcome.CALL_BACK:
        if report.callback_at is None:
            add("callback_at", _("When should we call back?"))
        elif report.callback_at <= timezone.now():
            add("callback_at", _("The time to call back must be in the future."))
        elif report.callback_at > timezone.now() + NEXT_CONTACT_HORIZON:
            add("callback_at", _("Choose a time within two years."))
    if report.outcome == CallOutcome.REFUSED and report.refusal_reason not in Refusal.Reason.values:
        add("refusal_reason", _("Choose the reason of the refusal."))
    return errors


def due_for_day(day: dt.date, client: Client) -> dt.datetime:
    tz = client.zone
    return calendar.fit(
        dt.datetime.combine(day, dt.time(0), tzinfo=tz), channel=Channel.CALL, client_tz=tz
    )


@transaction.atomic
def touchpoint_complete(
    *, touchpoint: Touchpoint, report: CallReport, by: User | None
) -> CallAttempt:
    """Record a call attempt and everything that follows from it."""
    touchpoint = (
        Touchpoint.objects.select_for_update().select_related("client").get(pk=touchpoint.pk)
    )
    _check_open(touchpoint)
    client = touchpoint.client
    now = timezone.now()
    errors = call_report_errors(report, timezone.localdate())
    if errors:
        raise ValidationError(errors)

    attempt = CallAttempt.objects.create(
        touchpoint=touchpoint,
        client=client,
        outcome=report.outcome,
        satisfaction=report.satisfaction,
        note=report.note.strip(),
        next_contact_on=report.next_contact_on,
        no_further_contact=report.no_further_contact.strip(),
        callback_at=report.callback_at,
        upsell=report.upsell,
        cross_sell=report.cross_sell,
        complaint=report.complaint.strip(),
        recorded_by=by,
        at=now,
    )
    touchpoint.attempts += 1
    touchpoint.outcome = report.outcome
    if report.note.strip():
        touchpoint.note = report.note.strip()

    if report.outcome in (CallOutcome.NO_ANSWER, CallOutcome.BUSY):
        if touchpoint.attempts < settings.CALL_MAX_ATTEMPTS:
            # Try again later the same day or the next working one; not lost, not forgotten.
            retry = now + dt.timedelta(hours=settings.CALL_RETRY_HOURS)
            touchpoint.due_at = calendar.fit(retry, channel=Channel.CALL, client_tz=client.zone)
        else:
            touchpoint.status = TouchpointStatus.MISSED
            touchpoint.closed_at = now
    elif report.outcome == CallOutcome.CALL_BACK:
        touchpoint.due_at = cast(dt.datetime, report.callback_at)  # required: checked above
    else:
        touchpoint.status = TouchpointStatus.DONE
        touchpoint.closed_at = now
    touchpoint.save()

    if report.outcome == CallOutcome.REACHED:
        if report.next_contact_on is not None:
            Touchpoint.objects.create(
                client=client,
                order=touchpoint.order,
                anchor_key=f"next:{touchpoint.pk}:{attempt.pk}",
                due_at=due_for_day(report.next_contact_on, client),
                assignee=touchpoint.assignee or by,
                channel=Channel.CALL,
                purpose=_("Agreed next contact"),
                talking_points=report.note.strip(),
            )
        if report.referral_name.strip():
            _record_referral(client=client, report=report, by=by)
        if report.complaint.strip():
            recovery_plan(client=client, reason=report.complaint.strip(), by=by, source=attempt)
    elif report.outcome == CallOutcome.REFUSED:
        client_services.refusal_record(
            client=client,
            reason=report.refusal_reason,
            details=report.note.strip(),
            order=touchpoint.order,
            by=by,
        )
    signals.call_recorded.send(sender=CallAttempt, attempt=attempt)
    if touchpoint.status == TouchpointStatus.DONE:
        signals.touchpoint_completed.send(sender=Touchpoint, touchpoint=touchpoint)
    return attempt


def _record_referral(*, client: Client, report: CallReport, by: User | None) -> None:
    is_sales = by is not None and by.groups.filter(name=SALES_MANAGER).exists()
    originator = by if is_sales else client.originator
    client_services.referral_record_new(
        referrer=client,
        by=by,
        name=report.referral_name.strip(),
        phones=[report.referral_phone] if report.referral_phone.strip() else [],
        originator=originator,
        notes=_("Recommended by %(name)s") % {"name": client.name},
    )


def recovery_plan(*, client: Client, reason: str, by: User | None, source: Any) -> Touchpoint:
    """A complaint or a poor score: an urgent call for the account manager, who is told by
    e-mail, and the directors told too. Once per source (the attempt or the survey answer that
    raised it)."""
    key = f"recovery:{source.__class__.__name__.lower()}:{source.pk}"
    touchpoint, created = Touchpoint.objects.get_or_create(
        client=client,
        anchor_key=key,
        step=None,
        defaults={
            "due_at": timezone.now(),
            "assignee": client.account_manager or client.originator or by,
            "channel": Channel.CALL,
            "purpose": _("Recover: the client is unhappy"),
            "talking_points": reason,
            "is_urgent": True,
        },
    )
    if created:
        _alert(touchpoint=touchpoint, by=by)
    return touchpoint


def _alert(*, touchpoint: Touchpoint, by: User | None) -> None:
    """Queue the alert for each director and for the manager who owns the recovery call (not
    for the one who has just recorded the complaint): sent after the commit, by a worker."""
    recipients = list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=DIRECTOR)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    owner = touchpoint.assignee
    if (
        owner is not None
        and owner.is_active
        and owner != by
        and owner.pk not in {user.pk for user in recipients}
    ):
        recipients.append(owner)
    client = touchpoint.client
    link = settings.SITE_URL.rstrip("/") + f"/clients/{client.pk}/"
    # In the site's language, as the other staff mail: users have no language of their own.
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("An unhappy client: %(name)s") % {"name": client.name}
    for user in recipients:
        staff_mail_queue(
            to=user,
            kind=StaffMail.Kind.ALERT,
            key=f"alert:{touchpoint.anchor_key}:{user.pk}",
            subject=subject,
            text=f"{touchpoint.talking_points}\n\n{link}",
        )


def _changed_meanwhile(pk: int) -> ValidationError:
    """The refusal when a touchpoint is no longer as the caller read it: what it is now."""
    current = Touchpoint.objects.filter(pk=pk).values_list("status", "due_at").first()
    if current is None:
        return ValidationError(_("This touchpoint was changed meanwhile: it no longer exists."))
    status, due_at = current
    if status == TouchpointStatus.PLANNED:
        return ValidationError(
            _("This touchpoint was changed meanwhile: it is now due %(when)s.")
            % {"when": formats.localize(timezone.localtime(due_at))}
        )
    return ValidationError(
        _("This touchpoint was changed meanwhile: it is now %(status)s.")
        % {"status": TouchpointStatus(status).label.lower()}
    )


@transaction.atomic
def touchpoint_reschedule(
    *, touchpoint: Touchpoint, due_at: dt.datetime, reason: str, by: User
) -> Touchpoint:
    """Move a planned touchpoint. Only if it is still planned and due when the caller read it:
    a call completed or moved meanwhile is refused, not overwritten."""
    _check_open(touchpoint)
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = [_("Say why it moves.")]
    if due_at <= timezone.now():
        errors["due_at"] = [_("Choose a time in the future.")]
    elif due_at > timezone.now() + NEXT_CONTACT_HORIZON:
        errors["due_at"] = [_("Choose a time within two years.")]
    if errors:
        raise ValidationError(errors)
    note = _("Moved: %(reason)s") % {"reason": reason.strip()}
    moved = Touchpoint.objects.filter(
        pk=touchpoint.pk, status=TouchpointStatus.PLANNED, due_at=touchpoint.due_at
    ).update(due_at=due_at, note=note)
    if not moved:
        raise _changed_meanwhile(touchpoint.pk)
    TouchpointChange.objects.create(
        touchpoint=touchpoint,
        at=timezone.now(),
        actor=by,
        action=TouchpointChange.Action.RESCHEDULED,
        old_due_at=touchpoint.due_at,
        new_due_at=due_at,
        reason=reason.strip(),
    )
    touchpoint.due_at = due_at
    touchpoint.note = note
    return touchpoint


@transaction.atomic
def touchpoint_skip(*, touchpoint: Touchpoint, reason: str, by: User) -> Touchpoint:
    """Skip a planned touchpoint, only if it is still planned (not completed meanwhile)."""
    _check_open(touchpoint)
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why it is skipped.")]})
    now = timezone.now()
    skipped = Touchpoint.objects.filter(pk=touchpoint.pk, status=TouchpointStatus.PLANNED).update(
        status=TouchpointStatus.SKIPPED, outcome="skipped", note=reason.strip(), closed_at=now
    )
    if not skipped:
        raise _changed_meanwhile(touchpoint.pk)
    TouchpointChange.objects.create(
        touchpoint=touchpoint,
        at=now,
        actor=by,
        action=TouchpointChange.Action.SKIPPED,
        reason=reason.strip(),
    )
    touchpoint.status = TouchpointStatus.SKIPPED
    touchpoint.outcome = "skipped"
    touchpoint.note = reason.strip()
    touchpoint.closed_at = now
    return touchpoint


@dataclass(frozen=True)
class BulkChange:
    """What a bulk action did: the rows it changed, and those it refused because they were no
    longer planned when it came to them (someone else acted on them meanwhile)."""

    changed: int
    refused: int


@transaction.atomic
def touchpoints_reassign(
    *, touchpoints: QuerySet[Touchpoint], to_user: User, by: User
) -> BulkChange:
    """Hand open touchpoints to another manager (someone is away, say); each one handed over
    is recorded with who moved it from whom."""
    if (
        not to_user.is_active
        or not to_user.groups.filter(name__in=[SALES_MANAGER, ACCOUNT_MANAGER]).exists()
    ):
        raise ValidationError({"to_user": [_("Choose an active manager.")]})
    wanted = list(touchpoints.filter(is_automatic=False).values_list("pk", flat=True))
    # Locked, and read again: only the rows still planned move.
    locked = dict(
        Touchpoint.objects.select_for_update()
        .filter(pk__in=wanted, status=TouchpointStatus.PLANNED)
        .order_by("pk")
        .values_list("pk", "assignee_id")
    )
    Touchpoint.objects.filter(pk__in=locked).update(assignee=to_user)
    now = timezone.now()
    TouchpointChange.objects.bulk_create(
        TouchpointChange(
            touchpoint_id=pk,
            at=now,
            actor=by,
            action=TouchpointChange.Action.REASSIGNED,
            old_assignee_id=old,
            new_assignee=to_user,
        )
        for pk, old in locked.items()
    )
    return BulkChange(changed=len(locked), refused=len(wanted) - len(locked))
