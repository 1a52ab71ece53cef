"""Sending: the database decides what is due, each touchpoint is sent once, failures are
retried or recorded, and a dispatcher that died mid-send is recovered by the lease rule."""

import datetime as dt
import smtplib
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clients import services as client_services
from tests.clients.factories import make_client
from touchpoints import services
from touchpoints.models import MessageTemplate, SendRecord, Touchpoint, TouchpointStatus
from touchpoints.sms import LocmemBackend

from .backends import CountingBackend

# Five writes, and the webhook endpoints read for the "touchpoint completed" event.
PER_MESSAGE_QUERIES = 6


@pytest.fixture
def customer(sales, email_template):
    client = make_client(
        originator=sales, name="Vera", email="vera@example.com", phones=["+7 912 000-11-22"]
    )
    for channel in ("email", "sms"):
        client_services.consent_record(
            client=client, channel=channel, granted=True, method="web_form"
        )
    return client


def due_email(client, minutes_ago: int = 1, **fields) -> Touchpoint:
    return Touchpoint.objects.create(
        client=client,
        anchor_key=f"test:{Touchpoint.objects.count()}",
        due_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        channel=fields.pop("channel", "email"),
        is_automatic=True,
        purpose="Test message",
        template_slug=fields.pop("template_slug", "hello"),
        **fields,
    )


def test_it_sends_a_due_email_once(customer):
    touchpoint = due_email(customer)

    first = services.dispatch_due()
    second = services.dispatch_due()

    assert (first.claimed, first.sent, second.claimed) == (1, 1, 0)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["vera@example.com"]
    assert message.subject == "Hello Vera"
    assert "/u/" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    touchpoint.refresh_from_db()
    assert touchpoint.status == TouchpointStatus.DONE
    record = SendRecord.objects.get(touchpoint=touchpoint)
    assert record.status == SendRecord.Status.SENT
    assert record.recipient == "vera@example.com"
    assert record.provider_id == message.extra_headers["Message-ID"]


def test_it_leaves_what_is_not_due_and_what_people_do(customer):
    due_email(customer, minutes_ago=-5)  # five minutes ahead
    Touchpoint.objects.create(
        client=customer,
        anchor_key="call",
        due_at=timezone.now() - dt.timedelta(hours=1),
        channel="call",
        purpose="A call",
        is_automatic=False,
    )

    assert services.dispatch_due().claimed == 0
    assert mail.outbox == []


def test_it_checks_consent_at_send_time(customer):
    touchpoint = due_email(customer)
    client_services.consent_record(
        client=customer, channel="email", granted=False, method="unsubscribe"
    )

    result = services.dispatch_due()

    assert result.skipped == 1
    assert mail.outbox == []
    touchpoint.refresh_from_db()
    assert (touchpoint.status, touchpoint.outcome) == (TouchpointStatus.SKIPPED, "no consent")
    assert SendRecord.objects.get().status == SendRecord.Status.SKIPPED


def test_it_skips_archived_clients_and_missing_addresses(customer, sales):
    no_email = make_client(originator=sales, name="No mail")
    client_services.consent_record(client=no_email, channel="email", granted=True, method="phone")
    due_email(customer)
    due_email(no_email)
    client_services.client_archive(client=customer, by=sales)

    services.dispatch_due()

    assert dict(Touchpoint.objects.values_list("client__name", "outcome")) == {
        "Vera": "client archived",
        "No mail": "no address",
    }
    assert mail.outbox == []


def test_it_sends_sms_within_length(customer, settings):
    settings.SMS_BACKEND = "touchpoints.sms.LocmemBackend"
    LocmemBackend.outbox.clear()
    MessageTemplate.objects.create(
        slug="long", channel="sms", language="en", body_text="Привет, {{ client.name }}! " * 40
    )
    due_email(customer, channel="sms", template_slug="long")

    services.dispatch_due()

    [(to, text)] = LocmemBackend.outbox
    assert to == "+79120001122"
    assert len(text) <= 3 * 67 and text.endswith("…")


def test_a_temporary_failure_is_retried_with_backoff_then_fails(customer, settings):
    settings.SEND_MAX_ATTEMPTS = 2
    settings.SEND_RETRY_BASE_SECONDS = 60
    touchpoint = due_email(customer)
    broken = mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=smtplib.SMTPServerDisconnected("gone"),
    )

    with broken:
        assert services.dispatch_due().retried == 1
    touchpoint.refresh_from_db()
    assert touchpoint.status == TouchpointStatus.PLANNED
    assert touchpoint.attempts == 1
    assert touchpoint.due_at > timezone.now() + dt.timedelta(seconds=50)

    with broken:
        result = services.dispatch_due(now=timezone.now() + dt.timedelta(minutes=2))
    touchpoint.refresh_from_db()
    assert result.failed == 1
    assert (touchpoint.status, touchpoint.attempts) == (TouchpointStatus.FAILED, 2)
    assert "unreachable" in touchpoint.note


