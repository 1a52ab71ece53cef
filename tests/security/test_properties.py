"""Properties of what reads untrusted input: the import's files, cells, amounts, dates and times,
and phone numbers (with the company's default region), checked with Hypothesis.

Each reader either gives a value of its type that satisfies the rules, or refuses the input
with the error the callers expect (ValueError for a cell — RowReader turns it into a row's
message —, ImportFileError for a file, ValidationError for a phone number); nothing else may
escape. And a valid value, written in any of the ways the import documents, reads back as
itself. The examples are few and derandomized, so a run is quick and the same everywhere.
"""

import contextlib
import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import phonenumbers
import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from rest_framework import serializers

from clients.exports import neutralise, xlsx_cell
from clients.imports import (
    AMOUNT_LIMIT,
    CLIENT_COLUMNS,
    FORMULA_TRIGGERS,
    ORDER_COLUMNS,
    ImportFileError,
    ImportReport,
    Table,
    cell_text,
    import_file,
    parse_amount,
    parse_date,
    parse_flag,
    parse_moment,
    read_table,
)
from clients.serializers import OrderSerializer
from clients.services import EARLIEST_TIME, LATEST_TIME, phone_normalize
from tests.clients.factories import make_client
from tests.clients.fixtures.imports import csv_bytes, xlsx_bytes
from tests.helpers import MSK

# Pure functions: cheap examples. The import, with its queries, gets fewer.
QUICK = settings(max_examples=60, deadline=None, derandomize=True, database=None)
SLOW = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What a spreadsheet cell can hold once openpyxl or the csv module has read it.
any_cell = st.one_of(
    st.text(),
    st.integers(),
    st.floats(),
    st.decimals(),
    st.booleans(),
    st.datetimes(),
    st.dates(),
    st.times(),
)

# --- amounts -------------------------------------------------------------------------------

CENTS = Decimal("0.01")
amounts = st.decimals(min_value=0, max_value=AMOUNT_LIMIT - CENTS, places=2)


def grouped(amount: Decimal, thousands: str, decimals: str) -> str:
    """1234567.5 as "1 234 567,50" (thousands " ", decimals ",") and the like."""
    whole, cents = f"{amount:.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return thousands.join(groups) + decimals + cents


# Every way the import's help says an amount may be written, and the separators a spreadsheet
# in another locale writes (no-break spaces, the Swiss apostrophe).
AMOUNT_FORMS = [
    ("", "."),
    ("", ","),
    (" ", ","),
    (" ", "."),
    ("\u00a0", ","),
    ("\u202f", ","),
    ("'", "."),
    (",", "."),
    (".", ","),
]


@QUICK
@given(value=any_cell)
@example(value=float("inf"))
@example(value=float("nan"))
@example(value=1e300)
@example(value=Decimal("sNaN"))
def test_an_amount_is_a_decimal_within_the_rules_or_a_value_error(value):
    try:
        amount = parse_amount(value)
    except ValueError as exc:
        assert str(exc)
        return
    assert type(amount) is Decimal
    assert amount.is_finite()
    assert 0 <= amount < AMOUNT_LIMIT
    assert amount.as_tuple().exponent >= -2


@QUICK
@given(amount=amounts, form=st.sampled_from(AMOUNT_FORMS), padding=st.sampled_from(["", " "]))
def test_an_amount_reads_back_in_every_documented_form(amount, form, padding):
    text = padding + grouped(amount, *form) + padding

    assert parse_amount(text) == amount


@QUICK
@given(amount=amounts)
def test_an_amount_from_a_spreadsheet_number_is_the_same_decimal(amount):
    # A number cell arrives as int, float or Decimal; a float's binary noise is rounded away.
    assert parse_amount(float(amount)) == amount
    assert parse_amount(amount) == amount
    if amount == amount.to_integral_value():
        assert parse_amount(int(amount)) == amount


