"""Surveys follow what happens on calls and to clients (an erasure), and add their links to
messages."""

from typing import Any

from django.conf import settings
from django.dispatch import receiver
from django.urls import reverse

from clients import signals as client_signals
from touchpoints import messaging
from touchpoints import signals as touchpoint_signals

from . import services
from .models import Survey

SURVEY_TEMPLATE = "survey-invite"


@receiver(touchpoint_signals.call_recorded)
def on_call_recorded(attempt: Any, **kwargs: Any) -> None:
    services.response_from_call(attempt=attempt)


@receiver(touchpoint_signals.call_undone)
def on_call_undone(attempt: Any, **kwargs: Any) -> None:
    services.response_from_call_undo(attempt=attempt)


@receiver(client_signals.client_erased)
def on_client_erased(client: Any, **kwargs: Any) -> None:
    services.client_feedback_erase(client=client)


@messaging.register_context_provider
def survey_and_order_links(touchpoint: Any, context: dict[str, Any]) -> None:
    """`links.order` for a message about an order; `links.survey` for the survey invitation."""
    if touchpoint.order is not None:
        link = services.order_link_for(order=touchpoint.order)
        context["links"]["order"] = messaging.absolute(reverse("surveys:order", args=[link.token]))
    if touchpoint.template_slug == SURVEY_TEMPLATE:
        survey = Survey.objects.filter(slug=settings.DEFAULT_SURVEY, is_active=True).first()
        if survey is not None:
            invitation = services.invitation_for(
                survey=survey, client=touchpoint.client, order=touchpoint.order
            )
            context["links"]["survey"] = messaging.absolute(
                reverse("surveys:answer", args=[invitation.token])
            )
