import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login

pytestmark = pytest.mark.browser


def test_it_logs_in_through_the_login_page(page, sales):
    browser_login(page, "sasha")

    expect(page.get_by_role("heading", name="My calls")).to_be_visible()
    expect(page.locator(".whoami")).to_contain_text("Sales manager")


def test_it_rejects_a_wrong_password(page, sales):
    browser_login(page, "sasha", password="wrong")

    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    assert page.url.endswith("/login/")
