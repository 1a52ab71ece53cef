"""Import of clients and orders from CSV and XLSX files.

`import_file` reads a file, checks every row and — unless it is a dry run — applies the rows
inside one transaction through the client services, so an imported order runs the same
lifecycle rules (stage, handoff, commission, planned touchpoints) as one typed by hand, and one
bad row means that nothing at all is written. The director's page runs the real import as an
`ImportJob` that a Celery task hands to `import_job_process`.

Which rows are already in the CRM:
- clients: a row is an existing client when its `client_id` is that client's id, or else when
  its e-mail (in any case) or one of its phone numbers belongs to that client. With
  `duplicates="update"` the client gets the row's non-empty cells (an empty cell never erases
  anything, phone numbers are added and never removed); with `duplicates="skip"`, or when
  nothing would change, the row is skipped. A row matching two different clients, or repeating
  the e-mail, phone or id of an earlier row of the same file, is a bad row.
- orders: an order whose `external_id` is already recorded is not created again and its amount
  and dates are left as they are; only a status the CRM has not seen yet is recorded as events.
"""

import csv
import datetime as dt
import io
import re
import zipfile
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from followup_crm.roles import ACCOUNT_MANAGER, SALES_MANAGER

from .models import (
    Channel,
    Client,
    ClientPhone,
    Consent,
    ImportJob,
    Order,
    OrderStatus,
    known_time_zones,
)
from .services import (
    EARLIEST_TIME,
    FUTURE_TOLERANCE,
    LATEST_TIME,
    TRANSITIONS,
    client_create,
    client_update,
    consent_record,
    order_record,
    order_record_event,
    phone_normalize,
)

User = AbstractBaseUser
Cell = str | int | float | Decimal | dt.datetime | dt.date | dt.time | bool | None
Progress = Callable[[str, int], None]

# Duplicate rules for clients already in the CRM (see the module docstring).
UPDATE = "update"
SKIP = "skip"
DUPLICATE_RULES = (UPDATE, SKIP)

# A cell longer than this is a mistake (a whole document pasted into a cell), not data.
MAX_CELL_CHARS = 10_000
# An XLSX file is a zip archive: refuse one that would unpack to more than this many times the
# upload limit rather than let a small file fill the memory.
MAX_XLSX_UNPACK_RATIO = 20
# How often the progress callback is told how far the import is.
PROGRESS_EVERY = 100
# Unconfirmed dry runs of the page older than this are deleted when a new file is uploaded.
ABANDONED_AFTER = dt.timedelta(days=1)
# How long a worker may spend on one import job (the Celery task's limits: ten thousand orders
# run every lifecycle rule each). The soft limit raises inside the import, which rolls back.
IMPORT_SOFT_TIME_LIMIT = 900
IMPORT_TIME_LIMIT = 960
# A confirmed job that no worker has started after this lost its broker message: queue it again.
STALLED_AFTER = dt.timedelta(minutes=5)
# A cell that a spreadsheet would read as a formula starts with one of these; exports add an
# apostrophe in front, which the import takes off again.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

SPREADSHEET_SUFFIXES = (".csv", ".txt", ".xlsx")
XLSX_MAGIC = b"PK\x03\x04"
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"


# --- the columns ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    help: str | Promise
    required: bool = False


CLIENT_COLUMNS: tuple[Column, ...] = (
    Column("name", gettext_lazy("The person's full name or the company's name."), required=True),
    Column("kind", gettext_lazy("person or company; person when empty.")),
    Column("contact_person", gettext_lazy("For a company: the person to talk to.")),
    Column(
        "phones",
        gettext_lazy(
            "One or more numbers separated by ; or , in any format; a number without a "
            "country code is read in the company's default region."
        ),
    ),
    Column("email", gettext_lazy("One e-mail address.")),
    Column("postal_address", gettext_lazy("For cards and letters.")),
    Column(
        "time_zone",
        gettext_lazy("Such as Europe/Moscow or Asia/Yekaterinburg; the company's when empty."),
    ),
    Column("language", gettext_lazy("en or ru; the company's language when empty.")),
    Column("birthday", gettext_lazy("A date: 2024-03-31 or 31.03.2024.")),
    Column(
        "source",
        gettext_lazy("site, shop, office, call, referral, import or other; import when empty."),
    ),
    Column("originator", gettext_lazy("Username of the sales manager who brought the client.")),
    Column("account_manager", gettext_lazy("Username of the client's account manager.")),
    Column("notes", gettext_lazy("Free text.")),
    Column(
        "consent_call", gettext_lazy("yes or no: agrees to calls; nothing recorded when empty.")
    ),
    Column(
        "consent_email", gettext_lazy("yes or no: agrees to e-mails; nothing recorded when empty.")
    ),
    Column("consent_sms", gettext_lazy("yes or no: agrees to SMS; nothing recorded when empty.")),
    Column(
        "consent_post", gettext_lazy("yes or no: agrees to letters; nothing recorded when empty.")
    ),
    Column(
        "client_id",
        gettext_lazy("This CRM's id of the client (as in an export): update that client."),
    ),
)

ORDER_COLUMNS: tuple[Column, ...] = (
    Column(
        "external_id",
        gettext_lazy(
            "The order's id in the shop, ERP or accounting system; an order already imported "
            "with this id is not created again."
        ),
        required=True,
    ),
    Column(
        "client",
        gettext_lazy(
            "Whose order: an e-mail, a phone number, or this CRM's client id written as #123. "
            "Required, unless one of the next three columns is given instead."
        ),
    ),
    Column("client_id", gettext_lazy("This CRM's id of the client.")),
    Column("client_email", gettext_lazy("The client's e-mail.")),
    Column("client_phone", gettext_lazy("One of the client's phone numbers.")),
    Column(
        "amount",
        gettext_lazy(
            "1234.50, 1 234,50 or 1,234.50; a single comma is the decimal separator; "
            "at most two decimals."
        ),
        required=True,
    ),
    Column("currency", gettext_lazy("Three letters such as RUB; RUB when empty.")),
    Column(
        "placed_at",
        gettext_lazy(
            "A date or a date and time: 2024-03-31 14:30, 31.03.2024 14:30 or with an offset "
            "such as 2024-03-31T14:30+03:00; without one it is the company's local time."
        ),
        required=True,
    ),
    Column("promised_date", gettext_lazy("The promised delivery date.")),
    Column("seller", gettext_lazy("Username of the person who sold it.")),
    Column("description", gettext_lazy("What was ordered.")),
    Column(
        "status",
        gettext_lazy(
            "placed, ready, shipped, at_pickup, delivered, cancelled or returned; recorded as "
            "events in the order's timeline."
        ),
    ),
    Column("status_at", gettext_lazy("When the order reached that status; placed_at when empty.")),
    Column(
        "delivered_at",
        gettext_lazy("For a returned order: when it had been delivered; status_at when empty."),
    ),
)

