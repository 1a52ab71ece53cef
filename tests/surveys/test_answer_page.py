"""The survey page by link, /s/<token>/: one answer per link, the same answer for an unknown
and an expired link, errors next to their question, the recovery rule, and never a 500."""

import datetime as dt
import time
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from followup_crm.mail import staff_mail_send_due
from followup_crm.models import StaffMail
from surveys import selectors, services
from surveys.models import Response
from tests.clients.factories import make_client
from tests.surveys.conftest import answers, field_name, same_page
from touchpoints.models import Touchpoint


def url(invitation) -> str:
    return f"/s/{invitation.token}/"


def test_it_shows_the_survey_without_a_login(client, invitation, survey):
    page = client.get(url(invitation))

    assert page.status_code == 200
    text = page.content.decode()
    assert survey.title in text
    for question in survey.questions.all():
        assert question.text in text
    assert "SHOP-1001" in text
    assert page["Cache-Control"].startswith("max-age=0")
    assert "noindex" in page["X-Robots-Tag"]


def test_it_speaks_the_clients_language(client, survey, sales):
    russian = make_client(originator=sales, name="Ivan", language="ru")
    invitation = services.invitation_for(survey=survey, client=russian, order=None)

    page = client.get(url(invitation), HTTP_ACCEPT_LANGUAGE="en")

    assert page["Content-Language"] == "ru"
    text = page.content.decode()
    assert '<html lang="ru">' in text
    assert survey.title_ru in text
    assert survey.questions.get(kind="choice").choice_list("ru")[0][1] in text  # Качество


def test_it_takes_an_answer_and_thanks(client, invitation, survey, account):
    page = client.post(
        url(invitation), answers(survey, score="5", nps="10", choice="Service", text="Lovely")
    )

    assert page.status_code == 200
    assert "Thank you!" in page.content.decode()
    assert "manager will call" not in page.content.decode()
    response = Response.objects.get()
    assert (response.source, response.score, response.nps, response.comment) == (
        "survey",
        5,
        10,
        "Lovely",
    )
    assert response.answers[field_name(survey, "choice")] == "Service"
    assert (response.order, response.manager) == (invitation.order, account)


def test_it_takes_exactly_one_answer_and_a_second_submission_changes_nothing(
    client, invitation, survey
):
    client.post(url(invitation), answers(survey, score="5"))
    invitation.refresh_from_db()
    answered_at = invitation.answered_at

    # A double click, a second tab, the back button: the same page, not an error.
    again = client.post(url(invitation), answers(survey, score="1", text="Changed my mind"))
    later = client.get(url(invitation))

    for page in (again, later):
        assert page.status_code == 200
        assert "This survey has already been answered" in page.content.decode()
        assert '<form method="post"' not in page.content.decode()
    assert Response.objects.get().score == 5
    assert not Touchpoint.objects.filter(is_urgent=True).exists()
    invitation.refresh_from_db()
    assert invitation.answered_at == answered_at


def test_a_poor_score_makes_exactly_one_recovery_call_even_when_sent_twice(
    client,
    invitation,
    survey,
    account,
    alerted_director,
    django_capture_on_commit_callbacks,
    staff_mail_handed,
):
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url(invitation), answers(survey, score="2", text="Late delivery"))
        second = client.post(url(invitation), answers(survey, score="2", text="Late delivery"))

    assert "Your manager will call you" in first.content.decode()
    assert "Your manager will call you" in second.content.decode()
    recovery = Touchpoint.objects.get(is_urgent=True)
    assert (recovery.client, recovery.assignee, recovery.status) == (
        invitation.client,
        account,
        "planned",
    )
    assert "Late delivery" in recovery.talking_points
    assert Response.objects.count() == 1
    assert mail.outbox == []  # queued for a worker, not sent by the client's request
    [alert] = StaffMail.objects.all()
    assert staff_mail_handed == [alert.pk]
    staff_mail_send_due()
    assert [message.to for message in mail.outbox] == [["dina@example.com"]]


def test_a_poor_score_returns_at_once_while_the_mail_server_hangs(
    client,
    invitation,
    survey,
    alerted_director,
    blocking_mail,
    staff_mail_handed,
    django_capture_on_commit_callbacks,
    settings,
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url(invitation), answers(survey, score="1", text="Broken on arrival"))

    assert page.status_code == 200
    assert time.monotonic() - started < 5  # the blocking server would hold it for 10 s
    assert blocking_mail == []  # the request never talked to the mail server
    [alert] = StaffMail.objects.all()
    assert (alert.status, alert.to, staff_mail_handed) == ("queued", "dina@example.com", [alert.pk])

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert staff_mail_send_due().sent == 1
    [message] = mail.outbox
    assert message.subject == "An unhappy client: Olga Petrova"
    assert "Broken on arrival" in message.body


