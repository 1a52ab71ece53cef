"""The outbox of mail to staff: queued in the caller's transaction, sent by a worker once,
retried after a temporary failure, failed after a permanent one, and the one place that keeps
line breaks out of mail headers."""

import datetime as dt
import smtplib
import threading
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Channel
from followup_crm import mail as staff_mail
from followup_crm import tasks
from followup_crm.mail import staff_mail_queue, staff_mail_send_due
from followup_crm.models import StaffMail
from followup_crm.periodic import PERIODIC_JOBS, Every
from tests.conftest import make_user
from touchpoints import messaging

NOW = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def dina(director):
    director.email = "dina@example.com"
    director.save()
    return director


def queue(to, key: str = "alert:test", subject: str = "Hello") -> StaffMail | None:
    return staff_mail_queue(to=to, kind="alert", key=key, subject=subject, text="Body")


def test_it_queues_on_commit_and_the_worker_sends(
    dina, staff_mail_handed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = queue(dina)
    assert staff_mail_handed == []  # nothing handed to the broker before the commit
    for callback in callbacks:
        callback()
    assert staff_mail_handed == [queued.pk]

    assert tasks.staff_mail_send(queued.pk) == {"claimed": 1, "sent": 1, "failed": 0}

    [message] = mail.outbox
    assert (message.to, message.subject, message.body) == (["dina@example.com"], "Hello", "Body")
    assert message.extra_headers["Message-ID"] == queued.message_id
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.lease_owner) == ("sent", 1, "")
    assert queued.sent_at is not None


def test_the_same_key_never_queues_two_mails(dina, account):
    account.email = "anna@example.com"
    account.save()

    assert queue(dina, key="weekly:1:2026-11-09") is not None
    assert queue(account, key="weekly:1:2026-11-09") is None
    assert queue(make_user("nomail", None), key="other") is None  # no address, nothing queued

    assert StaffMail.objects.get().to == "dina@example.com"


def test_a_temporary_failure_is_retried_after_the_backoff_and_sent_once(dina, flaky_mail, settings):
    settings.SEND_RETRY_BASE_SECONDS = 60
    queued = queue(dina)
    flaky_mail.append(smtplib.SMTPServerDisconnected("Connection unexpectedly closed"))

    first = staff_mail_send_due(now=NOW)
    assert (first.claimed, first.sent, first.retried) == (1, 0, 1)
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == ("queued", 1)
    assert queued.next_attempt_at == NOW + dt.timedelta(seconds=60)
    assert "unreachable" in queued.error

    assert staff_mail_send_due(now=NOW + dt.timedelta(seconds=59)).claimed == 0
    assert staff_mail_send_due(now=NOW + dt.timedelta(seconds=60)).sent == 1
    assert staff_mail_send_due(now=NOW + dt.timedelta(hours=1)).claimed == 0
    assert [message.to for message in mail.outbox] == [["dina@example.com"]]
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.error) == ("sent", 2, "")


def test_the_backoff_doubles_and_the_last_attempt_fails(dina, flaky_mail, settings):
    settings.SEND_RETRY_BASE_SECONDS = 10
    settings.SEND_MAX_ATTEMPTS = 3
    queued = queue(dina)
    flaky_mail.extend(OSError("Connection refused") for _ in range(3))

    at = NOW
    waits = []
    for _ in range(3):
        staff_mail_send_due(now=at)
        queued.refresh_from_db()
        waits.append((queued.next_attempt_at - at).total_seconds())
        at = queued.next_attempt_at

    assert waits[:2] == [10, 20]
    assert (queued.status, queued.attempts) == ("failed", 3)
    assert mail.outbox == []


def test_a_permanent_refusal_is_marked_failed_at_once(dina, flaky_mail):
    queued = queue(dina)
    flaky_mail.append(smtplib.SMTPDataError(554, b"Message rejected"))

    result = staff_mail_send_due(now=NOW)

    assert (result.failed, result.retried) == (1, 0)
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == ("failed", 1)
    assert "refused the message" in queued.error
    assert staff_mail_send_due(now=NOW + dt.timedelta(days=1)).claimed == 0


def test_a_killed_sender_leaves_its_mail_to_the_next_sweep(dina, settings):
    held = queue(dina, key="held")
    dead = queue(dina, key="dead")
    lease = dt.timedelta(seconds=settings.SEND_LEASE_SECONDS)
    StaffMail.objects.filter(pk=held.pk).update(
        status="sending", attempts=1, lease_owner="alive", lease_until=NOW + lease
    )
    StaffMail.objects.filter(pk=dead.pk).update(
        status="sending", attempts=1, lease_owner="killed", lease_until=NOW - dt.timedelta(1)
    )

    result = staff_mail_send_due(now=NOW)

    assert (result.released, result.sent) == (1, 1)
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == ("sent", 2)
    held.refresh_from_db()
    assert held.status == "sending"  # its sender may still be at it
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_mail_once(postgres, dina):
    for number in range(20):
        queue(dina, key=f"race:{number}", subject=f"Mail {number}")
    barrier = threading.Barrier(2, timeout=10)
    release = staff_mail.staff_mail_release_expired

    def released_together(*, now):
        count = release(now=now)
        barrier.wait()  # both claim at the same moment
        return count

    results = []

    def sweep():
        try:
            results.append(staff_mail_send_due(limit=20))
        finally:
            connection.close()

    with mock.patch.object(staff_mail, "staff_mail_release_expired", released_together):
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sum(result.sent for result in results) == 20
    assert sorted(message.subject for message in mail.outbox) == sorted(
        f"Mail {number}" for number in range(20)
    )
    assert set(StaffMail.objects.values_list("status", "attempts")) == {("sent", 1)}


