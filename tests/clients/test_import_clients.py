"""Importing clients: what a row becomes, every bad row, dry runs, duplicates, all or nothing."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from clients import services
from clients.imports import MAX_CELL_CHARS, apply, import_file
from clients.models import Client, Consent, StageChange
from tests.clients.fixtures.imports import csv_bytes, problems, run_import, xlsx_bytes

HEADER = [
    "name",
    "kind",
    "contact_person",
    "phones",
    "email",
    "postal_address",
    "time_zone",
    "language",
    "birthday",
    "source",
    "originator",
    "account_manager",
    "notes",
    "consent_email",
    "consent_sms",
]


def test_it_imports_a_client_with_every_column(sales, account, director):
    report = run_import(
        [
            HEADER,
            [
                "ООО Ромашка",
                "company",
                "Иван Петров",
                "8 (912) 345-67-89; +7 903 123 45 67, 8-903-123-45-67",
                "info@romashka.ru",
                "Москва, Тверская 1",
                "Asia/Yekaterinburg",
                "ru",
                "31.03.1980",
                "shop",
                "Sasha",  # usernames in any case
                "anna",
                "Prefers mornings",
                "yes",
                "нет",
            ],
        ],
        by=director,
    )

    assert report.ok, report.errors
    assert report.applied
    assert (report.created, report.updated, report.skipped) == (1, 0, 0)
    client = Client.objects.get()
    assert client.name == "ООО Ромашка"
    assert client.kind == Client.Kind.COMPANY
    assert client.contact_person == "Иван Петров"
    assert client.email == "info@romashka.ru"
    assert client.time_zone == "Asia/Yekaterinburg"
    assert client.language == "ru"
    assert client.birthday == dt.date(1980, 3, 31)
    assert client.source == Client.Source.SHOP
    assert client.originator == sales
    assert client.account_manager == account
    assert client.notes == "Prefers mornings"
    assert [(str(phone.number), phone.is_primary) for phone in client.phones.all()] == [
        ("+79123456789", True),
        ("+79031234567", False),
    ]
    consents = {c.channel: (c.granted, c.method, c.recorded_by) for c in client.consents.all()}
    assert consents == {
        "email": (True, Consent.Method.IMPORT, director),
        "sms": (False, Consent.Method.IMPORT, director),
    }
    # Created through the service: the lifecycle's first entry is there.
    assert StageChange.objects.get(client=client).to_stage == "prospect"


def test_it_fills_defaults_for_the_columns_a_file_leaves_out(db):
    report = run_import([["Name"], ["Anna"]])

    client = Client.objects.get()
    assert report.applied
    assert client.kind == Client.Kind.PERSON
    assert client.source == Client.Source.IMPORT
    assert client.time_zone == "Europe/Moscow"
    assert not client.phones.exists()


def test_it_reads_an_xlsx_file_with_typed_cells(sales):
    content = xlsx_bytes(
        [
            ["name", "phones", "birthday", "originator", "consent_call"],
            ["Anna", 79123456789, dt.datetime(1990, 5, 17), "sasha", True],
        ]
    )

    report = import_file(kind="clients", content=content, filename="c.xlsx", by=None, dry_run=False)

    assert report.applied, report.errors
    client = Client.objects.get()
    assert str(client.phones.get().number) == "+79123456789"
    assert client.birthday == dt.date(1990, 5, 17)
    assert client.originator == sales
    assert client.consents.get().granted is True


def test_a_dry_run_says_what_would_change_and_changes_nothing(sales):
    services.client_create(by=None, name="Anna", email="anna@example.com", notes="old")
    services.client_create(by=None, name="Boris", phones=["+79123456789"])
    before = list(Client.objects.values_list("name", "notes", "updated_at"))

    report = run_import(
        [
            ["name", "email", "phones", "notes", "consent_email"],
            ["Anna", "ANNA@example.com", "", "new notes", "yes"],  # existing, would change
            ["Boris", "", "8 912 345 67 89", "", ""],  # existing, nothing new
            ["Vera", "vera@example.com", "", "", "yes"],  # new
        ],
        dry_run=True,
    )

    assert report.ok
    assert not report.applied
    assert (report.created, report.updated, report.skipped) == (1, 1, 1)
    assert report.summary() == [
        "1 client to create",
        "1 client already in the CRM to update",
        "1 client already in the CRM to leave as it is",
    ]
    assert list(Client.objects.values_list("name", "notes", "updated_at")) == before
    assert not Consent.objects.exists()


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"name": ""}, "name", "Required."),
        ({"name": "x" * 201}, "name", "Longer than 200 characters."),
        ({"kind": "robot"}, "kind", "“robot” is not one of: person, company."),
        ({"email": "not-an-email"}, "email", "is not an e-mail address"),
        ({"phones": "12345"}, "phones", "is not a valid phone number"),
        ({"phones": "+7 912 345-67-89; call me"}, "phones", "“call me” is not a valid phone"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "is not a time zone"),
        ({"language": "de"}, "language", "is not one of: en, ru"),
        ({"birthday": "12/31/1990"}, "birthday", "is not a date"),
        ({"birthday": "2999-01-01"}, "birthday", "cannot be in the future"),
        ({"source": "tv"}, "source", "is not one of"),
        ({"originator": "nobody"}, "originator", "There is no active user “nobody”."),
        ({"originator": "anna"}, "originator", "“anna” is not a sales manager."),
        ({"account_manager": "sasha"}, "account_manager", "is not an account manager"),
        ({"consent_sms": "maybe"}, "consent_sms", "neither yes nor no"),
        ({"client_id": "999999"}, "client_id", "There is no client 999999."),
        ({"client_id": "abc"}, "client_id", "is not an id"),
        ({"notes": "x" * (MAX_CELL_CHARS + 1)}, "notes", "longer than 10000 characters"),
    ],
)
def test_it_names_the_row_and_column_of_every_bad_cell(sales, account, cells, column, message):
    columns = ["name", "contact_person", *(name for name in cells if name != "name")]
    row = {"name": "Good name", "contact_person": "Someone", **cells}

    report = run_import(
        [columns, ["Fine", *([""] * (len(columns) - 1))], [row[name] for name in columns]]
    )

    assert not report.ok
    assert not report.applied
    assert problems(report) == [(3, column)]
    assert message in report.errors[0].message
    assert not Client.objects.exists()  # the good row is not imported either


def test_it_reports_every_problem_of_every_row_in_one_pass(db):
    report = run_import(
        [
            ["name", "email", "phones"],
            ["", "bad", "123"],
            ["Fine", "fine@example.com", ""],
            ["Also bad", "", "nonsense"],
        ]
    )

    assert problems(report) == [(2, "name"), (2, "email"), (2, "phones"), (4, "phones")]
    assert report.bad_rows == 2
    assert report.summary() == ["2 bad rows out of 3: nothing is imported until they are fixed."]


def test_a_row_with_a_separator_outside_quotes_is_bad(db):
    content = b"name,email\nPetrov, Ivan,ivan@example.com\n"

    report = import_file(kind="clients", content=content, filename="c.csv", by=None, dry_run=True)

    # The shifted cells are wrong too (" Ivan" as the e-mail): the row says why first.
    assert problems(report)[0] == (2, "")
    assert "a value under no column name" in report.errors[0].message


def test_it_names_a_missing_required_column_and_the_columns_it_ignores(db):
    report = run_import([["full_name", "email", "shoe size"], ["Anna", "a@example.com", "38"]])

    assert report.file_errors == [
        "The column “name” is missing: the first row must name the columns."
    ]
    assert report.notices == ["Columns not used: full_name, shoe_size."]
    assert report.summary() == []
    assert not Client.objects.exists()


def test_a_file_that_cannot_be_read_is_a_file_error_not_an_exception(db):
    report = import_file(
        kind="clients", content=b"PK\x03\x04junk", filename="c.xlsx", by=None, dry_run=False
    )

    assert not report.ok
    assert "cannot be read" in report.file_errors[0]


def test_it_imports_all_or_nothing(sales):
    rows = [["name", "email"], *([f"Client {n}", f"c{n}@example.com"] for n in range(5))]
    rows.append(["Broken", "not-an-email"])

    report = run_import(rows)

    assert problems(report) == [(7, "email")]
    assert not Client.objects.exists()


def test_a_failure_while_writing_rolls_back_every_row(db, monkeypatch):
    real_create = services.client_create
    calls = []

    def create_then_fail(**kwargs):
        calls.append(kwargs["name"])
        if len(calls) == 3:
            raise ValidationError({"email": ["Refused by a rule the check did not know."]})
        return real_create(**kwargs)

    monkeypatch.setattr(apply, "client_create", create_then_fail)

    report = run_import([["name"], ["A"], ["B"], ["C"], ["D"]])

    assert calls == ["A", "B", "C"]
    assert not report.applied
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (4, "email", "Refused by a rule the check did not know.")
    ]
    assert not Client.objects.exists()
    assert not StageChange.objects.exists()


def test_importing_the_same_file_twice_changes_nothing_the_second_time(sales):
    rows = [
        ["name", "email", "phones", "originator", "consent_call"],
        ["Anna", "anna@example.com", "+79123456789", "sasha", "yes"],
        ["Boris", "", "+79031234567; +79161234567", "", "no"],
        ["Vera", "vera@example.com", "", "", ""],
    ]

    first = run_import(rows)
    second = run_import(rows)

    assert (first.created, first.updated, first.skipped) == (3, 0, 0)
    assert (second.created, second.updated, second.skipped) == (0, 0, 3)
    assert Client.objects.count() == 3
    assert Consent.objects.count() == 2


def test_an_existing_client_gets_the_non_empty_cells_and_new_phones(sales):
    client = services.client_create(
        by=None, name="Anna", email="anna@example.com", notes="Keep me", phones=["+79123456789"]
    )

    report = run_import(
        [
            ["name", "email", "phones", "notes", "postal_address", "originator"],
            ["Anna Petrova", "Anna@Example.com", "+79031234567", "", "Moscow", "sasha"],
        ],
        accept_conflicts=[2],  # another name: applied only because it is accepted
    )

    assert (report.created, report.updated, report.skipped) == (0, 1, 0)
    client.refresh_from_db()
    assert client.name == "Anna Petrova"
    assert client.email == "anna@example.com"  # the same address, not rewritten
    assert client.notes == "Keep me"
    assert client.postal_address == "Moscow"
    assert client.originator == sales
    assert [(str(p.number), p.is_primary) for p in client.phones.all()] == [
        ("+79123456789", True),
        ("+79031234567", False),
    ]


def test_client_id_names_the_client_to_update_even_with_a_new_email(db):
    client = services.client_create(by=None, name="Anna", email="old@example.com")

    report = run_import([["client_id", "name", "email"], [client.pk, "Anna", "new@example.com"]])

    assert report.updated == 1
    client.refresh_from_db()
    assert client.email == "new@example.com"
    assert Client.objects.count() == 1


def test_the_skip_rule_leaves_existing_clients_alone(db):
    client = services.client_create(by=None, name="Anna", email="anna@example.com")

    report = run_import(
        [["name", "email", "notes"], ["Anna P.", "anna@example.com", "new"], ["Vera", "", ""]],
        duplicates="skip",
    )

    assert (report.created, report.updated, report.skipped) == (1, 0, 1)
    client.refresh_from_db()
    assert (client.name, client.notes) == ("Anna", "")


def test_a_row_matching_two_different_clients_is_bad(db):
    services.client_create(by=None, name="Anna", email="anna@example.com")
    services.client_create(by=None, name="Boris", phones=["+79123456789"])

    report = run_import([["name", "email", "phones"], ["?", "anna@example.com", "89123456789"]])

    assert problems(report) == [(2, "email")]
    assert "match 2 different clients" in report.errors[0].message


def test_a_client_repeated_in_the_file_is_bad(db):
    report = run_import(
        [
            ["name", "email", "phones"],
            ["Anna", "anna@example.com", "+79123456789"],
            ["Anna again", "ANNA@example.com", ""],
            ["Anna's phone", "", "8 912 345 67 89"],
        ]
    )

    assert problems(report) == [(3, "email"), (4, "phones")]
    assert "is also in row 2" in report.errors[0].message
    assert not Client.objects.exists()


def test_consent_is_recorded_only_when_it_changes(db):
    client = services.client_create(by=None, name="Anna", email="anna@example.com")
    services.consent_record(client=client, channel="email", granted=True, method="web_form")

    report = run_import(
        [
            ["name", "email", "consent_email", "consent_sms"],
            ["Anna", "anna@example.com", "yes", "no"],
        ]
    )

    assert report.updated == 1
    assert services.consent_current(client=client)["sms"] is False
    assert client.consents.count() == 2  # the web form's e-mail consent and the new SMS one


def test_semicolon_files_from_russian_excel_import(sales):
    content = csv_bytes(
        [
            ["Имя", "name", "phones"],
            ["не используется", "Анна", "8 (912) 345-67-89, 8 903 123 45 67"],
        ],
        delimiter=";",
        encoding="cp1251",
    )

    report = import_file(kind="clients", content=content, filename="c.csv", by=None, dry_run=False)

    assert report.applied, report.errors
    assert report.notices == ["Columns not used: имя."]
    assert Client.objects.get().phones.count() == 2
