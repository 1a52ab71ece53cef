"""Reading a CSV or XLSX file into a `Table`: its rows under their normalised column names.

A CSV file may be UTF-8 (with or without a BOM), Windows-1251 or UTF-16, its cells separated by
semicolons, commas or tabs; of an XLSX file the first sheet is read. The size of a file and its
number of rows and cells are limited by the settings IMPORT_MAX_FILE_BYTES, IMPORT_MAX_ROWS and
IMPORT_MAX_CELLS. A file that cannot be read raises `ImportFileError`, whose message says why.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError, iterparse

import openpyxl
from django.conf import settings
from django.utils.translation import gettext as _

from .cells import Cell, _is_blank

# An XLSX file is a zip archive: refuse one that would unpack to more than this many times the
# upload limit rather than let a small file fill the memory.
MAX_XLSX_UNPACK_RATIO = 20

SPREADSHEET_SUFFIXES = (".csv", ".txt", ".xlsx")
XLSX_MAGIC = b"PK\x03\x04"
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why, for the person who sent it."""


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


def _too_many_cells() -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(limit)d cells: split it into smaller files.")
        % {"limit": settings.IMPORT_MAX_CELLS}
    )


def _collect(rows: Iterable[Sequence[Cell]]) -> list[tuple[int, list[Cell]]]:
    """Non-empty rows with their numbers; stops reading as soon as there are too many rows or
    cells."""
    limit = settings.IMPORT_MAX_ROWS
    cells_left = settings.IMPORT_MAX_CELLS
    kept: list[tuple[int, list[Cell]]] = []
    for number, cells in enumerate(rows, start=1):
        cells_left -= len(cells)
        if cells_left < 0:
            raise _too_many_cells()
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
        encodings: tuple[str, ...] = ("utf-16",)  # Excel's "Unicode text"
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
            if unpacked > settings.IMPORT_MAX_FILE_BYTES * MAX_XLSX_UNPACK_RATIO:
                raise ImportFileError(_("The XLSX file is too large once unpacked: split it."))
            _count_cells(archive)
    except zipfile.BadZipFile as exc:
        raise ImportFileError(damaged) from exc
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


def _count_cells(archive: zipfile.ZipFile) -> None:
    """Count the cells in the workbook's XML parts, one at a time, before openpyxl opens it:
    openpyxl scans a whole sheet that does not state its size when it opens the workbook, and
    builds a whole row before handing it over, so a small file of one row of millions of cells
    would hold the request for many seconds before a count of its rows could stop it. Every
    part is counted, not only the first sheet: opening the workbook reads them all."""
    cells_left = settings.IMPORT_MAX_CELLS
    try:
        for info in archive.infolist():
            if not info.filename.lower().endswith(".xml"):
                continue
            with archive.open(info) as part:
                # Expat (2.4.1 and later) refuses entity-expansion bombs and ElementTree
                # fetches no external entity; the parser that comes next is the same one.
                for _event, element in iterparse(part):  # noqa: S314
                    # Any namespace: a cell is a cell to the parser that comes next.
                    if element.tag.rpartition("}")[2] == "c":
                        cells_left -= 1
                        if cells_left < 0:
                            raise _too_many_cells()
                    element.clear()
    except ParseError as exc:
        raise ImportFileError(
            _("The XLSX file cannot be read: it is damaged or not an Excel workbook.")
        ) from exc


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
