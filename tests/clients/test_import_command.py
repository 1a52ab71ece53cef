"""manage.py import_data: the same checks and rules as the page, a report on the console and
a failing exit (CommandError) when a row or the file is bad."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from clients import services
from clients.models import Client, Order, StageChange
from tests.clients.fixtures.imports import csv_bytes, xlsx_bytes

CLIENTS = [
    ["name", "email", "phones"],
    ["Anna", "anna@example.com", "+79123456789"],
    ["Boris", "boris@example.com", ""],
]


def write(tmp_path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_data", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_it_reports_a_dry_run_and_changes_nothing(db, tmp_path):
    path = write(tmp_path, "clients.csv", csv_bytes(CLIENTS))

    output = run(path, "--dry-run")

    assert "clients.csv: 2 row(s) of clients." in output
    assert "2 clients to create" in output
    assert "Dry run: nothing was changed." in output
    assert not Client.objects.exists()


def test_it_imports_and_records_who_did_it(director, tmp_path):
    path = write(tmp_path, "clients.xlsx", xlsx_bytes(CLIENTS))

    output = run(path, "--kind", "clients", "--user", "dina")

    assert "2 clients created" in output
    assert "Imported." in output
    assert Client.objects.count() == 2
    assert set(StageChange.objects.values_list("changed_by", flat=True)) == {director.pk}


def test_it_imports_orders(db, tmp_path):
    services.client_create(by=None, name="Anna", email="anna@example.com")
    path = write(
        tmp_path,
        "orders.csv",
        csv_bytes(
            [
                ["external_id", "client", "amount", "placed_at"],
                ["A-1", "anna@example.com", "1 500,00", "01.03.2024"],
            ],
            delimiter=";",
        ),
    )

    output = run(path, "--kind", "orders")

    assert "1 order created" in output
    assert Order.objects.get().external_id == "A-1"


def test_it_fails_with_every_bad_row_and_imports_nothing(db, tmp_path):
    path = write(
        tmp_path,
        "clients.csv",
        csv_bytes([["name", "email"], ["Anna", "anna@example.com"], ["", "nope"]]),
    )
    out = StringIO()

    with pytest.raises(CommandError, match="1 bad row"):
        call_command("import_data", path, stdout=out, stderr=StringIO())

    assert "row 3, name: Required." in out.getvalue()
    assert "row 3, email: “nope” is not an e-mail address." in out.getvalue()
    assert not Client.objects.exists()


def test_it_fails_on_a_file_it_cannot_read(db, tmp_path):
    path = write(tmp_path, "clients.xlsx", b"not a workbook")
    err = StringIO()

    with pytest.raises(CommandError, match="file cannot be imported"):
        call_command("import_data", path, stdout=StringIO(), stderr=err)

    assert "This is not an XLSX file" in err.getvalue()


def test_it_explains_a_missing_file_and_an_unknown_user(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "missing.csv"))
    path = write(tmp_path, "clients.csv", csv_bytes(CLIENTS))
    with pytest.raises(CommandError, match="no active user 'ghost'"):
        run(path, "--user", "ghost")


def test_its_help_lists_the_columns_and_the_duplicate_rule(capsys):
    with pytest.raises(SystemExit):
        call_command("import_data", "--help")

    help_text = capsys.readouterr().out
    assert "external_id *" in help_text
    assert "consent_email" in help_text
    assert "--duplicates skip" in help_text