@pytest.mark.parametrize(
    ("subject", "flat"),
    [
        ("Olga\nPetrova", "Olga Petrova"),
        ("Olga\r\nBcc: x@example.com", "Olga Bcc: x@example.com"),
        ("A\u2028B", "A B"),
    ],
)
def test_a_line_break_never_reaches_a_header(dina, subject, flat):
    # A staff mail and a client's message: both go through followup_crm.mail.email_send.
    queue(dina, subject=subject)
    messaging.send(
        messaging.Message(
            channel=Channel.EMAIL,
            recipient="olga@example.com\r\nCc: y@example.com",
            subject=subject,
            text="Hi",
            headers={"List-Unsubscribe": "<http://x/>\r\nBcc: z@example.com"},
        )
    )
    assert staff_mail_send_due().sent == 1

    assert [message.subject for message in mail.outbox] == [flat, flat]
    for message in mail.outbox:
        raw = message.message().as_string()
        assert "\nBcc:" not in raw and "\nCc:" not in raw
        assert (message.bcc, message.cc) == ([], [])


def test_the_sweep_writes_once_per_sent_mail_and_nothing_more(dina, flaky_mail):
    """Each sent mail costs exactly one write (its "sent" record, made at once so that a kill
    later in the sweep cannot send it again); everything else is a fixed number of queries."""

    def counted(number: int) -> int:
        for index in range(number):
            queue(dina, key=f"{number}:{index}")
        flaky_mail.append(OSError("down"))  # one retry in each sweep
        with CaptureQueriesContext(connection) as queries:
            result = staff_mail_send_due(limit=50)
        assert (result.sent, result.retried) == (number - 1, 1)
        return len(queries)

    assert counted(30) - counted(3) == 30 - 3


def test_it_runs_every_minute():
    [job] = [job for job in PERIODIC_JOBS if job.task == "followup_crm.tasks.staff_mail_send"]

    assert job.schedule == Every(seconds=60)


def test_the_task_without_an_id_sweeps_the_outbox(dina):
    queue(dina, key="a")
    queue(dina, key="b")

    assert tasks.staff_mail_send() == {"claimed": 2, "sent": 2, "failed": 0}


# --- the admin -----------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, dina):
    dina.is_superuser = True
    dina.save()
    client.force_login(dina)
    return client


def test_the_admin_lists_the_outbox_read_only(admin_client, dina):
    failed = queue(dina, subject="Weekly summary")
    StaffMail.objects.filter(pk=failed.pk).update(status="failed", error="554 rejected")
    url = reverse("admin:followup_crm_staffmail_changelist")
    with CaptureQueriesContext(connection) as few:
        page = admin_client.get(url)
    for index in range(10):
        queue(dina, key=f"more:{index}")
    with CaptureQueriesContext(connection) as many:
        assert admin_client.get(url).status_code == 200

    assert page.status_code == 200
    assert len(few) == len(many)
    text = page.content.decode()
    assert "554 rejected" in text and "Weekly summary" in text
    assert admin_client.get(reverse("admin:followup_crm_staffmail_add")).status_code == 403
    detail = admin_client.get(reverse("admin:followup_crm_staffmail_change", args=[failed.pk]))
    assert detail.context["has_change_permission"] is False


def test_the_admin_is_closed_to_managers(client, account):
    client.force_login(account)

    page = client.get(reverse("admin:followup_crm_staffmail_changelist"))

    assert page.status_code == 302
    assert page["Location"].startswith(reverse("admin:login"))


def test_send_again_queues_only_the_failed_ones(
    admin_client, dina, staff_mail_handed, django_capture_on_commit_callbacks
):
    failed = queue(dina, key="failed")
    sent = queue(dina, key="sent")
    StaffMail.objects.filter(pk=failed.pk).update(status="failed", attempts=5)
    StaffMail.objects.filter(pk=sent.pk).update(status="sent", sent_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        page = admin_client.post(
            reverse("admin:followup_crm_staffmail_changelist"),
            {"action": "send_again", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )

    assert "1 e-mail queued again." in page.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("queued", 0)
    assert staff_mail_handed == [failed.pk]
    assert StaffMail.objects.get(pk=sent.pk).status == "sent"
    assert staff_mail_send_due().sent == 1
