"""Surveys, invitations by link, responses from three sources, service cases, and the links
that let a client see their order without logging in."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clients.models import Client, Order


def new_token() -> str:
    # 32 random bytes: unguessable, and short enough for an SMS link.
    return secrets.token_urlsafe(32)


class Survey(models.Model):
    slug = models.SlugField(_("code"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=200)
    title_ru = models.CharField(_("title in Russian"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    intro_ru = models.TextField(_("introduction in Russian"), blank=True)
    days_valid = models.PositiveSmallIntegerField(
        _("days an invitation stays valid"), default=30, validators=[MinValueValidator(1)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.title

    def in_language(self, field: str, language: str) -> str:
        return (getattr(self, f"{field}_ru") if language == "ru" else "") or getattr(self, field)


class Question(models.Model):
    class Kind(models.TextChoices):
        SCORE = "score", _("Satisfaction, 1 to 5")
        NPS = "nps", _("Would you recommend us, 0 to 10")
        CHOICE = "choice", _("One of several answers")
        TEXT = "text", _("Free text")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    text = models.CharField(_("question"), max_length=300)
    text_ru = models.CharField(_("question in Russian"), max_length=300)
    choices = models.TextField(
        _("answers"),
        blank=True,
        help_text=_("For “one of several”: one answer a line, English | Russian."),
    )
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "position", "id"]

    def __str__(self) -> str:
        return self.text

    def in_language(self, language: str) -> str:
        return (self.text_ru if language == "ru" else "") or self.text

    def choice_list(self, language: str) -> list[tuple[str, str]]:
        """(value, label) pairs: the English text is the stored value."""
        pairs = []
        for line in self.choices.splitlines():
            if not line.strip():
                continue
            english, _sep, russian = line.partition("|")
            label = russian.strip() if language == "ru" and russian.strip() else english.strip()
            pairs.append((english.strip(), label))
        return pairs


class Invitation(models.Model):
    """One per client, order and survey; the token is the only key to answer it."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="invitations")
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "client", "order"],
                condition=Q(order__isnull=False),
                name="invitation_once_per_order",
            ),
            models.UniqueConstraint(
                fields=["survey", "client"],
                condition=Q(order__isnull=True),
                name="invitation_once_per_client",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} → {self.client}"


class Source(models.TextChoices):
    SURVEY = "survey", _("Survey")
    CALL = "call", _("Call")
    SERVICE = "service", _("Service")


class ServiceCase(models.Model):
    """A warranty or service complaint: what went wrong, how bad, when it was resolved."""

    class Severity(models.TextChoices):
        LOW = "low", _("Minor")
        MEDIUM = "medium", _("Noticeable")
        HIGH = "high", _("Serious")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="service_cases")
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="service_cases"
    )
    opened_on = models.DateField(_("date"))
    problem = models.TextField(_("what went wrong"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolution = models.TextField(_("how it was resolved"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction with the service"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("What the client said of how the case was handled: 1 … 5."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("service case")
        verbose_name_plural = _("service cases")
        ordering = ["-opened_on", "-id"]
        indexes = [models.Index(fields=["client", "opened_on"])]

    def __str__(self) -> str:
        return f"{self.client}: {self.problem[:40]}"


class Response(models.Model):
    """One satisfaction answer, whatever its source: a survey by link, a call, a service case."""

    source = models.CharField(_("source"), max_length=10, choices=Source)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="responses")
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL)
    # The account manager at the time: "per manager" figures stay true when clients move.
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.PositiveSmallIntegerField(
        _("satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    nps = models.PositiveSmallIntegerField(
        _("would recommend"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("when"))
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="response"
    )
    # The call attempt or service case it came from: one response each.
    origin_key = models.CharField(max_length=60, unique=True)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["source", "at"]),
            models.Index(fields=["client", "at"]),
            models.Index(fields=["manager", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.client}: {self.score or '—'} ({self.get_source_display()})"

    @property
    def is_poor(self) -> bool:
        return (self.score is not None and self.score <= 2) or (
            self.nps is not None and self.nps <= 6
        )


class OrderLink(models.Model):
    """The token of an order's page for its client (/o/<token>/)."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="link")
    token = models.CharField(max_length=64, unique=True, default=new_token)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("order link")
        verbose_name_plural = _("order links")

    def __str__(self) -> str:
        return str(self.order)
