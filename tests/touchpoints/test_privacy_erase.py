"""What touchpoints do when a client is erased (clients.signals.client_erased): nothing more is
planned or sent to them, what was ahead is cancelled, what was overdue counts as missed, and
call notes and the messages sent are blanked. Also their part of the client's data export.

Vera agreed to e-mail and SMS; Anna is her account manager."""

import datetime as dt
import json

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from clients import services as client_services
from clients.models import OrderStatus
from tests.clients.factories import make_client, make_order
from tests.conftest import PASSWORD
from tests.helpers import at
from touchpoints import calls, services
from touchpoints.models import CallAttempt, SendRecord, Touchpoint, TouchpointStatus

NOW = at(2026, 11, 23, 12)  # a Monday
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def vera(sales, account, email_template):
    client = make_client(
        originator=sales,
        account_manager=account,
        name="Vera Lapina",
        email="vera@example.com",
        phones=["+7 912 000-11-22"],
    )
    for channel in ("email", "sms"):
        client_services.consent_record(
            client=client, channel=channel, granted=True, method="web_form"
        )
    return client


def touchpoint(client, hours: float, **fields) -> Touchpoint:
    fields.setdefault("channel", "call")
    return Touchpoint.objects.create(
        client=client,
        anchor_key=f"test:{Touchpoint.objects.count()}",
        due_at=NOW + dt.timedelta(hours=hours),
        purpose="Test",
        **fields,
    )


def email(client, hours: float) -> Touchpoint:
    return touchpoint(client, hours, channel="email", is_automatic=True, template_slug="hello")


def test_it_cancels_what_is_ahead_and_counts_what_is_overdue_as_missed(vera, director, account):
    ahead = touchpoint(vera, 48, assignee=account)
    message = email(vera, 2)
    overdue = touchpoint(vera, -30, assignee=account)
    done = touchpoint(vera, -50, assignee=account, status=TouchpointStatus.DONE, outcome="reached")

    client_services.client_erase(client=vera, by=director)

    statuses = {t.pk: (t.status, t.outcome) for t in Touchpoint.objects.all()}
    assert statuses == {
        ahead.pk: ("cancelled", "client erased"),
        message.pk: ("cancelled", "client erased"),
        overdue.pk: ("missed", "client erased"),
        done.pk: ("done", "reached"),
    }


def test_it_blanks_call_notes_and_what_a_call_wrote_into_later_calls(vera, director, account):
    call = touchpoint(vera, -1, assignee=account)
    report = calls.CallReport(
        outcome="reached",
        satisfaction=2,
        note="Vera's husband answered, she is unwell",
        next_contact_on=dt.date(2026, 12, 10),
        complaint="The sofa arrived scratched",
    )
    calls.touchpoint_complete(touchpoint=call, report=report, by=account)
    assert Touchpoint.objects.filter(talking_points__contains="Vera").exists()

    client_services.client_erase(client=vera, by=director)

    attempt = CallAttempt.objects.get()
    assert (attempt.note, attempt.complaint, attempt.no_further_contact) == ("", "", "")
    assert attempt.satisfaction == 2  # the figures keep the score
    assert not Touchpoint.objects.exclude(note="").exists()
    assert not Touchpoint.objects.filter(talking_points__contains="Vera").exists()
    assert not Touchpoint.objects.filter(talking_points__contains="scratched").exists()


def test_it_blanks_the_messages_sent(vera, director):
    sent = email(vera, -0.5)
    services.dispatch_due()
    refused = email(vera, -0.2)
    SendRecord.objects.create(
        touchpoint=refused,
        channel="email",
        recipient="vera@example.com",
        status=SendRecord.Status.FAILED,
        error="550 mailbox vera@example.com unknown",
    )
    skipped = touchpoint(vera, -0.1, channel="post")
    SendRecord.objects.create(
        touchpoint=skipped, channel="post", status=SendRecord.Status.SKIPPED, error="no consent"
    )
    assert SendRecord.objects.get(touchpoint=sent).body.startswith("Dear Vera")

    client_services.client_erase(client=vera, by=director)

    records = {r.touchpoint_id: r for r in SendRecord.objects.all()}
    for record in records.values():
        assert (record.recipient, record.subject, record.body) == ("", "", "")
    assert records[sent.pk].status == SendRecord.Status.SENT
    assert records[refused.pk].error == ""
    assert records[skipped.pk].error == "no consent"


def test_nothing_is_sent_to_an_erased_client(vera, director):
    email(vera, 1)
    email(vera, 24)

    client_services.client_erase(client=vera, by=director)
    with time_machine.travel(NOW + dt.timedelta(days=3), tick=False):
        result = services.dispatch_due()

    assert (result.claimed, result.sent) == (0, 0)
    assert mail.outbox == []


def test_the_dispatcher_checks_at_send_time(vera, director):
    """Even a message that someone plans after the erasure, with a consent recorded again and
    an address typed in, is not sent."""
    client_services.client_erase(client=vera, by=director)
    client_services.client_update(client=vera, by=director, email="vera@example.com")
    client_services.consent_record(client=vera, channel="email", granted=True, method="phone")
    late = email(vera, -0.1)

    result = services.dispatch_due()

    assert (result.claimed, result.sent, result.skipped) == (1, 0, 1)
    assert mail.outbox == []
    late.refresh_from_db()
    assert (late.status, late.outcome) == ("skipped", "client erased")


def test_it_plans_nothing_for_an_erased_client(add_step, vera, director):
    add_step(anchor="order_delivered", offset=0, channel="call")
    add_step(
        anchor="yearly_date",
        month=12,
        day=1,
        channel="post",
        audience="buyers",
        slug="greeting",
    )
    order = make_order(vera, placed_at=NOW - dt.timedelta(days=3))
    client_services.client_erase(client=vera, by=director)

    client_services.order_record_event(
        order=order, type=OrderStatus.DELIVERED, at=NOW - dt.timedelta(hours=1), by=None
    )
    planned_yearly = services.plan_yearly(today=NOW.date())

    assert planned_yearly == 0
    assert not Touchpoint.objects.filter(status=TouchpointStatus.PLANNED).exists()


def test_its_part_of_the_data_export(client, vera, sales, account):
    call = touchpoint(vera, -1, assignee=account)
    calls.touchpoint_complete(
        touchpoint=call,
        report=calls.CallReport(outcome="no_answer", note="Rang twice"),
        by=account,
    )
    email(vera, -0.5)
    services.dispatch_due()
    touchpoint(vera, 72, assignee=account)
    client.login(username=sales.username, password=PASSWORD)

    data = json.loads(client.get(reverse("clients:data_export", args=[vera.pk])).content)

    exported = {t["id"]: t for t in data["touchpoints"]}
    assert [t["status"] for t in exported.values()] == ["done", "planned", "planned"]
    assert exported[call.pk]["calls"][0]["notes"] == "Rang twice"
    assert exported[call.pk]["calls"][0]["recorded_by"] == "Anna"
    [message] = data["messages"]
    assert (message["to"], message["subject"], message["status"]) == (
        "vera@example.com",
        "Hello Vera Lapina",
        "sent",
    )
