import datetime as dt

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.utils import timezone

from .models import Heartbeat

BEAT_HEARTBEAT = "beat"


def heartbeat_record(*, name: str = BEAT_HEARTBEAT) -> Heartbeat:
    beat, _ = Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})
    return beat


def login_records_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the login records (django-axes' logins and failed logins) older than
    LOGIN_RECORDS_KEEP_DAYS: they are kept for an audit of who logged in from where, not for
    ever. Returns how many went. Locks are not records: axes lifts them after the cool-off."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.LOGIN_RECORDS_KEEP_DAYS)
    deleted = 0
    for model in (AccessLog, AccessFailureLog):
        count, _ = model.objects.filter(attempt_time__lt=cutoff).delete()
        deleted += count
    return deleted
