"""The morning digest: each manager's calls and tasks of the day, queued in the staff outbox
once per manager and day, and sent (again after a failure) by the outbox."""

import datetime as dt
import smtplib
import zoneinfo

import pytest
import time_machine
from django.core import mail

from followup_crm.mail import staff_mail_send_due
from followup_crm.models import StaffMail
from tests.clients.factories import make_client
from touchpoints import services, tasks
from touchpoints.models import Cadence, Touchpoint

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
NOW = dt.datetime(2026, 11, 24, 8, 0, tzinfo=MSK)  # Tuesday, the digest's hour


@pytest.fixture(autouse=True)
def _frozen(db):
    Cadence.objects.update(is_active=False)  # only the touchpoints the tests make
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def anna(account):
    account.email = "anna@example.com"
    account.save()
    return account


def call(assignee, due: dt.datetime, name: str) -> Touchpoint:
    return Touchpoint.objects.create(
        client=make_client(originator=assignee, name=name),
        anchor_key=f"c:{name}",
        due_at=due,
        channel="call",
        assignee=assignee,
        purpose="How is the sofa?",
    )


@pytest.fixture
def day_of_anna(anna, sales):
    call(anna, NOW - dt.timedelta(days=1), "Overdue Olga")
    call(anna, NOW + dt.timedelta(hours=3), "Today Pavel")
    call(anna, NOW + dt.timedelta(days=2), "Later Lena")  # not today
    call(sales, NOW + dt.timedelta(hours=1), "Sasha's client")  # Sasha has no e-mail


def test_it_queues_each_managers_day_once(day_of_anna, anna):
    assert services.digest_send() == 1
    assert services.digest_send() == 0  # the same day again: already queued

    digest = StaffMail.objects.get()
    assert (digest.kind, digest.key, digest.recipient) == (
        "digest",
        f"digest:{anna.pk}:2026-11-24",
        anna,
    )
    assert mail.outbox == []
    assert staff_mail_send_due().sent == 1
    [message] = mail.outbox
    assert message.to == ["anna@example.com"]
    assert message.subject == "Your day, 24 November: 2 contacts"
    assert message.body.index("Overdue Olga") < message.body.index("Today Pavel")
    assert "Later Lena" not in message.body

    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        assert tasks.morning_digest() == 1


def test_a_digest_whose_first_send_fails_goes_out_on_the_retry_once(
    day_of_anna, flaky_mail, settings
):
    settings.SEND_RETRY_BASE_SECONDS = 60
    flaky_mail.append(smtplib.SMTPServerDisconnected("Connection unexpectedly closed"))
    services.digest_send()

    assert staff_mail_send_due().retried == 1
    assert mail.outbox == []
    assert services.digest_send() == 0  # the failed send is not a reason to queue another

    assert staff_mail_send_due(now=NOW + dt.timedelta(seconds=60)).sent == 1
    assert staff_mail_send_due(now=NOW + dt.timedelta(hours=1)).claimed == 0
    assert [message.to for message in mail.outbox] == [["anna@example.com"]]


def test_a_digest_refused_by_the_server_is_marked_failed(day_of_anna, flaky_mail):
    flaky_mail.append(smtplib.SMTPRecipientsRefused({"anna@example.com": (550, b"No such user")}))
    services.digest_send()

    assert staff_mail_send_due().failed == 1

    digest = StaffMail.objects.get()
    assert digest.status == "failed"
    assert "refused the address" in digest.error
    assert mail.outbox == []
