"""The surveys' part of a client's data export (registered with clients.data_export in
SurveysConfig.ready): their survey invitations, every satisfaction answer (by link, on a call,
about a service case) and their service cases. Four queries whatever the client's history."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from clients.data_export import register
from clients.selectors import person_name

from .models import Invitation, Question, Response, ServiceCase


def client_invitations(client: Any) -> list[dict[str, Any]]:
    # The link's token is left out: it is a key, not something held about the client.
    invitations = Invitation.objects.filter(client=client).select_related("survey")
    return [
        {
            "survey": invitation.survey.title,
            "order_id": invitation.order_id,
            "created_at": invitation.created_at,
            "expires_at": invitation.expires_at,
            "answered_at": invitation.answered_at,
        }
        for invitation in invitations.order_by("created_at", "id")
    ]


def client_responses(client: Any) -> list[dict[str, Any]]:
    responses = list(
        Response.objects.filter(client=client).select_related("manager").order_by("at", "id")
    )
    keys = {key for response in responses for key in response.answers if str(key).isdecimal()}
    questions = {str(q.pk): q.text for q in Question.objects.filter(pk__in=keys)}
    return [
        {
            "source": response.source,
            "at": response.at,
            "order_id": response.order_id,
            "satisfaction": response.score,
            "would_recommend": response.nps,
            "answers": [
                {"question": questions.get(str(key), key), "answer": value}
                for key, value in response.answers.items()
            ],
            "comment": response.comment,
            "account_manager": person_name(response.manager),
        }
        for response in responses
    ]


def client_service_cases(client: Any) -> list[dict[str, Any]]:
    cases = ServiceCase.objects.filter(client=client).select_related("recorded_by")
    return [
        {
            "opened_on": case.opened_on,
            "order_id": case.order_id,
            "problem": case.problem,
            "severity": case.severity,
            "resolved_at": case.resolved_at,
            "resolution": case.resolution,
            "satisfaction": case.satisfaction,
            "recorded_by": person_name(case.recorded_by),
        }
        for case in cases.order_by("opened_on", "id")
    ]


def register_sections() -> None:
    register(
        key="survey_invitations",
        description=_("The surveys they were invited to answer, and when they answered."),
        build=client_invitations,
    )
    register(
        key="survey_responses",
        description=_(
            "Every satisfaction answer: by a survey link, on a call, or about a service case."
        ),
        build=client_responses,
    )
    register(
        key="service_cases",
        description=_("Their warranty and service complaints and how each was resolved."),
        build=client_service_cases,
    )
