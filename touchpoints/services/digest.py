"""The morning digest: each manager's day by e-mail, through the staff outbox."""

import datetime as dt
from typing import cast

from django.conf import settings
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.utils import timezone, translation

from followup_crm.mail import staff_mail_keys_taken, staff_mail_queue
from followup_crm.models import StaffMail
from followup_crm.timezones import company_zone

from ..models import Touchpoint, TouchpointStatus


def digest_key(user_id: int, day: dt.date) -> str:
    return f"digest:{user_id}:{day.isoformat()}"


def _render(user: User, day: dt.date, touchpoints: list[Touchpoint]) -> tuple[str, str]:
    """Subject and text, in the site's language: users have no language of their own."""
    context = {"user": user, "day": day, "touchpoints": touchpoints, "site": settings.SITE_URL}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("touchpoints/digest_subject.txt", context).strip()
        text = render_to_string("touchpoints/digest.txt", context)
    return subject, text


def digest_send(*, day: dt.date | None = None) -> int:
    """Queue for each manager the e-mail of their day: overdue and due calls and tasks. Once
    per manager and day, however often it runs (the outbox key says so); returns how many
    were queued."""
    day = day or timezone.localdate()
    tz = company_zone()
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    work = (
        Touchpoint.objects.filter(
            status=TouchpointStatus.PLANNED, is_automatic=False, due_at__lt=end
        )
        .exclude(assignee=None)
        .exclude(assignee__email="")
        .select_related("client", "assignee")
        .order_by("assignee_id", "due_at")
    )
    by_user: dict[int, list[Touchpoint]] = {}
    for touchpoint in work:
        by_user.setdefault(cast(int, touchpoint.assignee_id), []).append(touchpoint)
    if not by_user:
        return 0
    taken = staff_mail_keys_taken([digest_key(user_id, day) for user_id in by_user])
    queued = 0
    for user_id, items in by_user.items():
        key = digest_key(user_id, day)
        if key in taken:
            continue
        user = cast(User, items[0].assignee)  # the query leaves unassigned calls out
        subject, text = _render(user, day, items)
        if staff_mail_queue(
            to=user, kind=StaffMail.Kind.DIGEST, key=key, subject=subject, text=text
        ):
            queued += 1
    return queued
