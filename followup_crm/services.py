import datetime as dt
from dataclasses import dataclass

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import FormSubmission, Heartbeat

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


@dataclass(frozen=True)
class FormClaim:
    """A form's one-time token claimed: `submission` is this post's record, to note what it
    creates in; `earlier` the first post's, when the token was used already."""

    submission: FormSubmission | None = None
    earlier: FormSubmission | None = None


def form_submission_claim(*, token: str, user: AbstractBaseUser, kind: str) -> FormClaim:
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
