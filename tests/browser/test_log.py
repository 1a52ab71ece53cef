import pytest
from playwright.sync_api import expect

from tests.clients.factories import make_client
from tests.conftest import browser_login
from touchpoints.models import CallAttempt

pytestmark = pytest.mark.browser


def test_it_logs_an_inbound_call_from_the_headers_plus(page, sales):
    irina = make_client(originator=sales, name="Irina Volkova", phones=["+79123456789"])
    browser_login(page, "sasha")

    page.get_by_role("link", name="Log a call, note or task").first.click()
    page.get_by_label("Which client? Name, phone or e-mail").fill("8 912 345-67-89")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Irina Volkova").click()

    page.get_by_label("Reached").check()
    page.get_by_label("Notes").fill("Asked when the sofa arrives")
    page.get_by_role("button", name="Log the call").click()

    expect(page.get_by_text("The inbound call was logged.")).to_be_visible()
    expect(page.get_by_role("heading", name="Irina Volkova")).to_be_visible()
    expect(page.locator("#client-card .timeline")).to_contain_text("Asked when the sofa arrives")
    attempt = CallAttempt.objects.get()
    assert attempt.client == irina and attempt.touchpoint.purpose == "Inbound call"
