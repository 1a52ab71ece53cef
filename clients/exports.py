"""Export of the client list to CSV and XLSX.

The caller passes the clients the list page would show (`clients_visible_to` narrowed by
`ClientFilter`); the export reads them in a fixed number of queries whatever their number —
managers joined, current consents as subqueries, phones prefetched per chunk — and the CSV is
streamed while it is read. The columns are the import's, so an exported file can be edited and
imported back (the client_id column then updates the same clients).

A text cell that a spreadsheet would run as a formula (one starting with =, +, -, @, a tab or a
carriage return) gets a leading apostrophe: a client whose name someone typed as
"=HYPERLINK(...)" stays a name. Numbers, dates and empty cells are left alone.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import openpyxl
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .imports import FORMULA_TRIGGERS
from .models import LISTED_CONSENT_CHANNELS, Client, ClientPhone, Consent
from .selectors import person_name

EXPORT_COLUMNS = (
    "client_id",
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
    *(f"consent_{channel}" for channel in LISTED_CONSENT_CHANNELS),
    "stage",
    "created_at",
)
# Clients read per query; phones are prefetched once per chunk.
CHUNK_SIZE = 1000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would read as a formula, with an apostrophe in front; any
    other value as it is — a number such as -5 is data, not a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def clients_for_export(clients: QuerySet[Client]) -> QuerySet[Client]:
    current_consents = {
        f"consent_{channel}": Subquery(
            Consent.objects.filter(client=OuterRef("pk"), channel=channel)
            .order_by("-at", "-id")
            .values("granted")[:1]
        )
        for channel in LISTED_CONSENT_CHANNELS
    }
    return (
        clients.select_related("originator", "account_manager")
        .prefetch_related(
            Prefetch("phones", queryset=ClientPhone.objects.order_by("-is_primary", "id"))
        )
        .annotate(**current_consents)
        .order_by("name", "id")
    )


def _flag(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def client_row(client: Client) -> list[Any]:
    """One client's cells in the order of EXPORT_COLUMNS, as typed values."""
    return [
        client.pk,
        client.name,
        client.kind,
        client.contact_person,
        "; ".join(phone.number.as_e164 for phone in client.phones.all()),
        client.email,
        client.postal_address,
        client.time_zone,
        client.language,
        client.birthday,
        client.source,
        client.originator.get_username() if client.originator else "",
        client.account_manager.get_username() if client.account_manager else "",
        client.notes,
        *(_flag(getattr(client, f"consent_{channel}")) for channel in LISTED_CONSENT_CHANNELS),
        client.stage,
        # Spreadsheets know no time zones: the company's local time.
        timezone.localtime(client.created_at).replace(tzinfo=None, microsecond=0),
    ]


def export_rows(clients: QuerySet[Client]) -> Iterator[list[Any]]:
    yield list(EXPORT_COLUMNS)
    for client in clients_for_export(clients).iterator(chunk_size=CHUNK_SIZE):
        yield client_row(client)


class _Echo:
    """A file that hands back what is written: csv.writer then returns each line."""

    def write(self, value: str) -> str:
        return value


def _csv_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def export_csv(clients: QuerySet[Client]) -> Iterator[str]:
    """The CSV, line by line, for a streaming response."""
    writer = csv.writer(_Echo())
    # Excel takes a CSV for UTF-8 only when it starts with the byte order mark.
    yield "\ufeff"
    for row in export_rows(clients):
        yield writer.writerow([neutralise(_csv_value(value)) for value in row])


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        # Control characters are not allowed in the file's XML; drop them before the check
        # for formulas, so that "\x01=cmd" cannot turn into a formula once cleaned.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return neutralise(value)


# The cell rules above for other exports (the reports' tables): one place decides what a
# spreadsheet could run.
def csv_cell(value: Any) -> Any:
    return neutralise(_csv_value(value))


def xlsx_cell(value: Any) -> Any:
    return _xlsx_value(value)


def export_xlsx(clients: QuerySet[Client]) -> bytes:
    # Write-only mode streams rows to the file instead of holding a cell object for each.
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Clients")[:31])
    for row in export_rows(clients):
        sheet.append([_xlsx_value(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_filename(extension: str) -> str:
    return f"clients-{timezone.localdate():%Y-%m-%d}.{extension}"


CONSENT_COLUMNS = ("channel", "granted", "at", "how", "note", "recorded_by")


def consent_history_csv(consents: list[Consent]) -> str:
    """A client's consent records (newest first, as `selectors.consent_history` gives them) as
    CSV: every choice given or withdrawn, when (the company's local time), how, by whom."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CONSENT_COLUMNS)
    for consent in consents:
        writer.writerow(
            csv_cell(value)
            for value in (
                consent.channel,
                "yes" if consent.granted else "no",
                timezone.localtime(consent.at).replace(tzinfo=None),
                consent.method,
                consent.note,
                person_name(consent.recorded_by) or "",
            )
        )
    # Excel takes a CSV for UTF-8 only when it starts with the byte order mark.
    return "\ufeff" + buffer.getvalue()


def consent_filename(client: Client) -> str:
    return f"consents-client-{client.pk}-{timezone.localdate():%Y-%m-%d}.csv"