ORDER_CLIENT_COLUMNS = ("client", "client_id", "client_email", "client_phone")
CONSENT_COLUMNS = {f"consent_{channel}": channel for channel in Channel.values}
COLUMNS = {ImportJob.Kind.CLIENTS: CLIENT_COLUMNS, ImportJob.Kind.ORDERS: ORDER_COLUMNS}


def columns_help(kind: str) -> list[tuple[str, str, bool]]:
    """(column, description, required) for the page and the command's help."""
    return [(column.name, str(column.help), column.required) for column in COLUMNS[kind]]


# --- the report -----------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What a run found and did. `created`, `updated` and `skipped` are what would happen in a
    dry run and what happened in a real one."""

    kind: str
    dry_run: bool
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    applied: bool = False
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_errors

    @property
    def bad_rows(self) -> int:
        return len({error.row for error in self.errors})

    def summary(self) -> list[str]:
        """The counts in words, for the page and the command."""
        if self.file_errors:
            return []
        if not self.ok:
            return [
                ngettext(
                    "%(count)d bad row out of %(total)d: nothing is imported until it is fixed.",
                    "%(count)d bad rows out of %(total)d: nothing is imported until they are "
                    "fixed.",
                    self.bad_rows,
                )
                % {"count": self.bad_rows, "total": self.total_rows}
            ]
        return [
            template % {"count": count}
            for template, count in zip(self._count_templates(), self._counts(), strict=True)
        ]

    def _counts(self) -> tuple[int, int, int]:
        return self.created, self.updated, self.skipped

    def _count_templates(self) -> tuple[str, str, str]:
        created, updated, skipped = self._counts()
        if self.kind == ImportJob.Kind.CLIENTS and self.dry_run:
            return (
                ngettext("%(count)d client to create", "%(count)d clients to create", created),
                ngettext(
                    "%(count)d client already in the CRM to update",
                    "%(count)d clients already in the CRM to update",
                    updated,
                ),
                ngettext(
                    "%(count)d client already in the CRM to leave as it is",
                    "%(count)d clients already in the CRM to leave as they are",
                    skipped,
                ),
            )
        if self.kind == ImportJob.Kind.CLIENTS:
            return (
                ngettext("%(count)d client created", "%(count)d clients created", created),
                ngettext("%(count)d client updated", "%(count)d clients updated", updated),
                ngettext(
                    "%(count)d client already in the CRM left as it was",
                    "%(count)d clients already in the CRM left as they were",
                    skipped,
                ),
            )
        if self.dry_run:
            return (
                ngettext("%(count)d order to create", "%(count)d orders to create", created),
                ngettext(
                    "%(count)d order already present to move to a new status",
                    "%(count)d orders already present to move to a new status",
                    updated,
                ),
                ngettext(
                    "%(count)d order already present (same external_id) to skip",
                    "%(count)d orders already present (same external_id) to skip",
                    skipped,
                ),
            )
        return (
            ngettext("%(count)d order created", "%(count)d orders created", created),
            ngettext(
                "%(count)d order already present moved to a new status",
                "%(count)d orders already present moved to a new status",
                updated,
            ),
            ngettext(
                "%(count)d order already present (same external_id) skipped",
                "%(count)d orders already present (same external_id) skipped",
                skipped,
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ImportReport":
        values = dict(data)
        values["errors"] = [RowError(**error) for error in values.get("errors", [])]
        return cls(**values)


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why, for the person who sent it."""


# --- reading files --------------------------------------------------------------------------


@dataclass
class TableRow:
    number: int  # the row number a spreadsheet shows: the column names are row 1
    cells: dict[str, Cell]
    extra_cells: bool = False  # more non-empty cells than column names


@dataclass
class Table:
    columns: list[str]
    rows: list[TableRow]
    notices: list[str] = field(default_factory=list)


