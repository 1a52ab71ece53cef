"""Planning follows what happens to clients and orders: `clients` announces it (see
clients/signals.py) and these receivers call the planning services, in the same transaction."""

from typing import Any

from django.dispatch import receiver

from clients import signals

from . import services


@receiver(signals.order_event_recorded)
def on_order_event(order: Any, event: Any, **kwargs: Any) -> None:
    services.plan_for_order_event(order=order, event=event)


@receiver(signals.order_promised_date_changed)
def on_promised_date_changed(order: Any, **kwargs: Any) -> None:
    services.replan_promised_date(order=order)


@receiver(signals.handoff_created)
def on_handoff(handoff: Any, **kwargs: Any) -> None:
    services.plan_for_handoff(handoff=handoff)


@receiver(signals.stage_changed)
def on_stage_changed(client: Any, to_stage: str, **kwargs: Any) -> None:
    services.plan_for_stage(client=client, stage=to_stage)


@receiver(signals.refusal_recorded)
def on_refusal(refusal: Any, **kwargs: Any) -> None:
    services.plan_for_refusal(refusal=refusal)


@receiver(signals.client_erased)
def on_client_erased(client: Any, **kwargs: Any) -> None:
    services.client_touchpoints_erase(client=client)