def test_a_permanent_failure_is_recorded_with_its_reason(customer):
    touchpoint = due_email(customer)
    refused = smtplib.SMTPRecipientsRefused({"vera@example.com": (550, b"No such user")})

    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=refused
    ):
        services.dispatch_due()

    touchpoint.refresh_from_db()
    assert touchpoint.status == TouchpointStatus.FAILED
    assert "refused the address" in touchpoint.note
    assert SendRecord.objects.get().status == SendRecord.Status.FAILED


def test_a_missing_template_fails_the_touchpoint(customer):
    touchpoint = due_email(customer, template_slug="nowhere")

    services.dispatch_due()

    touchpoint.refresh_from_db()
    assert touchpoint.status == TouchpointStatus.FAILED
    assert "No email template" in touchpoint.note


def test_an_expired_lease_returns_the_row_to_the_queue(customer, settings):
    touchpoint = due_email(customer)
    # A dispatcher claimed it, recorded the attempt and died before sending.
    Touchpoint.objects.filter(pk=touchpoint.pk).update(
        status=TouchpointStatus.SENDING,
        attempts=1,
        lease_owner="dead",
        lease_until=timezone.now() + dt.timedelta(seconds=settings.SEND_LEASE_SECONDS),
    )
    SendRecord.objects.create(touchpoint=touchpoint, channel="email", status="sending")

    assert services.dispatch_due().claimed == 0  # the lease still holds
    result = services.dispatch_due(
        now=timezone.now() + dt.timedelta(seconds=settings.SEND_LEASE_SECONDS + 1)
    )

    assert (result.released, result.sent) == (1, 1)
    assert len(mail.outbox) == 1
    touchpoint.refresh_from_db()
    assert (touchpoint.status, touchpoint.attempts) == (TouchpointStatus.DONE, 2)


def test_a_send_recorded_before_the_crash_is_not_repeated(customer, settings):
    touchpoint = due_email(customer)
    # Died after the provider took the message and the record said so, before closing the row.
    Touchpoint.objects.filter(pk=touchpoint.pk).update(
        status=TouchpointStatus.SENDING,
        attempts=1,
        lease_owner="dead",
        lease_until=timezone.now() - dt.timedelta(seconds=1),
    )
    SendRecord.objects.create(touchpoint=touchpoint, channel="email", status="sent")

    services.dispatch_due()

    assert mail.outbox == []
    touchpoint.refresh_from_db()
    assert touchpoint.status == TouchpointStatus.DONE


def test_the_sweep_costs_a_fixed_number_of_queries_per_message(customer):
    due_email(customer)
    with CaptureQueriesContext(connection) as one:
        services.dispatch_due()
    for _ in range(5):
        due_email(customer)
    with CaptureQueriesContext(connection) as five:
        services.dispatch_due()

    # Claiming and reading templates, consent and phones are per sweep; each message then costs
    # the same few writes: its send record (inserted before sending, updated after it, inside a
    # savepoint) and closing the row.
    assert len(five) - len(one) == 4 * PER_MESSAGE_QUERIES
    assert len(mail.outbox) == 6


def test_the_command_runs_one_sweep(customer):
    due_email(customer)
    out = StringIO()

    call_command("touchpoints_dispatch", stdout=out)

    assert "claimed 1, sent 1" in out.getvalue()
    assert len(mail.outbox) == 1


def test_the_beat_task_calls_the_same_service(customer):
    from touchpoints.tasks import dispatch_due

    due_email(customer)

    assert dispatch_due() == {"claimed": 1, "sent": 1, "failed": 0}


def test_a_sweep_sends_its_emails_over_one_connection(customer, settings, sales):
    settings.EMAIL_BACKEND = "tests.touchpoints.backends.CountingBackend"
    CountingBackend.opened = []
    broken = make_client(originator=sales, name="Boris", email="broken@example.com")
    client_services.consent_record(client=broken, channel="email", granted=True, method="web_form")
    for minutes_ago in (5, 4):
        due_email(customer, minutes_ago=minutes_ago)
    due_email(broken, minutes_ago=3)
    due_email(customer, minutes_ago=2)

    result = services.dispatch_due()

    # One connection for the first two; the broken one is dropped, the next message reconnects.
    assert CountingBackend.opened == [["vera@example.com"] * 2, ["vera@example.com"]]
    assert (result.sent, result.retried) == (3, 1)
    assert SendRecord.objects.filter(status=SendRecord.Status.SENT).count() == 3


def test_an_edited_template_is_rendered_afresh(customer, email_template):
    due_email(customer)
    services.dispatch_due()
    email_template.subject = "Good day {{ client.name }}"
    email_template.save()
    due_email(customer)

    services.dispatch_due()

    assert [message.subject for message in mail.outbox] == ["Hello Vera", "Good day Vera"]
