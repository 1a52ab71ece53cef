"""Answers by link, call feedback and service cases: one response each, and a poor one sets
up exactly one recovery call."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from surveys import services
from surveys.models import Question, Response, Survey
from tests.clients.factories import make_client, make_order
from touchpoints import calls
from touchpoints.models import Cadence, Touchpoint


@pytest.fixture
def survey(db):
    Cadence.objects.update(is_active=False)
    survey = Survey.objects.create(slug="test-survey", title="How did we do?", title_ru="Как мы?")
    Question.objects.create(survey=survey, position=1, kind="score", text="Satisfied?", text_ru="?")
    Question.objects.create(
        survey=survey, position=2, kind="nps", text="Recommend?", text_ru="?", required=False
    )
    Question.objects.create(
        survey=survey,
        position=3,
        kind="choice",
        text="What mattered?",
        text_ru="?",
        choices="Quality | Качество\nPrice | Цена",
        required=False,
    )
    Question.objects.create(
        survey=survey, position=4, kind="text", text="Anything else?", text_ru="?", required=False
    )
    return survey


@pytest.fixture
def customer(sales, account):
    return make_client(originator=sales, account_manager=account, name="Nina")


def answers(survey, score="5", nps="", choice="", text=""):
    q = {question.kind: str(question.pk) for question in survey.questions.all()}
    return {q["score"]: score, q["nps"]: nps, q["choice"]: choice, q["text"]: text}


def test_one_invitation_per_client_order_and_survey(survey, customer):
    order = make_order(customer)

    first = services.invitation_for(survey=survey, client=customer, order=order)
    again = services.invitation_for(survey=survey, client=customer, order=order)
    general = services.invitation_for(survey=survey, client=customer, order=None)

    assert first.pk == again.pk != general.pk
    assert len(first.token) >= 40 and first.token != general.token
    assert first.expires_at > timezone.now() + dt.timedelta(days=29)


def test_an_invitation_takes_exactly_one_answer(survey, customer, account):
    invitation = services.invitation_for(survey=survey, client=customer, order=None)

    response = services.survey_answer(
        invitation=invitation, data=answers(survey, "4", "9", "Quality", "Lovely")
    )
    with pytest.raises(ValidationError, match="answered already"):
        services.survey_answer(invitation=invitation, data=answers(survey, "1"))

    assert (response.source, response.score, response.nps, response.comment) == (
        "survey",
        4,
        9,
        "Lovely",
    )
    assert response.manager == account
    assert Response.objects.count() == 1
    invitation.refresh_from_db()
    assert invitation.answered_at is not None


def test_bad_answers_are_named(survey, customer):
    invitation = services.invitation_for(survey=survey, client=customer, order=None)

    with pytest.raises(ValidationError) as error:
        services.survey_answer(invitation=invitation, data=answers(survey, "", "11", "Colour"))

    assert len(error.value.message_dict) == 3
    assert not Response.objects.exists()


def test_an_expired_invitation_takes_no_answer(survey, customer):
    invitation = services.invitation_for(survey=survey, client=customer, order=None)
    invitation.expires_at = timezone.now() - dt.timedelta(seconds=1)
    invitation.save()

    assert not services.invitation_usable(invitation)
    with pytest.raises(ValidationError):
        services.survey_answer(invitation=invitation, data=answers(survey))


def test_a_low_score_makes_one_recovery_call(survey, customer, account):
    invitation = services.invitation_for(survey=survey, client=customer, order=None)

    response = services.survey_answer(
        invitation=invitation, data=answers(survey, "2", "", "", "Late")
    )
    services._record(
        source="survey", client=customer, at=response.at, origin_key=response.origin_key
    )  # the same response again

    recovery = Touchpoint.objects.get(is_urgent=True)
    assert recovery.anchor_key == f"recovery:response:{response.pk}"
    assert recovery.assignee == account
    assert "Late" in recovery.talking_points


def test_a_detractor_makes_a_recovery_call_too(survey, customer):
    invitation = services.invitation_for(survey=survey, client=customer, order=None)

    services.survey_answer(invitation=invitation, data=answers(survey, "4", "6"))

    assert Touchpoint.objects.filter(is_urgent=True).count() == 1


def test_satisfaction_on_a_call_is_a_response_from_the_call(customer, account, survey):
    touchpoint = Touchpoint.objects.create(
        client=customer,
        anchor_key="call",
        due_at=timezone.now(),
        channel="call",
        assignee=account,
        purpose="Call",
    )

    attempt = calls.touchpoint_complete(
        touchpoint=touchpoint,
        report=calls.CallReport(
            outcome="reached", satisfaction=1, no_further_contact="-", complaint="Broken drawer"
        ),
        by=account,
    )

    response = Response.objects.get()
    assert (response.source, response.score, response.origin_key) == (
        "call",
        1,
        f"call:{attempt.pk}",
    )
    # The complaint and the poor score share one recovery call.
    assert Touchpoint.objects.filter(is_urgent=True).count() == 1


def test_service_cases_are_feedback_from_service(customer, account, other_account, sales):
    order = make_order(customer)
    case = services.service_case_record(
        client=customer,
        by=account,
        order=order,
        opened_on=timezone.localdate(),
        problem="Door hinge broke",
        severity="medium",
    )
    assert not Response.objects.exists()  # no score yet

    services.service_case_resolve(case=case, resolution="Replaced", satisfaction=5, by=account)

    response = Response.objects.get()
    assert (response.source, response.score) == ("service", 5)
    with pytest.raises(ValidationError, match="resolved already"):
        services.service_case_resolve(case=case, resolution="x", satisfaction=1, by=account)
    other = make_order(make_client(originator=sales))
    with pytest.raises(ValidationError) as error:
        services.service_case_record(
            client=customer,
            by=account,
            order=other,
            opened_on=timezone.localdate(),
            problem="x",
            severity="low",
        )
    assert "order" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.service_case_record(
            client=customer,
            by=account,
            opened_on=timezone.localdate(),
            problem="x",
            severity="apocalyptic",
        )
    assert "severity" in error.value.message_dict