@QUICK
@given(amount=amounts.filter(bool), form=st.sampled_from(AMOUNT_FORMS))
def test_a_negative_amount_is_refused_with_a_message(amount, form):
    with pytest.raises(ValueError, match="cannot be negative"):
        parse_amount("-" + grouped(amount, *form))
    with pytest.raises(ValueError, match="cannot be negative"):
        parse_amount(-amount)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("NaN", "is not an amount"),
        ("Infinity", "is not an amount"),
        ("-inf", "is not an amount"),
        (float("nan"), "is not an amount"),
        (float("inf"), "is not an amount"),
        (Decimal("NaN"), "is not an amount"),
        (Decimal("-Infinity"), "is not an amount"),
        ("1 000 000 000 000,00", "too large"),
        (1e300, "too large"),
        (Decimal("1e100"), "too large"),
        (10**40, "too large"),
        ("1.234", "more than two decimals"),
        ("1e5", "write 1234.50 or 1 234,50"),
        # Currency signs are not part of an amount: the currency has its own column.
        ("₽1 234,50", "write 1234.50 or 1 234,50"),
        ("$1,234.50", "write 1234.50 or 1 234,50"),
        ("1 234,50 руб.", "write 1234.50 or 1 234,50"),
        (True, "is not an amount"),
    ],
)
def test_amounts_that_are_not_money_are_refused_with_a_clear_message(value, message):
    with pytest.raises(ValueError, match=message):
        parse_amount(value)


@QUICK
@given(amount=amounts)
def test_the_api_takes_and_gives_amounts_as_decimal_strings(amount):
    field = OrderSerializer().fields["amount"]

    assert field.to_internal_value(str(amount)) == amount
    assert field.to_representation(amount) == f"{amount:.2f}"


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-1.00", "1e12", 1e300, "1.001"])
def test_the_api_refuses_amounts_that_are_not_money(value):
    field = OrderSerializer().fields["amount"]

    with pytest.raises(serializers.ValidationError):
        field.run_validation(value)


# --- dates and times -----------------------------------------------------------------------


@QUICK
@given(value=any_cell)
def test_a_date_is_a_date_or_a_value_error(value):
    try:
        day = parse_date(value)
    except ValueError as exc:
        assert str(exc)
        return
    assert type(day) is dt.date


@QUICK
@given(day=st.dates())
def test_a_date_reads_back_in_both_documented_forms(day):
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day.day:02}.{day.month:02}.{day.year:04}") == day
    assert parse_date(day) == day


@QUICK
@given(value=any_cell)
@example(value="0001-01-01T00:00:00+14:00")
@example(value="9999-12-31 23:59")
def test_a_time_is_an_aware_time_in_the_plausible_years_or_a_value_error(value):
    try:
        moment = parse_moment(value)
    except ValueError as exc:
        assert str(exc)
        return
    assert moment.tzinfo is not None
    assert EARLIEST_TIME <= moment < LATEST_TIME


local_times = st.datetimes(
    min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2999, 12, 30)
).map(lambda moment: moment.replace(second=0, microsecond=0))


@QUICK
@given(moment=local_times, offset_minutes=st.integers(min_value=-12 * 60, max_value=14 * 60))
def test_a_time_reads_back_in_every_documented_form(moment, offset_minutes):
    local = moment.replace(tzinfo=MSK)
    assert parse_moment(f"{moment:%Y-%m-%d %H:%M}") == local
    assert parse_moment(f"{moment.day:02}.{moment.month:02}.{moment.year:04} {moment:%H:%M}") == (
        local
    )
    # With an offset: the same instant, whatever the company's time zone.
    aware = moment.replace(tzinfo=dt.timezone(dt.timedelta(minutes=offset_minutes)))
    assert parse_moment(aware.isoformat()) == aware


@QUICK
@given(value=any_cell)
def test_a_yes_or_no_is_a_bool_or_a_value_error(value):
    try:
        flag = parse_flag(value)
    except ValueError as exc:
        assert str(exc)
        return
    assert type(flag) is bool


# --- phone numbers -------------------------------------------------------------------------

PHONE_FORMATS = (PhoneNumberFormat.E164, PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.RFC3966)
REGIONS = ["RU", "KZ", "BY", "UA", "DE", "GB", "US", "FR", "TR", "AE", "CN", "IN"]


