"""Reading files and cells: every way a file can be right or wrong, before any database."""

import datetime as dt
from decimal import Decimal

import pytest

from clients.imports import (
    MAX_CELL_CHARS,
    ImportFileError,
    ImportReport,
    RowError,
    cell_text,
    parse_amount,
    parse_date,
    parse_flag,
    parse_moment,
    read_table,
    status_events,
)
from tests.clients.fixtures.imports import csv_bytes, xlsx_bytes
from tests.helpers import at

ROWS = [["Name", "Phones", "E-mail"], ["Иван Петров", "+7 912 345-67-89; 8 (903) 123-45-67", ""]]


def cells(content: bytes, filename: str = "clients.csv") -> list[dict]:
    return [row.cells for row in read_table(content=content, filename=filename).rows]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_it_reads_csv_with_either_delimiter(delimiter):
    table = read_table(content=csv_bytes(ROWS, delimiter=delimiter), filename="clients.csv")

    assert table.columns == ["name", "phones", "e_mail"]
    assert table.rows[0].number == 2
    assert table.rows[0].cells["name"] == "Иван Петров"
    assert table.rows[0].cells["phones"] == "+7 912 345-67-89; 8 (903) 123-45-67"


@pytest.mark.parametrize(
    "encoded",
    [
        csv_bytes(ROWS, encoding="utf-8"),
        csv_bytes(ROWS, encoding="utf-8-sig"),  # Excel's "CSV UTF-8" starts with a BOM
        csv_bytes(ROWS, delimiter=";", encoding="cp1251"),  # Russian Excel's plain "CSV"
        csv_bytes(ROWS, delimiter="\t", encoding="utf-16"),  # Excel's "Unicode text"
    ],
    ids=["utf-8", "utf-8-bom", "cp1251", "utf-16"],
)
def test_it_reads_every_encoding_excel_writes(encoded):
    table = read_table(content=encoded, filename="clients.csv")

    assert table.columns[0] == "name"
    assert table.rows[0].cells["name"] == "Иван Петров"


def test_it_reads_quoted_cells_with_separators_and_line_breaks():
    content = csv_bytes([["name", "postal_address"], ["Ivan", "Moscow,\nTverskaya 1"]])

    assert cells(content) == [{"name": "Ivan", "postal_address": "Moscow,\nTverskaya 1"}]


def test_it_skips_empty_rows_and_keeps_the_row_numbers_a_spreadsheet_shows():
    content = csv_bytes([["name"], ["Anna"], [""], ["Boris"]])

    table = read_table(content=content, filename="clients.csv")

    assert [(row.number, row.cells["name"]) for row in table.rows] == [(2, "Anna"), (4, "Boris")]


def test_it_reads_xlsx_with_typed_cells():
    content = xlsx_bytes(
        [
            ["Name", "phones", "birthday", "amount"],
            ["Anna", 79123456789, dt.datetime(1990, 5, 17), 1234.5],
            [None, None, None, None],
            ["Boris", "+7 903 123 45 67", None, 10],
        ],
        sheets=2,
    )

    table = read_table(content=content, filename="clients.xlsx")

    assert table.columns == ["name", "phones", "birthday", "amount"]
    assert [row.number for row in table.rows] == [2, 4]
    first = table.rows[0].cells
    assert first["phones"] == 79123456789
    assert first["birthday"] == dt.datetime(1990, 5, 17)
    assert table.notices == ["Only the first sheet, “Data”, was read."]


def test_it_reads_an_xlsx_file_by_its_content_whatever_its_name():
    content = xlsx_bytes([["name"], ["Anna"]])

    assert cells(content, "renamed.csv") == [{"name": "Anna"}]


