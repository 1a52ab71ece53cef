"""A client answers the survey from the link on a phone, without logging in."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from surveys import services
from surveys.models import Invitation, Question, Response, Survey
from tests.clients.factories import make_client, make_order

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server) -> Iterator[object]:
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True, locale="en-US"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def invitation(sales, account) -> Invitation:
    # The browser tests flush the database between tests: the survey is made here, not taken
    # from the migration.
    survey = Survey.objects.create(slug="after-delivery-test", title="How did we do?", title_ru="?")
    Question.objects.create(
        survey=survey, position=1, kind="score", text="How satisfied are you?", text_ru="?"
    )
    Question.objects.create(
        survey=survey,
        position=2,
        kind="choice",
        text="What mattered most?",
        text_ru="?",
        choices="Quality | Качество\nPrice | Цена",
        required=False,
    )
    Question.objects.create(
        survey=survey,
        position=3,
        kind="text",
        text="Anything else?",
        text_ru="?",
        required=False,
    )
    client = make_client(originator=sales, account_manager=account, name="Olga", language="en")
    return services.invitation_for(
        survey=survey, client=client, order=make_order(client, external_id="SHOP-77")
    )


def test_it_answers_a_survey_on_a_phone(phone, invitation):
    phone.goto(f"/s/{invitation.token}/")
    expect(phone.get_by_role("heading", name="How did we do?")).to_be_visible()
    # Fits the screen: nothing to scroll sideways.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Sent without the required score: the message comes back next to it.
    phone.get_by_label("Anything else?").fill("The assembly was quick.")
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_text("Please answer this question.")).to_be_visible()
    expect(phone.get_by_label("Anything else?")).to_have_value("The assembly was quick.")

    phone.get_by_label("5", exact=True).check()
    phone.get_by_label("Quality").check()
    phone.get_by_role("button", name="Send my answers").click()

    expect(phone.get_by_role("heading", name="Thank you!")).to_be_visible()
    response = Response.objects.get()
    assert (response.score, response.comment) == (5, "The assembly was quick.")

    # The link opened again: still one answer, and a thank-you rather than the form.
    phone.goto(f"/s/{invitation.token}/")
    expect(phone.get_by_text("This survey has already been answered")).to_be_visible()
    assert Response.objects.count() == 1
