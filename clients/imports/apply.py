"""Applying checked rows through the client services, and the whole run of a file.

`import_file` reads a file, checks every row and — unless it is a dry run — applies the rows
inside one transaction through the client services, so an imported order runs the same
lifecycle rules (stage, handoff, commission, planned touchpoints) as one typed by hand, and one
bad row means that nothing at all is written. A run for an import job records, in the same
transaction, every change it made (`ImportChange`), for `import_job_revert`.
"""

from collections.abc import Collection
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from followup_crm.users import User

from ..models import Client, Consent, ImportChange, ImportJob
from ..services import (
    client_create,
    client_update,
    consent_record,
    order_record,
    order_record_event,
)
from .client_rows import FILL, ClientAction
from .files import ImportFileError, read_table
from .order_rows import OrderAction
from .plan import import_check
from .report import PROGRESS_EVERY, ImportReport, Progress, RowError


def stored(value: Any) -> Any:
    """A field's value as an ImportChange keeps it: a user by id, a date as ISO text."""
    if value is None or isinstance(value, bool | int | str | list):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value.pk


def _phones(client: Client) -> list[str]:
    return [phone.number.as_e164 for phone in client.phones.all()]


def _apply_client(
    action: ClientAction, by: User | None, report: ImportReport, changes: list[ImportChange]
) -> None:
    if action.client is None:
        client = client_create(by=by, phones=action.phones, **action.fields)
        report.created += 1
        changes.append(ImportChange(kind=ImportChange.Kind.CLIENT_CREATED, client=client))
    else:
        client = action.client
        before = {name: stored(getattr(client, name)) for name in action.fields}
        if action.phones is not None:
            before["phones"] = _phones(client)
        for channel in action.consents:
            before[f"consent:{channel}"] = client.current_consents.get(channel)  # type: ignore[attr-defined]
        if action.fields or action.phones is not None:
            client_update(client=client, by=by, phones=action.phones, **action.fields)
        after = {name: stored(value) for name, value in action.fields.items()}
        if action.phones is not None:
            after["phones"] = list(action.phones)  # the complete list set, in its order
        after.update(
            {f"consent:{channel}": granted for channel, granted in action.consents.items()}
        )
        changes += [
            ImportChange(
                kind=ImportChange.Kind.FIELD, client=client, field=name, old=old, new=after[name]
            )
            for name, old in before.items()
        ]
        report.updated += 1
    for channel, granted in action.consents.items():
        consent_record(
            client=client,
            channel=channel,
            granted=granted,
            method=Consent.Method.IMPORT,
            by=by,
        )


def _apply_order(
    action: OrderAction, by: User | None, report: ImportReport, changes: list[ImportChange]
) -> None:
    order = action.order
    if order is None:
        recorded = order_record(client=action.client, by=by, **action.fields)
        order = recorded.order
        if not recorded.created:
            # Recorded by someone else between the check and now: nothing more to do.
            report.skipped += 1
            return
        report.created += 1
        changes.append(
            ImportChange(kind=ImportChange.Kind.ORDER_CREATED, client=order.client, order=order)
        )
    else:
        report.updated += 1
    for event_type, at in action.events:
        order_record_event(order=order, type=event_type, at=at, by=by, note=_("Imported"))
        if action.order is not None:
            changes.append(
                ImportChange(
                    kind=ImportChange.Kind.ORDER_EVENT,
                    client=order.client,
                    order=order,
                    field="status",
                    new=event_type,
                )
            )


class _ApplyFailed(Exception):
    def __init__(self, row: int, error: ValidationError) -> None:
        super().__init__(row)
        self.row = row
        self.error = error


def import_apply(
    *,
    report: ImportReport,
    actions: list[Any],
    by: User | None,
    progress: Progress | None = None,
    job: ImportJob | None = None,
) -> ImportReport:
    """Apply checked actions all or nothing: any error rolls every row back. With `job`, what
    changed is recorded for its revert."""
    # Rows the check found nothing to do for are skipped; the rest are counted as applied.
    result = ImportReport(
        kind=report.kind,
        dry_run=False,
        total_rows=report.total_rows,
        skipped=report.skipped,
        notices=report.notices,
        matches=report.matches,
    )
    changes: list[ImportChange] = []
    apply = _apply_client if report.kind == ImportJob.Kind.CLIENTS else _apply_order
    if progress:
        progress("importing", 0)
    try:
        with transaction.atomic():
            for position, action in enumerate(actions, start=1):
                try:
                    apply(action, by, result, changes)
                except ValidationError as exc:
                    raise _ApplyFailed(action.row, exc) from exc
                if progress and position % PROGRESS_EVERY == 0:
                    progress("importing", position)
            if job is not None:
                for change in changes:
                    change.job = job
                ImportChange.objects.bulk_create(changes, batch_size=500)
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
    duplicates: str = FILL,
    progress: Progress | None = None,
    job: ImportJob | None = None,
    accept_conflicts: Collection[int] = (),
) -> ImportReport:
    """Check a whole file and, unless `dry_run`, import it all or nothing (recording what
    changed for `job`'s revert). Conflicting rows are applied only if their numbers are in
    `accept_conflicts`."""
    try:
        table = read_table(content=content, filename=filename)
    except ImportFileError as exc:
        return ImportReport(kind=kind, dry_run=dry_run, file_errors=[str(exc)])
    report, actions = import_check(
        kind=kind,
        table=table,
        duplicates=duplicates,
        progress=progress,
        dry_run=dry_run,
        accept_conflicts=accept_conflicts,
    )
    if dry_run or not report.ok:
        return report
    return import_apply(report=report, actions=actions, by=by, progress=progress, job=job)
