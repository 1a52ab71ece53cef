"""The client's pages on a small phone (360×740), for a Russian client whose browser says
English: the page speaks Russian, nothing scrolls sideways, every tap target is at least 44 px
high, inputs are at 16 px, and an error shows in Russian beside its question."""

import re
from collections.abc import Iterator

import pytest

from surveys import services
from surveys.models import Invitation, Question, Survey
from tests.clients.factories import make_client, make_order

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 360, "height": 740}
CYRILLIC = re.compile(r"[А-Яа-яЁё]")

# What a finger taps: buttons, text fields, and the labels that hold the radio buttons.
TAP_TARGETS = """() => [...document.querySelectorAll(
    'button, textarea, select, input:not([type=radio]):not([type=hidden]),'
    + ' label:has(input[type=radio]), main a')]
  .filter((el) => el.offsetParent !== null).map((el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return {what: el.outerHTML.slice(0, 80), height: box.height, width: box.width,
            font: parseFloat(style.fontSize), field: el.matches('input, textarea, select')};
  })"""


@pytest.fixture
def small_phone(browser, live_server) -> Iterator[object]:
    context = browser.new_context(
        base_url=live_server.url,
        viewport=SMALL_PHONE,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def invitation(sales, account) -> Invitation:
    # The browser tests flush the database between tests: the survey is made here.
    survey = Survey.objects.create(
        slug="phone-test", title="How did we do?", title_ru="Как мы справились?"
    )
    texts = {
        "score": ("How satisfied are you?", "Насколько вы довольны?"),
        "nps": ("Would you recommend us?", "Порекомендуете ли вы нас?"),
        "choice": ("What mattered most?", "Что было важнее всего?"),
        "text": ("Anything else?", "Что-нибудь ещё?"),
    }
    for position, (kind, (text, text_ru)) in enumerate(texts.items(), start=1):
        Question.objects.create(
            survey=survey,
            position=position,
            kind=kind,
            text=text,
            text_ru=text_ru,
            choices="Quality | Качество\nPrice | Цена" if kind == "choice" else "",
            required=kind in ("score", "nps"),
        )
    client = make_client(originator=sales, account_manager=account, name="Ольга", language="ru")
    order = make_order(client, external_id="SHOP-78", description="Диван")
    return services.invitation_for(survey=survey, client=client, order=order)


def assert_fits_a_phone(page) -> None:
    scroll = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll <= page.evaluate("window.innerWidth"), "the page scrolls sideways"
    targets = page.evaluate(TAP_TARGETS)
    assert targets, "no tap targets found"
    small = [t["what"] for t in targets if t["height"] < 44]
    assert small == [], "below 44 px high"
    tiny_text = [t["what"] for t in targets if t["field"] and t["font"] < 16]
    assert tiny_text == [], "inputs below 16 px: the phone zooms into them"


def test_it_fits_the_survey_to_a_small_phone_in_the_clients_language(small_phone, invitation):
    small_phone.goto(f"/s/{invitation.token}/")

    assert small_phone.locator("html").get_attribute("lang") == "ru"
    assert_fits_a_phone(small_phone)

    small_phone.get_by_role("button").click()  # nothing answered

    score = small_phone.locator("fieldset.kind-score")
    error = score.locator(".errorlist")
    assert CYRILLIC.search(error.inner_text()), error.inner_text()
    assert score.get_attribute("aria-describedby") == error.get_attribute("id")
    assert_fits_a_phone(small_phone)


def test_it_fits_the_order_page_to_a_small_phone(small_phone, invitation):
    link = services.order_link_for(order=invitation.order)

    small_phone.goto(f"/o/{link.token}/")

    assert small_phone.locator("html").get_attribute("lang") == "ru"
    assert "Диван" in small_phone.locator("main").inner_text()
    assert_fits_a_phone(small_phone)
