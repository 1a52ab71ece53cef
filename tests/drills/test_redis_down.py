"""Drill: Redis stops while the web app serves and touchpoints fall due.

gunicorn, a Celery worker and Beat (every job each second) run against the test database and a
private Redis. While Redis is down, the pages answer, /healthz answers 503 naming the broker,
and a request that queues a task (confirming an import) answers at once instead of failing;
the messages that fall due meanwhile wait in the database. Once Redis is back (empty: it keeps
nothing on disk, so every message it held is lost), the sweep sends each of them exactly once,
and the import whose message was never queued is taken up by the import sweep.
"""

import datetime as dt
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from bench.data import due_emails
from clients import imports
from clients.models import Client, ImportJob
from followup_crm.roles import DIRECTOR, SALES_MANAGER
from tests.clients.fixtures.imports import csv_bytes
from tests.conftest import make_user
from tests.followup_crm.test_celery_worker import worker_database_url
from touchpoints.models import SendRecord, Touchpoint

from .conftest import Browser, Processes, RedisServer, app_env, sent_to, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

OUTAGE_SECONDS = 8
PAGES = ("/calls/", "/clients/")


def schedule_every_second(*tasks: str) -> None:
    every_second = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    for task in tasks:
        PeriodicTask.objects.create(name=task, task=task, interval=every_second)


def start_product(processes: Processes, redis_server: RedisServer, folder: Path) -> int:
    schedule_every_second(
        "followup_crm.tasks.heartbeat",
        "touchpoints.tasks.dispatch_due",
        "clients.tasks.import_jobs_sweep",
    )
    env = app_env(database_url=worker_database_url(), redis_url=redis_server.url, folder=folder)
    port = processes.web(env)
    processes.worker(env)
    processes.beat(env)
    return port


def test_it_serves_and_loses_no_message_while_redis_is_down(
    postgres, private_redis, processes, folder
):
    sales = make_user("sasha", SALES_MANAGER)
    director = make_user("dina", DIRECTOR, is_staff=True)
    caller = Client.objects.create(name="Irina Volkova", originator=sales)
    Touchpoint.objects.create(
        client=caller,
        anchor_key="drill:call",
        due_at=timezone.now(),
        channel="call",
        assignee=sales,
        purpose="Delivery-day call",
    )
    _, job = imports.import_upload(
        kind="clients",
        filename="clients.csv",
        content=csv_bytes([["name"], ["Anna Importova"]]),
        by=director,
    )
    due_emails(5, prefix="before")
    later = due_emails(20, prefix="during")
    Touchpoint.objects.filter(client__in=later).update(
        due_at=timezone.now() + dt.timedelta(hours=1)
    )

    port = start_product(processes, private_redis, folder)
    sasha, dina = Browser(port), Browser(port)
    sasha.log_in_as(sales)
    dina.log_in_as(director)
    dina.get(f"/clients/import/{job.pk}/")  # the job page, with its form's CSRF cookie
    # Everything runs: the messages due now go out, and the health page is green.
    assert wait_until(lambda: len(sent_to(folder)) == 5 and sasha.health()[0] == 200, 60), (
        processes.output()
    )

    private_redis.stop()
    outage_ends = time.monotonic() + OUTAGE_SECONDS
    Touchpoint.objects.filter(client__in=later).update(
        due_at=timezone.now() + dt.timedelta(seconds=1)
    )
    answers: list[tuple[str, int]] = []
    health: list[tuple[int, dict[str, Any]]] = []
    slowest_health = 0.0
    while time.monotonic() < outage_ends:
        answers += [(path, sasha.get(path)) for path in PAGES]
        started = time.monotonic()
        health.append(sasha.health())
        slowest_health = max(slowest_health, time.monotonic() - started)
    started = time.monotonic()
    confirm = dina.post(f"/clients/import/{job.pk}/confirm/", {})
    confirm_seconds = time.monotonic() - started
    call_list = sasha.request("GET", "/calls/")

    assert answers and all(status == 200 for _, status in answers), answers
    assert all(
        status == 503
        and body["status"] == "down"
        and body["broker"]["ok"] is False
        and body["database"]["ok"] is True
        and body["beat"]["ok"] is True
        for status, body in health
    ), health
    assert slowest_health < 5, f"/healthz took {slowest_health:.1f} s with the broker down"
    assert call_list[0] == 200 and b"Irina Volkova" in call_list[1]
    # Confirming an import queues a task; the broker's refusal is logged, not shown: the job is
    # confirmed in the database, where the import sweep finds it.
    assert confirm == 302 and confirm_seconds < 5, (confirm, confirm_seconds)
    assert "in on_commit() (Error 111" in processes.output("web")
    job.refresh_from_db()
    assert job.status == "pending" and "confirmed_at" in job.report
    # Due for seconds now, and nothing could carry them out.
    assert Touchpoint.objects.filter(client__in=later, status="planned").count() == 20
    assert len(sent_to(folder)) == 5

    # The sweep queues a job again once it has waited STALLED_AFTER (five minutes); the drill
    # moves the confirmation back instead of waiting.
    stalled = timezone.now() - imports.STALLED_AFTER - dt.timedelta(seconds=1)
    ImportJob.objects.filter(pk=job.pk).update(
        report={**job.report, "confirmed_at": stalled.isoformat()}
    )
    private_redis.start()

    assert wait_until(
        lambda: (
            not Touchpoint.objects.filter(channel="email").exclude(status="done").exists()
            and ImportJob.objects.get(pk=job.pk).status == "done"
        ),
        90,
    ), processes.output()
    time.sleep(3)  # more ticks and sweeps: nothing more may go out
    processes.check_running()

    expected = Counter(Client.objects.exclude(email="").values_list("email", flat=True))
    assert len(expected) == 25
    assert sent_to(folder) == expected  # every message, each exactly once
    assert SendRecord.objects.filter(status="sent").count() == 25
    assert Client.objects.filter(name="Anna Importova").count() == 1
    assert sasha.health()[0] == 200