def test_it_marks_a_row_with_more_cells_than_columns():
    content = csv_bytes([["name", "email"], ["Petrov", "Ivan", "ivan@example.com"]])

    table = read_table(content=content, filename="clients.csv")

    assert table.rows[0].extra_cells


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"name\nAnna\n", "clients.pdf", "Upload a CSV or XLSX file."),
        (b"", "clients.csv", "The file is empty."),
        (b" \r\n\r\n", "clients.csv", "The file is empty."),
        (csv_bytes([["name"]]), "clients.csv", "The file has column names but no rows"),
        (b"PK\x03\x04 not really a zip", "clients.xlsx", "The XLSX file cannot be read"),
        (b"name\nAnna\n", "clients.xlsx", "This is not an XLSX file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "clients.xls", "Upload a CSV"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old.csv", "old Excel file (.xls)"),
        (b"name\x00\x01\x02\nAnna\n", "clients.csv", "does not look like a CSV file"),
        (csv_bytes([["name", "Name"], ["a", "b"]]), "c.csv", "more than once: name"),
    ],
    ids=[
        "wrong type",
        "empty",
        "blank lines",
        "header only",
        "broken xlsx",
        "text named xlsx",
        "xls name",
        "xls content",
        "binary",
        "repeated column",
    ],
)
def test_it_refuses_files_it_cannot_read_with_a_clear_message(content, filename, message):
    with pytest.raises(ImportFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_table(content=content, filename=filename)


def test_it_refuses_an_xlsx_file_with_a_damaged_sheet():
    content = xlsx_bytes([["name"], ["Anna"]])
    # Same zip, the sheet's XML cut in the middle.
    import io
    import zipfile

    damaged = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(damaged, "w") as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(info, data)

    with pytest.raises(ImportFileError, match="cannot be read"):
        read_table(content=damaged.getvalue(), filename="clients.xlsx")


def test_it_refuses_too_many_rows(settings):
    settings.IMPORT_MAX_ROWS = 3

    with pytest.raises(ImportFileError, match="more than 3 rows"):
        read_table(content=csv_bytes([["name"]] + [[f"c{n}"] for n in range(4)]), filename="a.csv")
    assert (
        len(read_table(content=csv_bytes([["name"], ["a"], ["b"], ["c"]]), filename="a.csv").rows)
        == 3
    )


def test_it_refuses_too_large_a_file(settings):
    settings.IMPORT_MAX_FILE_BYTES = 1024 * 1024

    with pytest.raises(ImportFileError, match="larger than 1 MB"):
        read_table(content=b"name\n" + b"x" * (1024 * 1024), filename="a.csv")


def test_it_refuses_a_cell_bigger_than_the_csv_reader_takes():
    content = b'name,notes\nAnna,"' + b"x" * 200_000 + b'"\n'

    with pytest.raises(ImportFileError, match="near line"):
        read_table(content=content, filename="clients.csv")


def test_a_long_cell_is_read_and_left_to_the_row_check():
    content = csv_bytes([["name", "notes"], ["Anna", "x" * (MAX_CELL_CHARS + 1)]])

    assert len(cells(content)[0]["notes"]) == MAX_CELL_CHARS + 1


# --- cells ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1234.50", Decimal("1234.50")),
        ("1 234,50", Decimal("1234.50")),
        ("1\u00a0234,50", Decimal("1234.50")),  # Excel's thousands separator is a no-break space
        ("1,234.50", Decimal("1234.50")),
        ("1.234,50", Decimal("1234.50")),
        ("1,234,567", Decimal("1234567")),
        ("1,5", Decimal("1.5")),
        ("0", Decimal("0")),
        (1500, Decimal("1500")),
        (1234.56, Decimal("1234.56")),
        (1234.5600000000002, Decimal("1234.56")),  # a sum Excel computed
        (Decimal("10.10"), Decimal("10.10")),
    ],
)
def test_it_reads_amounts_written_either_way(value, expected):
    amount = parse_amount(value)

    assert amount == expected
    assert isinstance(amount, Decimal)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-5", "cannot be negative"),
        ("1,234", "more than two decimals"),  # 1.234 or 1234? refused rather than guessed
        ("12.345", "more than two decimals"),
        ("abc", "is not an amount"),
        ("12 руб.", "is not an amount"),
        ("1e5", "is not an amount"),
        ("NaN", "is not an amount"),
        ("1.2.3,4,5", "is not an amount"),
        ("10000000000000", "too large"),
        (True, "is not an amount"),
    ],
)
def test_it_refuses_amounts_it_would_have_to_guess(value, message):
    with pytest.raises(ValueError, match=message):
        parse_amount(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-31", dt.date(2024, 3, 31)),
        ("31.03.2024", dt.date(2024, 3, 31)),
        (dt.datetime(2024, 3, 31, 0, 0), dt.date(2024, 3, 31)),
        (dt.date(2024, 3, 31), dt.date(2024, 3, 31)),
    ],
)
def test_it_reads_dates(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["03/31/2024", "31.02.2024", "tomorrow", 45000])
def test_it_refuses_dates_it_would_have_to_guess(value):
    with pytest.raises(ValueError, match="is not a date"):
        parse_date(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-31 14:30", at(2024, 3, 31, 14, 30)),
        ("31.03.2024 14:30", at(2024, 3, 31, 14, 30)),
        ("31.03.2024", at(2024, 3, 31)),
        ("2024-03-31", at(2024, 3, 31)),
        ("2024-03-31T14:30:00+05:00", dt.datetime(2024, 3, 31, 9, 30, tzinfo=dt.UTC)),
        ("2024-03-31T11:30:00Z", dt.datetime(2024, 3, 31, 11, 30, tzinfo=dt.UTC)),
        (dt.datetime(2024, 3, 31, 14, 30), at(2024, 3, 31, 14, 30)),
    ],
)
def test_it_reads_moments_in_the_company_time_zone_unless_told(value, expected):
    moment = parse_moment(value)

    assert moment == expected
    assert moment.tzinfo is not None


