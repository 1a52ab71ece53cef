"""Drill: a worker killed with SIGKILL in the middle of a sweep.

A real Celery worker on a private Redis and the test database sends 60 due e-mails through a
slow e-mail backend (a file per message, 0.1 s each) and is killed mid-sweep. The rows it had
claimed wait in "sending" with a lease; after the lease expires, a new worker sends them. Every
client gets their message, and the only one that may go twice is the one in flight when the
worker died (the provider had it, the database had not heard back): the window that
"Sending exactly once" in the README documents.
"""

import signal
import time

import pytest

from bench.data import due_emails
from tests.followup_crm.test_celery_worker import worker_database_url
from touchpoints.models import SendRecord, Touchpoint

from .conftest import app_env, send_task, sent_to, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

MESSAGES = 60
LEASE_SECONDS = 2


def test_a_worker_killed_mid_sweep_loses_nothing(postgres, private_redis, processes, folder):
    recipients = {client.email for client in due_emails(MESSAGES)}
    # Short leases so that the next worker takes the interrupted rows back soon.
    env = app_env(
        database_url=worker_database_url(),
        redis_url=private_redis.url,
        folder=folder,
        TEST_MAIL_DELAY="0.1",
        SEND_LEASE_SECONDS=str(LEASE_SECONDS),
    )

    worker = processes.worker(env)
    send_task(private_redis.url, "touchpoints.tasks.dispatch_due")
    assert wait_until(lambda: sum(sent_to(folder).values()) >= 10, 60), processes.output()
    processes.stop(worker, signal.SIGKILL)
    # The message being sent at that moment: its send record was written before the send.
    in_flight = set(SendRecord.objects.filter(status="sending").values_list("recipient", flat=True))
    sent_before = sum(sent_to(folder).values())
    assert 0 < sent_before < MESSAGES
    assert len(in_flight) <= 1
    assert Touchpoint.objects.filter(status="sending").exists()  # claimed rows wait, visibly

    time.sleep(LEASE_SECONDS + 0.5)  # the lease runs out
    processes.worker(env)
    send_task(private_redis.url, "touchpoints.tasks.dispatch_due")
    assert wait_until(lambda: not Touchpoint.objects.exclude(status="done").exists(), 90), (
        processes.output()
    )

    sent = sent_to(folder)
    assert set(sent) == recipients  # nothing lost
    sent_twice = {recipient for recipient, times in sent.items() if times > 1}
    assert sent_twice <= in_flight and max(sent.values()) <= 2, sent
    assert SendRecord.objects.filter(status="sent").count() == MESSAGES
