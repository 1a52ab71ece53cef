import datetime as dt

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import ApiToken, Heartbeat
from .tokens import key_digest, key_new, password_digest

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


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for `user`, valid API_TOKEN_DAYS. Returns the row and the key, which
    exists only here: the row keeps its hash."""
    key = key_new()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        digest=key_digest(key),
        prefix=key[:8],
        password_digest=password_digest(user),
        expires_at=timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS),
    )
    return token, key


def api_token_revoke(*, user: User, token_id: int) -> None:
    """Revoke one of `user`'s tokens; another user's token is not found (Http404)."""
    token = get_object_or_404(ApiToken, pk=token_id, user=user)
    token.delete()


def api_tokens_revoke_all(*, user: User) -> int:
    """Revoke every token of `user` (on a password change). Returns how many went."""
    count, _ = ApiToken.objects.filter(user=user).delete()
    return count


def api_tokens_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the tokens past their expiry: they answer 401 already; this keeps the table (and
    the owners' lists) to the tokens that work."""
    count, _ = ApiToken.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return count
