"""Reads: what the call list, the card, the timeline and the "who is calling" notice show."""

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django.urls import reverse
from django.utils import timezone

from clients.card import card_facts
from clients.models import Client
from clients.selectors import client_visibility_q
from followup_crm.users import User
from touchpoints.models import Touchpoint

from .models import Direction, Disposition, Extension, PhoneCall

# A call still ringing after this long is taken as lost (its end event never came).
RINGING_AT_MOST = dt.timedelta(minutes=2)


def extension_of(user: User) -> str:
    return Extension.objects.filter(user=user).values_list("extension", flat=True).first() or ""


def answered_calls_waiting(touchpoint_ids: Sequence[int]) -> dict[int, PhoneCall]:
    """The newest answered call attached to each of these open touchpoints: the manager is
    still to say what was said."""
    calls = PhoneCall.objects.filter(
        touchpoint_id__in=touchpoint_ids, disposition=Disposition.ANSWERED
    ).order_by("touchpoint_id", "-ended_at", "-pk")
    waiting: dict[int, PhoneCall] = {}
    for call in calls:
        waiting.setdefault(cast(int, call.touchpoint_id), call)  # filtered on it
    return waiting


def call_list_extras(rows: Sequence[Touchpoint], user: Any) -> dict[int, list[dict[str, Any]]]:
    """The "Call" button on each row for a user with an extension, and an answered call waiting
    for its report. Two queries for any number of rows."""
    has_extension = bool(extension_of(user))
    waiting = answered_calls_waiting([row.pk for row in rows])
    url = reverse("telephony:call", args=[2147483647])
    extras: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        items: list[dict[str, Any]] = []
        if has_extension and row.status == "planned":
            items.append(
                {
                    "template": "telephony/call_button.html",
                    "url": url.replace("2147483647", str(row.client_id)),
                    "target": f"call-{row.pk}-pbx",
                    "compact": True,  # a row has room for an icon beside the number
                }
            )
        call = waiting.get(row.pk)
        if call is not None and row.status == "planned":
            items.append({"template": "telephony/call_answered.html", "call": call})
        extras[row.pk] = items
    return extras


def card_call_action(client: Client) -> dict[str, Any]:
    """The card's "Call" button: the view answers with the PBX's word, or a tel: link for a
    manager without an extension."""
    if client.is_out_of_reach:
        return {}
    return {
        "actions": [
            {
                "template": "telephony/call_button.html",
                "url": reverse("telephony:call", args=[client.pk]),
                "target": "card-pbx",
            }
        ]
    }


def client_phone_call_items(client: Client) -> list[dict[str, Any]]:
    """The client's calls the PBX reported, for the card's timeline. One query."""
    calls = PhoneCall.objects.filter(client=client, ended_at__isnull=False).select_related("user")
    return [
        {
            "at": call.started_at or call.ended_at,
            "kind": "phone_call",
            "template": "telephony/timeline_phone_call.html",
            "call": call,
        }
        for call in calls.order_by("-ended_at", "-pk")[:200]
    ]


def notices_for(user: User) -> list[dict[str, Any]]:
    """Known clients calling this manager now (an inbound call started, not ended): who, their
    stage and open issues, a link to the card. Only clients the manager may see."""
    calls = PhoneCall.objects.filter(
        user=user,
        direction=Direction.INBOUND,
        ended_at__isnull=True,
        started_at__gte=timezone.now() - RINGING_AT_MOST,
        client__isnull=False,
        client__erased_at__isnull=True,
    )
    visible = client_visibility_q(user, prefix="client__")
    if visible is not None:
        calls = calls.filter(visible)
    calls = calls.select_related("client")
    return [
        {
            "call": call,
            "client": call.client,
            "facts": card_facts(call.client),
            "url": reverse("clients:detail", args=[call.client_id]),
        }
        for call in calls.order_by("-started_at")[:3]
    ]
