"""Checking the rows of a clients file against the CRM: the clients to create, to update and
to leave as they are.

Which rows are already in the CRM: a row is an existing client when its `client_id` is that
client's id, or else when its e-mail (in any case) or one of its phone numbers belongs to that
client. An import never overwrites silently: with `duplicates="fill"` (the default) the client
gets the row's cells only where the CRM has nothing; with `duplicates="update"` the row's
non-empty cells replace what the CRM has (an empty cell never erases anything, phone numbers
are added and never removed); with `duplicates="skip"`, or when nothing would change, the row is
skipped. A matched row whose name is not the client's (beyond case, spacing and ё/е) is a
conflict — perhaps another person with a shared phone — and is left alone unless the director
accepts it by its row number. Every matched client is listed in the report with the key it
matched on and each field's old and new value. A row matching two different clients, or
repeating the e-mail, phone or id of an earlier row of the same file, is a bad row.
"""

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from followup_crm.roles import ACCOUNT_MANAGER, SALES_MANAGER

from ..models import Client, ClientPhone, Consent, known_time_zones
from .cells import _shorten, parse_date, parse_flag
from .columns import CONSENT_COLUMNS
from .files import Table
from .report import PROGRESS_EVERY, ImportReport, Progress
from .rows import RowReader, UserDirectory, _chunks

# Duplicate rules for clients already in the CRM (see the module docstring).
FILL = "fill"
UPDATE = "update"
SKIP = "skip"
DUPLICATE_RULES = (FILL, UPDATE, SKIP)

_SPACES = re.compile(r"\s+")


def same_name(first: str, second: str) -> bool:
    """The same name, whatever the case, the spacing and ё written as е."""

    def plain(name: str) -> str:
        return _SPACES.sub(" ", name).strip().casefold().replace("ё", "е")

    return plain(first) == plain(second)


def shown(value: Any) -> Any:
    """A field's value as the report keeps it (JSON): a user by name, a date as text."""
    if value is None or isinstance(value, bool | int | str | list):
        return value
    if hasattr(value, "get_username"):
        return value.get_username()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


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


def _read_client(reader: RowReader, users: UserDirectory, time_zones: Collection[str]) -> ClientRow:
    fields: dict[str, Any] = {
        "name": reader.text("name", max_length=200, required=True, one_line=True)
    }
    fields["kind"] = reader.choice("kind", Client.Kind.choices)
    fields["contact_person"] = reader.text("contact_person", max_length=200, one_line=True)
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
    table: Table,
    report: ImportReport,
    duplicates: str,
    progress: Progress | None,
    accept_conflicts: Collection[int] = (),
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
        {match[0] for match in matches.values() if match is not None}
    )
    actions = []
    for row in rows:
        match = matches.get(row.reader.number)
        if row.reader.failed:
            continue
        if match is None:
            report.created += 1
            fields = {"source": Client.Source.IMPORT, **row.fields}
            actions.append(ClientAction(row.reader.number, None, fields, row.phones, row.consents))
            continue
        client = existing[match[0]]
        conflict = not same_name(client.name, row.fields.get("name", client.name))
        accepted = not conflict or row.reader.number in accept_conflicts
        action = _client_changes(client, row, overwrite=duplicates == UPDATE)
        applied = action is not None and duplicates != SKIP and accepted
        report.matches.append(_match_entry(client, row, match[1], action, conflict, applied))
        if applied and action is not None:
            report.updated += 1
            actions.append(action)
        else:
            report.skipped += 1
    return actions


def _match_entry(
    client: Client,
    row: ClientRow,
    matched_on: str,
    action: ClientAction | None,
    conflict: bool,
    applied: bool,
) -> dict[str, Any]:
    """A matched client as the report lists it: the key it matched on, each change (field, old
    value, new value) and each value of the file kept out because the CRM had one."""
    changes = []
    if action is not None:
        changes = [
            [name, shown(getattr(client, name)), shown(value)]
            for name, value in action.fields.items()
        ]
        if action.phones is not None:
            current = [phone.number.as_e164 for phone in client.phones.all()]
            changes.append(["phones", ", ".join(current), ", ".join(action.phones)])
        current_consents = client.current_consents  # type: ignore[attr-defined]
        changes += [
            [f"consent_{channel}", current_consents.get(channel), granted]
            for channel, granted in action.consents.items()
        ]
    changed = {change[0] for change in changes}
    kept = [
        [name, shown(getattr(client, name)), shown(value)]
        for name, value in row.fields.items()
        if name not in changed and not _same_value(client, name, value)
    ]
    return {
        "row": row.reader.number,
        "client_id": client.pk,
        "client_name": client.name,
        "row_name": row.fields.get("name", ""),
        "matched_on": matched_on,
        "conflict": conflict,
        "applied": applied,
        "changes": changes,
        "kept": kept,
    }


def _client_matches(rows: list[ClientRow]) -> dict[int, tuple[int, str] | None]:
    """Row number → the existing client it is and the column it matched on (None: a new one).
    Records a bad row for an id that does not exist, a row matching two clients, and a row
    repeating an earlier one."""
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
        found_phones = ClientPhone.objects.filter(number__in=chunk)
        for number, client_id in found_phones.values_list("number", "client_id"):
            by_phone.setdefault(str(number), set()).add(client_id)
    for chunk in _chunks(ids):
        known_ids.update(Client.objects.filter(pk__in=chunk).values_list("pk", flat=True))

    matches: dict[int, tuple[int, str] | None] = {}
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
            matches[reader.number] = (row.client_id, "client_id")
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
        matches[reader.number] = next(iter(candidates.items())) if len(candidates) == 1 else None
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


def _same_value(client: Client, name: str, value: Any) -> bool:
    if name in ("originator", "account_manager"):
        return getattr(client, f"{name}_id") == value.pk
    if name == "email":
        return client.email.lower() == value.lower()
    return getattr(client, name) == value


def _client_changes(client: Client, row: ClientRow, *, overwrite: bool) -> ClientAction | None:
    """What the row would change in an existing client; None when nothing. Without
    `overwrite`, only the fields the client has empty."""
    fields = {}
    for name, value in row.fields.items():
        if _same_value(client, name, value):
            continue
        if overwrite or getattr(client, name) in ("", None):
            fields[name] = value
    current = [phone.number.as_e164 for phone in client.phones.all()]
    added = [phone for phone in row.phones if phone not in current]
    current_consents = client.current_consents  # type: ignore[attr-defined]
    consents = {
        channel: granted
        for channel, granted in row.consents.items()
        if current_consents.get(channel) != granted
        and (overwrite or current_consents.get(channel) is None)
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
