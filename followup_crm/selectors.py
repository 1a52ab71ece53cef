"""Reads for the health page (each check answers (ok, details) and never raises), the account
pages and the menu that every page shows."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F, Func, IntegerField, QuerySet, Subquery
from django.utils import timezone

from clients.selectors import handoffs_inbox, handoffs_unassigned
from followup_crm.users import User
from touchpoints.selectors import day_bounds
from touchpoints.team import open_calls

from .celery import app
from .models import ApiToken, Heartbeat
from .roles import DIRECTOR, user_roles
from .services import BEAT_HEARTBEAT


def health_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def health_broker() -> dict[str, Any]:
    transport = "redis" if settings.REDIS_URL else "filesystem"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return {"ok": False, "transport": transport, "error": exc.__class__.__name__}
    return {"ok": True, "transport": transport}


def health_beat() -> dict[str, Any]:
    try:
        beat = Heartbeat.objects.filter(name=BEAT_HEARTBEAT).first()
    except Exception as exc:  # noqa: BLE001 - the database check reports the cause
        return {"ok": False, "last_heartbeat": None, "error": exc.__class__.__name__}
    if beat is None:
        return {"ok": False, "last_heartbeat": None, "age_seconds": None}
    age = (timezone.now() - beat.beat_at).total_seconds()
    return {
        "ok": age <= settings.HEARTBEAT_MAX_AGE_SECONDS,
        "last_heartbeat": beat.beat_at.isoformat(),
        "age_seconds": round(age, 1),
    }


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens that still work, newest first (expired ones answer 401 and are pruned
    nightly)."""
    return ApiToken.objects.filter(user=user, expires_at__gt=timezone.now())


# --- the menu's counters -----------------------------------------------------------------


@dataclass(frozen=True)
class NavCounters:
    handoffs: int
    urgent: int
    overdue: int


def _count(rows: QuerySet[Any]) -> Subquery:
    """The number of rows, as a value a query may select alongside others."""
    counted = rows.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Subquery(counted, output_field=IntegerField())


def nav_counters(user: User, *, now: dt.datetime) -> NavCounters:
    """What waits for a user, for the badges of the menu, in one query: new handoffs (an
    account manager's inbox; for a director, those waiting for an account manager), and open
    urgent and overdue calls (one's own; for a director, everyone's)."""
    roles = user_roles(user)
    calls = open_calls()
    if DIRECTOR in roles:
        handoffs = handoffs_unassigned()
    else:
        calls = calls.filter(assignee=user)
        # Handed to this user: only ever an account manager, so none for a sales manager.
        handoffs = handoffs_inbox(user)
    start, _end = day_bounds(now)
    counts = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(
            handoffs=_count(handoffs),
            urgent=_count(calls.filter(is_urgent=True)),
            overdue=_count(calls.filter(due_at__lt=start)),
        )
        .get()
    )
    return NavCounters(**counts)
