"""E-mail: the one place that builds and sends a message, and the outbox of mail to staff.

`email_send` is used for every e-mail the product sends (clients' messages through
`touchpoints.messaging.send`, staff mail through the outbox below). It is the last guard against
header injection: whatever reaches a header has its line breaks flattened to spaces, so a name
typed with a line break can neither add a header nor raise BadHeaderError. It sorts a failed
send into temporary (try again later) and permanent (the server refused it).

Staff mail (alerts, the morning digest, the weekly summary) goes through the outbox, after
pretix's OutgoingMail: `staff_mail_queue` writes a StaffMail row in the caller's transaction and,
on commit, hands its id to the `staff_mail_send` task; the sweep `staff_mail_send_due` (also run
every minute by Beat) claims due rows with a compare-and-set of the status (and SKIP LOCKED
where the database has it), sends them, and records the outcome: sent, queued again after an
exponential backoff for a temporary failure, failed for a permanent one or after
SEND_MAX_ATTEMPTS. A sender killed after its claim leaves rows in "sending"; once their lease
has expired, the next sweep returns them to "queued". Each mail is recorded as sent right
after the server took it, so a sender killed in the middle of a sweep may send again only the
mail in flight at the kill (and it carries the Message-ID made when it was queued, so mail
servers can drop the copy). Failures are written together at the end of the sweep.
"""

import contextlib
import datetime as dt
import logging
import re
import smtplib
import uuid
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import make_msgid
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import StaffMail
from .outbox import outbox_claim, outbox_release_expired

logger = logging.getLogger(__name__)

# CR, LF and every other character Python counts as a line break.
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")


class TemporaryError(Exception):
    """The message may go through later: the server is unreachable or asked to wait."""


class PermanentError(Exception):
    """The message will never go through as it is: the server refused it or its address."""


def header_safe(value: str) -> str:
    """A value fit for a mail header: line breaks become spaces."""
    return _LINE_BREAKS.sub(" ", value)