def read_table(*, content: bytes, filename: str) -> Table:
    """The rows of a CSV or XLSX file under their normalised column names; ImportFileError
    for a file that cannot be read."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SPREADSHEET_SUFFIXES:
        raise ImportFileError(_("Upload a CSV or XLSX file."))
    if len(content) > settings.IMPORT_MAX_FILE_BYTES:
        raise ImportFileError(
            _("The file is larger than %(size)d MB: split it into smaller files.")
            % {"size": settings.IMPORT_MAX_FILE_BYTES // (1024 * 1024)}
        )
    if not content.strip():
        raise ImportFileError(_("The file is empty."))
    if content.startswith(OLD_EXCEL_MAGIC):
        raise ImportFileError(_("This is an old Excel file (.xls): save it as XLSX or CSV."))
    # The content decides, not the name: Excel files are often renamed by hand.
    if content.startswith(XLSX_MAGIC):
        rows, notices = _xlsx_rows(content)
    elif suffix == ".xlsx":
        raise ImportFileError(_("This is not an XLSX file, or it is damaged."))
    else:
        rows, notices = _csv_rows(content), []
    table = _table(rows)
    table.notices[:0] = notices
    return table


def _is_blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _collect(rows: Iterable[Sequence[Cell]]) -> list[tuple[int, list[Cell]]]:
    """Non-empty rows with their numbers; stops reading as soon as there are too many."""
    limit = settings.IMPORT_MAX_ROWS
    kept: list[tuple[int, list[Cell]]] = []
    for number, cells in enumerate(rows, start=1):
        if all(_is_blank(cell) for cell in cells):
            continue
        kept.append((number, list(cells)))
        if len(kept) > limit + 1:  # + 1: the column names
            raise ImportFileError(
                _("The file has more than %(limit)d rows: split it into smaller files.")
                % {"limit": limit}
            )
    return kept


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)  # Excel's "Unicode text"
    else:
        # UTF-8 (the BOM is dropped), then Windows-1251: what Russian Excel writes as "CSV".
        encodings = ("utf-8-sig", "cp1251")
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The text of the file cannot be read: save it as CSV in UTF-8."))


def _csv_rows(content: bytes) -> list[tuple[int, list[Cell]]]:
    text = _decode(content)
    if "\x00" in text:
        raise ImportFileError(_("This does not look like a CSV file."))
    header = text.lstrip("\r\n").split("\n", 1)[0]
    # The separator is whichever of ; , and tab the column names use most (ties: ;).
    delimiter = max((";", ",", "\t"), key=header.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _collect(reader)
    except csv.Error as exc:
        raise ImportFileError(
            _("The CSV file cannot be read near line %(line)d: %(error)s")
            % {"line": reader.line_num, "error": exc}
        ) from exc


def _xlsx_rows(content: bytes) -> tuple[list[tuple[int, list[Cell]]], list[str]]:
    damaged = _("The XLSX file cannot be read: it is damaged or not an Excel workbook.")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise ImportFileError(damaged) from exc
    if unpacked > settings.IMPORT_MAX_FILE_BYTES * MAX_XLSX_UNPACK_RATIO:
        raise ImportFileError(_("The XLSX file is too large once unpacked: split it."))
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFileError(damaged) from exc
    try:
        if not workbook.worksheets:
            raise ImportFileError(_("The file is empty."))
        sheet = workbook.worksheets[0]
        notices = []
        if len(workbook.worksheets) > 1:
            notices.append(_("Only the first sheet, “%(name)s”, was read.") % {"name": sheet.title})
        try:
            rows = _collect(sheet.iter_rows(values_only=True))
        except ImportFileError:
            raise
        except Exception as exc:
            raise ImportFileError(damaged) from exc
        return rows, notices
    finally:
        workbook.close()


def column_key(name: Cell) -> str:
    """A column name as the import knows it: "Postal address" and "postal-address" are
    postal_address."""
    text = "" if name is None else str(name)
    return re.sub(r"[\s\-]+", "_", text.strip().lstrip("\ufeff").strip().lower())


def _table(rows: list[tuple[int, list[Cell]]]) -> Table:
    if not rows:
        raise ImportFileError(_("The file is empty."))
    header = rows[0][1]
    columns = [column_key(name) for name in header]
    named = [name for name in columns if name]
    repeated = sorted({name for name in named if named.count(name) > 1})
    if repeated:
        raise ImportFileError(
            _("These columns appear more than once: %(columns)s.")
            % {"columns": ", ".join(repeated)}
        )
    if len(rows) == 1:
        raise ImportFileError(_("The file has column names but no rows under them."))
    table_rows = []
    for number, cells in rows[1:]:
        values = {
            name: cells[position] if position < len(cells) else None
            for position, name in enumerate(columns)
            if name
        }
        extra = any(
            not _is_blank(cell)
            for position, cell in enumerate(cells)
            if position >= len(columns) or not columns[position]
        )
        table_rows.append(TableRow(number=number, cells=values, extra_cells=extra))
    return Table(columns=named, rows=table_rows)


# --- reading cells --------------------------------------------------------------------------


def _shorten(value: object, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cell_text(value: Cell) -> str:
    """A cell as text; numbers typed into Excel (a phone as 79123456789.0) lose the ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    text = str(value).strip()
    # Undo the apostrophe an export puts in front of a cell that looks like a formula.
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        text = text[1:]
    return text


DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")
DATETIME_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S")


def parse_date(value: Cell) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    for date_format in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    raise ValueError(
        _("“%(value)s” is not a date: write 2024-03-31 or 31.03.2024.") % {"value": _shorten(text)}
    )


def parse_moment(value: Cell) -> dt.datetime:
    """A date or a date and time; a time without an offset is the company's local time."""
    moment: dt.datetime | None = None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        text = cell_text(value)
        try:
            moment = dt.datetime.fromisoformat(text.replace(" ", "T", 1)) if text else None
        except ValueError:
            for moment_format in DATETIME_FORMATS + DATE_FORMATS:
                try:
                    moment = dt.datetime.strptime(text, moment_format)
                    break
                except ValueError:
                    continue
        if moment is None:
            raise ValueError(
                _("“%(value)s” is not a date and time: write 2024-03-31 14:30 or 31.03.2024 14:30.")
                % {"value": _shorten(text)}
            )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, zoneinfo.ZoneInfo(settings.TIME_ZONE))
    if not EARLIEST_TIME <= moment < LATEST_TIME:
        raise ValueError(_("Give a time between 1970 and 2999."))
    return moment


AMOUNT_PATTERN = re.compile(r"\d+(\.\d+)?")
AMOUNT_LIMIT = Decimal(10) ** 12  # Order.amount: 14 digits, 2 of them decimals


def parse_amount(value: Cell) -> Decimal:
    """1234.50, "1234.50", "1 234,50", "1,234.50" or "1.234,50"; never a float."""
    if isinstance(value, bool):
        raise ValueError(_("“%(value)s” is not an amount.") % {"value": value})
    if isinstance(value, int | Decimal):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
        # A sum computed in Excel carries binary noise such as 1234.5600000000002. Infinity,
        # NaN and 1e300 cannot be rounded: they are refused below.
        if amount.is_finite() and abs(amount) < AMOUNT_LIMIT:
            rounded = amount.quantize(Decimal("0.01"))
            if abs(amount - rounded) < Decimal("0.000001"):
                amount = rounded
    else:
        text = cell_text(value)
        compact = re.sub(r"[\s\u00a0\u202f\u2009']", "", text)
        negative = compact.startswith("-")
        compact = compact.lstrip("-")
        if "," in compact and "." in compact:
            # Whichever comes last separates the decimals; the other groups the thousands.
            last_comma = compact.rfind(",") > compact.rfind(".")
            compact = compact.replace("." if last_comma else ",", "").replace(",", ".")
        elif compact.count(",") > 1 or compact.count(".") > 1:
            compact = compact.replace(",", "").replace(".", "")  # only thousands separators
        else:
            compact = compact.replace(",", ".")  # a single comma is the Russian decimal point
        if not AMOUNT_PATTERN.fullmatch(compact):
            raise ValueError(
                _("“%(value)s” is not an amount: write 1234.50 or 1 234,50.")
                % {"value": _shorten(text)}
            )
        amount = Decimal(compact)
        if negative:
            amount = -amount
    if not amount.is_finite():
        raise ValueError(_("“%(value)s” is not an amount.") % {"value": value})
    if amount < 0:
        raise ValueError(_("The amount cannot be negative."))
    if amount.as_tuple().exponent < -2:
        raise ValueError(_("“%(value)s” has more than two decimals.") % {"value": _shorten(value)})
    if amount >= AMOUNT_LIMIT:
        raise ValueError(_("The amount is too large."))
    return amount


def parse_id(text: str) -> int | None:
    """This CRM's id of a row, written as 123 or #123; None for anything else. Only ASCII
    digits ("²" is a digit to str.isdigit but not to int), and few enough of them for the
    database's integer."""
    digits = text.lstrip("#")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 18 or int(digits) == 0:
        return None
    return int(digits)


YES = {"yes", "y", "true", "1", "да", "д", "+"}
NO = {"no", "n", "false", "0", "нет", "н", "-"}


