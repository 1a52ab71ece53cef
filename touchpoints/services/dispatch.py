"""Sending the automatic touchpoints exactly once.

The database decides what is due. `dispatch_due` claims due rows (row locks with SKIP LOCKED
where the database has them, and a compare-and-set of the status in any case), records the send
in a row unique per touchpoint, sends, and records the outcome. A dispatcher killed between
claim and send leaves the row in "sending" with a lease; once the lease expires, `dispatch_due`
returns such rows to "planned" so the next sweep sends them (the rule is in
`release_expired_leases`).
"""

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import F, Prefetch
from django.utils import timezone

from clients.models import (
    ClientPhone,
)
from clients.selectors import consents_current

from .. import messaging, signals
from ..models import (
    SendRecord,
    Touchpoint,
    TouchpointStatus,
)

logger = logging.getLogger(__name__)

# Why the dispatcher did not send a message (a send record's error, a touchpoint's outcome).
SYSTEM_SKIP_REASONS = ("no consent", "no address", "client archived", "client erased")


@dataclass
class DispatchResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    released: int = 0
    errors: list[str] = field(default_factory=list)


def release_expired_leases(*, now: dt.datetime) -> int:
    """The rule for a dispatcher that died between claim and send: once its lease has expired,
    the touchpoint goes back to "planned" and the next sweep sends it. The send record stays,
    with the attempt counted, so a manager can see that a first attempt was interrupted."""
    return Touchpoint.objects.filter(status=TouchpointStatus.SENDING, lease_until__lt=now).update(
        status=TouchpointStatus.PLANNED, lease_until=None, lease_owner=""
    )


def _claim(*, now: dt.datetime, limit: int, owner: str) -> list[int]:
    due = Touchpoint.objects.filter(
        status=TouchpointStatus.PLANNED, is_automatic=True, due_at__lte=now
    ).order_by("due_at", "id")
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        # Compare-and-set: only rows still "planned" are taken, whatever another sweep did.
        Touchpoint.objects.filter(id__in=ids, status=TouchpointStatus.PLANNED).update(
            status=TouchpointStatus.SENDING,
            lease_until=now + dt.timedelta(seconds=settings.SEND_LEASE_SECONDS),
            lease_owner=owner,
            attempts=F("attempts") + 1,
        )
        return list(
            Touchpoint.objects.filter(
                id__in=ids, status=TouchpointStatus.SENDING, lease_owner=owner
            ).values_list("id", flat=True)
        )


def _finish(touchpoint_id: int, owner: str, **fields: Any) -> bool:
    """Close a claimed touchpoint, only if this dispatcher still holds it."""
    return bool(
        Touchpoint.objects.filter(
            id=touchpoint_id, status=TouchpointStatus.SENDING, lease_owner=owner
        ).update(lease_until=None, lease_owner="", **fields)
    )


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=settings.SEND_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


@dataclass
class _Sweep:
    """What one sweep reads once for all the rows it claimed."""

    owner: str
    templates: messaging.Templates
    records: dict[int, SendRecord]
    consents: dict[int, dict[str, bool]]
    # One connection to the mail server for all the sweep's e-mails, opened by the first.
    mail_connection: BaseEmailBackend


