"""Reverting an applied import job within REVERT_DAYS: `import_job_revert`.

Each field the import changed goes back to its value before the import, unless it has changed
again since (then it is listed as not reverted, and left as it is now); the clients it created
are archived and the orders it created cancelled (returned, once delivered) through the order
service with the reason; the events it added to existing orders stay, listed as not reverted.
The outcome is kept in the job's report for its page.
"""

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Client, Consent, ImportChange, ImportJob, OrderStatus
from ..services import client_archive, client_update, consent_record, order_record_event
from .apply import User, stored

REVERT_DAYS = 30


@dataclass
class NotReverted:
    client_id: int
    client_name: str
    field: str
    reason: str


@dataclass
class RevertReport:
    reverted: int = 0
    clients_archived: int = 0
    orders_cancelled: int = 0
    not_reverted: list[NotReverted] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def import_job_revertible(job: ImportJob, *, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        job.status == ImportJob.Status.DONE
        and "reverted_at" not in job.report
        and job.finished_at is not None
        and now - job.finished_at <= dt.timedelta(days=REVERT_DAYS)
    )


def _current(client: Client, name: str, consents: dict[str, bool]) -> Any:
    if name == "phones":
        return [phone.number.as_e164 for phone in client.phones.all()]
    if name.startswith("consent:"):
        return consents.get(name.removeprefix("consent:"))
    return stored(getattr(client, name))


def _restored(name: str, value: Any) -> Any:
    if name in ("originator", "account_manager"):
        return get_user_model().objects.filter(pk=value).first() if value else None
    if name == "birthday":
        return dt.date.fromisoformat(value) if value else None
    return value


@transaction.atomic
def import_job_revert(*, job: ImportJob, by: User) -> RevertReport:
    """Undo what an applied import changed (see the module docstring). Raises ValidationError
    when the job cannot be reverted (not applied, reverted already, or too old)."""
    job = ImportJob.objects.select_for_update().defer("content").get(pk=job.pk)
    if not import_job_revertible(job):
        raise ValidationError(
            _("Only an import applied in the last %(days)d days can be reverted, once.")
            % {"days": REVERT_DAYS}
        )
    now = timezone.now()
    note = _("Import “%(file)s” reverted") % {"file": job.filename}
    result = RevertReport()
    changes = list(job.changes.select_related("client", "order").prefetch_related("client__phones"))
    consents: dict[int, dict[str, bool]] = {}
    for change in changes:
        if change.kind == ImportChange.Kind.FIELD and change.field.startswith("consent:"):
            consents.setdefault(change.client_id, {})
    for client_id, current in consents.items():
        newest_first = Consent.objects.filter(client_id=client_id).order_by("-at", "-id")
        for channel, granted in newest_first.values_list("channel", "granted"):
            current.setdefault(channel, granted)

    fields_back: dict[int, dict[str, Any]] = {}
    for change in changes:
        client = change.client
        if change.kind == ImportChange.Kind.CLIENT_CREATED:
            if client.archived_at is None:
                client_archive(client=client, by=by)
                result.clients_archived += 1
        elif change.kind == ImportChange.Kind.ORDER_CREATED:
            _cancel_order(change, by, note, now, result)
        elif change.kind == ImportChange.Kind.ORDER_EVENT:
            result.not_reverted.append(
                NotReverted(
                    client.pk,
                    client.name,
                    f"{change.order}: {change.new}",
                    _("An order event stays in the order's history."),
                )
            )
        elif _current(client, change.field, consents.get(client.pk, {})) != change.new:
            result.not_reverted.append(
                NotReverted(client.pk, client.name, change.field, _("Changed again since."))
            )
        else:
            fields_back.setdefault(client.pk, {})[change.field] = change.old

    by_id = {change.client_id: change.client for change in changes}
    for client_id, values in fields_back.items():
        client = by_id[client_id]
        phones = values.pop("phones", None)
        for name in [name for name in values if name.startswith("consent:")]:
            old = values.pop(name)
            consent_record(
                client=client,
                channel=name.removeprefix("consent:"),
                granted=bool(old),
                method=Consent.Method.IMPORT,
                by=by,
                note=note[:255],
            )
            result.reverted += 1
        fields = {name: _restored(name, value) for name, value in values.items()}
        if fields or phones is not None:
            client_update(client=client, by=by, phones=phones, **fields)
            result.reverted += len(fields) + (phones is not None)

    job.report = {
        **job.report,
        "reverted_at": now.isoformat(),
        "reverted_by": by.pk,
        "revert": result.to_dict(),
    }
    ImportJob.objects.filter(pk=job.pk).update(report=job.report)
    return result


def _cancel_order(
    change: ImportChange, by: User, note: str, now: dt.datetime, result: RevertReport
) -> None:
    order = change.order
    if order is None or order.status in (OrderStatus.CANCELLED, OrderStatus.RETURNED):
        return
    closing = (
        OrderStatus.RETURNED if order.status == OrderStatus.DELIVERED else (OrderStatus.CANCELLED)
    )
    try:
        order_record_event(order=order, type=closing, at=now, by=by, note=note[:255])
    except ValidationError as exc:
        result.not_reverted.append(
            NotReverted(change.client_id, change.client.name, str(order), " ".join(exc.messages))
        )
        return
    result.orders_cancelled += 1
