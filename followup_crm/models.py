from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time a periodic job proved that Beat and a worker are alive."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    beat_at = models.DateTimeField(_("last beat"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class StaffMail(models.Model):
    """One e-mail to a staff member, in the outbox until it is sent (pretix's OutgoingMail).

    The row is written in the transaction of the fact it tells about and sent by a worker, never
    inside a request. `key` names that fact (`digest:<user>:<day>`, `weekly:<user>:<week>`,
    `alert:<source>:<user>`): unique, so the same fact never queues two mails."""

    class Kind(models.TextChoices):
        ALERT = "alert", _("Alert")
        DIGEST = "digest", _("Morning digest")
        WEEKLY = "weekly", _("Weekly summary")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    to = models.CharField(_("to"), max_length=254)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    key = models.CharField(_("key"), max_length=200, unique=True)
    subject = models.CharField(_("subject"), max_length=255)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    # Made once, when queued: a retry after a send whose outcome was lost carries the same
    # Message-ID, so the receiving server may drop the duplicate.
    message_id = models.CharField(_("Message-ID"), max_length=255)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    lease_until = models.DateTimeField(_("held until"), null=True, blank=True)
    lease_owner = models.CharField(_("held by"), max_length=32, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff e-mail")
        verbose_name_plural = _("staff e-mails")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="queued"),
                name="staff_mail_due",
            ),
            models.Index(
                fields=["lease_until"],
                condition=models.Q(status="sending"),
                name="staff_mail_held",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to}: {self.get_status_display()}"


class ApiToken(models.Model):
    """A key for the REST API (`Authorization: Token <key>`), one per login or integration.

    Only the SHA-256 of the key is kept: the key is shown once, when it is made. A token stops
    working at `expires_at`, when its owner revokes it, and when the owner's password changes
    (`password_digest` remembers which password it was made under).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(_("key digest"), max_length=64, unique=True, editable=False)
    # The key's first characters, enough to tell one's tokens apart, too few to use.
    prefix = models.CharField(_("key starts with"), max_length=8, editable=False)
    password_digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), db_index=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class FormSubmission(models.Model):
    """A one-time token of a form that creates something, recorded when the form is first
    saved (in the same transaction): the same token again is a double submit, answered with
    what the first one created (see followup_crm.services.form_submission_claim)."""

    token = models.CharField(_("token"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE
    )
    kind = models.CharField(_("kind"), max_length=30)
    object_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} ({self.created_at:%Y-%m-%d %H:%M})"