def parse_flag(value: Cell) -> bool:
    if isinstance(value, bool):
        return value
    text = cell_text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(_("“%(value)s” is neither yes nor no.") % {"value": _shorten(text)})


class RowReader:
    """One row's cells, read column by column; each problem is recorded against its column and
    the reader returns an empty value, so that one pass finds every problem of the row."""

    def __init__(self, row: TableRow, errors: list[RowError]) -> None:
        self.number = row.number
        self.cells = dict(row.cells)
        self.errors = errors
        self.failed = False
        if row.extra_cells:
            self.error(
                "",
                _(
                    "The row has a value under no column name. In a CSV file, is there a "
                    "separator inside a value that is not in quotes?"
                ),
            )
        for column, value in row.cells.items():
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                self.error(
                    column,
                    _("The cell is longer than %(limit)d characters.") % {"limit": MAX_CELL_CHARS},
                )
                self.cells[column] = None

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(row=self.number, column=column, message=message))
        self.failed = True

    def raw(self, column: str) -> Cell:
        value = self.cells.get(column)
        return None if _is_blank(value) else value

    def text(self, column: str, *, max_length: int | None = None, required: bool = False) -> str:
        text = cell_text(self.cells.get(column))
        if required and not text:
            self.error(column, _("Required."))
        elif max_length is not None and len(text) > max_length:
            self.error(column, _("Longer than %(limit)d characters.") % {"limit": max_length})
            return ""
        return text

    def parsed(self, column: str, parser: Callable[[Cell], Any]) -> Any:
        value = self.raw(column)
        if value is None:
            return None
        try:
            return parser(value)
        except ValueError as exc:
            self.error(column, str(exc))
            return None

    def choice(self, column: str, choices: Sequence[tuple[str, Any]]) -> str:
        text = self.text(column).lower()
        if not text:
            return ""
        known = {}
        for value, label in choices:
            known[str(value).lower()] = value
            known[str(label).lower()] = value
        if text not in known:
            self.error(
                column,
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": _shorten(text), "choices": ", ".join(value for value, _ in choices)},
            )
            return ""
        return known[text]

    def email(self, column: str) -> str:
        email = self.text(column, max_length=254)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                self.error(column, _("“%(value)s” is not an e-mail address.") % {"value": email})
                return ""
        return email

    def phones(self, column: str) -> list[str]:
        numbers: list[str] = []
        for raw in re.split(r"[;,]", self.text(column)):
            if not raw.strip():
                continue
            try:
                number = phone_normalize(raw.strip())
            except ValidationError as exc:
                self.error(column, exc.messages[0])
                continue
            if number not in numbers:
                numbers.append(number)
        return numbers

    def user(self, column: str, users: "UserDirectory", role: str | None = None) -> Any:
        username = self.text(column)
        if not username:
            return None
        user = users.get(username)
        if user is None:
            self.error(
                column, _("There is no active user “%(value)s”.") % {"value": _shorten(username)}
            )
        elif role is not None and role not in users.roles(user):
            message = {
                SALES_MANAGER: _("“%(value)s” is not a sales manager."),
                ACCOUNT_MANAGER: _("“%(value)s” is not an account manager."),
            }[role]
            self.error(column, message % {"value": username})
            user = None
        return user

    def positive_int(self, column: str) -> int | None:
        text = self.text(column)
        if not text:
            return None
        number = parse_id(text)
        if number is None:
            self.error(
                column, _("“%(value)s” is not an id.") % {"value": _shorten(text.lstrip("#"))}
            )
        return number


class UserDirectory:
    """The active users a file names, by username in any case, read in one query."""

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        names = {
            cell_text(row.cells.get(column)).lower()
            for row in table.rows
            for column in columns
            if cell_text(row.cells.get(column))
        }
        self._users: dict[str, Any] = {}
        self._roles: dict[int, set[str]] = {}
        for chunk in _chunks(sorted(names)):
            found = (
                get_user_model()
                .objects.annotate(username_lower=Lower("username"))
                .filter(username_lower__in=chunk, is_active=True)
                .prefetch_related("groups")
            )
            for user in found:
                self._users[user.username_lower] = user
                self._roles[user.pk] = {group.name for group in user.groups.all()}

    def get(self, username: str) -> Any:
        return self._users.get(username.lower())

    def roles(self, user: Any) -> set[str]:
        return self._roles.get(user.pk, set())


def _chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    # Keeps IN (...) lists within every database's limit on query parameters.
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _future(moment: dt.datetime) -> bool:
    return moment > timezone.now() + FUTURE_TOLERANCE


# --- clients --------------------------------------------------------------------------------


@dataclass
class ClientRow:
    reader: RowReader
    client_id: int | None
    fields: dict[str, Any]  # the model fields the row gives, read and valid
    phones: list[str]
    consents: dict[str, bool]


@dataclass
class ClientAction:
    row: int
    client: Client | None  # None: create
    fields: dict[str, Any]
    phones: list[str] | None  # the complete list to set; None: leave the phones alone
    consents: dict[str, bool]


def _read_client(reader: RowReader, users: UserDirectory, time_zones: set[str]) -> ClientRow:
    fields: dict[str, Any] = {"name": reader.text("name", max_length=200, required=True)}
    fields["kind"] = reader.choice("kind", Client.Kind.choices)
    fields["contact_person"] = reader.text("contact_person", max_length=200)
    fields["email"] = reader.email("email")
    fields["postal_address"] = reader.text("postal_address")
    fields["time_zone"] = reader.text("time_zone")
    if fields["time_zone"] and fields["time_zone"] not in time_zones:
        reader.error(
            "time_zone",
            _("“%(value)s” is not a time zone such as Europe/Moscow.")
            % {"value": _shorten(fields["time_zone"])},
        )
    fields["language"] = reader.choice("language", settings.LANGUAGES)
    fields["birthday"] = reader.parsed("birthday", parse_date)
    if fields["birthday"] and fields["birthday"] > timezone.localdate():
        reader.error("birthday", _("The birthday cannot be in the future."))
    fields["source"] = reader.choice("source", Client.Source.choices)
    fields["originator"] = reader.user("originator", users, role=SALES_MANAGER)
    fields["account_manager"] = reader.user("account_manager", users, role=ACCOUNT_MANAGER)
    fields["notes"] = reader.text("notes")
    consents = {}
    for column, channel in CONSENT_COLUMNS.items():
        granted = reader.parsed(column, parse_flag)
        if granted is not None:
            consents[channel] = granted
    return ClientRow(
        reader=reader,
        client_id=reader.positive_int("client_id"),
        # Empty cells are not data: they never overwrite what the CRM knows.
        fields={name: value for name, value in fields.items() if value not in ("", None)},
        phones=reader.phones("phones"),
        consents=consents,
    )


