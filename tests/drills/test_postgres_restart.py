"""Drill: PostgreSQL restarts under traffic.

gunicorn (one synchronous worker, which keeps its database connection between requests:
CONN_MAX_AGE=60 with CONN_HEALTH_CHECKS) and a Celery worker run against a private cluster and
a private Redis, while a logged-in manager keeps asking for pages. `pg_ctl restart -m fast`
cuts every connection; requests during the restart may fail, but a few seconds after it every
request answers 200 again, from the same web worker process, and the Celery worker runs the
next task without being restarted either.
"""

import datetime as dt
import subprocess
import sys
import threading
import time
from typing import NamedTuple

import pytest
from django.conf import settings
from django.utils import timezone

from tests.conftest import PASSWORD

from .conftest import Browser, app_env, send_task, wait_until

pytestmark = pytest.mark.services

RECOVERY_SECONDS = 3
PAGES = ("/calls/", "/clients/", "/healthz")

# The private cluster starts empty: the schema, the roles and one manager with a client.
SETUP = f"""
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from clients.models import Client

call_command("migrate", interactive=False, verbosity=0)
user = User.objects.create_user("sasha", password={PASSWORD!r})
user.groups.add(Group.objects.get(name="sales_manager"))
Client.objects.create(name="Irina Volkova", originator=user)
"""


class Answer(NamedTuple):
    sent_at: float
    answered_at: float
    path: str
    status: int


class Traffic(threading.Thread):
    """One user asking for the pages in turn until told to stop."""

    def __init__(self, browser: Browser) -> None:
        super().__init__(daemon=True)
        self.browser = browser
        self.answers: list[Answer] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            for path in PAGES:
                sent_at = time.monotonic()
                status = self.browser.get(path)
                self.answers.append(Answer(sent_at, time.monotonic(), path, status))

    def stop(self) -> list[Answer]:
        self.done.set()
        self.join(timeout=60)
        return self.answers


def last_heartbeat(browser: Browser) -> dt.datetime | None:
    stamp = browser.health()[1].get("beat", {}).get("last_heartbeat")
    return dt.datetime.fromisoformat(stamp) if stamp else None


def test_it_answers_again_within_seconds_of_a_postgres_restart(
    private_postgres, private_redis, processes, folder
):
    env = app_env(database_url=private_postgres.url, redis_url=private_redis.url, folder=folder)
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SETUP],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=180,
    )
    port = processes.web(env)
    processes.worker(env)
    sasha = Browser(port)
    sasha.log_in("sasha")
    send_task(private_redis.url, "followup_crm.tasks.heartbeat")
    assert wait_until(lambda: sasha.health()[0] == 200, 60), processes.output()

    traffic = Traffic(sasha)
    traffic.start()
    time.sleep(1)
    server_pid = private_postgres.server_pid()
    restart_began = time.monotonic()
    private_postgres.restart()
    restarted = time.monotonic()
    restarted_at = timezone.now()
    time.sleep(RECOVERY_SECONDS + 3)
    answers = traffic.stop()

    assert private_postgres.server_pid() != server_pid  # it really went down
    before = [a.status for a in answers if a.answered_at < restart_began]
    settled = [a.status for a in answers if a.sent_at > restarted + RECOVERY_SECONDS]
    assert before and set(before) == {200}, answers
    assert len(settled) >= len(PAGES) and set(settled) == {200}, answers
    processes.check_running()
    web_log = processes.output("web")
    assert web_log.count("Booting worker") == 1, web_log  # no web worker was restarted

    # The Celery worker takes the next task and writes its result to the restarted database.
    send_task(private_redis.url, "followup_crm.tasks.heartbeat")
    assert wait_until(lambda: (last_heartbeat(sasha) or restarted_at) > restarted_at, 60), (
        processes.output()
    )
    processes.check_running()
