"""A real Celery worker process, started here against Redis and PostgreSQL."""

import os
import subprocess
import sys
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from followup_crm.models import Heartbeat
from followup_crm.tasks import heartbeat

pytestmark = pytest.mark.services


def worker_database_url() -> str:
    """DATABASE_URL pointed at the test database that pytest-django created."""
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def start_worker(queue: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.REDIS_URL,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "followup_crm",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_whose_result_reaches_the_database(postgres, redis_url):
    queue = f"test-{uuid.uuid4().hex}"
    worker = start_worker(queue)
    try:
        heartbeat.apply_async(queue=queue)
        deadline = time.monotonic() + 60
        while not Heartbeat.objects.exists() and time.monotonic() < deadline:
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(0.2)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)

    assert Heartbeat.objects.filter(name="beat").exists(), output
    assert "succeeded" in output