def _check_clients(
    table: Table, report: ImportReport, duplicates: str, progress: Progress | None
) -> list[ClientAction]:
    users = UserDirectory(table, ("originator", "account_manager"))
    time_zones = known_time_zones()
    rows = []
    for position, table_row in enumerate(table.rows, start=1):
        rows.append(_read_client(RowReader(table_row, report.errors), users, time_zones))
        if progress and position % PROGRESS_EVERY == 0:
            progress("checking", position)

    matches = _client_matches(rows)
    existing = _clients_with_phones_and_consents(
        {client_id for client_id in matches.values() if client_id}
    )
    actions = []
    for row in rows:
        client_id = matches.get(row.reader.number)
        if row.reader.failed:
            continue
        if client_id is None:
            report.created += 1
            fields = {"source": Client.Source.IMPORT, **row.fields}
            actions.append(ClientAction(row.reader.number, None, fields, row.phones, row.consents))
            continue
        action = _client_changes(existing[client_id], row) if duplicates == UPDATE else None
        if action is None:
            report.skipped += 1
        else:
            report.updated += 1
            actions.append(action)
    return actions


def _client_matches(rows: list[ClientRow]) -> dict[int, int | None]:
    """Row number → the existing client it is (None: a new one). Records a bad row for an id
    that does not exist, a row matching two clients, and a row repeating an earlier one."""
    emails = sorted({row.fields["email"].lower() for row in rows if "email" in row.fields})
    phones = sorted({phone for row in rows for phone in row.phones})
    ids = sorted({row.client_id for row in rows if row.client_id})
    by_email: dict[str, set[int]] = {}
    by_phone: dict[str, set[int]] = {}
    known_ids: set[int] = set()
    for chunk in _chunks(emails):
        found = Client.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=chunk)
        for email, client_id in found.values_list("email_lower", "pk"):
            by_email.setdefault(email, set()).add(client_id)
    for chunk in _chunks(phones):
        found = ClientPhone.objects.filter(number__in=chunk)
        for number, client_id in found.values_list("number", "client_id"):
            by_phone.setdefault(str(number), set()).add(client_id)
    for chunk in _chunks(ids):
        known_ids.update(Client.objects.filter(pk__in=chunk).values_list("pk", flat=True))

    matches: dict[int, int | None] = {}
    seen: dict[tuple[str, str], int] = {}  # (column, value) → the first row that had it
    for row in rows:
        reader = row.reader
        keys = [("phones", phone) for phone in row.phones]
        if "email" in row.fields:
            keys.insert(0, ("email", row.fields["email"].lower()))
        if row.client_id:
            keys.insert(0, ("client_id", str(row.client_id)))
        for column, value in keys:
            earlier = seen.setdefault((column, value), reader.number)
            if earlier != reader.number:
                reader.error(
                    column,
                    _("“%(value)s” is also in row %(row)d: put each client in one row.")
                    % {"value": value, "row": earlier},
                )
        if row.client_id:
            if row.client_id not in known_ids:
                reader.error("client_id", _("There is no client %(id)d.") % {"id": row.client_id})
            matches[reader.number] = row.client_id
            continue
        candidates: dict[int, str] = {}
        if "email" in row.fields:
            for client_id in by_email.get(row.fields["email"].lower(), ()):
                candidates.setdefault(client_id, "email")
        for phone in row.phones:
            for client_id in by_phone.get(phone, ()):
                candidates.setdefault(client_id, "phones")
        if len(candidates) > 1:
            reader.error(
                next(iter(candidates.values())),
                _(
                    "The e-mail and phones match %(count)d different clients (ids %(ids)s): "
                    "give client_id to say which one."
                )
                % {"count": len(candidates), "ids": ", ".join(map(str, sorted(candidates)))},
            )
        matches[reader.number] = next(iter(candidates)) if len(candidates) == 1 else None
    return matches


def _clients_with_phones_and_consents(ids: set[int]) -> dict[int, Client]:
    clients: dict[int, Client] = {}
    for chunk in _chunks(sorted(ids)):
        for client in Client.objects.filter(pk__in=chunk).prefetch_related("phones"):
            client.current_consents = {}  # type: ignore[attr-defined]
            clients[client.pk] = client
        newest_first = Consent.objects.filter(client_id__in=chunk).order_by("-at", "-id")
        for client_id, channel, granted in newest_first.values_list(
            "client_id", "channel", "granted"
        ):
            clients[client_id].current_consents.setdefault(channel, granted)  # type: ignore[attr-defined]
    return clients


def _client_changes(client: Client, row: ClientRow) -> ClientAction | None:
    """What the row would change in an existing client; None when nothing."""
    fields = {}
    for name, value in row.fields.items():
        if name in ("originator", "account_manager"):
            same = getattr(client, f"{name}_id") == value.pk
        elif name == "email":
            same = client.email.lower() == value.lower()
        else:
            same = getattr(client, name) == value
        if not same:
            fields[name] = value
    current = [phone.number.as_e164 for phone in client.phones.all()]
    added = [phone for phone in row.phones if phone not in current]
    consents = {
        channel: granted
        for channel, granted in row.consents.items()
        if client.current_consents.get(channel) != granted  # type: ignore[attr-defined]
    }
    if not fields and not added and not consents:
        return None
    return ClientAction(
        row=row.reader.number,
        client=client,
        fields=fields,
        phones=current + added if added else None,
        consents=consents,
    )


def _apply_client(action: ClientAction, by: User | None, report: ImportReport) -> None:
    if action.client is None:
        client = client_create(by=by, phones=action.phones, **action.fields)
        report.created += 1
    else:
        client = action.client
        if action.fields or action.phones is not None:
            client_update(client=client, by=by, phones=action.phones, **action.fields)
        report.updated += 1
    for channel, granted in action.consents.items():
        consent_record(
            client=client,
            channel=channel,
            granted=granted,
            method=Consent.Method.IMPORT,
            by=by,
        )


# --- orders ---------------------------------------------------------------------------------


@dataclass
class OrderAction:
    row: int
    order: Order | None  # None: create
    client: Client
    fields: dict[str, Any]
    events: list[tuple[str, dt.datetime]]


def _reachable(status: str) -> set[str]:
    """Every status an order can reach from `status`."""
    found: set[str] = set()
    todo = [status]
    while todo:
        for following in TRANSITIONS[todo.pop()]:
            if following not in found:
                found.add(following)
                todo.append(following)
    return found