def _deliver(touchpoint: Touchpoint, sweep: _Sweep, result: DispatchResult) -> None:
    now = timezone.now()
    owner = sweep.owner
    client = touchpoint.client
    record = sweep.records.get(touchpoint.pk)
    if record is None:
        # The claim makes this dispatcher the only one here; the one-to-one key guards anyway.
        # Inserted by its first save, with what is known by then (before any sending).
        record = SendRecord(
            touchpoint=touchpoint, channel=touchpoint.channel, status=SendRecord.Status.SENDING
        )
    if record.status == SendRecord.Status.SENT:
        # Sent before; the dispatcher that sent it died before closing the touchpoint.
        _finish(touchpoint.pk, owner, status=TouchpointStatus.DONE, closed_at=now)
        return
    record.attempts = touchpoint.attempts
    skip_reason = None
    if client.erased_at is not None:
        skip_reason = "client erased"
    elif client.archived_at is not None:
        skip_reason = "client archived"
    elif not sweep.consents.get(client.pk, {}).get(touchpoint.channel, False):
        skip_reason = "no consent"
    if skip_reason is None:
        try:
            message = messaging.render(touchpoint, sweep.templates)
        except messaging.MessageError as exc:
            _fail(touchpoint, record, owner, str(exc), result)
            return
        record.recipient, record.subject, record.body = (
            message.recipient,
            message.subject,
            message.text,
        )
        if not message.recipient:
            skip_reason = "no address"
    if skip_reason is not None:
        record.status = SendRecord.Status.SKIPPED
        record.error = skip_reason
        record.save()
        _finish(
            touchpoint.pk,
            owner,
            status=TouchpointStatus.SKIPPED,
            outcome=skip_reason,
            closed_at=now,
        )
        result.skipped += 1
        return
    record.save()
    try:
        provider_id = messaging.send(message, mail_connection=sweep.mail_connection)
    except messaging.TemporaryError as exc:
        record.error = str(exc)[:1000]
        record.save(update_fields=["error", "attempts"])
        if touchpoint.attempts >= settings.SEND_MAX_ATTEMPTS:
            _fail(touchpoint, record, owner, str(exc), result)
            return
        # A provider that says how long to wait (Telegram's retry_after) is waited for.
        wait = dt.timedelta(seconds=getattr(exc, "retry_after", 0) or 0)
        _finish(
            touchpoint.pk,
            owner,
            status=TouchpointStatus.PLANNED,
            due_at=now + max(_backoff(touchpoint.attempts), wait),
        )
        result.retried += 1
        return
    except messaging.PermanentError as exc:
        _fail(touchpoint, record, owner, str(exc), result)
        return
    with transaction.atomic():
        record.status = SendRecord.Status.SENT
        record.sent_at = timezone.now()
        record.provider_id = provider_id[:255]
        record.error = ""
        record.save()
        done = _finish(
            touchpoint.pk, owner, status=TouchpointStatus.DONE, outcome="sent", closed_at=now
        )
        if done:
            signals.touchpoint_completed.send(sender=Touchpoint, touchpoint=touchpoint)
    result.sent += 1


def _fail(
    touchpoint: Touchpoint, record: SendRecord, owner: str, reason: str, result: DispatchResult
) -> None:
    record.status = SendRecord.Status.FAILED
    record.error = reason[:1000]
    record.save()
    _finish(
        touchpoint.pk,
        owner,
        status=TouchpointStatus.FAILED,
        outcome="failed",
        note=reason[:1000],
        closed_at=timezone.now(),
    )
    result.failed += 1
    result.errors.append(reason)


def dispatch_due(*, limit: int = 500, now: dt.datetime | None = None) -> DispatchResult:
    """One sweep: release expired leases, claim what is due, send it, record the outcome."""
    now = now or timezone.now()
    owner = uuid.uuid4().hex
    result = DispatchResult(released=release_expired_leases(now=now))
    ids = _claim(now=now, limit=limit, owner=owner)
    result.claimed = len(ids)
    if not ids:
        return result
    touchpoints = list(
        Touchpoint.objects.filter(id__in=ids)
        .select_related(
            "client", "order", "assignee", "client__account_manager", "client__originator"
        )
        .prefetch_related(
            Prefetch("client__phones", queryset=ClientPhone.objects.order_by("-is_primary", "id"))
        )
    )
    sweep = _Sweep(
        owner=owner,
        templates=messaging.Templates(),
        records={r.touchpoint_id: r for r in SendRecord.objects.filter(touchpoint_id__in=ids)},
        consents=consents_current({t.client_id for t in touchpoints}),
        mail_connection=get_connection(),
    )
    try:
        for touchpoint in touchpoints:
            try:
                _deliver(touchpoint, sweep, result)
            except Exception as exc:
                # One broken row must not stop the sweep; the lease brings it back later.
                logger.exception("Sending touchpoint %s failed", touchpoint.pk)
                result.errors.append(f"{touchpoint.pk}: {exc.__class__.__name__}")
    finally:
        sweep.mail_connection.close()
    return result
