"""The surveys' part of the client card's timeline (registered with clients.timeline in
SurveysConfig.ready): the client's answers to surveys and their service cases.

What a client said on a call is already on the call's own item (touchpoints' timeline), and a
service case shows its satisfaction itself, so the responses from calls and service cases are
not drawn twice. Three queries whatever the client's history, and at most LIMIT items of each.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils.translation import get_language

from followup_crm.timezones import company_zone

from .models import Question, ServiceCase, Source

LIMIT = 100


def _answers(response: Any, questions: dict[int, Question], language: str) -> list[dict[str, Any]]:
    """The survey's questions in order, each with what the client answered (if anything)."""
    shown = []
    for key, value in response.answers.items():
        question = questions.get(int(key)) if str(key).isdecimal() else None
        if question is None:
            continue  # a question removed from the survey since
        if question.kind == Question.Kind.CHOICE:
            labels = dict(question.choice_list(language))
            value = labels.get(value, value)
        shown.append({"question": question.in_language(language), "answer": value, "q": question})
    shown.sort(key=lambda answer: (answer["q"].position, answer["q"].pk))
    return shown


def _opened_at(case: ServiceCase) -> dt.datetime:
    # The case's date is a day; recorded the same day, the moment it was recorded places it.
    tz = company_zone()
    if case.created_at.astimezone(tz).date() == case.opened_on:
        return case.created_at
    return dt.datetime.combine(case.opened_on, dt.time(12), tzinfo=tz)


def client_survey_items(client: Any) -> list[dict[str, Any]]:
    responses = list(
        client.responses.filter(source=Source.SURVEY)
        .select_related("order", "invitation__survey")
        .order_by("-at", "-id")[:LIMIT]
    )
    survey_ids = {r.invitation.survey_id for r in responses if r.invitation is not None}
    questions = {q.pk: q for q in Question.objects.filter(survey_id__in=survey_ids)}
    language = get_language() or settings.LANGUAGE_CODE
    items: list[dict[str, Any]] = []
    for response in responses:
        items.append(
            {
                "at": response.at,
                "kind": "survey_response",
                "template": "surveys/timeline_response.html",
                "response": response,
                "answers": _answers(response, questions, language),
            }
        )
    cases = client.service_cases.select_related("order", "recorded_by").order_by(
        "-opened_on", "-id"
    )[:LIMIT]
    for case in cases:
        items.append(
            {
                "at": _opened_at(case),
                "kind": "service_case",
                "template": "surveys/timeline_service_case.html",
                "case": case,
            }
        )
    return items


# --- the same items for the API (clients.timeline.register_entry, in SurveysConfig) -------


def _response_entry(item: dict[str, Any]) -> dict[str, Any]:
    response = item["response"]
    return {
        "id": f"survey_response:{response.pk}",
        "order": response.order_id,
        "by": None,
        "details": {
            "score": response.score,
            "nps": response.nps,
            "comment": response.comment,
            "answers": [
                {"question": answer["q"].pk, "text": answer["question"], "answer": answer["answer"]}
                for answer in item["answers"]
            ],
        },
    }


def _case_entry(item: dict[str, Any]) -> dict[str, Any]:
    case = item["case"]
    return {
        "id": f"service_case:{case.pk}",
        "order": case.order_id,
        "by": case.recorded_by_id,
        "details": {
            "opened_on": case.opened_on,
            "problem": case.problem,
            "severity": case.severity,
            "satisfaction": case.satisfaction,
            "resolved_at": case.resolved_at,
            "resolution": case.resolution,
        },
    }


TIMELINE_ENTRIES = {"survey_response": _response_entry, "service_case": _case_entry}