def status_events(
    *, current: str, target: str, at: dt.datetime, delivered_at: dt.datetime | None = None
) -> list[tuple[str, dt.datetime]]:
    """The events that take an order from `current` to `target`: none when the CRM already
    knows a later status (the file is older), ValueError when `target` cannot follow."""
    if not target or target == current or current in _reachable(target):
        return []
    if target in TRANSITIONS[current]:
        return [(target, at)]
    if target == OrderStatus.RETURNED and OrderStatus.DELIVERED in TRANSITIONS[current]:
        return [(OrderStatus.DELIVERED, delivered_at or at), (OrderStatus.RETURNED, at)]
    raise ValueError(
        _("An order that is %(current)s cannot become %(new)s.")
        % {"current": OrderStatus(current).label, "new": OrderStatus(target).label}
    )


class ClientDirectory:
    """The clients an orders file names, by id, e-mail or phone, read in a few queries."""

    def __init__(self, refs: Iterable[tuple[str, str]]) -> None:
        wanted: dict[str, set[str]] = {"id": set(), "email": set(), "phone": set()}
        for kind, value in refs:
            wanted[kind].add(value)
        self.by_id: dict[str, set[int]] = {}
        self.by_email: dict[str, set[int]] = {}
        self.by_phone: dict[str, set[int]] = {}
        for chunk in _chunks(sorted(wanted["id"])):
            for pk in Client.objects.filter(pk__in=chunk).values_list("pk", flat=True):
                self.by_id[str(pk)] = {pk}
        for chunk in _chunks(sorted(wanted["email"])):
            found = Client.objects.annotate(email_lower=Lower("email")).filter(
                email_lower__in=chunk
            )
            for email, pk in found.values_list("email_lower", "pk"):
                self.by_email.setdefault(email, set()).add(pk)
        for chunk in _chunks(sorted(wanted["phone"])):
            found = ClientPhone.objects.filter(number__in=chunk)
            for number, pk in found.values_list("number", "client_id"):
                self.by_phone.setdefault(str(number), set()).add(pk)

    def find(self, kind: str, value: str) -> set[int]:
        return {"id": self.by_id, "email": self.by_email, "phone": self.by_phone}[kind].get(
            value, set()
        )


def _client_refs(reader: RowReader) -> list[tuple[str, str, str]]:
    """(column, kind, value) for each way the row names its client."""
    refs = []
    general = reader.text("client")
    if general:
        if "@" in general:
            refs.append(("client", "email", general.lower()))
        elif re.fullmatch(r"#\d+", general):
            client_id = parse_id(general)
            if client_id is None:
                message = _("“%(value)s” is not an id.") % {"value": _shorten(general)}
                reader.error("client", message)
            else:
                refs.append(("client", "id", str(client_id)))
        else:
            try:
                refs.append(("client", "phone", phone_normalize(general)))
            except ValidationError:
                reader.error(
                    "client",
                    _(
                        "“%(value)s” is neither an e-mail nor a phone number; write a client "
                        "id as #123."
                    )
                    % {"value": _shorten(general)},
                )
    client_id = reader.positive_int("client_id")
    if client_id:
        refs.append(("client_id", "id", str(client_id)))
    email = reader.email("client_email")
    if email:
        refs.append(("client_email", "email", email.lower()))
    for phone in reader.phones("client_phone"):
        refs.append(("client_phone", "phone", phone))
    if not refs and not reader.failed:
        reader.error("client", _("Say whose order it is: an e-mail, a phone or a client id."))
    return refs


def _check_orders(
    table: Table, report: ImportReport, progress: Progress | None
) -> list[OrderAction]:
    users = UserDirectory(table, ("seller",))
    readers = [RowReader(table_row, report.errors) for table_row in table.rows]
    refs = {reader.number: _client_refs(reader) for reader in readers}
    clients = ClientDirectory((kind, value) for row in refs.values() for _, kind, value in row)
    external_ids = sorted(
        {reader.text("external_id") for reader in readers if reader.text("external_id")}
    )
    existing: dict[str, Order] = {}
    for chunk in _chunks(external_ids):
        existing.update(
            (order.external_id, order) for order in Order.objects.filter(external_id__in=chunk)
        )
    client_ids: set[int] = set()
    rows = []
    seen: dict[str, int] = {}
    statuses = [(value, label) for value, label in OrderStatus.choices]
    for position, reader in enumerate(readers, start=1):
        external_id = reader.text("external_id", max_length=100, required=True)
        if external_id:
            earlier = seen.setdefault(external_id, reader.number)
            if earlier != reader.number:
                reader.error(
                    "external_id",
                    _("“%(value)s” is also in row %(row)d.")
                    % {"value": _shorten(external_id), "row": earlier},
                )
        found: set[int] = set()
        for column, kind, value in refs[reader.number]:
            matched = clients.find(kind, value)
            if not matched:
                reader.error(column, _("No client has “%(value)s”.") % {"value": value})
            elif len(matched) > 1:
                reader.error(
                    column,
                    _("%(count)d clients have “%(value)s”: give client_id to say which one.")
                    % {"count": len(matched), "value": value},
                )
            found |= matched
        if len(found) > 1 and not reader.failed:
            reader.error(
                "client",
                _("The columns name different clients (ids %(ids)s).")
                % {"ids": ", ".join(map(str, sorted(found)))},
            )
        fields = {
            "external_id": external_id,
            "amount": reader.parsed("amount", parse_amount),
            "currency": (reader.text("currency") or "RUB").upper(),
            "placed_at": reader.parsed("placed_at", parse_moment),
            "promised_date": reader.parsed("promised_date", parse_date),
            "seller": reader.user("seller", users),
            "description": reader.text("description"),
        }
        if reader.raw("amount") is None:
            reader.error("amount", _("Required."))
        if reader.raw("placed_at") is None:
            reader.error("placed_at", _("Required."))
        if len(fields["currency"]) != 3 or not fields["currency"].isalpha():
            reader.error("currency", _("Use a three-letter currency code such as RUB."))
        target = reader.choice("status", statuses)
        status_at = reader.parsed("status_at", parse_moment)
        delivered_at = reader.parsed("delivered_at", parse_moment)
        rows.append((reader, fields, found, target, status_at, delivered_at))
        client_ids |= found
        if progress and position % PROGRESS_EVERY == 0:
            progress("checking", position)

    client_objects = Client.objects.in_bulk(sorted(client_ids))
    actions = []
    for reader, fields, found, target, status_at, delivered_at in rows:
        if reader.failed:
            continue
        client = client_objects[next(iter(found))]
        order = existing.get(fields["external_id"])
        if order is not None and order.client_id != client.pk:
            reader.error("external_id", _("This external id belongs to another client's order."))
            continue
        placed_at = order.placed_at if order is not None else fields["placed_at"]
        if order is None and _future(placed_at):
            reader.error("placed_at", _("The order cannot be placed in the future."))
        at = status_at or placed_at
        for column, moment in (("status_at", status_at), ("delivered_at", delivered_at)):
            if moment is None:
                continue
            if moment < placed_at:
                reader.error(column, _("Earlier than the order was placed."))
            elif _future(moment):
                reader.error(column, _("In the future."))
        if delivered_at is not None and delivered_at > at:
            reader.error("delivered_at", _("Later than status_at."))
        try:
            current = order.status if order is not None else OrderStatus.PLACED
            events = status_events(current=current, target=target, at=at, delivered_at=delivered_at)
        except ValueError as exc:
            reader.error("status", str(exc))
            continue
        if reader.failed:
            continue
        if order is None:
            report.created += 1
        elif events:
            report.updated += 1
        else:
            report.skipped += 1
            continue
        actions.append(OrderAction(reader.number, order, client, fields, events))
    return actions


