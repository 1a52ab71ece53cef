"""Imports never overwrite a client silently: every match is listed with its key and each
field's old → new value, a row naming someone else on a matched client is a conflict left
alone unless accepted, and the default fills only what the CRM has empty."""

from clients import services
from clients.models import Client
from tests.clients.fixtures.imports import run_import


def elena() -> Client:
    return services.client_create(
        by=None, name="Елена Волкова", email="elena@example.com", phones=["+79123456789"]
    )


def test_a_phone_matched_row_with_another_name_is_a_conflict_and_is_not_applied(db):
    client = elena()

    report = run_import(
        [["name", "email", "phones"], ["Пётр Иванов", "petr@example.com", "89123456789"]],
        duplicates="fill",
    )

    assert report.applied
    [match] = report.matches
    assert match["conflict"] is True
    assert match["applied"] is False
    assert (match["matched_on"], match["client_id"], match["row_name"]) == (
        "phones",
        client.pk,
        "Пётр Иванов",
    )
    assert report.conflicts == [match]
    assert (report.created, report.updated, report.skipped) == (0, 0, 1)
    client.refresh_from_db()
    assert (client.name, client.email) == ("Елена Волкова", "elena@example.com")


def test_the_overwrite_rule_does_not_apply_a_conflict_either(db):
    client = elena()

    report = run_import(
        [["name", "email", "phones"], ["Пётр Иванов", "petr@example.com", "89123456789"]],
        duplicates="update",
    )

    assert report.matches[0]["applied"] is False
    client.refresh_from_db()
    assert client.name == "Елена Волкова"


def test_an_accepted_conflict_is_applied(db):
    client = elena()

    run_import(
        [["name", "email", "phones"], ["Пётр Иванов", "petr@example.com", "89123456789"]],
        duplicates="update",
        accept_conflicts=[2],
    )

    client.refresh_from_db()
    assert (client.name, client.email) == ("Пётр Иванов", "petr@example.com")


def test_case_spacing_and_yo_are_the_same_name(db):
    services.client_create(by=None, name="Пётр  Иванов", phones=["+79123456789"])

    report = run_import(
        [["name", "phones", "notes"], ["петр иванов", "89123456789", "VIP"]], duplicates="fill"
    )

    assert report.matches[0]["conflict"] is False
    assert report.matches[0]["applied"] is True


def test_fill_empty_is_the_default_and_lists_what_it_kept(db):
    client = services.client_create(
        by=None, name="Anna", email="anna@example.com", notes="Keep me", postal_address=""
    )
    from clients.imports import import_file
    from tests.clients.fixtures.imports import csv_bytes

    report = import_file(
        kind="clients",
        content=csv_bytes(
            [
                ["name", "email", "notes", "postal_address"],
                ["Anna", "anna@example.com", "Overwrite me", "Moscow"],
            ]
        ),
        filename="clients.csv",
        by=None,
        dry_run=False,
    )

    client.refresh_from_db()
    assert (client.notes, client.postal_address) == ("Keep me", "Moscow")
    [match] = report.matches
    assert match["matched_on"] == "email"
    assert match["changes"] == [["postal_address", "", "Moscow"]]
    assert match["kept"] == [["notes", "Keep me", "Overwrite me"]]


def test_the_overwrite_rule_lists_old_and_new_values(db):
    services.client_create(by=None, name="Anna", email="anna@example.com", notes="Old")

    report = run_import(
        [["name", "email", "notes"], ["Anna", "anna@example.com", "New"]],
        duplicates="update",
        dry_run=True,
    )

    assert report.matches[0]["changes"] == [["notes", "Old", "New"]]
    assert Client.objects.get().notes == "Old"
