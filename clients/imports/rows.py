"""Reading the cells of one row, and the users a whole file names.

`RowReader` records each problem of a row against its column and carries on, so that one pass
finds every problem of the row; `UserDirectory` reads the active users a file names in one
query.
"""

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from followup_crm.roles import ACCOUNT_MANAGER, SALES_MANAGER
from followup_crm.validators import CONTROL_CHARACTERS, CONTROL_CHARACTERS_REFUSED

from ..services import FUTURE_TOLERANCE, phone_normalize
from .cells import Cell, _is_blank, _shorten, cell_text, parse_id
from .files import Table, TableRow
from .report import RowError

# A cell longer than this is a mistake (a whole document pasted into a cell), not data.
MAX_CELL_CHARS = 10_000


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

    def text(
        self,
        column: str,
        *,
        max_length: int | None = None,
        required: bool = False,
        one_line: bool = False,
    ) -> str:
        """The cell's text; `one_line` for a value that can reach a mail header (a name)."""
        text = cell_text(self.cells.get(column))
        if required and not text:
            self.error(column, _("Required."))
        elif one_line and CONTROL_CHARACTERS.search(text):
            self.error(column, str(CONTROL_CHARACTERS_REFUSED))
            return ""
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
