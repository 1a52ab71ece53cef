"""The clients' own items of a client's timeline (selectors.client_timeline) as API entries,
registered in ClientsConfig.ready; touchpoints and surveys register theirs in their own (see
clients/timeline.py)."""

from typing import Any


def _order_event(item: dict[str, Any]) -> dict[str, Any]:
    event = item["event"]
    return {
        "id": f"order_event:{event.pk}",
        "order": event.order_id,
        "by": event.recorded_by_id,
        "details": {
            "type": event.type,
            "applied": event.applied,
            "note": event.note,
            "external_id": item["order"].external_id,
        },
    }


def _promised_date(item: dict[str, Any]) -> dict[str, Any]:
    change = item["change"]
    return {
        "id": f"promised_date:{change.pk}",
        "order": change.order_id,
        "by": change.changed_by_id,
        "details": {
            "old_date": change.old_date,
            "new_date": change.new_date,
            "reason": change.reason,
        },
    }


def _stage(item: dict[str, Any]) -> dict[str, Any]:
    change = item["change"]
    return {
        "id": f"stage:{change.pk}",
        "order": None,
        "by": change.changed_by_id,
        "details": {"from": change.from_stage, "to": change.to_stage, "cause": change.reason},
    }


def _handoff(item: dict[str, Any]) -> dict[str, Any]:
    handoff = item["handoff"]
    accepted = item["kind"] == "handoff_accepted"
    return {
        "id": f"{item['kind']}:{handoff.pk}",
        "order": None,
        "by": handoff.to_user_id if accepted else handoff.from_user_id,
        "details": {"from_user": handoff.from_user_id, "to_user": handoff.to_user_id},
    }


def _referral(item: dict[str, Any]) -> dict[str, Any]:
    referral = item["referral"]
    return {
        "id": f"referral:{referral.pk}",
        "order": None,
        "by": referral.recorded_by_id,
        "details": {
            "referred": referral.referred_id,
            "reward": referral.reward,
            "converted_at": referral.converted_at,
        },
    }


def _refusal(item: dict[str, Any]) -> dict[str, Any]:
    refusal = item["refusal"]
    return {
        "id": f"refusal:{refusal.pk}",
        "order": refusal.order_id,
        "by": refusal.recorded_by_id,
        "details": {"reason": refusal.reason, "details": refusal.details},
    }


TIMELINE_ENTRIES = {
    "order_event": _order_event,
    "promised_date": _promised_date,
    "stage": _stage,
    "handoff": _handoff,
    "handoff_accepted": _handoff,
    "referral": _referral,
    "refusal": _refusal,
}
