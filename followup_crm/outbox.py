"""The claim every outbox of rows to send shares (staff mail in `mail.py`, webhook deliveries in
`webhooks.services`): a row is "queued" until a sender claims it, "sending" under a lease while
it is sent, then whatever its sender records. Such a model has the fields `status` (with the
values "queued" and "sending"), `next_attempt_at`, `attempts`, `lease_until` and `lease_owner`.
"""

import datetime as dt
from typing import TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Model, QuerySet

M = TypeVar("M", bound=Model)

QUEUED = "queued"
SENDING = "sending"


def outbox_release_expired(rows: QuerySet[M], *, now: dt.datetime) -> int:
    """Rows a dead sender held past its lease go back to the queue."""
    return rows.filter(status=SENDING, lease_until__lt=now).update(
        status=QUEUED, lease_until=None, lease_owner=""
    )


def outbox_claim(
    rows: QuerySet[M], *, now: dt.datetime, limit: int, owner: str, only: int | None
) -> QuerySet[M]:
    """Claim at most `limit` due rows of `rows` (only the row `only` when given) for `owner`:
    locked with SKIP LOCKED where the database has it, and taken by a compare-and-set of the
    status in any case, so two senders never hold one row. Returns the rows this owner holds."""
    due = rows.filter(status=QUEUED, next_attempt_at__lte=now).order_by("next_attempt_at", "id")
    if only is not None:
        due = due.filter(pk=only)
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        if ids:
            # Compare-and-set: only rows still queued are taken, whatever another sender did.
            rows.filter(id__in=ids, status=QUEUED).update(
                status=SENDING,
                lease_until=now + dt.timedelta(seconds=settings.SEND_LEASE_SECONDS),
                lease_owner=owner,
                attempts=F("attempts") + 1,
            )
    return rows.filter(id__in=ids, status=SENDING, lease_owner=owner)
