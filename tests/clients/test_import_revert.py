"""Reverting an applied import: each changed field goes back to its value before the import
unless it changed again since (then it is listed), created clients are archived and created
orders cancelled; only once, and only within 30 days."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients import imports, services
from clients.models import Client, ImportChange, ImportJob, OrderStatus
from tests.clients.factories import make_client
from tests.clients.fixtures.imports import csv_bytes


def run_job(director, rows, *, kind="clients", duplicates="update", accept=()) -> ImportJob:
    """An import through its job, as the page runs it: upload, confirm, process."""
    report, job = imports.import_upload(
        kind=kind,
        filename=f"{kind}.csv",
        content=csv_bytes(rows),
        by=director,
        duplicates=duplicates,
    )
    assert job is not None, report.errors
    imports.import_job_confirm(job=job, by=director, accept_conflicts=accept)
    imports.import_job_process(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.report
    return job


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    from clients import tasks

    monkeypatch.setattr(tasks.import_job_run, "delay", lambda job_id: None)


def test_it_restores_the_exact_earlier_values_and_reports_what_it_could_not(director, sales):
    anna = services.client_create(
        by=None,
        name="Anna",
        email="anna@example.com",
        notes="Old notes",
        birthday=dt.date(1990, 5, 17),
        phones=["+79123456789"],
    )
    boris = services.client_create(by=None, name="Boris", email="boris@example.com", notes="B")
    services.consent_record(client=anna, channel="sms", granted=False, method="web_form")
    job = run_job(
        director,
        [
            ["name", "email", "notes", "birthday", "phones", "originator", "consent_sms"],
            ["Anna", "anna@example.com", "New notes", "1991-01-02", "+79031234567", "sasha", "yes"],
            ["Boris", "boris@example.com", "Imported", "", "", "", ""],
            ["Vera", "vera@example.com", "", "", "", "", ""],
        ],
    )
    anna.refresh_from_db()
    assert (anna.notes, anna.birthday, anna.originator) == (
        "New notes",
        dt.date(1991, 1, 2),
        sales,
    )
    # Someone edits Boris after the import: his notes are no longer the import's.
    boris.refresh_from_db()
    services.client_update(client=boris, by=director, notes="Typed by hand")

    result = imports.import_job_revert(job=job, by=director)

    anna.refresh_from_db()
    assert (anna.notes, anna.birthday, anna.originator) == ("Old notes", dt.date(1990, 5, 17), None)
    assert [phone.number.as_e164 for phone in anna.phones.all()] == ["+79123456789"]
    assert services.consent_current(client=anna)["sms"] is False
    boris.refresh_from_db()
    assert boris.notes == "Typed by hand"
    assert [(item.client_id, item.field) for item in result.not_reverted] == [(boris.pk, "notes")]
    vera = Client.objects.get(name="Vera")
    assert vera.archived_at is not None
    assert result.clients_archived == 1
    job.refresh_from_db()
    assert job.report["revert"]["not_reverted"][0]["reason"] == "Changed again since."


def test_created_orders_are_cancelled_and_events_on_existing_orders_listed(director, sales):
    buyer = make_client(originator=sales, name="Anna", email="anna@example.com")
    placed = (timezone.now() - dt.timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    job = run_job(
        director,
        [
            ["external_id", "client_email", "amount", "placed_at"],
            ["SHOP-1", "anna@example.com", "1000", placed],
        ],
        kind="orders",
    )
    order = buyer.orders.get()
    assert ImportChange.objects.filter(job=job, kind="order").count() == 1

    result = imports.import_job_revert(job=job, by=director)

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert result.orders_cancelled == 1


def test_it_reverts_once_and_only_within_30_days(director):
    services.client_create(by=None, name="Anna", email="anna@example.com")
    job = run_job(director, [["name", "email", "notes"], ["Anna", "anna@example.com", "x"]])

    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=31)),
        pytest.raises(ValidationError),
    ):
        imports.import_job_revert(job=job, by=director)

    imports.import_job_revert(job=job, by=director)
    with pytest.raises(ValidationError):
        imports.import_job_revert(job=job, by=director)
    assert Client.objects.get().notes == ""
