"""The touchpoints' facts at the head of the client card (registered with clients.card in
TouchpointsConfig.ready): the next planned contact and the urgent calls still open. Two
queries whatever the client's history."""

from typing import Any

from django.utils import timezone
from django.utils.translation import ngettext

from .models import OPEN_STATUSES, Touchpoint, TouchpointStatus


def client_touchpoint_facts(client: Any) -> dict[str, Any]:
    upcoming = (
        Touchpoint.objects.filter(client=client, status__in=OPEN_STATUSES)
        .select_related("assignee")
        .order_by("due_at", "id")
        .first()
    )
    urgent = Touchpoint.objects.filter(
        client=client, status=TouchpointStatus.PLANNED, is_urgent=True
    ).count()
    facts: dict[str, Any] = {"issues": []}
    if upcoming is not None:
        facts["next_contact"] = {
            "at": upcoming.due_at,
            "purpose": upcoming.purpose,
            "channel": upcoming.get_channel_display(),
            "assignee": upcoming.assignee,
            "overdue": upcoming.due_at < timezone.now(),
        }
    if urgent:
        facts["issues"].append(
            ngettext(
                "%(count)d urgent call to win the client back",
                "%(count)d urgent calls to win the client back",
                urgent,
            )
            % {"count": urgent}
        )
    return facts
