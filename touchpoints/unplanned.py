"""What happened anyway: an inbound call, a one-off task. Both become touchpoints that were
planned by nobody, so the timeline, the call list and the reports read them like the rest.

An inbound call is a call attempt on a new touchpoint, recorded with the rules of every call
(touchpoints.calls): a reached call agrees the next contact or says there is none, a refusal
records its reason, a complaint plans a recovery call. A task is a planned call with the task's
text as its purpose: it waits in its assignee's call list, on a working day.
"""

import dataclasses
import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from clients.models import Channel, Client
from followup_crm.users import User

from . import calendar
from .calls import NEXT_CONTACT_HORIZON, CallReport, due_for_day, touchpoint_complete
from .models import CallAttempt, CallOutcome, Touchpoint
from .selectors import task_assignees

# The client called: nobody "did not answer".
INBOUND_OUTCOMES = (CallOutcome.REACHED, CallOutcome.CALL_BACK, CallOutcome.REFUSED)
# The anchors of touchpoints nobody planned (no step, no uniqueness needed).
INBOUND_ANCHOR = "inbound"
TASK_ANCHOR = "task"
TASK_TEXT_MAX = 255


@transaction.atomic
def touchpoint_log_inbound(*, client: Client, report: CallReport, by: User) -> CallAttempt:
    """A call the client made to us, with what came of it. Without a next contact agreed, a
    reached inbound call says so explicitly (the client called; nothing was promised)."""
    if report.outcome not in INBOUND_OUTCOMES:
        raise ValidationError(
            {"outcome": [_("The client called: choose reached, call back or refused.")]}
        )
    if (
        report.outcome == CallOutcome.REACHED
        and report.next_contact_on is None
        and not report.no_further_contact.strip()
    ):
        report = dataclasses.replace(
            report, no_further_contact=_("Inbound call; no next contact agreed")
        )
    touchpoint = Touchpoint.objects.create(
        client=client,
        anchor_key=INBOUND_ANCHOR,
        due_at=timezone.now(),
        assignee=by,
        channel=Channel.CALL,
        purpose=_("Inbound call"),
    )
    # An invalid report raises here and the new touchpoint goes with the transaction.
    return touchpoint_complete(touchpoint=touchpoint, report=report, by=by)


@dataclass(frozen=True)
class TaskPlanned:
    touchpoint: Touchpoint
    day: dt.date  # the working day it is due on
    # The day asked for, when the task had to move (a weekend, a holiday): the page says so.
    moved_from: dt.date | None


def _first_working_day(day: dt.date) -> dt.date:
    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def touchpoint_log_task(
    *,
    client: Client,
    due_on: dt.date,
    assignee: User | None,
    text: str,
    by: User,
) -> TaskPlanned:
    """A one-off task about the client for someone who works with them, due on a working day:
    a date that is not one moves to the next working day, and the task says so."""
    text = text.strip()
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if not text:
        errors["text"] = [_("Say what is to be done.")]
    elif len(text) > TASK_TEXT_MAX:
        errors["text"] = [_("Keep the task under %(max)d characters.") % {"max": TASK_TEXT_MAX}]
    if due_on < today:
        errors["due_on"] = [_("The task cannot be due in the past.")]
    elif due_on > today + NEXT_CONTACT_HORIZON:
        errors["due_on"] = [_("Choose a day within two years.")]
    if assignee is None or not task_assignees(client=client, user=by).filter(pk=assignee.pk):
        errors["assignee"] = [_("Choose someone who works with this client.")]
    if errors:
        raise ValidationError(errors)
    day = _first_working_day(due_on)
    note = ""
    if day != due_on:
        note = _("Asked for %(asked)s, not a working day: moved to %(day)s.") % {
            "asked": formats.date_format(due_on, "SHORT_DATE_FORMAT"),
            "day": formats.date_format(day, "SHORT_DATE_FORMAT"),
        }
    touchpoint = Touchpoint.objects.create(
        client=client,
        anchor_key=TASK_ANCHOR,
        due_at=due_for_day(day, client),
        assignee=assignee,
        channel=Channel.CALL,
        purpose=text,
        note=note,
    )
    return TaskPlanned(touchpoint=touchpoint, day=day, moved_from=due_on if day != due_on else None)