@st.composite
def phone_numbers(draw: st.DrawFn, regions: list[str] = REGIONS) -> phonenumbers.PhoneNumber:
    """A valid mobile number: a region's example number with its last four digits drawn."""
    region = draw(st.sampled_from(regions))
    example_number = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    national = str(example_number.national_number)
    tail = draw(st.text(alphabet="0123456789", min_size=4, max_size=4))
    number = phonenumbers.parse(f"+{example_number.country_code}{national[:-4]}{tail}")
    assume(phonenumbers.is_valid_number(number))
    return number


@QUICK
@given(raw=st.text())
@example(raw="+")
@example(raw="8" * 300)
@example(raw="tel:+7-912-345-67-89;ext=1")
def test_a_phone_is_an_e164_number_or_a_validation_error(raw):
    try:
        number = phone_normalize(raw)
    except ValidationError as exc:
        assert exc.message_dict["phones"]
        return
    assert number.startswith("+")
    assert number[1:].isdigit()
    assert phonenumbers.is_valid_number(phonenumbers.parse(number))


@QUICK
@given(number=phone_numbers())
def test_a_phone_in_international_form_reads_back_as_itself(number):
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)

    for form in PHONE_FORMATS:
        assert phone_normalize(phonenumbers.format_number(number, form)) == e164


@QUICK
@given(number=phone_numbers(regions=[django_settings.PHONENUMBER_DEFAULT_REGION]))
def test_a_phone_without_country_code_is_read_in_the_default_region(number):
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)  # 8 (912) …

    assert phone_normalize(national) == e164
    assert phone_normalize(str(number.national_number)) == e164
    assert phone_normalize(f" {national.replace(' ', '-')} ") == e164


# --- files and rows ------------------------------------------------------------------------


@QUICK
@given(content=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".txt", ".xlsx", ".xls"]))
@example(content=b"PK\x03\x04" + b"\x00" * 100, suffix=".csv")
@example(content=b"\xff\xfe" + "name\n".encode("utf-16-le"), suffix=".csv")
@example(content=b"name\n\x00", suffix=".csv")
def test_a_file_is_a_table_or_an_import_file_error(content, suffix):
    try:
        table = read_table(content=content, filename=f"upload{suffix}")
    except ImportFileError as exc:
        assert str(exc)
        return
    assert isinstance(table, Table)
    assert all(row.number >= 2 for row in table.rows)


@QUICK
@given(text=st.text(max_size=2000), delimiter=st.sampled_from([",", ";", "\t"]))
def test_any_text_as_a_csv_file_is_a_table_or_an_import_file_error(text, delimiter):
    content = ("name" + delimiter + "phones\n" + text).encode()
    try:
        read_table(content=content, filename="clients.csv")
    except ImportFileError as exc:
        assert str(exc)


# Cells as a person types them: any text without NUL (which makes a file "not a CSV") and
# without lone surrogates (which no file encoding can hold).
typed = st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=30)
HEADER = ["name", "notes", "postal_address"]


@QUICK
@given(
    rows=st.lists(
        st.tuples(typed.filter(str.strip), typed, typed).map(list), min_size=1, max_size=5
    ),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "utf-16"]),
)
def test_rows_written_as_csv_read_back_cell_for_cell(rows, delimiter, encoding):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows([HEADER, *rows])
    try:
        content = buffer.getvalue().encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    if encoding == "cp1251":
        # The import tries UTF-8 first: Windows-1251 bytes that happen to be UTF-8 too are
        # read as UTF-8, as documented.
        with contextlib.suppress(UnicodeDecodeError):
            assume(content.decode("utf-8") == buffer.getvalue())

    table = read_table(content=content, filename="clients.csv")

    assert table.columns == HEADER
    assert [[row.cells[name] for name in HEADER] for row in table.rows] == rows


# Text that a spreadsheet keeps as it is: no control characters (not allowed in XLSX), and no
# leading apostrophe before a formula sign, the one text an export and import cannot tell from
# an escaped formula.
kept_text = st.text(st.characters(exclude_categories=["Cc", "Cs"]), min_size=1, max_size=30).filter(
    lambda text: text == text.strip() and not text.startswith("'")
)


