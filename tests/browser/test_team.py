"""Landing where the work is, in headless Chromium: a director on the team board (and from a
figure to the calls behind it), a manager on the call list."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.clients.factories import make_client
from tests.conftest import browser_login
from touchpoints.models import Cadence, Touchpoint

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _no_cadences(transactional_db) -> None:
    Cadence.objects.update(is_active=False)


def test_a_director_lands_on_the_team_board_and_opens_the_calls_behind_a_figure(
    page, director, sales
):
    pavel = make_client(originator=sales, name="Pavel Orlov")
    for days in (2, 3):
        Touchpoint.objects.create(
            client=pavel,
            anchor_key=f"b:{days}",
            due_at=timezone.now() - dt.timedelta(days=days),
            channel="call",
            assignee=sales,
            purpose=f"Late by {days} days",
        )

    browser_login(page, "dina")

    expect(page).to_have_url("/calls/team/")
    row = page.get_by_role("row", name="Sasha")
    row.get_by_role("link", name="2", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overdue: Sasha")
    expect(page.get_by_role("table")).to_contain_text("Late by 2 days")
    expect(page.get_by_role("table")).to_contain_text("Late by 3 days")
    expect(page.get_by_role("link", name="Calls")).to_contain_text("2")


def test_a_manager_lands_on_the_call_list(page, sales):
    browser_login(page, "sasha")

    expect(page).to_have_url("/calls/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My calls")
