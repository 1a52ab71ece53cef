"""The sweep that finds import jobs a lost broker message or a dead worker left behind."""

import datetime as dt

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from clients import imports, tasks
from clients.models import Client, ImportJob
from tests.clients.fixtures.imports import csv_bytes


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    delayed: list[int] = []
    monkeypatch.setattr(tasks.import_job_run, "delay", delayed.append)
    return delayed


@pytest.fixture
def job(director, queued, django_capture_on_commit_callbacks) -> ImportJob:
    _, job = imports.import_upload(
        kind="clients",
        filename="clients.csv",
        content=csv_bytes([["name"], ["Anna"]]),
        by=director,
    )
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_job_confirm(job=job, by=director)
    queued.clear()
    return job


def sweep(after: dt.timedelta, capture) -> list[int]:
    with capture(execute=True):
        return imports.import_jobs_sweep(now=timezone.now() + after)


def test_a_confirmed_job_no_worker_started_is_queued_again(
    job, queued, django_capture_on_commit_callbacks
):
    assert sweep(dt.timedelta(minutes=1), django_capture_on_commit_callbacks) == []
    assert sweep(dt.timedelta(minutes=6), django_capture_on_commit_callbacks) == [job.pk]
    assert queued == [job.pk]

    # The worker that finally gets both messages imports once.
    tasks.import_job_run(job.pk)
    tasks.import_job_run(job.pk)
    assert Client.objects.count() == 1


def test_a_job_whose_worker_died_is_marked_failed(job, queued, django_capture_on_commit_callbacks):
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", report={**job.report, "started_at": timezone.now().isoformat()}
    )

    sweep(dt.timedelta(minutes=10), django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == "running"  # may still be working

    sweep(dt.timedelta(minutes=30), django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.report["result"]["file_errors"] == [
        "The import stopped unexpectedly; nothing was imported."
    ]
    assert queued == []


def test_the_sweep_leaves_unconfirmed_and_finished_jobs_alone(
    director, queued, django_capture_on_commit_callbacks
):
    _, unconfirmed = imports.import_upload(
        kind="clients", filename="c.csv", content=csv_bytes([["name"], ["A"]]), by=director
    )
    ImportJob.objects.create(
        kind="clients",
        filename="d.csv",
        content=b"",
        created_by=director,
        status="done",
        report={"confirmed_at": "2020-01-01T00:00:00+00:00"},
    )

    assert sweep(dt.timedelta(days=1), django_capture_on_commit_callbacks) == []
    unconfirmed.refresh_from_db()
    assert unconfirmed.status == "pending"


def test_the_sweep_task_runs(job, queued, django_capture_on_commit_callbacks):
    ImportJob.objects.filter(pk=job.pk).update(
        report={**job.report, "confirmed_at": "2020-01-01T00:00:00+00:00"}
    )

    with django_capture_on_commit_callbacks(execute=True):
        tasks.import_jobs_sweep()

    assert queued == [job.pk]


def test_a_job_confirmed_while_the_broker_is_down_waits_for_the_sweep(
    director, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down(job_id: int) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.import_job_run, "delay", broker_down)
    _, job = imports.import_upload(
        kind="clients", filename="c.csv", content=csv_bytes([["name"], ["A"]]), by=director
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert imports.import_job_confirm(job=job, by=director)

    assert "Connection refused" in caplog.text
    job.refresh_from_db()
    assert job.status == "pending"
    assert sweep(dt.timedelta(minutes=6), django_capture_on_commit_callbacks) == [job.pk]
