"""The outbox follows the facts: each receiver turns a signal of the owning app into an event,
written in the transaction of the service that sent it. The payload holds ids and what an
integrator needs to act, no more personal data than that."""

from typing import Any

from django.dispatch import receiver

from clients import signals as client_signals
from surveys import signals as survey_signals
from touchpoints import signals as touchpoint_signals

from .models import EventType
from .services import webhook_event_queue


@receiver(client_signals.stage_changed)
def on_stage_changed(client: Any, from_stage: str, to_stage: str, **kwargs: Any) -> None:
    webhook_event_queue(
        event_type=EventType.STAGE_CHANGED,
        data={"client_id": client.pk, "from_stage": from_stage, "to_stage": to_stage},
        at=client.stage_changed_at,
    )


@receiver(client_signals.order_event_recorded)
def on_order_event(order: Any, event: Any, **kwargs: Any) -> None:
    webhook_event_queue(
        event_type=EventType.ORDER_EVENT,
        data={
            "order_id": order.pk,
            "order_external_id": order.external_id,
            "client_id": order.client_id,
            "event": event.type,
            "event_at": event.at,
            "order_status": order.status,
            "amount": order.amount,
            "currency": order.currency,
            "promised_date": order.promised_date,
        },
    )


@receiver(client_signals.handoff_accepted)
def on_handoff_accepted(handoff: Any, **kwargs: Any) -> None:
    webhook_event_queue(
        event_type=EventType.HANDOFF_ACCEPTED,
        data={
            "handoff_id": handoff.pk,
            "client_id": handoff.client_id,
            "account_manager_id": handoff.to_user_id,
            "sales_manager_id": handoff.from_user_id,
            "accepted_at": handoff.accepted_at,
        },
        at=handoff.accepted_at,
    )


@receiver(client_signals.refusal_recorded)
def on_refusal(refusal: Any, **kwargs: Any) -> None:
    webhook_event_queue(
        event_type=EventType.REFUSAL_RECORDED,
        data={
            "refusal_id": refusal.pk,
            "client_id": refusal.client_id,
            "order_id": refusal.order_id,
            "reason": refusal.reason,
            "at": refusal.at,
        },
    )


def _response_data(response: Any) -> dict[str, Any]:
    return {
        "response_id": response.pk,
        "client_id": response.client_id,
        "order_id": response.order_id,
        "source": response.source,
        "score": response.score,
        "nps": response.nps,
        "at": response.at,
    }


@receiver(survey_signals.survey_answered)
def on_survey_answered(response: Any, **kwargs: Any) -> None:
    webhook_event_queue(event_type=EventType.SURVEY_ANSWERED, data=_response_data(response))


@receiver(survey_signals.low_score)
def on_low_score(response: Any, **kwargs: Any) -> None:
    webhook_event_queue(event_type=EventType.LOW_SCORE, data=_response_data(response))


@receiver(touchpoint_signals.touchpoint_completed)
def on_touchpoint_completed(touchpoint: Any, **kwargs: Any) -> None:
    webhook_event_queue(
        event_type=EventType.TOUCHPOINT_COMPLETED,
        data={
            "touchpoint_id": touchpoint.pk,
            "client_id": touchpoint.client_id,
            "order_id": touchpoint.order_id,
            "channel": touchpoint.channel,
            "outcome": touchpoint.outcome,
            "assignee_id": touchpoint.assignee_id,
            "completed_at": touchpoint.closed_at,
        },
    )
