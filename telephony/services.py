"""Calls placed through the PBX and calls the PBX reports, turned into the call list's facts.

A call's events may come twice and in any order: `phone_call_record_event` keeps one row per
provider's call id and only ever adds to it (a time once known stays, the end's result wins
over nothing), so an "end" before its "start" gives the same row as the other way round. The
first time a row has ended it is handled, once (a compare-and-set of `processed_at`): matched to
the client by number and to the manager by extension, and attached to the client's open call
of the day — an unanswered outbound call is that call's attempt (no answer or busy, which plans
the retry as the form does), an answered one waits there for the manager to say what was said.
A call with no open touchpoint stays in the client's timeline (telephony.timeline).
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.expressions import OrderBy
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Channel, Client, ClientPhone
from clients.selectors import phone_search_digits
from followup_crm.users import User
from touchpoints.calls import CallReport, touchpoint_complete
from touchpoints.models import CallOutcome, Touchpoint, TouchpointStatus
from touchpoints.selectors import day_bounds

from . import pbx
from .models import Direction, Disposition, Extension, PhoneCall

logger = logging.getLogger(__name__)

UNANSWERED_OUTCOMES: dict[str, CallOutcome] = {
    Disposition.NO_ANSWER: CallOutcome.NO_ANSWER,
    Disposition.BUSY: CallOutcome.BUSY,
}


def client_by_number(*, number: str, user: User | None = None) -> Client | None:
    """The client with this phone (written in any format); of several, the one the manager
    works with, else the first."""
    e164 = phone_search_digits(number)
    if e164 is None:
        return None
    clients = Client.objects.filter(
        pk__in=ClientPhone.objects.filter(number=e164).values("client_id"), erased_at__isnull=True
    )
    if user is None:
        return clients.order_by("pk").first()
    theirs = Q(account_manager=user) | Q(originator=user)
    return clients.order_by(_first_if(theirs), "pk").first()


def _first_if(condition: Q) -> OrderBy:
    return ExpressionWrapper(condition, output_field=BooleanField()).desc()


def _merge(call: PhoneCall, event: pbx.CallEvent) -> list[str]:
    """Add what the event knows and the row does not; return the fields changed."""
    changed: list[str] = []

    def fill(name: str, value: object) -> None:
        if value and not getattr(call, name):
            setattr(call, name, value)
            changed.append(name)

    fill("direction", event.direction)
    fill("from_number", event.from_number)
    fill("to_number", event.to_number)
    fill("extension", event.extension)
    if event.kind == pbx.START:
        fill("started_at", event.started_at or event.at or timezone.now())
    else:
        fill("started_at", event.started_at)
    if event.kind == pbx.ANSWER:
        fill("answered_at", event.at or timezone.now())
    if event.kind == pbx.END:
        fill("ended_at", event.at or timezone.now())
        fill("duration", event.duration)
        fill("disposition", event.disposition)
        fill("recording_url", event.recording_url)
        if event.disposition == Disposition.ANSWERED:
            fill("answered_at", call.ended_at)
    if not call.client_number:
        fill("client_number", phone_search_digits(event.client_side) or "")
    return changed


def phone_call_record_event(*, event: pbx.CallEvent) -> PhoneCall:
    """Record one event of a call; the first time the call is known to have ended, handle it."""
    with transaction.atomic():
        call, _created = PhoneCall.objects.get_or_create(
            provider=event.provider,
            provider_call_id=event.call_id,
            defaults={"direction": event.direction},
        )
        call = PhoneCall.objects.select_for_update().get(pk=call.pk)
        changed = _merge(call, event)
        if call.user_id is None and call.extension:
            extension = Extension.objects.filter(extension=call.extension).first()
            if extension is not None:
                call.user_id = extension.user_id
                changed.append("user")
        if call.client_id is None and call.client_number:
            call.client = client_by_number(number=call.client_number, user=call.user)
            if call.client is not None:
                changed.append("client")
        if changed:
            call.save(update_fields=changed)
    if call.ended_at is not None and call.processed_at is None:
        phone_call_handle_end(call=call)
        call.refresh_from_db()
    return call


def open_call_of_the_day(*, client: Client, user: User | None) -> Touchpoint | None:
    """The client's call due today or overdue and still open, the manager's own first."""
    _start, end = day_bounds(timezone.now())
    calls = Touchpoint.objects.filter(
        client=client,
        status=TouchpointStatus.PLANNED,
        channel=Channel.CALL,
        is_automatic=False,
        due_at__lt=end,
    )
    if user is None:
        return calls.order_by("due_at", "pk").first()
    return calls.order_by(_first_if(Q(assignee=user)), "due_at", "pk").first()


@transaction.atomic
def phone_call_handle_end(*, call: PhoneCall) -> PhoneCall:
    """Handle an ended call once: attach it to the client's open call of the day."""
    claimed = PhoneCall.objects.filter(pk=call.pk, processed_at__isnull=True).update(
        processed_at=timezone.now()
    )
    if not claimed or call.client is None:
        return call
    touchpoint = open_call_of_the_day(client=call.client, user=call.user)
    if touchpoint is None:
        return call
    if call.disposition == Disposition.ANSWERED:
        PhoneCall.objects.filter(pk=call.pk).update(touchpoint=touchpoint)
        return call
    outcome = UNANSWERED_OUTCOMES.get(call.disposition)
    if call.direction != Direction.OUTBOUND or outcome is None:
        # A client's call we missed, or a line failure: nobody failed to answer us.
        return call
    by = call.user or touchpoint.assignee
    try:
        attempt = touchpoint_complete(
            touchpoint=touchpoint,
            report=CallReport(outcome=outcome, note=_("Recorded from the PBX.")),
            by=by,
        )
    except ValidationError:
        # Closed meanwhile by the manager: the call stays in the timeline.
        logger.info("Call %s: its touchpoint %s was closed meanwhile", call.pk, touchpoint.pk)
        return call
    PhoneCall.objects.filter(pk=call.pk).update(touchpoint=touchpoint, attempt=attempt)
    return call


def call_place(*, user: User, number: str) -> str:
    """Ring the manager's extension, then the client: the PBX's callback. Raises PbxError
    with a message for the manager."""
    extension = Extension.objects.filter(user=user).values_list("extension", flat=True).first()
    if not extension:
        raise pbx.PbxError(_("You have no extension on the PBX: dial the number yourself."))
    if not number:
        raise pbx.PbxError(_("The client has no phone number."))
    return pbx.get_backend().callback(extension=extension, number=number)
