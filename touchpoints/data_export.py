"""The touchpoints' part of a client's data export (registered with clients.data_export in
TouchpointsConfig.ready): every touchpoint, done and planned, with its calls, and every message
sent. Three queries whatever the client's history."""

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from clients.data_export import register
from clients.selectors import person_name

from .models import CallAttempt, SendRecord, Touchpoint


def _call(attempt: CallAttempt) -> dict[str, Any]:
    return {
        "at": attempt.at,
        "outcome": attempt.outcome,
        "satisfaction": attempt.satisfaction,
        "notes": attempt.note,
        "complaint": attempt.complaint,
        "next_contact_on": attempt.next_contact_on,
        "no_further_contact_because": attempt.no_further_contact,
        "call_back_at": attempt.callback_at,
        "upsell": attempt.upsell,
        "cross_sell": attempt.cross_sell,
        "recorded_by": person_name(attempt.recorded_by),
    }


def client_touchpoints(client: Any) -> list[dict[str, Any]]:
    calls = Prefetch(
        "attempts_made",
        queryset=CallAttempt.objects.select_related("recorded_by").order_by("at", "id"),
    )
    touchpoints = (
        Touchpoint.objects.filter(client=client)
        .select_related("assignee")
        .prefetch_related(calls)
        .order_by("due_at", "id")
    )
    return [
        {
            "id": touchpoint.pk,
            "due_at": touchpoint.due_at,
            "channel": touchpoint.channel,
            "purpose": touchpoint.purpose,
            "talking_points": touchpoint.talking_points,
            "order_id": touchpoint.order_id,
            "assignee": person_name(touchpoint.assignee),
            "sent_by_the_system": touchpoint.is_automatic,
            "urgent": touchpoint.is_urgent,
            "status": touchpoint.status,
            "outcome": touchpoint.outcome,
            "note": touchpoint.note,
            "closed_at": touchpoint.closed_at,
            "calls": [_call(attempt) for attempt in touchpoint.attempts_made.all()],
        }
        for touchpoint in touchpoints
    ]


def client_messages(client: Any) -> list[dict[str, Any]]:
    records = SendRecord.objects.filter(touchpoint__client=client).order_by("created_at", "id")
    return [
        {
            "touchpoint_id": record.touchpoint_id,
            "channel": record.channel,
            "to": record.recipient,
            "subject": record.subject,
            "text": record.body,
            "status": record.status,
            "attempts": record.attempts,
            "error": record.error,
            "created_at": record.created_at,
            "sent_at": record.sent_at,
        }
        for record in records
    ]


def register_sections() -> None:
    register(
        key="touchpoints",
        description=_(
            "Every contact planned with them, done or still ahead (calls, messages, cards, "
            "letters), with each call's outcome and notes."
        ),
        build=client_touchpoints,
    )
    register(
        key="messages",
        description=_("Every e-mail and SMS sent (or tried) to them: address, subject, text."),
        build=client_messages,
    )
