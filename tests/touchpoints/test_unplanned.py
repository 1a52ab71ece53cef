"""Logging what happened anyway: an inbound call, a note, a one-off task — the rules, without
pages."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from clients import selectors as client_selectors
from clients import services as client_services
from clients.models import Refusal
from tests.clients.factories import make_client
from touchpoints import selectors
from touchpoints.calls import CallReport
from touchpoints.models import Cadence, CallAttempt, Touchpoint, TouchpointStatus
from touchpoints.unplanned import touchpoint_log_inbound, touchpoint_log_task

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
NOW = dt.datetime(2026, 11, 24, 11, 0, tzinfo=MSK)  # a Tuesday
SATURDAY = dt.date(2026, 11, 28)
MONDAY = dt.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def _frozen(db):
    Cadence.objects.update(is_active=False)  # only the touchpoints the tests make
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def customer(sales, account):
    return make_client(originator=sales, account_manager=account, name="Pavel")


def kinds(client) -> list[str]:
    return [item["kind"] for item in client_selectors.client_timeline(client)]


def test_it_logs_an_inbound_call_as_a_done_touchpoint_with_its_attempt(customer, account):
    attempt = touchpoint_log_inbound(
        client=customer,
        report=CallReport(outcome="reached", note="Asked about the warranty", satisfaction=4),
        by=account,
    )

    touchpoint = attempt.touchpoint
    assert touchpoint.status == TouchpointStatus.DONE
    assert touchpoint.step is None and touchpoint.assignee == account
    assert touchpoint.purpose == "Inbound call"
    assert attempt.recorded_by == account and attempt.note == "Asked about the warranty"
    # Nothing agreed: said explicitly, as every reached call must.
    assert attempt.no_further_contact == "Inbound call; no next contact agreed"
    assert "call" in kinds(customer)


def test_an_agreed_next_contact_plans_it_in_the_managers_call_list(customer, account):
    touchpoint_log_inbound(
        client=customer,
        report=CallReport(outcome="reached", next_contact_on=MONDAY),
        by=account,
    )

    planned = Touchpoint.objects.get(status=TouchpointStatus.PLANNED)
    assert planned.assignee == account
    assert planned.due_at.astimezone(MSK).date() == MONDAY
    assert list(selectors.call_list(account, now=NOW, section="next_week")) == [planned]


def test_an_inbound_refusal_records_its_reason(customer, account):
    touchpoint_log_inbound(
        client=customer,
        report=CallReport(outcome="refused", refusal_reason=Refusal.Reason.PRICE),
        by=account,
    )

    assert customer.refusals.get().reason == Refusal.Reason.PRICE


def test_an_inbound_call_cannot_be_unanswered(customer, account):
    with pytest.raises(ValidationError) as raised:
        touchpoint_log_inbound(client=customer, report=CallReport(outcome="no_answer"), by=account)

    assert "outcome" in raised.value.message_dict
    assert not Touchpoint.objects.exists()


def test_a_bad_report_leaves_no_touchpoint_behind(customer, account):
    with pytest.raises(ValidationError) as raised:
        touchpoint_log_inbound(
            client=customer,
            report=CallReport(outcome="reached", next_contact_on=NOW.date()),
            by=account,
        )

    assert "next_contact_on" in raised.value.message_dict
    assert not Touchpoint.objects.exists() and not CallAttempt.objects.exists()


def test_a_note_shows_in_the_timeline_with_its_author(customer, sales):
    note = client_services.client_note_add(client=customer, text="  Likes blue  ", by=sales)

    item = next(i for i in client_selectors.client_timeline(customer) if i["kind"] == "note")
    assert item["note"] == note and note.text == "Likes blue" and note.author == sales
    assert item["at"] == NOW


def test_an_empty_note_is_refused(customer, sales):
    with pytest.raises(ValidationError) as raised:
        client_services.client_note_add(client=customer, text="   ", by=sales)

    assert "text" in raised.value.message_dict


def test_a_task_is_a_planned_call_in_the_assignees_list(customer, sales, account):
    planned = touchpoint_log_task(
        client=customer, due_on=NOW.date(), assignee=account, text="Send the catalogue", by=sales
    )

    touchpoint = planned.touchpoint
    assert planned.moved_from is None and planned.day == NOW.date()
    assert (touchpoint.channel, touchpoint.status) == ("call", TouchpointStatus.PLANNED)
    assert touchpoint.purpose == "Send the catalogue" and touchpoint.assignee == account
    assert list(selectors.call_list(account, now=NOW)) == [touchpoint]
    assert "planned" in kinds(customer)


def test_a_task_on_a_day_off_moves_to_the_next_working_day_and_says_so(customer, sales):
    planned = touchpoint_log_task(
        client=customer, due_on=SATURDAY, assignee=sales, text="Call about the sofa", by=sales
    )

    assert planned.moved_from == SATURDAY and planned.day == MONDAY
    assert planned.touchpoint.due_at.astimezone(MSK).date() == MONDAY
    assert "not a working day" in planned.touchpoint.note


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("due_on", {"due_on": NOW.date() - dt.timedelta(days=1)}),
        ("due_on", {"due_on": NOW.date() + dt.timedelta(days=800)}),
        ("text", {"text": "  "}),
        ("text", {"text": "x" * 256}),
    ],
)
def test_a_bad_task_names_the_field(customer, sales, field, changes):
    task = {"due_on": MONDAY, "assignee": sales, "text": "Call", **changes}

    with pytest.raises(ValidationError) as raised:
        touchpoint_log_task(client=customer, by=sales, **task)

    assert field in raised.value.message_dict


def test_a_task_goes_only_to_someone_who_works_with_the_client(
    customer, sales, other_sales, director
):
    with pytest.raises(ValidationError) as raised:
        touchpoint_log_task(
            client=customer, due_on=MONDAY, assignee=other_sales, text="Call", by=sales
        )
    assert "assignee" in raised.value.message_dict

    # A director who sees every client may take it themselves.
    touchpoint_log_task(client=customer, due_on=MONDAY, assignee=director, text="Call", by=director)
    assert set(selectors.task_assignees(client=customer, user=sales)) == {
        sales,
        customer.account_manager,
    }
