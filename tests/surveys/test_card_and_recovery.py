"""The client card shows the survey answers and service cases (a fixed number of queries), and
the call list marks a client in recovery."""

from django.utils import timezone

from surveys import services
from surveys.timeline import client_survey_items
from tests.clients.factories import make_order
from tests.conftest import PASSWORD
from tests.helpers import assert_queries_flat
from tests.surveys.conftest import answers


def test_the_card_shows_the_answers_and_the_service_cases(client, customer, account, survey):
    invitation = services.invitation_for(survey=survey, client=customer, order=None)
    services.survey_answer(
        invitation=invitation,
        data=answers(survey, score="4", nps="9", choice="Delivery", text="Quick and tidy"),
    )
    case = services.service_case_record(
        client=customer,
        by=account,
        opened_on=timezone.localdate(),
        problem="A wobbly table leg",
        severity="medium",
    )
    services.service_case_resolve(case=case, resolution="Tightened", satisfaction=5, by=account)
    client.login(username=account.username, password=PASSWORD)

    text = client.get(f"/clients/{customer.pk}/").content.decode()

    assert "Satisfaction: 4 of 5" in text
    assert "Would recommend: 9 of 10" in text
    assert "Quick and tidy" in text and "Delivery" in text
    assert survey.questions.get(kind="nps").text in text
    assert "A wobbly table leg" in text and "Tightened" in text
    assert f"/service-cases/{case.pk}/" in text


def test_the_cards_surveys_cost_the_same_queries_for_a_long_history(customer, account, survey):
    # The short history: one answer, to no order.
    invitation = services.invitation_for(survey=survey, client=customer, order=None)
    services.survey_answer(invitation=invitation, data=answers(survey, score="5"))

    def add_history(count: int) -> None:
        for number in range(count):
            order = make_order(customer, external_id=f"H-{number}")
            invitation = services.invitation_for(survey=survey, client=customer, order=order)
            services.survey_answer(
                invitation=invitation, data=answers(survey, score="4", choice="Price", text="Ok")
            )
            services.service_case_record(
                client=customer,
                by=account,
                order=order,
                opened_on=timezone.localdate(),
                problem=f"Problem {number}",
                severity="low",
            )

    flat = assert_queries_flat(add_history, lambda: client_survey_items(customer), n=0, many=6)

    assert (len(flat.few), len(flat.many)) == (1, 1 + 6 * 2)


def test_a_poor_answer_by_link_shows_the_client_in_recovery_on_the_call_list(
    client, invitation, survey
):
    client.post(f"/s/{invitation.token}/", answers(survey, score="1"))
    manager = invitation.client.account_manager
    client.force_login(manager)

    # Due within a working day: today, this week or next (a Friday evening), by the clock.
    page = "".join(
        client.get("/calls/", {"section": section}).content.decode()
        for section in ("today", "week", "next_week")
    )

    assert invitation.client.name in page
    assert "in recovery" in page