def test_it_refuses_a_moment_it_cannot_read():
    with pytest.raises(ValueError, match="is not a date and time"):
        parse_moment("yesterday at noon")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("yes", True),
        ("Да", True),
        ("1", True),
        (True, True),
        ("no", False),
        ("нет", False),
        (0, False),
    ],
)
def test_it_reads_yes_and_no(value, expected):
    assert parse_flag(value) is expected


def test_it_refuses_a_flag_that_is_neither():
    with pytest.raises(ValueError, match="neither yes nor no"):
        parse_flag("maybe")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (79123456789.0, "79123456789"),
        ("  Anna ", "Anna"),
        ("'=SUM(A1)", "=SUM(A1)"),  # the apostrophe an export adds comes off again
        ("'+79123456789", "+79123456789"),
        ("'quoted'", "'quoted'"),
        (None, ""),
    ],
)
def test_it_reads_cells_as_text(value, expected):
    assert cell_text(value) == expected


# --- statuses -------------------------------------------------------------------------------

AT = at(2024, 3, 1, 12)
EARLIER = at(2024, 2, 28, 12)


@pytest.mark.parametrize(
    ("current", "target", "expected"),
    [
        ("placed", "", []),
        ("placed", "placed", []),
        ("placed", "delivered", [("delivered", AT)]),
        ("placed", "cancelled", [("cancelled", AT)]),
        ("placed", "returned", [("delivered", EARLIER), ("returned", AT)]),
        ("shipped", "ready", []),  # the CRM knows a later status: the file is older
        ("cancelled", "shipped", []),
        ("returned", "delivered", []),
    ],
)
def test_it_turns_a_status_into_the_events_that_lead_there(current, target, expected):
    events = status_events(current=current, target=target, at=AT, delivered_at=EARLIER)

    assert events == expected


@pytest.mark.parametrize(
    ("current", "target"), [("delivered", "cancelled"), ("cancelled", "delivered")]
)
def test_it_refuses_a_status_that_cannot_follow(current, target):
    with pytest.raises(ValueError, match="cannot become"):
        status_events(current=current, target=target, at=AT)


def test_a_report_survives_the_trip_through_json():
    report = ImportReport(
        kind="clients",
        dry_run=True,
        total_rows=3,
        created=1,
        errors=[RowError(row=2, column="email", message="bad")],
        notices=["Columns not used: x."],
    )

    assert ImportReport.from_dict(report.to_dict()) == report


def crafted_xlsx(cells_in_one_row: int) -> bytes:
    """A workbook whose first sheet is one row of very many cells, written by hand (no
    dimension element, no cell references): small on disk, slow for openpyxl to parse."""
    import io
    import zipfile

    row = '<c t="n"><v>1</v></c>' * cells_in_one_row
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData><row r="1">{row}</row></sheetData></worksheet>'
    )
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["name"], ["x"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            target.writestr(info.filename, data)
    return out.getvalue()


def test_it_refuses_a_sheet_of_too_many_cells_before_parsing_it(settings, monkeypatch):
    import clients.imports.files as files

    settings.IMPORT_MAX_CELLS = 1000

    def no_parsing(rows):
        raise AssertionError("the rows were parsed")

    monkeypatch.setattr(files, "_collect", no_parsing)

    with pytest.raises(ImportFileError, match="more than 1000 cells"):
        read_table(content=crafted_xlsx(5000), filename="big.xlsx")


def test_it_refuses_a_csv_of_too_many_cells(settings):
    settings.IMPORT_MAX_CELLS = 1000

    with pytest.raises(ImportFileError, match="more than 1000 cells"):
        read_table(content=b"name" + b";" * 5000 + b"\nx\n", filename="big.csv")


def test_it_reads_a_sheet_within_the_cell_limit(settings):
    settings.IMPORT_MAX_CELLS = 4

    table = read_table(content=xlsx_bytes([["name", "email"], ["a", "b"]]), filename="ok.xlsx")

    assert [row.cells for row in table.rows] == [{"name": "a", "email": "b"}]
