"""The director's import page: upload, dry run, confirm, the job run by the task, progress."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from clients import tasks
from clients.models import Client, ImportJob
from tests.clients.fixtures.imports import csv_bytes, xlsx_bytes
from tests.helpers import assert_queries_flat

GOOD = csv_bytes(
    [
        ["name", "email", "phones", "originator"],
        ["Anna", "anna@example.com", "+79123456789", "sasha"],
        ["Boris", "boris@example.com", "", ""],
    ]
)
BAD = csv_bytes([["name", "email"], ["Anna", "anna@example.com"], ["", "nope"]])


def upload(client, content: bytes, filename: str = "clients.csv", kind: str = "clients"):
    return client.post(
        reverse("clients:import"),
        {"kind": kind, "duplicates": "update", "file": SimpleUploadedFile(filename, content)},
    )


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """The job ids handed to the broker, instead of a broker."""
    delayed: list[int] = []
    monkeypatch.setattr(tasks.import_job_run, "delay", delayed.append)
    return delayed


@pytest.fixture
def checked_job(client, director, sales) -> ImportJob:
    client.force_login(director)
    upload(client, GOOD)
    return ImportJob.objects.get()


def confirm(client, job: ImportJob, capture) -> None:
    with capture(execute=True):
        response = client.post(reverse("clients:import_confirm", args=[job.pk]))
    assert response.status_code == 302


def test_it_sends_anonymous_visitors_to_login(client, db):
    for url in (
        reverse("clients:import"),
        reverse("clients:import_job", args=[1]),
        reverse("clients:import_status", args=[1]),
        reverse("clients:export"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert client.post(reverse("clients:import_confirm", args=[1])).status_code == 302


@pytest.mark.parametrize("persona", ["sales", "account"])
def test_it_does_not_exist_for_managers(client, checked_job, persona, request, queued):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("clients:import")).status_code == 404
    assert upload(client, GOOD).status_code == 404
    assert client.get(reverse("clients:import_job", args=[checked_job.pk])).status_code == 404
    assert client.get(reverse("clients:import_status", args=[checked_job.pk])).status_code == 404
    assert client.post(reverse("clients:import_confirm", args=[checked_job.pk])).status_code == 404
    assert ImportJob.objects.count() == 1
    assert not queued


def test_the_menu_shows_the_import_to_directors_only(client, sales, director):
    client.force_login(sales)
    assert reverse("clients:import") not in client.get("/calls/").content.decode()

    client.force_login(director)
    assert reverse("clients:import") in client.get("/calls/").content.decode()


def test_it_shows_the_form_the_columns_and_the_recent_imports(
    client, director, django_assert_max_num_queries
):
    client.force_login(director)
    for number in range(5):
        ImportJob.objects.create(
            kind="clients", filename=f"file{number}.csv", content=b"x" * 1000, created_by=director
        )

    with django_assert_max_num_queries(6):
        page = client.get(reverse("clients:import")).content.decode()

    assert 'enctype="multipart/form-data"' in page
    assert "<code>external_id</code>" in page
    assert "<code>consent_sms</code>" in page
    assert "file4.csv" in page and "file0.csv" in page


def test_the_recent_imports_take_the_same_queries_for_one_or_many(client, director):
    client.force_login(director)

    def add_jobs(count: int) -> None:
        for _ in range(count):
            ImportJob.objects.create(
                kind="orders", filename="f.csv", content=b"", created_by=director
            )

    assert_queries_flat(add_jobs, lambda: client.get(reverse("clients:import")), 1, many=10)


def test_a_file_with_bad_rows_shows_every_row_and_keeps_nothing(client, director):
    client.force_login(director)

    response = upload(client, BAD)

    page = response.content.decode()
    assert response.status_code == 200
    assert "The file was not imported" in page
    assert "1 bad row out of 2" in page
    assert "<code>name</code>" in page and "Required." in page
    assert "“nope” is not an e-mail address." in page
    assert not ImportJob.objects.exists()
    assert not Client.objects.exists()


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"PK\x03\x04broken", "clients.xlsx", "The XLSX file cannot be read"),
        (b"%PDF-1.4", "clients.pdf", "Upload a CSV or XLSX file."),
        (b"\xef\xbb\xbf", "clients.csv", "The file is empty."),
        (csv_bytes([["email"], ["a@example.com"]]), "c.csv", "The column “name” is missing"),
    ],
)
def test_a_file_that_cannot_be_imported_is_explained(client, director, content, filename, message):
    client.force_login(director)

    response = upload(client, content, filename)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_empty_upload_and_too_large_a_file_are_form_errors(client, director, settings):
    client.force_login(director)
    settings.IMPORT_MAX_FILE_BYTES = 1024 * 1024

    assert "The submitted file is empty." in upload(client, b"").content.decode()
    page = upload(client, b"name\n" + b"x" * 1024 * 1024).content.decode()
    assert "The file is larger than 1 MB" in page
    assert not ImportJob.objects.exists()


def test_a_good_file_becomes_a_job_to_confirm_and_nothing_is_imported_yet(client, director, sales):
    client.force_login(director)

    response = upload(
        client, xlsx_bytes([["name", "email"], ["Anna", "anna@example.com"]]), "c.xlsx"
    )

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("clients:import_job", args=[job.pk])
    assert (job.status, job.total_rows, job.created_by, job.kind) == (
        "pending",
        1,
        director,
        "clients",
    )
    page = client.get(response.url).content.decode()
    assert "1 client to create" in page
    assert reverse("clients:import_confirm", args=[job.pk]) in page
    assert (
        "Checked, waiting for confirmation"
        in client.get(reverse("clients:import")).content.decode()
    )
    assert not Client.objects.exists()


def test_confirming_queues_the_job_once(
    client, checked_job, queued, django_capture_on_commit_callbacks
):
    confirm(client, checked_job, django_capture_on_commit_callbacks)
    confirm(client, checked_job, django_capture_on_commit_callbacks)  # a second click

    assert queued == [checked_job.pk]
    checked_job.refresh_from_db()
    assert checked_job.status == "pending"
    assert "confirmed_at" in checked_job.report
    assert not Client.objects.exists()


def test_the_job_imports_once_however_often_the_task_runs(
    client, checked_job, queued, django_capture_on_commit_callbacks
):
    confirm(client, checked_job, django_capture_on_commit_callbacks)

    tasks.import_job_run(checked_job.pk)
    tasks.import_job_run(checked_job.pk)  # a redelivered message, a second worker

    assert Client.objects.count() == 2
    checked_job.refresh_from_db()
    assert checked_job.status == "done"
    assert checked_job.processed_rows == checked_job.total_rows == 2
    assert checked_job.finished_at is not None
    assert checked_job.report["result"]["created"] == 2


def test_an_unconfirmed_job_is_never_run(checked_job):
    tasks.import_job_run(checked_job.pk)

    checked_job.refresh_from_db()
    assert checked_job.status == "pending"
    assert not Client.objects.exists()


def test_the_progress_polls_while_the_job_runs_and_stops_when_it_is_done(
    client, checked_job, queued, django_capture_on_commit_callbacks
):
    confirm(client, checked_job, django_capture_on_commit_callbacks)
    status_url = reverse("clients:import_status", args=[checked_job.pk])

    waiting = client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    assert f'hx-get="{status_url}"' in waiting
    assert 'hx-trigger="every 1s"' in waiting
    assert "Waiting for a worker" in waiting
    # Without JavaScript, a link to reload the page.
    page = client.get(reverse("clients:import_job", args=[checked_job.pk])).content.decode()
    assert f'href="{reverse("clients:import_job", args=[checked_job.pk])}">Refresh' in page

    ImportJob.objects.filter(pk=checked_job.pk).update(status="running", processed_rows=1)
    ImportJob.objects.filter(pk=checked_job.pk).update(
        report={**ImportJob.objects.get(pk=checked_job.pk).report, "phase": "importing"}
    )
    running = client.get(status_url).content.decode()
    assert "Importing: 1 of 2 rows." in running
    assert '<progress class="import-progress" max="2" value="1">' in running

    ImportJob.objects.filter(pk=checked_job.pk).update(status="pending", processed_rows=0)
    tasks.import_job_run(checked_job.pk)
    done = client.get(status_url).content.decode()
    assert "hx-trigger" not in done
    assert "2 clients created" in done
    assert "Imported" in done


def test_a_job_whose_rows_went_bad_since_the_check_imports_nothing(
    client, checked_job, sales, queued, django_capture_on_commit_callbacks
):
    confirm(client, checked_job, django_capture_on_commit_callbacks)
    sales.is_active = False  # the originator named in the file left meanwhile
    sales.save()

    tasks.import_job_run(checked_job.pk)

    checked_job.refresh_from_db()
    assert checked_job.status == "failed"
    assert not Client.objects.exists()
    page = client.get(reverse("clients:import_job", args=[checked_job.pk])).content.decode()
    assert "Failed, nothing imported" in page
    assert "There is no active user “sasha”." in page


def test_a_job_that_crashes_is_marked_failed(
    client, checked_job, queued, monkeypatch, django_capture_on_commit_callbacks
):
    confirm(client, checked_job, django_capture_on_commit_callbacks)

    def crash(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("clients.imports.jobs.import_file", crash)

    with pytest.raises(RuntimeError):
        tasks.import_job_run(checked_job.pk)

    checked_job.refresh_from_db()
    assert checked_job.status == "failed"
    assert checked_job.report["result"]["file_errors"] == [
        "The import stopped unexpectedly; nothing was imported."
    ]


def test_dry_runs_nobody_confirmed_are_deleted_after_a_day(client, director, sales):
    client.force_login(director)
    upload(client, GOOD)
    old = ImportJob.objects.get()
    ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=2))

    upload(client, GOOD)

    assert not ImportJob.objects.filter(pk=old.pk).exists()
    assert ImportJob.objects.count() == 1
