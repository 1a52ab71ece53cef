"""Reads for the health page (each check answers (ok, details) and never raises), the account
pages and the menu that every page shows."""

from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from .celery import app
from .models import ApiToken, Heartbeat
from .services import BEAT_HEARTBEAT
from .users import User


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
