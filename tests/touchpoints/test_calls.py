"""Completing a call, rescheduling, skipping, reassigning: the rules, without pages."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from clients.models import Client, Referral, Refusal
from followup_crm.mail import staff_mail_send_due
from followup_crm.models import StaffMail
from tests.clients.factories import make_client, make_order
from tests.helpers import at
from touchpoints import calls, selectors
from touchpoints.models import CallAttempt, Touchpoint, TouchpointStatus

NOW = at(2026, 11, 24, 11)  # a Tuesday
pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("no_default_cadences")]


@pytest.fixture
def customer(sales, account):
    return make_client(originator=sales, account_manager=account, name="Pavel")


def call(client, assignee, due=NOW - dt.timedelta(hours=1), **fields) -> Touchpoint:
    return Touchpoint.objects.create(
        client=client,
        anchor_key=f"c:{Touchpoint.objects.count()}",
        due_at=due,
        channel="call",
        assignee=assignee,
        purpose="How is it going?",
        **fields,
    )


def test_a_reached_call_records_the_agreement_and_plans_the_next_contact(customer, account):
    touchpoint = call(customer, account)

    attempt = calls.touchpoint_complete(
        touchpoint=touchpoint,
        report=calls.CallReport(
            outcome="reached",
            satisfaction=4,
            note="Likes the sofa",
            next_contact_on=dt.date(2026, 12, 1),
            upsell="thinking",
            cross_sell="accepted",
        ),
        by=account,
    )

    touchpoint.refresh_from_db()
    assert (touchpoint.status, touchpoint.outcome, touchpoint.attempts) == ("done", "reached", 1)
    assert (attempt.satisfaction, attempt.upsell, attempt.cross_sell) == (4, "thinking", "accepted")
    following = Touchpoint.objects.get(anchor_key__startswith="next:")
    assert following.due_at == at(2026, 12, 1, 10)
    assert (following.assignee, following.status, following.talking_points) == (
        account,
        "planned",
        "Likes the sofa",
    )


def test_a_reached_call_needs_a_next_date_or_a_reason(customer, account):
    touchpoint = call(customer, account)
    cases = [
        ({}, "next_contact_on"),
        ({"next_contact_on": dt.date(2026, 11, 24)}, "next_contact_on"),  # today is not later
        ({"next_contact_on": dt.date(2029, 1, 1)}, "next_contact_on"),
        (
            {"next_contact_on": dt.date(2026, 12, 1), "no_further_contact": "moving"},
            "no_further_contact",
        ),
        ({"no_further_contact": "Moved abroad", "satisfaction": 6}, "satisfaction"),
        ({"no_further_contact": "x", "upsell": "maybe"}, "upsell"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationError) as error:
            calls.touchpoint_complete(
                touchpoint=touchpoint,
                report=calls.CallReport(outcome="reached", **fields),
                by=account,
            )
        assert field in error.value.message_dict, fields
    assert not CallAttempt.objects.exists()

    calls.touchpoint_complete(
        touchpoint=touchpoint,
        report=calls.CallReport(outcome="reached", no_further_contact="Moved abroad"),
        by=account,
    )
    assert not Touchpoint.objects.filter(anchor_key__startswith="next:").exists()


def test_no_answer_is_retried_later_then_missed(customer, account, settings):
    settings.CALL_RETRY_HOURS = 2
    settings.CALL_MAX_ATTEMPTS = 3
    touchpoint = call(customer, account)

    calls.touchpoint_complete(
        touchpoint=touchpoint, report=calls.CallReport(outcome="no_answer"), by=account
    )
    touchpoint.refresh_from_db()
    assert (touchpoint.status, touchpoint.attempts, touchpoint.due_at) == (
        "planned",
        1,
        at(2026, 11, 24, 13),
    )

    with time_machine.travel(at(2026, 11, 24, 17, 30), tick=False):
        calls.touchpoint_complete(
            touchpoint=touchpoint, report=calls.CallReport(outcome="busy"), by=account
        )
    touchpoint.refresh_from_db()
    assert touchpoint.due_at == at(2026, 11, 25, 10)  # after hours: the next working morning

    calls.touchpoint_complete(
        touchpoint=touchpoint, report=calls.CallReport(outcome="no_answer"), by=account
    )
    touchpoint.refresh_from_db()
    assert (touchpoint.status, touchpoint.attempts) == ("missed", 3)
    assert CallAttempt.objects.count() == 3


def test_only_reached_calls_carry_satisfaction_and_offers(customer, account):
    touchpoint = call(customer, account)

    with pytest.raises(ValidationError) as error:
        calls.touchpoint_complete(
            touchpoint=touchpoint,
            report=calls.CallReport(outcome="no_answer", satisfaction=5, upsell="accepted"),
            by=account,
        )

    assert set(error.value.message_dict) == {"satisfaction", "upsell"}


def test_asked_to_call_back(customer, account):
    touchpoint = call(customer, account)
    with pytest.raises(ValidationError, match="When should we call back"):
        calls.touchpoint_complete(
            touchpoint=touchpoint, report=calls.CallReport(outcome="call_back"), by=account
        )

    calls.touchpoint_complete(
        touchpoint=touchpoint,
        report=calls.CallReport(outcome="call_back", callback_at=at(2026, 11, 24, 16, 30)),
        by=account,
    )

    touchpoint.refresh_from_db()
    assert (touchpoint.status, touchpoint.due_at) == ("planned", at(2026, 11, 24, 16, 30))


def test_a_refusal_is_recorded_with_its_reason(customer, account):
    touchpoint = call(customer, account)
    with pytest.raises(ValidationError) as error:
        calls.touchpoint_complete(
            touchpoint=touchpoint, report=calls.CallReport(outcome="refused"), by=account
        )
    assert "refusal_reason" in error.value.message_dict

    calls.touchpoint_complete(
        touchpoint=touchpoint,
        report=calls.CallReport(outcome="refused", refusal_reason="price", note="Found it cheaper"),
        by=account,
    )

    refusal = Refusal.objects.get()
    assert (refusal.client, refusal.reason, refusal.details) == (
        customer,
        "price",
        "Found it cheaper",
    )


def test_a_complaint_makes_an_urgent_recovery_call_and_tells_the_director_once(
    customer, account, director
):
    director.email = "dina@example.com"
    director.save()
    touchpoint = call(customer, account)

    report = calls.CallReport(outcome="reached", no_further_contact="-", complaint="Scratched leg")
    attempt = calls.touchpoint_complete(touchpoint=touchpoint, report=report, by=account)
    with pytest.raises(ValidationError, match="already done"):
        calls.touchpoint_complete(touchpoint=touchpoint, report=report, by=account)

    recovery = Touchpoint.objects.get(is_urgent=True)
    assert (recovery.assignee, recovery.status, recovery.talking_points) == (
        account,
        "planned",
        "Scratched leg",
    )
    assert recovery.anchor_key == f"recovery:callattempt:{attempt.pk}"
    assert (
        calls.recovery_plan(client=customer, reason="again", by=account, source=attempt) == recovery
    )
    assert Touchpoint.objects.filter(is_urgent=True).count() == 1


def test_the_alert_is_queued_for_the_directors_and_handed_to_a_worker_on_commit(
    customer, account, director, django_capture_on_commit_callbacks, staff_mail_handed
):
    director.email = "dina@example.com"
    director.save()
    account.email = "anna@example.com"  # recorded the complaint herself: not alerted
    account.save()

    with django_capture_on_commit_callbacks(execute=True):
        calls.touchpoint_complete(
            touchpoint=call(customer, account),
            report=calls.CallReport(
                outcome="reached", no_further_contact="-", complaint="Late delivery"
            ),
            by=account,
        )

    [queued] = StaffMail.objects.all()
    assert (queued.kind, queued.recipient, staff_mail_handed) == ("alert", director, [queued.pk])
    assert mail.outbox == []
    staff_mail_send_due()
    [alert] = mail.outbox
    assert alert.to == ["dina@example.com"]
    assert "Pavel" in alert.subject and "Late delivery" in alert.body


def test_a_referral_given_on_a_call_becomes_a_lead(customer, account, sales):
    calls.touchpoint_complete(
        touchpoint=call(customer, account),
        report=calls.CallReport(
            outcome="reached",
            no_further_contact="-",
            referral_name="Masha",
            referral_phone="+7 912 555-44-33",
        ),
        by=account,
    )

    masha = Client.objects.get(name="Masha")
    assert (masha.source, masha.originator, masha.stage) == ("referral", sales, "prospect")
    assert Referral.objects.get().referrer == customer


def test_reschedule_and_skip_need_a_reason(customer, account):
    touchpoint = call(customer, account)
    with pytest.raises(ValidationError) as error:
        calls.touchpoint_reschedule(
            touchpoint=touchpoint, due_at=NOW - dt.timedelta(hours=1), reason="", by=account
        )
    assert set(error.value.message_dict) == {"reason", "due_at"}

    calls.touchpoint_reschedule(
        touchpoint=touchpoint, due_at=at(2026, 11, 26, 12), reason="On holiday", by=account
    )
    assert (touchpoint.due_at, touchpoint.note) == (at(2026, 11, 26, 12), "Moved: On holiday")

    calls.touchpoint_skip(touchpoint=touchpoint, reason="Duplicate", by=account)
    assert touchpoint.status == TouchpointStatus.SKIPPED
    with pytest.raises(ValidationError, match="already skipped"):
        calls.touchpoint_skip(touchpoint=touchpoint, reason="again", by=account)


def test_reassigning_moves_only_open_calls_to_a_manager(customer, account, other_account, director):
    open_call = call(customer, account)
    done = call(customer, account, status="done")

    with pytest.raises(ValidationError):
        calls.touchpoints_reassign(
            touchpoints=Touchpoint.objects.all(), to_user=director, by=director
        )
    moved = calls.touchpoints_reassign(
        touchpoints=Touchpoint.objects.all(), to_user=other_account, by=director
    )

    # The done one is no longer planned: refused, not moved.
    assert moved == calls.BulkChange(changed=1, refused=1)
    open_call.refresh_from_db()
    done.refresh_from_db()
    assert (open_call.assignee, done.assignee) == (other_account, account)


# --- the call list -------------------------------------------------------------------------


def test_the_list_puts_the_longest_overdue_first_then_bigger_purchases_then_stage(sales, account):
    small = make_client(originator=sales, account_manager=account, name="Small")
    big = make_client(originator=sales, account_manager=account, name="Big")
    lead = make_client(originator=sales, account_manager=account, name="Lead")
    make_order(small, amount="1000.00", placed_at=NOW - dt.timedelta(days=30))
    make_order(big, amount="90000.00", placed_at=NOW - dt.timedelta(days=30))
    call(small, account, due=at(2026, 11, 24, 9))
    call(big, account, due=at(2026, 11, 24, 12))  # later today, but the bigger cheque
    call(lead, account, due=at(2026, 11, 24, 10))
    call(small, account, due=at(2026, 11, 20, 15))  # four days overdue
    call(big, account, due=at(2026, 11, 30, 10))  # next week
    call(lead, account, due=at(2026, 11, 26, 10))  # later this week

    def names(section):
        return [t.client.name for t in selectors.call_list(account, now=NOW, section=section)]

    # One row per client: Small's overdue call leads its row, today's rides along.
    assert names("today") == ["Small", "Big", "Lead"]
    assert names("week") == ["Lead"]
    assert names("next_week") == ["Big"]
    overdue = selectors.call_list(account, now=NOW, filters=selectors.CallListFilters(overdue=True))
    assert [t.due_at for t in overdue] == [at(2026, 11, 20, 15)]


def test_urgent_calls_come_first_and_the_last_contact_is_shown(customer, account):
    earlier = call(customer, account, due=at(2026, 11, 23, 10))
    calls.touchpoint_complete(
        touchpoint=earlier, report=calls.CallReport(outcome="busy"), by=account
    )
    call(customer, account, due=at(2026, 11, 24, 10), is_urgent=True)

    rows = list(selectors.call_list(account, now=NOW))

    # One row for the client, led by the urgent call (the busy one waits for its retry).
    assert len(rows) == 1 and rows[0].is_urgent
    assert rows[0].last_outcome == "busy"


def test_counters_and_progress(customer, account):
    call(customer, account, due=at(2026, 11, 20, 10))  # overdue
    due = call(customer, account, due=at(2026, 11, 24, 10))
    call(customer, account, due=at(2026, 11, 24, 15))
    calls.touchpoint_complete(
        touchpoint=due,
        report=calls.CallReport(outcome="reached", no_further_contact="-"),
        by=account,
    )

    counters = selectors.call_counters(account, now=NOW)

    assert (counters.overdue, counters.due_today, counters.done_today) == (1, 1, 1)
    assert (counters.planned_today, counters.progress) == (3, 33)
