"""What surveys do when a client is erased (clients.signals.client_erased): free-text answers,
comments and the texts of service cases are blanked while scores stay, and the survey and order
links stop working. Also their part of the client's data export.

Olga (tests/surveys/conftest.py) answered her invitation and had a service case."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from clients import services as client_services
from surveys import services
from surveys.models import Response, ServiceCase
from tests.conftest import PASSWORD
from tests.surveys.conftest import answers, field_name, same_page


@pytest.fixture
def answered(invitation, survey):
    return services.survey_answer(
        invitation=invitation,
        data=answers(survey, score="4", nps="9", choice="Service", text="Olga here, all fine"),
    )


@pytest.fixture
def case(customer, order, account):
    return services.service_case_record(
        client=customer,
        by=account,
        order=order,
        opened_on=timezone.localdate(),
        problem="Olga's sofa leg broke",
        severity="low",
        satisfaction=4,
        resolution="A new leg, delivered to Olga at home",
    )


def test_it_blanks_free_texts_and_keeps_the_scores(answered, case, customer, survey, director):
    client_services.client_erase(client=customer, by=director)

    response = Response.objects.get(source="survey")
    assert (response.score, response.nps, response.comment) == (4, 9, "")
    assert response.answers[field_name(survey, "text")] == ""
    assert response.answers[field_name(survey, "choice")] == "Service"
    assert response.answers[field_name(survey, "score")] == 4
    assert Response.objects.get(source="service").comment == ""
    case.refresh_from_db()
    assert (case.problem, case.resolution, case.satisfaction) == ("", "", 4)
    assert ServiceCase.objects.get().severity == "low"


def test_it_closes_the_clients_links(client, invitation, order, customer, director):
    order_link = services.order_link_for(order=order)

    client_services.client_erase(client=customer, by=director)

    invitation.refresh_from_db()
    assert not services.invitation_usable(invitation)
    assert "Olga" not in client.get(f"/o/{order_link.token}/").content.decode()
    unknown = same_page(client.get("/s/not-a-token/").content, "not-a-token")
    assert same_page(client.get(f"/s/{invitation.token}/").content, invitation.token) == unknown


def test_its_part_of_the_data_export(client, answered, case, customer, sales, survey):
    client.login(username=sales.username, password=PASSWORD)

    data = json.loads(client.get(reverse("clients:data_export", args=[customer.pk])).content)

    [invitation] = data["survey_invitations"]
    assert invitation["survey"] == survey.title
    assert invitation["answered_at"] is not None
    assert "token" not in invitation
    by_source = {row["source"]: row for row in data["survey_responses"]}
    assert by_source["survey"]["satisfaction"] == 4
    text_question = survey.questions.get(kind="text").text
    assert {"question": text_question, "answer": "Olga here, all fine"} in by_source["survey"][
        "answers"
    ]
    [exported_case] = data["service_cases"]
    assert exported_case["problem"] == "Olga's sofa leg broke"
    assert exported_case["recorded_by"] == "Anna"
