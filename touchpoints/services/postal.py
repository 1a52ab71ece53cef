"""Postal tasks: cards and letters printed and confirmed as posted."""

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from clients.models import (
    Channel,
)
from followup_crm.users import User

from .. import messaging
from ..calls import BulkChange
from ..models import (
    Touchpoint,
    TouchpointChange,
    TouchpointStatus,
)


@transaction.atomic
def postal_mark_sent(*, touchpoints: QuerySet[Touchpoint], by: User) -> BulkChange:
    """Cards and letters confirmed as posted, each recorded with who confirmed it. Only those
    still planned when locked change; the others (posted or skipped meanwhile) are refused."""
    wanted = list(touchpoints.filter(channel=Channel.POST).values_list("pk", flat=True))
    planned = list(
        Touchpoint.objects.select_for_update()
        .filter(pk__in=wanted, status=TouchpointStatus.PLANNED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    Touchpoint.objects.filter(pk__in=planned).update(
        status=TouchpointStatus.DONE, outcome="posted", closed_at=now
    )
    TouchpointChange.objects.bulk_create(
        TouchpointChange(touchpoint_id=pk, at=now, actor=by, action=TouchpointChange.Action.POSTED)
        for pk in planned
    )
    return BulkChange(changed=len(planned), refused=len(wanted) - len(planned))


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