def email_send(
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    headers: dict[str, str] | None = None,
    message_id: str = "",
    from_email: str | None = None,
    connection: BaseEmailBackend | None = None,
) -> str:
    """Send one e-mail; returns its Message-ID. Raises TemporaryError or PermanentError.

    With `connection` (from `get_connection()`, closed by the caller), the message goes over
    it and it stays open for the next one, so a sweep talks to the mail server once; a
    connection that failed is closed, and the next message opens it afresh."""
    message_id = message_id or make_msgid(domain=settings.EMAIL_DOMAIN)
    email = EmailMultiAlternatives(
        subject=header_safe(subject),
        body=text,
        from_email=header_safe(from_email) if from_email else None,
        to=[header_safe(to)],
        connection=connection,
        headers={
            **{name: header_safe(value) for name, value in (headers or {}).items()},
            "Message-ID": header_safe(message_id),
        },
    )
    if html:
        email.attach_alternative(html, "text/html")
    try:
        _send(email, connection)
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentError(f"The mail server refused the address: {exc}") from exc
    except smtplib.SMTPResponseException as exc:
        if 500 <= exc.smtp_code < 600:
            raise PermanentError(f"The mail server refused the message: {exc}") from exc
        raise TemporaryError(f"The mail server answered {exc.smtp_code}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TemporaryError(f"The mail server is unreachable: {exc}") from exc
    return message_id


def _send(email: EmailMultiAlternatives, connection: BaseEmailBackend | None) -> None:
    if connection is None:
        email.send()
        return
    try:
        # Opened here (once), the backend leaves it open after the message.
        connection.open()
        email.send()
    except Exception:
        with contextlib.suppress(Exception):
            connection.close()
        raise


# --- the staff outbox ----------------------------------------------------------------------


def _enqueue(mail_id: int) -> None:
    from .tasks import staff_mail_send  # the task module imports this one

    # No retries against a broker that is down: the request that queued the mail must not
    # wait for it. The sweep sends what no task did.
    staff_mail_send.apply_async((mail_id,), retry=False)


def staff_mail_queue(
    *, to: User, kind: str, key: str, subject: str, text: str, html: str = ""
) -> StaffMail | None:
    """Put an e-mail to a staff member in the outbox, in the caller's transaction; it is sent
    after the commit. Returns the new row, or None when `key` was queued before (or the person
    has no address)."""
    if not to.email:
        return None
    mail, created = StaffMail.objects.get_or_create(
        key=key,
        defaults={
            "recipient": to,
            "to": to.email,
            "kind": kind,
            "subject": subject[:255],
            "text": text,
            "html": html,
            "message_id": make_msgid(domain=settings.EMAIL_DOMAIN),
        },
    )
    if not created:
        return None
    # robust: a broker that is down must not undo (or fail) what the caller has committed.
    transaction.on_commit(partial(_enqueue, mail.pk), robust=True)
    return mail


def staff_mail_keys_taken(keys: list[str]) -> set[str]:
    """Which of these keys are already in the outbox (to skip rendering what is not needed)."""
    return set(StaffMail.objects.filter(key__in=keys).values_list("key", flat=True))


@dataclass
class StaffMailResult:
    released: int = 0
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


def staff_mail_release_expired(*, now: dt.datetime) -> int:
    """Mails a dead sender held past its lease go back to the queue."""
    return outbox_release_expired(StaffMail.objects.all(), now=now)


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=settings.SEND_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def _not_sent(mail: StaffMail, error: str, *, permanent: bool, now: dt.datetime) -> StaffMail:
    mail.error = error[:1000]
    if permanent or mail.attempts >= settings.SEND_MAX_ATTEMPTS:
        mail.status = StaffMail.Status.FAILED
    else:
        mail.status = StaffMail.Status.QUEUED
        mail.next_attempt_at = now + _backoff(mail.attempts)
    return mail


def staff_mail_send_due(
    *, limit: int = 20, now: dt.datetime | None = None, only: int | None = None
) -> StaffMailResult:
    """One sweep of the outbox: release expired leases, claim what is due (at most `limit`,
    only the mail `only` when given), send it, record the outcome. The lease must outlast
    `limit` sends that each time out (EMAIL_TIMEOUT)."""
    now = now or timezone.now()
    owner = uuid.uuid4().hex
    result = StaffMailResult(released=staff_mail_release_expired(now=now))
    mails = list(
        outbox_claim(StaffMail.objects.all(), now=now, limit=limit, owner=owner, only=only)
    )
    result.claimed = len(mails)
    if not mails:
        return result
    # Only rows this sender still holds are written.
    held = StaffMail.objects.filter(status=StaffMail.Status.SENDING, lease_owner=owner)
    sent = 0
    not_sent: list[StaffMail] = []
    for mail in mails:
        try:
            email_send(
                to=mail.to,
                subject=mail.subject,
                text=mail.text,
                html=mail.html,
                message_id=mail.message_id,
            )
        except TemporaryError as exc:
            not_sent.append(_not_sent(mail, str(exc), permanent=False, now=now))
        except PermanentError as exc:
            not_sent.append(_not_sent(mail, str(exc), permanent=True, now=now))
        except Exception as exc:
            # A bug must not stop the sweep nor spin for ever: retried, then failed.
            logger.exception("Sending staff mail %s failed", mail.pk)
            not_sent.append(_not_sent(mail, repr(exc), permanent=False, now=now))
        else:
            # Recorded at once: a kill later in the sweep must not send this one again.
            held.filter(id=mail.pk).update(
                status=StaffMail.Status.SENT,
                sent_at=timezone.now(),
                error="",
                lease_until=None,
                lease_owner="",
            )
            sent += 1
    if not_sent:
        for mail in not_sent:
            mail.lease_until, mail.lease_owner = None, ""
        held.bulk_update(
            not_sent, ["status", "error", "next_attempt_at", "lease_until", "lease_owner"]
        )
        for mail in not_sent:
            logger.warning("Staff mail %s not sent: %s", mail.pk, mail.error)
    result.sent = sent
    result.failed = sum(mail.status == StaffMail.Status.FAILED for mail in not_sent)
    result.retried = len(not_sent) - result.failed
    return result


def staff_mail_send_again(*, mails: QuerySet[StaffMail]) -> int:
    """Queue failed mails once more (the admin's action), with a fresh count of attempts."""
    ids = list(mails.filter(status=StaffMail.Status.FAILED).values_list("id", flat=True))
    queued = StaffMail.objects.filter(id__in=ids, status=StaffMail.Status.FAILED).update(
        status=StaffMail.Status.QUEUED, attempts=0, next_attempt_at=timezone.now()
    )
    for mail_id in ids:
        transaction.on_commit(partial(_enqueue, mail_id), robust=True)
    return queued
