"""The import job page for a clients file: every matched client with its key and old → new
values, conflicts apart with a box to tick, and the revert of an applied import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients import services, tasks
from clients.imports import import_job_process
from clients.models import Client, ImportJob
from tests.clients.fixtures.imports import csv_bytes

FILE = csv_bytes(
    [
        ["name", "email", "phones", "postal_address"],
        ["Пётр Иванов", "petr@example.com", "89123456789", ""],  # Елена's phone: a conflict
        ["Anna", "anna@example.com", "", "Moscow"],  # fills Anna's empty address
    ]
)


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(tasks.import_job_run, "delay", lambda job_id: None)


@pytest.fixture
def clients_in_crm(db) -> tuple[Client, Client]:
    elena = services.client_create(
        by=None, name="Елена Волкова", email="elena@example.com", phones=["+79123456789"]
    )
    anna = services.client_create(by=None, name="Anna", email="anna@example.com")
    return elena, anna


@pytest.fixture
def job(client, director, clients_in_crm) -> ImportJob:
    client.force_login(director)
    response = client.post(
        reverse("clients:import"),
        {"kind": "clients", "duplicates": "fill", "file": SimpleUploadedFile("c.csv", FILE)},
    )
    assert response.status_code == 302
    return ImportJob.objects.get()


def test_it_shows_each_match_with_old_and_new_values_and_the_conflict_apart(
    client, job, clients_in_crm, django_assert_max_num_queries
):
    elena, anna = clients_in_crm
    with django_assert_max_num_queries(8):
        response = client.get(reverse("clients:import_job", args=[job.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Clients already in the CRM" in page
    assert reverse("clients:detail", args=[anna.pk]) in page
    assert "<code>postal_address</code>: — → Moscow" in page
    conflicts = page[page.index("Conflicts: another name on a matched client") :]
    assert elena.name in conflicts
    assert "the file says “Пётр Иванов”" in conflicts
    assert 'name="accept_conflict" value="2"' in conflicts
    assert "<code>phones</code>" in conflicts  # matched on the phone


def test_the_conflict_is_not_applied_unless_ticked(client, job, clients_in_crm):
    elena, anna = clients_in_crm
    client.post(reverse("clients:import_confirm", args=[job.pk]))
    import_job_process(job_id=job.pk)

    elena.refresh_from_db()
    anna.refresh_from_db()
    assert (elena.name, elena.email) == ("Елена Волкова", "elena@example.com")
    assert anna.postal_address == "Moscow"


def test_a_ticked_conflict_is_applied(client, job, clients_in_crm):
    elena, _ = clients_in_crm
    client.post(reverse("clients:import_confirm", args=[job.pk]), {"accept_conflict": ["2"]})
    import_job_process(job_id=job.pk)

    elena.refresh_from_db()
    assert elena.email == "elena@example.com"  # fill: only empty fields, even when accepted
    assert [p.number.as_e164 for p in elena.phones.all()] == ["+79123456789"]


def test_the_page_reverts_an_applied_import(client, job, clients_in_crm):
    _, anna = clients_in_crm
    client.post(reverse("clients:import_confirm", args=[job.pk]))
    import_job_process(job_id=job.pk)
    page = client.get(reverse("clients:import_job", args=[job.pk])).content.decode()
    assert "Revert this import" in page

    response = client.post(reverse("clients:import_revert", args=[job.pk]), follow=True)

    anna.refresh_from_db()
    assert anna.postal_address == ""
    page = response.content.decode()
    assert "The import is reverted." in page
    assert "1 field put back" in page
    assert "Revert this import" not in page


@pytest.mark.parametrize("persona", ["sales", "account"])
def test_managers_get_404(request, client, job, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("clients:import_job", args=[job.pk])).status_code == 404
    assert client.post(reverse("clients:import_revert", args=[job.pk])).status_code == 404