def _apply_order(action: OrderAction, by: User | None, report: ImportReport) -> None:
    order = action.order
    if order is None:
        recorded = order_record(client=action.client, by=by, **action.fields)
        order = recorded.order
        if not recorded.created:
            # Recorded by someone else between the check and now: nothing more to do.
            report.skipped += 1
            return
        report.created += 1
    else:
        report.updated += 1
    for event_type, at in action.events:
        order_record_event(order=order, type=event_type, at=at, by=by, note=_("Imported"))


# --- the whole run --------------------------------------------------------------------------


class _ApplyFailed(Exception):
    def __init__(self, row: int, error: ValidationError) -> None:
        super().__init__(row)
        self.row = row
        self.error = error


def import_check(
    *,
    kind: str,
    table: Table,
    duplicates: str = UPDATE,
    progress: Progress | None = None,
    dry_run: bool = True,
) -> tuple[ImportReport, list[Any]]:
    """Read and check every row without writing anything: the report (what would change, and
    every bad row) and the actions to apply."""
    if kind not in COLUMNS:
        raise ValueError(f"unknown import kind {kind!r}")
    if duplicates not in DUPLICATE_RULES:
        raise ValueError(f"unknown duplicate rule {duplicates!r}")
    report = ImportReport(kind=kind, dry_run=dry_run, total_rows=len(table.rows))
    report.notices.extend(table.notices)
    if progress:
        progress("checking", 0)
    known = {column.name for column in COLUMNS[kind]}
    for column in COLUMNS[kind]:
        if column.required and column.name not in table.columns:
            report.file_errors.append(
                _("The column “%(column)s” is missing: the first row must name the columns.")
                % {"column": column.name}
            )
    if kind == ImportJob.Kind.ORDERS and not set(ORDER_CLIENT_COLUMNS) & set(table.columns):
        report.file_errors.append(
            _("Add a column saying whose order it is: %(columns)s.")
            % {"columns": ", ".join(ORDER_CLIENT_COLUMNS)}
        )
    unknown = [column for column in table.columns if column not in known]
    if unknown:
        report.notices.append(_("Columns not used: %(columns)s.") % {"columns": ", ".join(unknown)})
    if report.file_errors:
        return report, []
    if kind == ImportJob.Kind.CLIENTS:
        actions: list[Any] = _check_clients(table, report, duplicates, progress)
    else:
        actions = _check_orders(table, report, progress)
    report.errors.sort(key=lambda error: error.row)
    return report, actions


def import_apply(
    *,
    report: ImportReport,
    actions: list[Any],
    by: User | None,
    progress: Progress | None = None,
) -> ImportReport:
    """Apply checked actions all or nothing: any error rolls every row back."""
    # Rows the check found nothing to do for are skipped; the rest are counted as applied.
    result = ImportReport(
        kind=report.kind,
        dry_run=False,
        total_rows=report.total_rows,
        skipped=report.skipped,
        notices=report.notices,
    )
    apply = _apply_client if report.kind == ImportJob.Kind.CLIENTS else _apply_order
    if progress:
        progress("importing", 0)
    try:
        with transaction.atomic():
            for position, action in enumerate(actions, start=1):
                try:
                    apply(action, by, result)
                except ValidationError as exc:
                    raise _ApplyFailed(action.row, exc) from exc
                if progress and position % PROGRESS_EVERY == 0:
                    progress("importing", position)
    except _ApplyFailed as failure:
        errors = getattr(failure.error, "message_dict", {"": failure.error.messages})
        failed = ImportReport(kind=report.kind, dry_run=False, total_rows=report.total_rows)
        failed.errors = [
            RowError(row=failure.row, column=column if column != "__all__" else "", message=text)
            for column, messages in errors.items()
            for text in messages
        ]
        return failed
    result.applied = True
    return result


def import_file(
    *,
    kind: str,
    content: bytes,
    filename: str,
    by: User | None,
    dry_run: bool,
    duplicates: str = UPDATE,
    progress: Progress | None = None,
) -> ImportReport:
    """Check a whole file and, unless `dry_run`, import it all or nothing."""
    try:
        table = read_table(content=content, filename=filename)
    except ImportFileError as exc:
        return ImportReport(kind=kind, dry_run=dry_run, file_errors=[str(exc)])
    report, actions = import_check(
        kind=kind, table=table, duplicates=duplicates, progress=progress, dry_run=dry_run
    )
    if dry_run or not report.ok:
        return report
    return import_apply(report=report, actions=actions, by=by, progress=progress)


# --- the director's page: jobs --------------------------------------------------------------


@dataclass
class JobView:
    """An import job as the page shows it."""

    job: ImportJob
    dry_run: ImportReport | None
    result: ImportReport | None
    confirmed: bool
    phase: str

    @property
    def awaiting_confirmation(self) -> bool:
        return self.job.status == ImportJob.Status.PENDING and not self.confirmed

    @property
    def in_progress(self) -> bool:
        return self.confirmed and self.job.status in (
            ImportJob.Status.PENDING,
            ImportJob.Status.RUNNING,
        )

    @property
    def state(self) -> str:
        if self.awaiting_confirmation:
            return _("Checked, waiting for confirmation")
        return str(self.job.get_status_display())


def import_job_view(job: ImportJob) -> JobView:
    report = job.report or {}
    return JobView(
        job=job,
        dry_run=ImportReport.from_dict(report["dry_run"]) if "dry_run" in report else None,
        result=ImportReport.from_dict(report["result"]) if "result" in report else None,
        confirmed="confirmed_at" in report,
        phase=report.get("phase", ""),
    )


