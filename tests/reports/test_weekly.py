"""The weekly e-mail summary: last week's headline figures against the week before, queued in
the staff outbox for every active director with an e-mail, once per director and week.

On the world of test_figures.py, run on Monday 16 November 2026 (the week of 9–15 November,
against 2–8 November):
  closure rate  won c5 (12 Nov), refused c6 (15 Nov): 50 %; the week before c2 won: 100 %
  delivery      c1 delivered 9 Nov, promised 10 Nov: 100 %; the week before c2, late: 0 %
  commissions   none; the week before c1's second purchase: 200.00
  repeat rate   by 15 Nov c1, c2, c3, c5 bought, c1 and c3 twice: 50 %; by 8 Nov 2 of 3: 66.7 %
"""

import datetime as dt
import threading
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from followup_crm.mail import staff_mail_send_due
from followup_crm.models import StaffMail
from followup_crm.periodic import PERIODIC_JOBS, Cron
from reports import services, tasks
from tests.conftest import make_user
from tests.helpers import assert_queries_flat, at
from tests.reports import test_figures as data
from tests.reports.test_views import grow

world = data.world
MONDAY = at(2026, 11, 16, 8)


@pytest.fixture
def directors(db):
    return [
        make_user("dina", "director", email="dina@example.com"),
        make_user("dmitry", "director", email="dmitry@example.com"),
    ]


@pytest.fixture
def not_to_tell(db):
    make_user("silent", "director")  # no e-mail address
    make_user("gone", "director", email="gone@example.com", is_active=False)
    make_user("anna2", "account_manager", email="anna@example.com")


def send() -> int:
    with time_machine.travel(MONDAY, tick=False):
        return services.weekly_summary_send()


def test_it_sends_last_weeks_figures_and_their_change(world, directors, not_to_tell):
    assert send() == 2
    assert mail.outbox == []  # queued, sent by the outbox

    assert staff_mail_send_due().sent == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "dina@example.com",
        "dmitry@example.com",
    ]
    message = next(m for m in mail.outbox if m.to == ["dina@example.com"])
    assert message.subject == "Weekly summary: 9 November – 15 November 2026"
    text = message.body
    assert text.startswith("Hello, Dina.")
    assert "The week of 9 November – 15 November 2026, against the week before:" in text
    assert "- Closure rate: 50 % (▼ 50; the week before: 100 %)" in text
    assert "- Delivered on time: 100 % (▲ 100; the week before: 0 %)" in text
    assert "- Commissions: 0.00 (▼ 200.00; the week before: 200.00)" in text
    assert "- Satisfaction rate: —\n" in text  # no scores either week: nothing to compare
    assert "- Repeat-purchase rate: 50 % (▼ 16.7; the week before: 66.7 %)" in text
    assert "- Recovery calls open now: 0 (now)" in text
    assert "http://127.0.0.1:8000/reports/?from=2026-11-09&to=2026-11-15" in text
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    assert "Closure rate" in html and "▼ 50" in html


def test_it_queues_once_per_director_and_week(world, directors):
    assert send() == 2
    assert send() == 0
    with time_machine.travel(MONDAY + dt.timedelta(days=2), tick=False):
        # Later in the same week it is still last week's summary: already queued.
        assert services.weekly_summary_send() == 0

    assert set(StaffMail.objects.values_list("kind", "key")) == {
        ("weekly", f"weekly:{directors[0].pk}:2026-11-09"),
        ("weekly", f"weekly:{directors[1].pk}:2026-11-09"),
    }
    with time_machine.travel(MONDAY + dt.timedelta(days=7), tick=False):
        assert services.weekly_summary_send() == 2
    assert StaffMail.objects.count() == 4


def test_it_skips_a_director_another_worker_has_just_queued(world, directors):
    first = services.weekly_key(directors[0].pk, dt.date(2026, 11, 9))
    StaffMail.objects.create(
        recipient=directors[0], to="dina@example.com", kind="weekly", key=first, subject="s"
    )
    # The other worker listed the directors before that row was written.
    with mock.patch.object(services, "directors_to_tell", return_value=directors) as listed:
        assert send() == 1

    listed.assert_called_once()
    assert StaffMail.objects.exclude(key=first).get().to == "dmitry@example.com"


def test_it_does_nothing_without_directors(world, not_to_tell):
    with CaptureQueriesContext(connection) as queries:
        assert send() == 0

    assert mail.outbox == []
    assert len(queries) == 1  # who is due; no figures computed for nobody


def test_it_runs_the_same_queries_whatever_the_data(world, directors):
    def grow_and_forget(factor: int) -> None:
        StaffMail.objects.all().delete()  # so that the directors are due again
        grow(world, factor)

    flat = assert_queries_flat(grow_and_forget, send, n=0, many=10)

    assert flat.few == flat.many == 2


def test_the_task_calls_the_service(world, directors):
    with time_machine.travel(MONDAY, tick=False):
        assert tasks.weekly_summary() == 2


def test_it_runs_on_monday_mornings():
    [job] = [job for job in PERIODIC_JOBS if job.task == "reports.tasks.weekly_summary"]

    assert job.name == "reports: weekly summary"
    assert job.schedule == Cron(minute="0", hour="8", day_of_week="1")


@pytest.mark.django_db(transaction=True)
def test_it_queues_once_when_two_workers_run_at_once(postgres, world, directors):
    # Both workers list the directors before either writes its row; the unique constraint
    # then lets one of them send to each director.
    barrier = threading.Barrier(2, timeout=10)
    listing = services.directors_to_tell

    def listed_together(week_start):
        found = list(listing(week_start))
        barrier.wait()
        return found

    results = []

    def worker():
        try:
            results.append(send())
        finally:
            connection.close()

    with mock.patch.object(services, "directors_to_tell", listed_together):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sorted(results) == [0, 2] or sorted(results) == [1, 1]
    assert staff_mail_send_due().sent == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "dina@example.com",
        "dmitry@example.com",
    ]
