"""The reports app reads the other apps' data; its one table records the weekly summaries sent."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WeeklySummaryLog(models.Model):
    """One weekly summary per director and week: the row is written in the same transaction
    as the send, so a repeated tick or a second worker finds it and sends nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField(_("week from"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("weekly summary")
        verbose_name_plural = _("weekly summaries")
        constraints = [
            models.UniqueConstraint(fields=["user", "week_start"], name="weekly_summary_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.week_start}"
