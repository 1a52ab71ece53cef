"""/calls/reassign/: a director hands a manager's open touchpoints to another manager."""

import datetime as dt
import re

import pytest

from tests.clients.factories import make_client
from tests.conftest import make_user
from tests.helpers import at
from touchpoints.models import Touchpoint

NOW = at(2026, 11, 24, 11)
pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("no_default_cadences")]


@pytest.fixture
def work(account, sales):
    """Anna's touchpoints: two open calls (today, next week), a done one and one the system
    sends."""
    client = make_client(originator=sales, account_manager=account, name="Pavel")

    def touchpoint(due: dt.datetime, **fields) -> Touchpoint:
        return Touchpoint.objects.create(
            client=client,
            anchor_key=f"r:{Touchpoint.objects.count()}",
            due_at=due,
            channel=fields.pop("channel", "call"),
            assignee=account,
            purpose="Call",
            **fields,
        )

    return {
        "today": touchpoint(NOW),
        "next_week": touchpoint(at(2026, 12, 1, 12)),
        "done": touchpoint(NOW, status="done", closed_at=NOW),
        "automatic": touchpoint(NOW, channel="email", is_automatic=True),
    }


def waiting(page: str) -> str:
    found = re.search(r"<strong>(\d+) open touchpoints? of", page)
    return found.group(1) if found else ""


def test_it_shows_how_many_would_move(client, director, account, other_account, work):
    client.force_login(director)

    page = client.get(
        "/calls/reassign/", {"from_user": account.pk, "to_user": other_account.pk}
    ).content.decode()
    assert waiting(page) == "2"
    assert "2 open touchpoints of Anna will move to Arkady." in page

    page = client.get(
        "/calls/reassign/",
        {"from_user": account.pk, "to_user": other_account.pk, "end": "2026-11-24"},
    ).content.decode()
    assert waiting(page) == "1"
    assert 'type="hidden" name="end" value="2026-11-24"' in page


def test_it_moves_the_open_calls(client, director, account, other_account, work):
    client.force_login(director)

    response = client.post(
        "/calls/reassign/",
        {"from_user": account.pk, "to_user": other_account.pk, "start": "2026-11-25"},
        follow=True,
    )

    assert "1 touchpoint moved to Arkady." in response.content.decode()
    assignees = {}
    for name, touchpoint in work.items():
        touchpoint.refresh_from_db()
        assignees[name] = touchpoint.assignee
    assert assignees == {
        "today": account,
        "next_week": other_account,
        "done": account,
        "automatic": account,
    }


def test_it_explains_what_is_wrong(client, director, account, work):
    gone = make_user("gone", "account_manager", is_active=False)
    client.force_login(director)

    page = client.post(
        "/calls/reassign/",
        {
            "from_user": account.pk,
            "to_user": account.pk,
            "start": "2026-12-02",
            "end": "2026-12-01",
        },
    ).content.decode()
    assert "Choose someone else than the manager they come from." in page
    assert "The end of the range is before its start." in page

    page = client.post(
        "/calls/reassign/", {"from_user": account.pk, "to_user": gone.pk}
    ).content.decode()
    assert "Select a valid choice." in page
    assert not Touchpoint.objects.exclude(assignee=account).exists()


def test_it_says_when_there_is_nothing_to_move(client, director, other_account, sales):
    client.force_login(director)

    page = client.get(
        "/calls/reassign/", {"from_user": sales.pk, "to_user": other_account.pk}
    ).content.decode()

    assert "Sasha has no open touchpoints in that range: there is nothing to move." in page


def test_it_is_for_directors_only(client, sales, account, other_account, work):
    assert client.get("/calls/reassign/")["Location"].startswith("/login/")
    for user in (sales, account, make_user("nobody", None)):
        client.force_login(user)
        assert client.get("/calls/reassign/").status_code == 404
        data = {"from_user": account.pk, "to_user": other_account.pk}
        assert client.post("/calls/reassign/", data).status_code == 404
    assert not Touchpoint.objects.filter(assignee=other_account).exists()
