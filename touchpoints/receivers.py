"""Planning follows what happens to clients and orders: `clients` announces it (see
clients/signals.py) and these receivers call the planning services, in the same transaction."""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from clients import signals

from . import services
from .models import Cadence, CadenceStep
from .services.planning import active_steps_forget


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


# Planning keeps the active steps in the process: an edit of a cadence or a step empties them.
for _model in (Cadence, CadenceStep):
    post_save.connect(active_steps_forget, sender=_model, dispatch_uid=f"steps-{_model.__name__}")
    post_delete.connect(
        active_steps_forget, sender=_model, dispatch_uid=f"steps-del-{_model.__name__}"
    )
