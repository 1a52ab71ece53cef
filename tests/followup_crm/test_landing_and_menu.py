"""Where people land after logging in, the menu's counters, and the favicon."""

import datetime as dt

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from clients.models import Handoff
from tests.clients.factories import make_client
from tests.conftest import PASSWORD
from touchpoints.models import Cadence, Touchpoint


@pytest.fixture(autouse=True)
def _no_cadences(db):
    Cadence.objects.update(is_active=False)


def call(client, assignee, days_ago: int, **fields) -> Touchpoint:
    return Touchpoint.objects.create(
        client=client,
        anchor_key=f"n:{Touchpoint.objects.count()}",
        due_at=timezone.now() - dt.timedelta(days=days_ago),
        channel="call",
        assignee=assignee,
        purpose="Call",
        **fields,
    )


def test_a_director_lands_on_the_team_board(client, director):
    response = client.post("/login/", {"username": "dina", "password": PASSWORD})
    assert response.url == "/"

    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/calls/team/"


@pytest.mark.parametrize("persona", ["sales", "account"])
def test_a_manager_lands_on_the_call_list(client, persona, request):
    user = request.getfixturevalue(persona)
    client.post("/login/", {"username": user.username, "password": PASSWORD})

    response = client.get("/", follow=True)

    assert response.redirect_chain == [("/calls/", 302)]
    assert response.status_code == 200


def test_the_menu_shows_my_counters_in_one_query(
    client, sales, other_sales, django_assert_num_queries
):
    pavel = make_client(originator=sales, name="Pavel")
    call(pavel, sales, days_ago=2)
    call(pavel, sales, days_ago=3, is_urgent=True)
    call(pavel, other_sales, days_ago=2)
    client.force_login(sales)

    with django_assert_num_queries(4):  # the session, the user, their roles, the counters
        html = client.get("/nav/counters/").content.decode()

    assert "2 overdue calls" in html and "1 urgent call open" in html
    assert 'hx-swap-oob="true"' in html
    page = client.get("/calls/").content.decode()
    assert 'id="nav-badges-touchpoints-calls"' in page and "2 overdue calls" in page
    assert 'hx-get="/nav/counters/" hx-trigger="every 60s"' in page


def test_a_director_counts_everyones_calls_and_the_unassigned_handoffs(
    client, director, sales, account
):
    pavel = make_client(originator=sales, name="Pavel")
    call(pavel, sales, days_ago=2)
    call(pavel, account, days_ago=2, is_urgent=True)
    Handoff.objects.create(client=pavel, from_user=sales, created_at=timezone.now())
    client.force_login(director)

    html = client.get("/nav/counters/").content.decode()

    assert "2 overdue calls" in html and "1 urgent call open" in html
    assert "1 new handoff waiting" in html


def test_an_account_manager_counts_the_handoffs_in_their_inbox(client, sales, account):
    olga = make_client(originator=sales, name="Olga")
    Handoff.objects.create(client=olga, from_user=sales, to_user=account, created_at=timezone.now())
    client.force_login(account)

    html = client.get("/nav/counters/").content.decode()

    assert "1 new handoff waiting" in html
    assert "overdue" not in html


def test_the_pages_link_an_icon_that_exists(client, sales):
    client.force_login(sales)

    page = client.get("/calls/").content.decode()

    assert '<link rel="icon" href="/static/favicon.svg"' in page
    assert finders.find("favicon.svg")
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url == "/static/favicon.svg"
