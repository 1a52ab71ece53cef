"""The top bar keeps to one line on a 1366 px screen in both languages, for every role (with
the menu counters showing)."""

from collections.abc import Iterator

import pytest

from tests.clients.factories import make_client
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}


@pytest.fixture(params=["en", "ru"])
def laptop(request, browser, live_server) -> Iterator[object]:
    # The browser's language: the pages follow it (LocaleMiddleware).
    context = browser.new_context(base_url=live_server.url, viewport=LAPTOP, locale=request.param)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def rows(page, selector: str) -> int:
    """How many rows the elements of `selector` take (by their middles: a button and a link
    on one row are centred, not aligned by their tops)."""
    return page.evaluate(
        """(selector) => new Set([...document.querySelectorAll(selector)]
          .filter((el) => el.offsetParent !== null)
          .map((el) => { const box = el.getBoundingClientRect();
                         return Math.round((box.top + box.bottom) / 8); })).size""",
        selector,
    )


@pytest.mark.parametrize("persona", ["sales", "account", "director"])
def test_it_keeps_the_menu_on_one_line(laptop, request, persona):
    user = request.getfixturevalue(persona)
    make_client(originator=user, name="Counted Client")
    laptop.goto("/login/")  # by the fields' names: the labels are in the page's language
    laptop.fill("input[name=username]", user.username)
    laptop.fill("input[name=password]", PASSWORD)
    laptop.press("input[name=password]", "Enter")
    laptop.wait_for_url("**/")
    laptop.goto("/clients/")

    assert laptop.locator("html").get_attribute("lang") == request.node.callspec.params["laptop"]
    assert rows(laptop, ".mainnav > a, .mainnav > details") == 1
    assert rows(laptop, ".session > form, .session > details") == 1
    # The bar is as high as one row of it: nothing wrapped under the brand either.
    assert laptop.evaluate("document.querySelector('.topbar').offsetHeight") < 70
    assert laptop.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
