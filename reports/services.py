"""The weekly e-mail summary for directors.

Every Monday the directors get the headline figures of the last full week (Monday to Sunday)
and their change against the week before. The summaries go through the staff outbox, keyed
`weekly:<director>:<week>`: once per director and week, however often the job runs or however
many workers run it; a send that fails is retried by the outbox.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from followup_crm.mail import staff_mail_keys_taken, staff_mail_queue
from followup_crm.models import StaffMail
from followup_crm.roles import DIRECTOR

from . import selectors
from .exports import Figure, headline_figures
from .forms import period_query
from .selectors import Period


def last_full_week(today: dt.date) -> Period:
    """Monday to Sunday of the week before the one `today` is in."""
    monday = today - dt.timedelta(days=today.weekday() + 7)
    return Period.from_dates(monday, monday + dt.timedelta(days=6))


def weekly_key(user_id: int, week_start: dt.date) -> str:
    return f"weekly:{user_id}:{week_start.isoformat()}"


def directors_to_tell(week_start: dt.date) -> list[User]:
    """Active directors with an e-mail address who have not had this week's summary queued."""
    directors = list(
        User.objects.filter(is_active=True, groups__name=DIRECTOR)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    if not directors:
        return []
    taken = staff_mail_keys_taken([weekly_key(user.pk, week_start) for user in directors])
    return [user for user in directors if weekly_key(user.pk, week_start) not in taken]


@dataclass(frozen=True)
class Summary:
    period: Period
    figures: list[Figure]
    url: str


def weekly_summary_build(*, period: Period, now: dt.datetime) -> Summary:
    """The week's headline figures against the week before, for the whole team."""
    current = selectors.headline(period, now)
    previous = selectors.headline(period.previous, now, past=True)
    query = period_query(period.first_day, period.last_day)
    url = f"{settings.SITE_URL}{reverse('reports:dashboard')}?{query}"
    return Summary(period, headline_figures(current, previous), url)


def _render(user: User, summary: Summary) -> tuple[str, str, str]:
    """Subject, text and HTML, in the site's language as the morning digest: users have no
    language of their own."""
    context = {"user": user, "summary": summary}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("reports/weekly_summary_subject.txt", context).strip()
        text = render_to_string("reports/weekly_summary.txt", context)
        html = render_to_string("reports/weekly_summary.html", context)
    return subject, text, html


def weekly_summary_send(*, today: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Queue the last full week's summary for each director who has not had it; returns how
    many were queued. The figures are computed once, and only when someone is due."""
    now = now or timezone.now()
    period = last_full_week(today or timezone.localdate(now))
    directors = directors_to_tell(period.first_day)
    if not directors:
        return 0
    summary = weekly_summary_build(period=period, now=now)
    queued = 0
    for director in directors:
        subject, text, html = _render(director, summary)
        queued += bool(
            staff_mail_queue(
                to=director,
                kind=StaffMail.Kind.WEEKLY,
                key=weekly_key(director.pk, period.first_day),
                subject=subject,
                text=text,
                html=html,
            )
        )
    return queued
