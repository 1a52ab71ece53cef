"""Export of the client list: the list's filters over the visible clients, cells that cannot run
as formulas, a fixed number of queries, and a file that imports back."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from clients import services
from clients.exports import EXPORT_COLUMNS, neutralise
from clients.imports import import_file
from clients.models import Client
from tests.clients.fixtures.imports import xlsx_rows
from tests.helpers import assert_queries_flat


def export(client, file_format: str = "csv", **filters: str):
    response = client.get(reverse("clients:export"), {"format": file_format, **filters})
    assert response.status_code == 200, response.content
    if file_format == "csv":
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def names(text: str) -> list[str]:
    return [row[1] for row in csv_rows(text)[1:]]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+79123456789", "'+79123456789"),
        ("-5", "'-5"),  # text: a spreadsheet would compute it
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Anna", "Anna"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),  # a number is data, however it starts
        (Decimal("-5.50"), Decimal("-5.50")),
        (-0.5, -0.5),
        (None, None),
        (dt.date(2024, 1, 1), dt.date(2024, 1, 1)),
    ],
)
def test_it_neutralises_text_that_would_run_as_a_formula_only(value, expected):
    assert neutralise(value) == expected


def test_it_exports_the_visible_clients_as_csv(client, sales, account):
    anna = services.client_create(
        by=None,
        name="Anna",
        email="anna@example.com",
        phones=["+79123456789", "+79031234567"],
        originator=sales,
        account_manager=account,
        birthday=dt.date(1990, 5, 17),
        notes="Line one\nline two",
    )
    services.consent_record(client=anna, channel="email", granted=True, method="web_form")
    services.consent_record(client=anna, channel="sms", granted=False, method="phone")
    client.force_login(sales)

    response = client.get(reverse("clients:export"), {"format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="clients-')
    assert text.startswith("\ufeff")
    header, row = csv_rows(text)
    assert header == list(EXPORT_COLUMNS)
    values = dict(zip(header, row, strict=True))
    assert values["client_id"] == str(anna.pk)
    assert values["phones"] == "'+79123456789; +79031234567"
    assert values["originator"] == "sasha"
    assert values["account_manager"] == "anna"
    assert values["birthday"] == "1990-05-17"
    assert values["notes"] == "Line one\nline two"
    assert (values["consent_email"], values["consent_sms"], values["consent_call"]) == (
        "yes",
        "no",
        "",
    )
    assert values["stage"] == "prospect"


def test_formulas_are_neutralised_in_csv_and_xlsx(client, director):
    services.client_create(
        by=None,
        name='=HYPERLINK("http://evil.example","Click")',
        notes="@SUM(1+1)*cmd|' /C calc'!A0",
    )
    # Saved before names refused control characters: the export still meets such rows.
    old = services.client_create(by=None, name="-5")
    Client.objects.filter(pk=old.pk).update(contact_person="\x01=1+2")
    client.force_login(director)

    rows = csv_rows(export(client, "csv"))
    assert [row[1] for row in rows[1:]] == ["'-5", '\'=HYPERLINK("http://evil.example","Click")']
    assert rows[2][13] == "'@SUM(1+1)*cmd|' /C calc'!A0"

    content = export(client, "xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in cells)  # nothing is stored as a formula
    assert sheet["B3"].value == '\'=HYPERLINK("http://evil.example","Click")'
    assert sheet["B2"].value == "'-5"
    assert isinstance(sheet["A2"].value, int)  # the id stays a number
    # A control character XML cannot hold is dropped before the check, not after.
    assert sheet["D2"].value == "'=1+2"


def test_it_exports_xlsx(client, director):
    services.client_create(by=None, name="Anna", birthday=dt.date(1990, 5, 17))
    client.force_login(director)

    response = client.get(reverse("clients:export"), {"format": "xlsx"})

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    header, row = xlsx_rows(response.content)
    values = dict(zip(header, row, strict=True))
    assert values["name"] == "Anna"
    assert values["birthday"] == dt.datetime(1990, 5, 17)
    assert isinstance(values["client_id"], int)
    assert isinstance(values["created_at"], dt.datetime)


def test_each_manager_exports_only_their_own_clients(
    client, sales, other_sales, account, other_account, director
):
    services.client_create(by=None, name="Sasha's", originator=sales)
    services.client_create(by=None, name="Semyon's", originator=other_sales)
    services.client_create(by=None, name="Anna's", account_manager=account)
    services.client_create(by=None, name="Arkady's", account_manager=other_account)

    expected = {
        sales: ["Sasha's"],
        other_sales: ["Semyon's"],
        account: ["Anna's"],
        director: ["Anna's", "Arkady's", "Sasha's", "Semyon's"],
    }
    for user, visible in expected.items():
        client.force_login(user)
        assert names(export(client, "csv")) == visible
        _header, *rows = xlsx_rows(export(client, "xlsx"))
        assert [row[1] for row in rows] == visible


def test_it_applies_the_list_filters(client, director, sales):
    services.client_create(by=None, name="Anna", email="anna@example.com", originator=sales)
    services.client_create(by=None, name="Boris", phones=["+79123456789"])
    archived = services.client_create(by=None, name="Vera")
    services.client_archive(client=archived, by=None)
    client.force_login(director)

    assert names(export(client)) == ["Anna", "Boris"]
    assert names(export(client, q="8 912 345-67-89")) == ["Boris"]
    assert names(export(client, q="anna@")) == ["Anna"]
    assert names(export(client, manager=str(sales.pk))) == ["Anna"]
    assert names(export(client, stage="client")) == []
    assert names(export(client, archived="true")) == ["Vera"]


def test_bad_parameters_are_a_400_not_a_500(client, director):
    client.force_login(director)

    assert client.get(reverse("clients:export"), {"format": "pdf"}).status_code == 400
    assert client.get(reverse("clients:export"), {"stage": "nonsense"}).status_code == 400


def test_a_user_without_a_role_cannot_export(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody"))

    assert client.get(reverse("clients:export")).status_code == 404


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_queries_do_not_grow_with_the_clients(client, director, sales, file_format):
    client.force_login(director)

    def add_clients(count: int) -> None:
        for number in range(Client.objects.count(), Client.objects.count() + count):
            made = services.client_create(
                by=None, name=f"Client {number}", phones=[f"+7912{number:07d}"], originator=sales
            )
            services.consent_record(client=made, channel="call", granted=True, method="phone")

    def rows() -> list:
        content = export(client, file_format)
        return csv_rows(content) if file_format == "csv" else xlsx_rows(content)

    flat = assert_queries_flat(add_clients, rows)

    assert (len(flat.few), len(flat.many)) == (3 + 1, 30 + 1)


def test_an_exported_list_imports_back_unchanged(client, director, sales, account):
    anna = services.client_create(
        by=None,
        name="=Anna",
        email="anna@example.com",
        phones=["+79123456789"],
        originator=sales,
        account_manager=account,
        birthday=dt.date(1990, 5, 17),
        time_zone="Asia/Yekaterinburg",
    )
    services.consent_record(client=anna, channel="email", granted=True, method="web_form")
    services.client_create(by=None, name="No contacts at all")
    client.force_login(director)

    for file_format, filename in (("csv", "clients.csv"), ("xlsx", "clients.xlsx")):
        content = export(client, file_format)
        content = content.encode() if isinstance(content, str) else content

        report = import_file(
            kind="clients", content=content, filename=filename, by=director, dry_run=False
        )

        assert report.applied, report.errors
        assert (report.created, report.updated, report.skipped) == (0, 0, 2)
        assert report.notices == ["Columns not used: stage, created_at."]
    anna.refresh_from_db()
    assert anna.name == "=Anna"
