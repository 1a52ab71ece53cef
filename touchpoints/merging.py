"""The touchpoints' part of merging two clients (registered with clients.merge in
TouchpointsConfig.ready): touchpoints and call attempts move to the kept client, and a planned
touchpoint that the kept client already has is cancelled, once.

Two planned touchpoints collide when they are the same cadence step for the same anchor (the
same yearly letter, say: the anchors name the client, so the other's id is read as the kept
one's) or two calls with the same purpose on the same day. The kept client's own touchpoint
survives; of two that moved, the earlier.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from clients.models import Channel, Client
from followup_crm.timezones import company_zone

from .models import CallAttempt, Touchpoint, TouchpointStatus
from .services import touchpoints_cancel

MERGE_DUPLICATE = "merged duplicate"


def client_merge_counts(client: Client) -> dict[Any, int]:
    return {
        _("touchpoints"): client.touchpoints.count(),
        _("call attempts"): client.call_attempts.count(),
    }


def _collision_keys(touchpoint: Touchpoint, keep: Client, drop: Client) -> list[tuple[Any, ...]]:
    keys: list[tuple[Any, ...]] = []
    if touchpoint.step_id is not None:
        anchor = touchpoint.anchor_key.replace(f"client:{drop.pk}:", f"client:{keep.pk}:")
        keys.append(("step", touchpoint.step_id, anchor, touchpoint.occurrence))
    if touchpoint.channel == Channel.CALL:
        day = touchpoint.due_at.astimezone(company_zone()).date()
        keys.append(("call", touchpoint.purpose.strip().casefold(), day))
    return keys


def client_merge_touchpoints(*, keep: Client, drop: Client) -> None:
    moved = set(Touchpoint.objects.filter(client=drop).values_list("pk", flat=True))
    Touchpoint.objects.filter(client=drop).update(client=keep)
    CallAttempt.objects.filter(client=drop).update(client=keep)
    planned = Touchpoint.objects.filter(client=keep, status=TouchpointStatus.PLANNED)
    seen: set[tuple[Any, ...]] = set()
    duplicates: list[int] = []
    # The kept client's own first: those are the ones that stay.
    for touchpoint in sorted(planned, key=lambda t: (t.pk in moved, t.due_at, t.pk)):
        keys = _collision_keys(touchpoint, keep, drop)
        if touchpoint.pk in moved and any(key in seen for key in keys):
            duplicates.append(touchpoint.pk)
        else:
            seen.update(keys)
    touchpoints_cancel(
        touchpoints=Touchpoint.objects.filter(pk__in=duplicates), reason=MERGE_DUPLICATE
    )
