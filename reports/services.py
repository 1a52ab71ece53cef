"""The weekly e-mail summary for directors.

Every Monday the directors get the headline figures of the last full week (Monday to Sunday)
and their change against the week before. Once per director and week, however often the job
runs: a WeeklySummaryLog row is written in the same transaction as the send, so a repeated
tick or a second worker fails on the unique constraint and sends nothing; a send that fails
rolls its row back and is tried again on the next run.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from clients.models import Channel
from followup_crm.roles import DIRECTOR
from touchpoints import messaging

from . import selectors
from .exports import Figure, headline_figures
from .forms import period_query
from .models import WeeklySummaryLog
from .selectors import Period

logger = logging.getLogger(__name__)


def last_full_week(today: dt.date) -> Period:
    """Monday to Sunday of the week before the one `today` is in."""
    monday = today - dt.timedelta(days=today.weekday() + 7)
    return Period.from_dates(monday, monday + dt.timedelta(days=6))


def directors_to_tell(week_start: dt.date) -> QuerySet[Any]:
    """Active directors with an e-mail address who have not had this week's summary."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=DIRECTOR)
        .exclude(email="")
        .exclude(pk__in=WeeklySummaryLog.objects.filter(week_start=week_start).values("user"))
        .distinct()
        .order_by("pk")
    )


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


def _message(user: Any, summary: Summary) -> messaging.Message:
    context = {"user": user, "summary": summary}
    # In the site's language, as the morning digest: users have no language of their own.
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("reports/weekly_summary_subject.txt", context).strip()
        text = render_to_string("reports/weekly_summary.txt", context)
        html = render_to_string("reports/weekly_summary.html", context)
    return messaging.Message(
        channel=Channel.EMAIL, recipient=user.email, subject=subject, text=text, html=html
    )


def weekly_summary_send(*, today: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """E-mail the last full week's summary to each director who has not had it; returns how
    many were sent. The figures are computed once, and only when someone is due."""
    now = now or timezone.now()
    period = last_full_week(today or timezone.localdate(now))
    directors = list(directors_to_tell(period.first_day))
    if not directors:
        return 0
    summary = weekly_summary_build(period=period, now=now)
    sent = 0
    for director in directors:
        try:
            with transaction.atomic():
                WeeklySummaryLog.objects.create(user=director, week_start=period.first_day)
                messaging.send(_message(director, summary))
        except IntegrityError:
            continue  # another worker sent it
        except (messaging.TemporaryError, messaging.PermanentError):
            logger.warning("Weekly summary for %s not sent", director, exc_info=True)
            continue
        sent += 1
    return sent
