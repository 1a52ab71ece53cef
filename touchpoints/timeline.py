"""The touchpoints' part of the client card's timeline (registered with clients.timeline in
TouchpointsConfig.ready): what is planned, the messages sent, the calls made and whatever else
became of a touchpoint, and who did it: a call with who made it, a touchpoint moved, skipped,
handed to someone else or posted with the person who did it (TouchpointChange).

Five queries whatever the client's history, and a bounded number of items: the next
PLANNED_LIMIT planned touchpoints and the newest HISTORY_LIMIT past items, so that the card of a
client with years of history stays fast.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clients.selectors import person_name
from followup_crm.roles import DIRECTOR

from .models import (
    OPEN_STATUSES,
    CallAttempt,
    CallOutcome,
    SendRecord,
    Touchpoint,
    TouchpointChange,
    TouchpointStatus,
)

PLANNED_LIMIT = 50
HISTORY_LIMIT = 200

# The codes the system writes into a touchpoint's outcome or a send record's error, as the
# manager reads them; anything else (a provider's error) is shown as it came.
REASONS: dict[str, Promise] = {
    **{outcome.value: outcome.label for outcome in CallOutcome},
    "sent": _("sent"),
    "failed": _("not sent"),
    "posted": _("posted"),
    "skipped": _("skipped"),
    "not done in time": _("not done in time"),
    "no consent": _("the client has not agreed to this channel"),
    "no address": _("no address or number to send to"),
    "client archived": _("the client is archived"),
    "client erased": _("the client's personal data was erased"),
    "client refused": _("the client refused"),
    "order delivered": _("the order was delivered"),
    "promised date moved": _("the promised date moved"),
    "order cancelled": _("the order was cancelled"),
    "order returned": _("the order was returned"),
    "merged duplicate": _("a duplicate once two clients were merged"),
}


def reason_label(code: str) -> str | Promise:
    """A known reason in words; anything else (a provider's error) as it came, without its
    final full stop, since the sentences that quote it end with their own."""
    return REASONS.get(code) or code.rstrip(".")


def _closed_by_a_call(touchpoint: Touchpoint) -> bool:
    """A call that ended with an attempt (done, or missed after the last "no answer"): the
    attempt tells it, with more."""
    return (
        touchpoint.status in (TouchpointStatus.DONE, TouchpointStatus.MISSED)
        and touchpoint.outcome in CallOutcome.values
    )


# The changes that close a touchpoint: their item tells it, with who did it.
CLOSING_CHANGES = (TouchpointChange.Action.SKIPPED, TouchpointChange.Action.POSTED)


def _name(user: Any) -> str:
    return person_name(user) or gettext("the system")


def change_text(change: TouchpointChange) -> str:
    """A change as the manager reads it on the card: what, by whom, and why."""
    actor = _name(change.actor)
    reason = change.reason
    if change.action == TouchpointChange.Action.RESCHEDULED:
        when = formats.date_format(timezone.localtime(change.new_due_at), "SHORT_DATETIME_FORMAT")
        text = gettext("Moved to %(when)s by %(name)s") % {"when": when, "name": actor}
    elif change.action == TouchpointChange.Action.SKIPPED:
        text = gettext("Skipped by %(name)s") % {"name": actor}
    elif change.action == TouchpointChange.Action.REASSIGNED:
        text = gettext("Reassigned from %(old)s to %(new)s by %(name)s") % {
            "old": person_name(change.old_assignee) or gettext("nobody"),
            "new": person_name(change.new_assignee) or gettext("nobody"),
            "name": actor,
        }
    else:
        text = gettext("Posted, confirmed by %(name)s") % {"name": actor}
    return f"{text}: {reason}" if reason else text


def _history(client: Any) -> list[dict[str, Any]]:
    closed = (
        Touchpoint.objects.filter(client=client)
        .exclude(status__in=OPEN_STATUSES)
        .annotate(
            ended_at=Coalesce("closed_at", "due_at"),
            closed_by_change=Exists(
                TouchpointChange.objects.filter(
                    touchpoint=OuterRef("pk"), action__in=CLOSING_CHANGES
                )
            ),
        )
        .select_related("assignee", "send_record")
        .order_by(F("ended_at").desc(), "-id")[:HISTORY_LIMIT]
    )
    attempts = (
        CallAttempt.objects.filter(client=client)
        .select_related("touchpoint", "recorded_by")
        .order_by("-at", "-id")[:HISTORY_LIMIT]
    )
    changes = (
        TouchpointChange.objects.filter(touchpoint__client=client)
        .select_related("touchpoint", "actor", "old_assignee", "new_assignee")
        .order_by("-at", "-id")[:HISTORY_LIMIT]
    )
    items: list[dict[str, Any]] = []
    for touchpoint in closed:
        record = getattr(touchpoint, "send_record", None)
        if record is not None:
            items.append(
                {
                    "at": record.sent_at or touchpoint.ended_at,
                    "kind": "message",
                    "template": "touchpoints/timeline_message.html",
                    "touchpoint": touchpoint,
                    "record": record,
                    "problem": reason_label(record.error)
                    if record.status != SendRecord.Status.SENT
                    else "",
                }
            )
        elif not _closed_by_a_call(touchpoint) and not touchpoint.closed_by_change:
            items.append(
                {
                    "at": touchpoint.ended_at,
                    "kind": "touchpoint",
                    "template": "touchpoints/timeline_touchpoint.html",
                    "touchpoint": touchpoint,
                    "outcome": reason_label(touchpoint.outcome),
                }
            )
    for attempt in attempts:
        items.append(
            {
                "at": attempt.at,
                "kind": "call",
                "template": "touchpoints/timeline_call.html",
                "attempt": attempt,
                "touchpoint": attempt.touchpoint,
                "actor": person_name(attempt.recorded_by),
            }
        )
    for change in changes:
        items.append(
            {
                "at": change.at,
                "kind": "change",
                "template": "touchpoints/timeline_change.html",
                "change": change,
                "touchpoint": change.touchpoint,
                "text": change_text(change),
            }
        )
    items.sort(key=lambda item: item["at"], reverse=True)
    return items[:HISTORY_LIMIT]


def _planned(client: Any) -> list[dict[str, Any]]:
    planned = list(
        Touchpoint.objects.filter(client=client, status__in=OPEN_STATUSES)
        .select_related("assignee", "order", "send_record")
        .order_by("due_at", "id")[:PLANNED_LIMIT]
    )
    # The card is drawn for whoever may see the client; these are the people who may also move
    # or skip a touchpoint (selectors.touchpoint_may_act), for the template to offer the forms
    # to them alone. None: everyone who sees the card.
    directors = set(
        get_user_model()
        .objects.filter(groups__name=DIRECTOR, is_active=True)
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    items = []
    for touchpoint in planned:
        record = getattr(touchpoint, "send_record", None)
        if touchpoint.assignee_id is None and touchpoint.is_automatic:
            actors = None
        else:
            actors = directors | {touchpoint.assignee_id}
        items.append(
            {
                "at": touchpoint.due_at,
                "kind": "planned",
                "planned": True,
                "template": "touchpoints/timeline_planned.html",
                "touchpoint": touchpoint,
                "overdue": touchpoint.due_at < now,
                "can_change": touchpoint.status == TouchpointStatus.PLANNED,
                "actor_ids": actors,
                # A message the system is still trying to send: why the last try failed.
                "problem": reason_label(record.error) if record is not None else "",
            }
        )
    return items


def client_touchpoint_items(client: Any) -> list[dict[str, Any]]:
    return _planned(client) + _history(client)


# --- the same items for the API (clients.timeline.register_entry, in TouchpointsConfig) ---


def _touchpoint_details(touchpoint: Touchpoint) -> dict[str, Any]:
    return {
        "touchpoint": touchpoint.pk,
        "channel": touchpoint.channel,
        "purpose": touchpoint.purpose,
        "status": touchpoint.status,
        "due_at": touchpoint.due_at,
        "assignee": touchpoint.assignee_id,
        "attempts": touchpoint.attempts,
        "outcome": touchpoint.outcome,
    }


def _planned_entry(item: dict[str, Any]) -> dict[str, Any]:
    touchpoint = item["touchpoint"]
    return {
        "id": f"planned:{touchpoint.pk}",
        "order": touchpoint.order_id,
        "by": None,
        "details": _touchpoint_details(touchpoint),
    }


def _touchpoint_entry(item: dict[str, Any]) -> dict[str, Any]:
    touchpoint = item["touchpoint"]
    return {
        "id": f"touchpoint:{touchpoint.pk}",
        "order": touchpoint.order_id,
        "by": None,
        "details": {**_touchpoint_details(touchpoint), "closed_at": touchpoint.closed_at},
    }


def _message_entry(item: dict[str, Any]) -> dict[str, Any]:
    touchpoint, record = item["touchpoint"], item["record"]
    return {
        "id": f"message:{record.pk}",
        "order": touchpoint.order_id,
        "by": None,
        "details": {
            **_touchpoint_details(touchpoint),
            "template": touchpoint.template_slug,
            "delivery_status": record.status,
            "sent_at": record.sent_at,
            "recipient": record.recipient,
            "subject": record.subject,
            "error": record.error,
        },
    }


def _call_entry(item: dict[str, Any]) -> dict[str, Any]:
    attempt = item["attempt"]
    return {
        "id": f"call:{attempt.pk}",
        "order": attempt.touchpoint.order_id,
        "by": attempt.recorded_by_id,
        "details": {
            "touchpoint": attempt.touchpoint_id,
            "outcome": attempt.outcome,
            "satisfaction": attempt.satisfaction,
            "note": attempt.note,
            "next_contact_on": attempt.next_contact_on,
            "no_further_contact": attempt.no_further_contact,
            "callback_at": attempt.callback_at,
            "upsell": attempt.upsell,
            "cross_sell": attempt.cross_sell,
            "complaint": attempt.complaint,
        },
    }


def _change_entry(item: dict[str, Any]) -> dict[str, Any]:
    change = item["change"]
    return {
        "id": f"change:{change.pk}",
        "order": change.touchpoint.order_id,
        "by": change.actor_id,
        "details": {
            "touchpoint": change.touchpoint_id,
            "action": change.action,
            "old_due_at": change.old_due_at,
            "new_due_at": change.new_due_at,
            "old_assignee": change.old_assignee_id,
            "new_assignee": change.new_assignee_id,
            "reason": change.reason,
        },
    }


TIMELINE_ENTRIES = {
    "planned": _planned_entry,
    "touchpoint": _touchpoint_entry,
    "message": _message_entry,
    "call": _call_entry,
    "change": _change_entry,
}