def import_jobs_recent(*, limit: int = 20) -> list[JobView]:
    jobs = ImportJob.objects.defer("content").select_related("created_by")[:limit]
    return [import_job_view(job) for job in jobs]


def import_upload(
    *,
    kind: str,
    filename: str,
    content: bytes,
    by: User,
    duplicates: str = UPDATE,
    language: str | None = None,
) -> tuple[ImportReport, ImportJob | None]:
    """The dry run of an uploaded file; a file without bad rows is kept as a pending job for
    the director to confirm."""
    report = import_file(
        kind=kind, content=content, filename=filename, by=by, dry_run=True, duplicates=duplicates
    )
    if not report.ok:
        return report, None
    # Dry runs nobody confirmed would otherwise keep their files for ever.
    ImportJob.objects.filter(
        status=ImportJob.Status.PENDING, created_at__lt=timezone.now() - ABANDONED_AFTER
    ).exclude(report__has_key="confirmed_at").delete()
    job = ImportJob.objects.create(
        kind=kind,
        filename=Path(filename).name[:255],
        content=content,
        created_by=by,
        total_rows=report.total_rows,
        report={
            "options": {
                "duplicates": duplicates,
                "language": language or settings.LANGUAGE_CODE,
            },
            "dry_run": report.to_dict(),
        },
    )
    return report, job


def import_job_confirm(*, job: ImportJob, by: User) -> bool:
    """Queue a checked job for the worker, once: a second click finds it confirmed."""
    report = {**job.report, "confirmed_at": timezone.now().isoformat(), "confirmed_by": by.pk}
    confirmed = (
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PENDING)
        .exclude(report__has_key="confirmed_at")
        .update(report=report)
    )
    if confirmed:
        job.report = report
        from .tasks import import_job_run  # the task module imports this one

        # robust: a broker that is down must not fail the director's click with a 500. The
        # confirmation is in the database, and import_jobs_sweep queues the job again when no
        # worker has started it after STALLED_AFTER (the error is logged).
        transaction.on_commit(lambda: import_job_run.delay(job.pk), robust=True)
    return bool(confirmed)


class _JobProgress:
    """Writes a running job's progress where the page can read it.

    The rows are checked outside any transaction, so that progress is an ordinary update. The
    import itself runs in one long transaction whose writes nobody sees before the commit; on
    PostgreSQL the progress goes through a second connection of its own. SQLite has a single
    writer at a time, so there the count jumps to the end when the import commits."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.side: Any = None

    def __call__(self, phase: str, done: int) -> None:
        jobs = ImportJob.objects.filter(pk=self.job.pk)
        if done == 0:  # a new phase
            self.job.report = {**self.job.report, "phase": phase}
            jobs.update(report=self.job.report, processed_rows=0)
        elif not connection.in_atomic_block:
            jobs.update(processed_rows=done)
        elif connection.vendor == "postgresql":
            if self.side is None:
                self.side = connections.create_connection(DEFAULT_DB_ALIAS)
            table = self.side.ops.quote_name(ImportJob._meta.db_table)
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET processed_rows = %s WHERE id = %s",  # noqa: S608 - our table name
                    [done, self.job.pk],
                )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def import_job_process(*, job_id: int) -> ImportJob | None:
    """Import a confirmed job's file, all or nothing. The job is claimed by a compare-and-set
    before any work, so a duplicate task (a redelivered message, a second worker) does nothing
    and returns None."""
    claimed = ImportJob.objects.filter(
        pk=job_id, status=ImportJob.Status.PENDING, report__has_key="confirmed_at"
    ).update(status=ImportJob.Status.RUNNING, processed_rows=0)
    if not claimed:
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    # The sweep tells a worker that died from one still working by this.
    job.report = {**job.report, "started_at": timezone.now().isoformat()}
    ImportJob.objects.filter(pk=job_id).update(report=job.report)
    options = job.report.get("options", {})
    progress = _JobProgress(job)
    try:
        with translation.override(options.get("language") or settings.LANGUAGE_CODE):
            report = import_file(
                kind=job.kind,
                content=bytes(job.content),
                filename=job.filename,
                by=job.created_by,
                dry_run=False,
                duplicates=options.get("duplicates", UPDATE),
                progress=progress,
            )
    except BaseException:
        # Whatever stopped it (a time limit, a lost database), the transaction rolled back:
        # say so on the page instead of leaving the job running for ever.
        _job_finish(job, _stopped(job))
        raise
    finally:
        progress.close()
    _job_finish(job, report)
    return job


def _stopped(job: ImportJob) -> ImportReport:
    with translation.override(job.report.get("options", {}).get("language")):
        message = _("The import stopped unexpectedly; nothing was imported.")
    return ImportReport(kind=job.kind, dry_run=False, file_errors=[message])


def import_jobs_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """The jobs a lost message or a dead worker left behind, found in the database: a confirmed
    job no worker started within STALLED_AFTER is queued again (a duplicate message is harmless:
    the job is claimed once), and a job running longer than any worker may run is marked failed
    (the worker died; its transaction rolled back). Returns the ids queued again."""
    from .tasks import import_job_run  # the task module imports this one

    now = now or timezone.now()
    dead_after = dt.timedelta(seconds=IMPORT_TIME_LIMIT) + STALLED_AFTER
    queued = []
    unfinished = ImportJob.objects.defer("content").filter(
        status__in=[ImportJob.Status.PENDING, ImportJob.Status.RUNNING],
        report__has_key="confirmed_at",
    )
    for job in unfinished:
        if job.status == ImportJob.Status.PENDING:
            if dt.datetime.fromisoformat(job.report["confirmed_at"]) < now - STALLED_AFTER:
                # robust: with the broker down, the next sweep tries again.
                transaction.on_commit(lambda pk=job.pk: import_job_run.delay(pk), robust=True)
                queued.append(job.pk)
            continue
        started_at = job.report.get("started_at") or job.report["confirmed_at"]
        if dt.datetime.fromisoformat(started_at) < now - dead_after:
            ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
                status=ImportJob.Status.FAILED,
                processed_rows=0,
                report={**job.report, "result": _stopped(job).to_dict()},
                finished_at=now,
            )
    return queued


def _job_finish(job: ImportJob, report: ImportReport) -> None:
    job.status = ImportJob.Status.DONE if report.applied else ImportJob.Status.FAILED
    job.processed_rows = report.total_rows if report.applied else 0
    job.report = {**job.report, "result": report.to_dict()}
    job.finished_at = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status=job.status,
        processed_rows=job.processed_rows,
        report=job.report,
        finished_at=job.finished_at,
    )
