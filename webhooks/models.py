"""Signed webhooks out: the endpoints a director registers, and the outbox of deliveries.

A delivery is written in the transaction of the fact it tells about (a receiver of the owning
app's signal), so it exists exactly when the fact was committed; a worker posts it after the
commit. One row per endpoint and event id: the same event never goes twice to one endpoint
(unless a director asks for it again, with the same id, so the receiver can drop the copy).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    STAGE_CHANGED = "client.stage_changed", _("Client stage changed")
    ORDER_EVENT = "order.event_recorded", _("Order event recorded")
    HANDOFF_ACCEPTED = "handoff.accepted", _("Handoff accepted")
    SURVEY_ANSWERED = "survey.answered", _("Survey answered")
    LOW_SCORE = "feedback.low_score", _("Low score")
    TOUCHPOINT_COMPLETED = "touchpoint.completed", _("Touchpoint completed")
    REFUSAL_RECORDED = "refusal.recorded", _("Refusal recorded")


class Endpoint(models.Model):
    """A URL of an integrator's system that receives the events it subscribed to."""

    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("secret"),
        max_length=200,
        help_text=_("Signs every delivery (HMAC-SHA256); the receiver checks it with the same."),
    )
    events = models.JSONField(_("events"), default=list)
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description or self.url


class Delivery(models.Model):
    """One event for one endpoint, in the outbox until the endpoint answered 2xx."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        Endpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4)
    event_type = models.CharField(_("event"), max_length=40, choices=EventType)
    # The exact bytes posted (and signed), made once when queued.
    body = models.TextField(_("body"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # Retried until then (a day after it was queued, or after a director's redelivery).
    give_up_at = models.DateTimeField(_("retried until"))
    lease_until = models.DateTimeField(_("held until"), null=True, blank=True)
    lease_owner = models.CharField(_("held by"), max_length=32, blank=True)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="webhook_delivery_once_per_endpoint"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="queued"),
                name="webhook_delivery_due",
            ),
            models.Index(
                fields=["lease_until"],
                condition=models.Q(status="sending"),
                name="webhook_delivery_held",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.endpoint_id}"
