"""The admin pages of surveys: each list and form opens; a choice question needs its answers;
what the services write is shown, not edited."""

from django.utils import timezone

from surveys import services
from surveys.models import Question
from tests.surveys.conftest import answers


def as_admin(client, director) -> None:
    # The demo's directors are superusers of the admin.
    director.is_superuser = True
    director.save()
    client.force_login(director)


def test_every_admin_page_opens(client, director, invitation, survey, account):
    services.survey_answer(invitation=invitation, data=answers(survey, score="3"))
    case = services.service_case_record(
        client=invitation.client,
        by=account,
        opened_on=timezone.localdate(),
        problem="Squeaks",
        severity="low",
    )
    link = services.order_link_for(order=invitation.order)
    response = invitation.response
    as_admin(client, director)

    for model, pk in [
        ("survey", survey.pk),
        ("invitation", invitation.pk),
        ("response", response.pk),
        ("servicecase", case.pk),
        ("orderlink", link.pk),
    ]:
        assert client.get(f"/admin/surveys/{model}/").status_code == 200, model
        page = client.get(f"/admin/surveys/{model}/{pk}/change/")
        assert page.status_code == 200, model
    assert (
        invitation.token
        in client.get(f"/admin/surveys/invitation/{invitation.pk}/change/").content.decode()
    )
    assert client.get("/admin/surveys/response/add/").status_code == 403
    assert client.get("/admin/surveys/servicecase/add/").status_code == 403


def test_a_choice_question_needs_its_answers(client, director, survey):
    as_admin(client, director)
    form = {
        "slug": "short",
        "title": "Short",
        "title_ru": "Коротко",
        "days_valid": "30",
        "is_active": "on",
        "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "0",
        "questions-0-position": "1",
        "questions-0-kind": "choice",
        "questions-0-text": "Which?",
        "questions-0-text_ru": "Что?",
        "questions-0-choices": "",
        "questions-0-required": "on",
    }

    refused = client.post("/admin/surveys/survey/add/", form)
    accepted = client.post(
        "/admin/surveys/survey/add/", {**form, "questions-0-choices": "Sofa | Диван\nBed | Кровать"}
    )

    assert refused.status_code == 200 and "Give the answers" in refused.content.decode()
    assert accepted.status_code == 302
    assert Question.objects.get(survey__slug="short").choice_list("ru")[1] == ("Bed", "Кровать")
