"""Working the call list as a queue: recording one conversation against all of a client's due
calls, and Undo (touchpoints/queue.py); the working-day rule of the call forms."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from surveys.models import Response
from tests.clients.factories import make_client
from touchpoints import calendar, queue
from touchpoints.calls import CallReport
from touchpoints.forms import CallReportForm, CallRescheduleForm
from touchpoints.models import Cadence, CallAttempt, Touchpoint, TouchpointUndo

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
NOW = dt.datetime(2026, 11, 24, 11, 0, tzinfo=MSK)  # a Tuesday, inside working hours


@pytest.fixture(autouse=True)
def _frozen(db):
    Cadence.objects.update(is_active=False)
    with time_machine.travel(NOW, tick=False):
        yield


def due(client, assignee, purpose="How is the sofa?", **fields) -> Touchpoint:
    return Touchpoint.objects.create(
        client=client,
        anchor_key=f"q:{Touchpoint.objects.count()}",
        due_at=fields.pop("due_at", NOW - dt.timedelta(hours=1)),
        channel="call",
        assignee=assignee,
        purpose=purpose,
        **fields,
    )


def state(touchpoint: Touchpoint) -> dict:
    touchpoint.refresh_from_db()
    return queue.touchpoint_state(touchpoint)


def test_it_records_one_conversation_against_all_of_a_clients_calls(sales):
    pavel = make_client(originator=sales, name="Pavel")
    first, second = due(pavel, sales), due(pavel, sales, purpose="Ask for a recommendation")
    report = CallReport(outcome="reached", satisfaction=5, next_contact_on=dt.date(2026, 12, 1))

    handled = queue.touchpoints_complete_together(
        touchpoints=[first, second], report=report, by=sales
    )

    assert [state(first)["status"], state(second)["status"]] == ["done", "done"]
    assert len(handled.attempts) == 2
    # The next contact and the score count once, on the first call.
    assert Touchpoint.objects.filter(anchor_key__startswith="next:").count() == 1
    assert Response.objects.count() == 1
    assert "Talked over in the same call" in handled.attempts[1].no_further_contact


def test_calls_of_two_clients_are_not_recorded_together(sales):
    one = due(make_client(originator=sales, name="One"), sales)
    other = due(make_client(originator=sales, name="Other"), sales)

    with pytest.raises(ValidationError, match="same client"):
        queue.touchpoints_complete_together(
            touchpoints=[one, other], report=CallReport(outcome="no_answer"), by=sales
        )
    assert CallAttempt.objects.count() == 0


def test_undo_restores_a_reached_call_exactly(sales):
    pavel = make_client(originator=sales, name="Pavel")
    first = due(pavel, sales, note="Before")
    second = due(pavel, sales, purpose="Second")
    before = [state(first), state(second)]
    report = CallReport(
        outcome="reached", satisfaction=4, note="Fine", next_contact_on=dt.date(2026, 12, 1)
    )
    handled = queue.touchpoints_complete_together(
        touchpoints=[first, second], report=report, by=sales
    )

    restored = queue.touchpoint_undo(touchpoint=first, token=handled.undo.token, by=sales)

    assert [state(first), state(second)] == before and len(restored) == 2
    assert CallAttempt.objects.count() == 0  # the attempts it created are gone
    assert not Touchpoint.objects.filter(anchor_key__startswith="next:").exists()
    assert Response.objects.count() == 0  # and the score it counted
    with pytest.raises(ValidationError, match="undone already"):
        queue.touchpoint_undo(touchpoint=first, token=handled.undo.token, by=sales)


def test_undo_restores_a_no_answer_and_its_retry(sales):
    call = due(make_client(originator=sales, name="Olga"), sales)
    before = state(call)
    handled = queue.touchpoints_complete_together(
        touchpoints=[call], report=CallReport(outcome="no_answer"), by=sales
    )
    assert state(call)["attempts"] == 1

    queue.touchpoint_undo(touchpoint=call, token=handled.undo.token, by=sales)

    assert state(call) == before


def test_undo_restores_a_reschedule_and_a_skip(sales):
    call = due(make_client(originator=sales, name="Olga"), sales)
    before = state(call)
    moved = queue.touchpoints_reschedule_together(
        touchpoints=[call], due_at=NOW + dt.timedelta(days=2), reason="Away", by=sales
    )
    queue.touchpoint_undo(touchpoint=call, token=moved.undo.token, by=sales)
    assert state(call) == before

    skipped = queue.touchpoints_skip_together(touchpoints=[call], reason="Away", by=sales)
    queue.touchpoint_undo(touchpoint=call, token=skipped.undo.token, by=sales)
    assert state(call) == before


def test_undo_refuses_after_a_change(sales):
    call = due(make_client(originator=sales, name="Olga"), sales)
    handled = queue.touchpoints_complete_together(
        touchpoints=[call], report=CallReport(outcome="no_answer"), by=sales
    )
    Touchpoint.objects.filter(pk=call.pk).update(due_at=NOW + dt.timedelta(days=3))

    with pytest.raises(ValidationError, match="changed since"):
        queue.touchpoint_undo(touchpoint=call, token=handled.undo.token, by=sales)
    assert CallAttempt.objects.count() == 1


def test_undo_refuses_after_30_seconds(sales):
    call = due(make_client(originator=sales, name="Olga"), sales)
    handled = queue.touchpoints_skip_together(touchpoints=[call], reason="Away", by=sales)

    later = NOW + dt.timedelta(seconds=queue.UNDO_SECONDS)
    with (
        time_machine.travel(later, tick=False),
        pytest.raises(ValidationError, match="30 seconds"),
    ):
        queue.touchpoint_undo(touchpoint=call, token=handled.undo.token, by=sales)
    assert state(call)["status"] == "skipped"


def test_undo_is_the_users_own(sales, other_sales):
    call = due(make_client(originator=sales, name="Olga"), sales)
    handled = queue.touchpoints_skip_together(touchpoints=[call], reason="Away", by=sales)

    with pytest.raises(ValidationError, match="no such action"):
        queue.touchpoint_undo(touchpoint=call, token=handled.undo.token, by=other_sales)


def test_a_refusal_or_a_complaint_cannot_be_undone(sales):
    call = due(make_client(originator=sales, name="Olga"), sales)
    handled = queue.touchpoints_complete_together(
        touchpoints=[call],
        report=CallReport(outcome="reached", no_further_contact="Moved", complaint="Broken leg"),
        by=sales,
    )
    assert handled.undo is None and not TouchpointUndo.objects.exists()


# --- the working-day rule -------------------------------------------------------------------


def test_the_next_working_day_skips_weekends_and_holidays():
    assert calendar.next_working_day(dt.date(2026, 11, 24)) == dt.date(2026, 11, 24)
    assert calendar.next_working_day(dt.date(2026, 11, 28)) == dt.date(2026, 11, 30)  # Sat
    assert calendar.next_working_day(dt.date(2027, 1, 1)) == dt.date(2027, 1, 11)  # New Year
    assert calendar.not_working_day_message(dt.date(2026, 11, 24)) is None
    assert calendar.not_working_day_message(dt.date(2026, 11, 28)) == (
        "Sat 28 Nov is not a working day (a weekend or a public holiday): choose Mon 30 Nov or "
        "later."
    )


def test_every_date_picker_of_the_call_forms_refuses_a_day_off():
    reached = CallReportForm({"outcome": "reached", "next_contact_on": "2026-11-28"})
    call_back = CallReportForm({"outcome": "call_back", "callback_at": "2026-11-29T12:00"})
    moved = CallRescheduleForm({"reason": "Away", "due_at": "2026-11-28T12:00"})

    for form, field in (
        (reached, "next_contact_on"),
        (call_back, "callback_at"),
        (moved, "due_at"),
    ):
        assert not form.is_valid()
        assert "is not a working day" in form.errors[field][0]
    assert "Mon 30 Nov" in moved.errors["due_at"][0]


def test_a_reschedule_preset_lands_on_a_working_day():
    form = CallRescheduleForm({"reason": "Away", "preset": "next_week"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["due_at"] == dt.datetime(2026, 11, 30, 10, tzinfo=MSK)
    assert not CallRescheduleForm({"reason": "Away"}).is_valid()
