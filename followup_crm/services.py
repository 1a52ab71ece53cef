import datetime as dt
from dataclasses import dataclass

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from followup_crm.users import User

from .models import ApiToken, FormSubmission, Heartbeat
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


@dataclass(frozen=True)
class FormClaim:
    """A form's one-time token claimed: `submission` is this post's record, to note what it
    creates in; `earlier` the first post's, when the token was used already."""

    submission: FormSubmission | None = None
    earlier: FormSubmission | None = None


def form_submission_claim(*, token: str, user: User, kind: str) -> FormClaim:
    """Claim a form's one-time token, inside the transaction that creates what the form
    creates, so that a post that fails leaves the token free for the corrected one. A second
    post waits on the first one's row (the unique token) and then finds it. No token: nothing
    to guard (a form posted by a script)."""
    if not token:
        return FormClaim()
    try:
        with transaction.atomic():
            return FormClaim(
                submission=FormSubmission.objects.create(token=token, user=user, kind=kind)
            )
    except IntegrityError:
        earlier = FormSubmission.objects.filter(token=token, user=user, kind=kind).first()
        if earlier is None or earlier.object_id is None:
            # Another user's token, or another form's: nothing of theirs to lead to.
            raise ValidationError(_("This form was already sent.")) from None
        return FormClaim(earlier=earlier)


def form_submission_record(*, claim: FormClaim, object_id: int) -> None:
    """Note what the first post of a token created."""
    if claim.submission is not None:
        claim.submission.object_id = object_id
        claim.submission.save(update_fields=["object_id"])
