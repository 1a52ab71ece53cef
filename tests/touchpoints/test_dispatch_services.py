"""Exactly-once sending against real PostgreSQL and Redis (CI's second pass): concurrent
dispatchers, a repeated tick, a real worker and Beat. A worker killed mid-sweep is a fault
drill: tests/drills/test_worker_killed.py."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connections
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from bench.data import due_emails
from tests.followup_crm.test_celery_worker import worker_database_url
from touchpoints import services
from touchpoints.models import Cadence, SendRecord, Touchpoint

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def make_due_emails(count: int) -> None:
    Cadence.objects.update(is_active=False)
    due_emails(count)


def test_two_dispatchers_and_a_repeated_tick_send_each_message_once(postgres):
    make_due_emails(2000)
    errors: list[BaseException] = []

    def dispatcher() -> None:
        try:
            while services.dispatch_due(limit=100).claimed:
                pass
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=dispatcher) for _ in range(3)]  # two workers + a tick
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert errors == []
    recipients = Counter(message.to[0] for message in mail.outbox)
    assert len(mail.outbox) == 2000
    assert len(recipients) == 2000 and max(recipients.values()) == 1
    assert SendRecord.objects.filter(status="sent").count() == 2000
    assert not Touchpoint.objects.exclude(status="done").exists()


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "followup_crm", *command],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    return output


def service_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir(exist_ok=True)
    return {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_BACKEND": "tests.touchpoints.backends.SlowFileBackend",
        "TEST_MAIL_DIR": str(mail_dir),
        **extra,
    }


def sent_to(tmp_path: Path) -> Counter:
    return Counter(p.read_text("utf-8") for p in (tmp_path / "mail").glob("*.txt"))


def wait_for(condition, seconds: float, processes=()) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        for process in processes:
            assert process.poll() is None, process.stdout.read()
        time.sleep(0.2)
    return False


def test_a_real_worker_and_beat_deliver_a_due_message(postgres, redis_url, tmp_path):
    make_due_emails(1)
    every_second = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    PeriodicTask.objects.create(
        name="dispatch",
        task="touchpoints.tasks.dispatch_due",
        interval=every_second,
        queue=queue,
    )
    env = service_env(tmp_path)
    worker = start(
        [
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env,
    )
    beat = start(
        [
            "beat",
            "--scheduler",
            "django_celery_beat.schedulers:DatabaseScheduler",
            "--pidfile=",
            "--schedule",
            str(tmp_path / "beat"),
        ],
        env,
    )
    try:
        delivered = wait_for(lambda: sent_to(tmp_path), 60, [worker, beat])
        time.sleep(3)  # a few more ticks: nothing more may go out
    finally:
        logs = stop(beat) + stop(worker)

    assert delivered, logs
    assert sent_to(tmp_path) == Counter({"c0@example.com": 1})
    assert Touchpoint.objects.get().status == "done"
