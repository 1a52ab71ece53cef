"""The dry run of a whole table: `import_check` checks the columns and every row without
writing anything, and returns the report (what would change, and every bad row) with the
actions to apply."""

from collections.abc import Collection
from typing import Any

from django.utils.translation import gettext as _

from ..models import ImportJob
from .client_rows import DUPLICATE_RULES, FILL, _check_clients
from .columns import COLUMNS, ORDER_CLIENT_COLUMNS
from .files import Table
from .order_rows import _check_orders
from .report import ImportReport, Progress


def import_check(
    *,
    kind: str,
    table: Table,
    duplicates: str = FILL,
    progress: Progress | None = None,
    dry_run: bool = True,
    accept_conflicts: Collection[int] = (),
) -> tuple[ImportReport, list[Any]]:
    """Read and check every row without writing anything: the report (what would change, and
    every bad row) and the actions to apply. `accept_conflicts`: the row numbers of conflicting
    rows (another name on a matched client) the director chose to apply."""
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
        actions: list[Any] = _check_clients(table, report, duplicates, progress, accept_conflicts)
    else:
        actions = _check_orders(table, report, progress)
    report.errors.sort(key=lambda error: error.row)
    return report, actions