@QUICK
@given(text=kept_text)
@example(text='=HYPERLINK("http://x","y")')
@example(text="-5")
@example(text="@SUM(A1)")
def test_a_neutralised_cell_imports_back_as_the_text_it_was(text):
    assert cell_text(neutralise(text)) == text
    assert not str(neutralise(text)).startswith(FORMULA_TRIGGERS)


@settings(max_examples=10, deadline=None, derandomize=True, database=None)
@given(rows=st.lists(st.lists(kept_text, min_size=3, max_size=3), min_size=1, max_size=4))
def test_rows_written_as_xlsx_by_the_export_read_back_cell_for_cell(rows):
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in [HEADER, *rows]:
        sheet.append([xlsx_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)

    table = read_table(content=buffer.getvalue(), filename="clients.xlsx")

    assert [[cell_text(row.cells[name]) for name in HEADER] for row in table.rows] == rows


# Cell texts near what a person would type in each column, and random ones.
column_values = st.one_of(
    typed,
    st.sampled_from(
        [
            "",
            "0001-01-01 00:00",
            "31.12.9999",
            "9999-12-31T23:59:59-12:00",
            "2024-02-30",
            "1 234,50",
            "-5",
            "1e300",
            "NaN",
            "+7 912 345-67-89",
            "8 (912) 345-67-89",
            "#0",
            "#99999999999999999999",
            "delivered",
            "returned",
            "yes",
            "Europe/Nowhere",
            "=cmd|' /C calc'!A0",
        ]
    ),
    st.dates().map(lambda day: day.strftime("%d.%m.%Y")),
    amounts.map(str),
)


@pytest.mark.parametrize(
    ("kind", "columns"), [("clients", CLIENT_COLUMNS), ("orders", ORDER_COLUMNS)]
)
@SLOW
@given(data=st.data())
def test_an_import_of_any_cells_ends_in_a_report(director, kind, columns, data):
    names = [column.name for column in columns]
    rows = data.draw(
        st.lists(st.lists(column_values, min_size=len(names), max_size=len(names)), max_size=3)
    )

    report = import_file(
        kind=kind,
        content=csv_bytes([names, *rows]),
        filename=f"{kind}.csv",
        by=director,
        dry_run=False,
    )

    assert isinstance(report, ImportReport)
    assert report.applied or report.errors or report.file_errors


# What the properties found, kept as plain tests: each once escaped as an exception.
@pytest.mark.parametrize(
    ("kind", "row", "column"),
    [
        # The id overflowed the database's integer in the lookup.
        ("orders", {"client": "#99999999999999999999"}, "client"),
        # "²" is a digit to str.isdigit but not to int().
        ("orders", {"client_id": "²"}, "client_id"),
        ("clients", {"name": "Olga", "client_id": "²"}, "client_id"),
        # Year 1 in Moscow's local mean time is year 0 in UTC: the database could not take it.
        ("orders", {"placed_at": "01.01.0001 00:00"}, "placed_at"),
        # Excel's 1E+300 is a float that cannot be rounded to cents.
        ("orders", {"amount": 1e300}, "amount"),
    ],
)
def test_the_import_reports_what_once_crashed_it(director, sales, kind, row, column):
    olga = make_client(originator=sales, name="Olga")
    cells = row
    if kind == "orders":
        valid = {"external_id": "SHOP-1", "client": f"#{olga.pk}", "amount": "10"}
        cells = {**valid, "placed_at": "2025-01-01 10:00", **row}

    report = import_file(
        kind=kind,
        content=xlsx_bytes([list(cells), list(cells.values())]),
        filename=f"{kind}.xlsx",
        by=director,
        dry_run=False,
    )

    assert not report.applied
    assert [(error.row, error.column) for error in report.errors] == [(2, column)]


def test_a_blank_phone_is_a_validation_error():
    with pytest.raises(ValidationError):
        phone_normalize("   ")