def test_a_missing_required_answer_comes_back_next_to_its_question(client, invitation, survey):
    page = client.post(
        url(invitation), answers(survey, score="", nps="9", choice="Price", text="Nice")
    )

    assert page.status_code == 200
    text = page.content.decode()
    score = field_name(survey, "score")
    assert f'id="q-{score}-error">Please answer this question.' in text
    # The other answers are kept.
    assert f'name="{field_name(survey, "nps")}" value="9" checked' in text
    assert f'name="{field_name(survey, "choice")}" value="Price" checked' in text
    assert ">Nice</textarea>" in text
    assert not Response.objects.exists()
    invitation.refresh_from_db()
    assert invitation.answered_at is None


def test_an_expired_link_takes_no_answer(client, invitation, survey):
    with time_machine.travel(invitation.expires_at + dt.timedelta(seconds=1)):
        shown = client.get(url(invitation))
        sent = client.post(url(invitation), answers(survey, score="5"))

    assert shown.status_code == sent.status_code == 404
    assert "This link is not valid any more" in shown.content.decode()
    assert not Response.objects.exists()


def test_an_unknown_and_an_expired_link_get_the_same_page(client, invitation):
    expired = invitation.token
    unknown = "x" * len(expired)
    with time_machine.travel(invitation.expires_at + dt.timedelta(days=1)):
        pages = {token: client.get(f"/s/{token}/") for token in (expired, unknown)}

    assert pages[expired].status_code == pages[unknown].status_code == 404
    assert same_page(pages[expired].content, expired) == same_page(pages[unknown].content, unknown)
    assert pages[expired].headers.get("Content-Language") == pages[unknown].headers.get(
        "Content-Language"
    )


def test_an_answered_link_still_says_thank_you_after_it_expires(client, invitation, survey):
    client.post(url(invitation), answers(survey, score="4"))

    with time_machine.travel(invitation.expires_at + dt.timedelta(days=1)):
        page = client.get(url(invitation))

    assert page.status_code == 200
    assert "already been answered" in page.content.decode()


def test_it_answers_a_submission_after_expiry_as_not_valid(client, invitation, survey):
    # The page was drawn before the link expired; the answer arrives after.
    client.get(url(invitation))
    invitation.expires_at = timezone.now() - dt.timedelta(seconds=1)
    invitation.save()

    page = client.post(url(invitation), answers(survey, score="5"))

    assert page.status_code == 404
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    "token",
    ["", "%00", "a" * 65, "a" * 5000, "токен", "abc%2F..%2Fdef", "x'; DROP TABLE x;--"],
)
def test_it_never_fails_on_a_strange_token(client, db, token):
    page = client.get(f"/s/{token}/")

    assert page.status_code == 404


@pytest.mark.parametrize(
    "score, nps, choice",
    [
        ("abc", "", ""),
        ("999999999999999999999999", "", ""),
        ("5", "-1", ""),
        ("5", "10.5", ""),
        ("5", "", "Something else"),
        ("", "", ""),
    ],
)
def test_it_never_fails_on_wrong_values(client, invitation, survey, score, nps, choice):
    page = client.post(url(invitation), answers(survey, score=score, nps=nps, choice=choice))

    assert page.status_code == 200
    assert 'class="errorlist"' in page.content.decode()
    assert not Response.objects.exists()


def test_it_never_fails_on_huge_or_odd_input(client, invitation, survey):
    data = answers(survey, score="4", text="Long story. \x00" + "x" * 200_000)
    data.update({"unknown": "field", "csrfmiddlewaretoken": "nonsense"})

    page = client.post(url(invitation), data)

    assert page.status_code == 200
    response = Response.objects.get()
    assert "\x00" not in response.comment
    assert len(response.comment) <= 4000


def test_it_never_fails_on_repeated_fields_or_junk_in_the_query(client, invitation, survey):
    score = field_name(survey, "score")

    shown = client.get(url(invitation) + "?page=%00&x=" + "y" * 3000)
    sent = client.post(url(invitation), {score: ["1", "5"]})  # the last value counts

    assert shown.status_code == 200
    assert sent.status_code == 200
    assert Response.objects.get().score == 5


def test_it_refuses_other_methods(client, invitation):
    assert client.put(url(invitation)).status_code == 405
    assert client.delete(url(invitation)).status_code == 405


def test_a_body_too_big_or_with_too_many_fields_is_a_400_not_a_500(client, invitation, survey):
    score = field_name(survey, "score")
    too_big = client.post(url(invitation), {score: "5", "x": "y" * 3_000_000})
    too_many = client.post(url(invitation), {score: "5", **{f"f{n}": "1" for n in range(1500)}})

    assert too_big.status_code == too_many.status_code == 400
    assert not Response.objects.exists()


def test_a_submission_that_loses_the_race_gets_the_thank_you_page(client, invitation, survey):
    # Two tabs: both drew the form; this one is sent after the other was answered.
    stale = selectors.invitation_by_token(invitation.token)
    services.survey_answer(invitation=invitation, data=answers(survey, score="4"))
    fresh = selectors.invitation_by_token(invitation.token)

    with mock.patch.object(selectors, "invitation_by_token", side_effect=[stale, fresh]):
        page = client.post(url(invitation), answers(survey, score="1"))

    assert page.status_code == 200
    assert "already been answered" in page.content.decode()
    assert Response.objects.get().score == 4
    assert not Touchpoint.objects.filter(is_urgent=True).exists()
