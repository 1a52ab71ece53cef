"""The company's telephony: each manager's extension on the PBX, the calls the PBX reports, and
Telegram chats bound to clients.

A call is one row per provider's call id, whatever the order and the number of the events that
describe it (start, answer, end): each event only adds what the row does not know yet.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from touchpoints.models import CallAttempt, Touchpoint


class Extension(models.Model):
    """The manager's internal number on the PBX: the phone that rings first on click to call,
    and the one the PBX names when a call reaches them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="phone_extension",
    )
    extension = models.CharField(_("extension"), max_length=20, unique=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["extension"]

    def __str__(self) -> str:
        return self.extension


class Direction(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")


class Disposition(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    FAILED = "failed", _("Failed")


class PhoneCall(models.Model):
    provider = models.CharField(_("provider"), max_length=20)
    provider_call_id = models.CharField(_("provider's call id"), max_length=100)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction)
    from_number = models.CharField(_("from"), max_length=40, blank=True)
    to_number = models.CharField(_("to"), max_length=40, blank=True)
    # The client's side of the call in E.164, when it is a phone number at all.
    client_number = models.CharField(_("client's number"), max_length=20, blank=True)
    extension = models.CharField(_("extension"), max_length=20, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    duration = models.PositiveIntegerField(_("duration, seconds"), default=0)
    disposition = models.CharField(_("result"), max_length=10, choices=Disposition, blank=True)
    recording_url = models.URLField(_("recording"), max_length=500, blank=True)
    client = models.ForeignKey(
        Client,
        verbose_name=_("client"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="phone_calls",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="phone_calls",
    )
    # The open call it belongs to: an answered call waits there for the manager's report.
    touchpoint = models.ForeignKey(
        Touchpoint,
        verbose_name=_("touchpoint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="phone_calls",
    )
    # The attempt recorded from it (an unanswered outbound call).
    attempt = models.OneToOneField(
        CallAttempt,
        verbose_name=_("call attempt"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="phone_call",
    )
    # Set once, by whoever handles the end of the call first.
    processed_at = models.DateTimeField(_("handled"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("phone call")
        verbose_name_plural = _("phone calls")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_call_id"], name="phone_call_once_per_provider_id"
            )
        ]
        indexes = [
            models.Index(fields=["client", "-started_at"]),
            # Who is calling: a manager's calls still ringing.
            models.Index(
                fields=["user", "started_at"],
                condition=Q(ended_at__isnull=True, direction="in"),
                name="phone_call_ringing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.provider_call_id}"

    @property
    def duration_text(self) -> str:
        minutes, seconds = divmod(self.duration, 60)
        return f"{minutes}:{seconds:02d}"


class TelegramInvite(models.Model):
    """A one-time link to the bot that binds the chat that follows it to the client."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="telegram_invites")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Telegram invitation")
        verbose_name_plural = _("Telegram invitations")

    def __str__(self) -> str:
        return f"{self.client_id}: {self.created_at:%Y-%m-%d}"


class TelegramChat(models.Model):
    """The client's chat with the bot; messages go there while it is active."""

    client = models.OneToOneField(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="telegram_chat"
    )
    chat_id = models.BigIntegerField(_("chat id"), unique=True)
    username = models.CharField(_("Telegram user name"), max_length=100, blank=True)
    bound_at = models.DateTimeField(_("bound"))
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)

    class Meta:
        verbose_name = _("Telegram chat")
        verbose_name_plural = _("Telegram chats")

    def __str__(self) -> str:
        return str(self.chat_id)
