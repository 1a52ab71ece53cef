"""The morning digest: each manager's day by e-mail."""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from followup_crm.timezones import company_zone

from .. import messaging
from ..models import (
    DigestLog,
    Touchpoint,
    TouchpointStatus,
)

logger = logging.getLogger(__name__)


def digest_send(*, day: dt.date | None = None) -> int:
    """E-mail each manager their day: overdue and due calls and tasks. Once per manager and
    day, however often it runs."""
    day = day or timezone.localdate()
    tz = company_zone()
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    work = (
        Touchpoint.objects.filter(
            status=TouchpointStatus.PLANNED, is_automatic=False, due_at__lt=end
        )
        .exclude(assignee=None)
        .select_related("client", "assignee")
        .order_by("assignee_id", "due_at")
    )
    by_user: dict[int, list[Touchpoint]] = {}
    for touchpoint in work:
        by_user.setdefault(touchpoint.assignee_id, []).append(touchpoint)
    already = set(DigestLog.objects.filter(day=day).values_list("user_id", flat=True))
    sent = 0
    for user_id, items in by_user.items():
        user = items[0].assignee
        if user_id in already or not user.email:
            continue
        try:
            with transaction.atomic():
                DigestLog.objects.create(user=user, day=day, items=len(items))
                messaging.send_digest(user=user, day=day, touchpoints=items)
        except IntegrityError:
            continue  # another worker sent it
        except (messaging.TemporaryError, messaging.PermanentError):
            logger.warning("Morning digest for %s not sent", user, exc_info=True)
            continue
        sent += 1
    return sent
