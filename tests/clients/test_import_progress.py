"""The progress a running import job writes for the page, outside its own transaction."""

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

from clients import imports
from clients.imports import apply, client_rows
from clients.models import Client, ImportJob
from tests.clients.fixtures.imports import csv_bytes

ROWS = csv_bytes([["name"], *([f"Client {n}"] for n in range(5))])


def confirmed_job(director, monkeypatch) -> ImportJob:
    from clients import tasks

    monkeypatch.setattr(tasks.import_job_run, "delay", lambda job_id: None)
    _, job = imports.import_upload(
        kind="clients", filename="clients.csv", content=ROWS, by=director
    )
    assert imports.import_job_confirm(job=job, by=director)
    return job


def read_elsewhere(sql: str, params: list) -> object:
    """What another connection (the page's) sees now."""
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)
def test_the_rows_checked_are_counted_before_the_import_starts(director, monkeypatch):
    job = confirmed_job(director, monkeypatch)
    # The rows are checked in client_rows and written in apply: each reads PROGRESS_EVERY.
    for module in (client_rows, apply):
        monkeypatch.setattr(module, "PROGRESS_EVERY", 1)
    seen = []
    real_apply = apply.import_apply

    def look_then_apply(**kwargs):
        current = ImportJob.objects.get(pk=job.pk)
        seen.append((current.status, current.report["phase"], current.processed_rows))
        return real_apply(**kwargs)

    monkeypatch.setattr(apply, "import_apply", look_then_apply)

    imports.import_job_process(job_id=job.pk)

    assert seen == [("running", "checking", 5)]
    job.refresh_from_db()
    assert (job.status, job.processed_rows) == ("done", 5)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_page_sees_the_import_progress_before_the_import_commits(
    postgres, director, monkeypatch
):
    job = confirmed_job(director, monkeypatch)
    for module in (client_rows, apply):
        monkeypatch.setattr(module, "PROGRESS_EVERY", 2)
    seen = []
    real_create = apply.client_create
    table = ImportJob._meta.db_table

    def create_and_look(**kwargs):
        created = real_create(**kwargs)
        seen.append(
            (
                read_elsewhere(f"SELECT processed_rows FROM {table} WHERE id = %s", [job.pk]),  # noqa: S608
                read_elsewhere(f"SELECT count(*) FROM {Client._meta.db_table}", []),  # noqa: S608
            )
        )
        return created

    monkeypatch.setattr(apply, "client_create", create_and_look)

    imports.import_job_process(job_id=job.pk)

    # The progress moves while the clients themselves stay invisible until the commit.
    assert seen == [(0, 0), (0, 0), (2, 0), (2, 0), (4, 0)]
    assert Client.objects.count() == 5
