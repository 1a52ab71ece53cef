"""Postal tasks: cards and letters printed and confirmed as posted."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from clients.models import (
    Channel,
)

from .. import messaging
from ..models import (
    Touchpoint,
    TouchpointStatus,
)

User = AbstractBaseUser


def postal_mark_sent(*, touchpoints: QuerySet[Touchpoint], by: User) -> int:
    """Cards and letters confirmed as posted."""
    return touchpoints.filter(channel=Channel.POST, status=TouchpointStatus.PLANNED).update(
        status=TouchpointStatus.DONE,
        outcome="posted",
        note=f"posted, confirmed by {by.get_username()}",
        closed_at=timezone.now(),
    )


def postal_letters(*, touchpoints: list[Touchpoint]) -> list[dict[str, Any]]:
    """Each postal task rendered for printing: address block and letter, one per page."""
    templates = messaging.Templates()
    letters = []
    for touchpoint in touchpoints:
        client = touchpoint.client
        try:
            template = templates.get(touchpoint.template_slug, Channel.POST, client.language)
            message = messaging.render_template(
                template,
                messaging.context_for(
                    client, touchpoint.order, touchpoint.assignee, templates.director
                ),
                client.language,
            )
        except messaging.MessageError as exc:
            message = None
            error = str(exc)
        else:
            error = ""
        letters.append({"touchpoint": touchpoint, "message": message, "error": error})
    return letters
