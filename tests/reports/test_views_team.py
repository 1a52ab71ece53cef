"""The director's team board (/calls/team/) and the calls behind each of its figures."""

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.contrib.auth.models import Group, User

from clients.models import Client
from reports.team import team_board
from tests.clients.factories import make_client
from tests.conftest import make_user
from touchpoints import calls
from touchpoints.models import Cadence, Touchpoint

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
NOW = dt.datetime(2026, 11, 24, 11, 0, tzinfo=MSK)  # a Tuesday, inside working hours


@pytest.fixture(autouse=True)
def _frozen(db):
    Cadence.objects.update(is_active=False)  # only the touchpoints the tests make
    with time_machine.travel(NOW, tick=False):
        yield


def call(client: Client, assignee, due: dt.datetime, **fields) -> Touchpoint:
    return Touchpoint.objects.create(
        client=client,
        anchor_key=f"t:{Touchpoint.objects.count()}",
        due_at=due,
        channel=fields.pop("channel", "call"),
        assignee=assignee,
        purpose=fields.pop("purpose", "How is the sofa?"),
        **fields,
    )


def board_row(html: str, name: str) -> str:
    return re.search(
        rf"<tr>\s*<th scope=\"row\" class=\"title\">{name}</th>(.*?)</tr>", html, re.S
    )[1]


def figures(row_html: str) -> list[str]:
    return re.findall(r'/calls/team/\d+/\w+/">([^<]*)</a>', row_html)


@pytest.fixture
def day(sales, account):
    """Sasha: one due today, two overdue (one urgent), one done today, one done late in the
    last 30 days and one on time. Anna: nothing."""
    client = make_client(originator=sales, name="Pavel")
    call(client, sales, NOW + dt.timedelta(hours=2))
    call(client, sales, NOW - dt.timedelta(days=2), is_urgent=True, purpose="Recover")
    call(client, sales, NOW - dt.timedelta(days=3))
    call(client, sales, NOW - dt.timedelta(hours=1), status="done", closed_at=NOW)
    call(
        client,
        sales,
        NOW - dt.timedelta(days=10),
        status="done",
        closed_at=NOW - dt.timedelta(days=8),
    )
    call(
        client,
        sales,
        NOW - dt.timedelta(days=5),
        status="done",
        closed_at=NOW - dt.timedelta(days=5),
    )
    return client


def test_it_shows_one_row_per_manager_with_the_days_figures(client, director, sales, account, day):
    client.force_login(director)

    html = client.get("/calls/team/").content.decode()

    # Due today, overdue, done today, done on time (1 of the 4 due before today), urgent.
    assert figures(board_row(html, "Sasha")) == ["1", "2", "1", "25 %", "1"]
    assert "1 of 4" in board_row(html, "Sasha")
    assert figures(board_row(html, "Anna")) == ["0", "0", "0", "—", "0"]
    assert f'href="/calls/?manager={sales.pk}"' in html
    assert "dina" not in html.lower().split("<main>")[1].split("</table>")[0]


def test_it_names_managers_by_their_full_name(client, director, db):
    make_user("olga", "sales_manager", last_name="Petrova")
    User.objects.create_user("ivan").groups.add(Group.objects.get(name="account_manager"))
    make_user("gone", "sales_manager", is_active=False)
    client.force_login(director)

    html = client.get("/calls/team/").content.decode()

    assert ">Olga Petrova</th>" in html and ">ivan</th>" in html
    assert "gone" not in html


def test_the_query_count_does_not_grow_with_the_touchpoints(
    client, director, sales, account, django_assert_num_queries
):
    client.force_login(director)
    pavel = make_client(originator=sales, name="Pavel")
    for number in range(10):
        call(pavel, sales if number % 2 else account, NOW - dt.timedelta(days=number % 5))
    with django_assert_num_queries(9) as few:
        client.get("/calls/team/")
    for number in range(490):
        call(pavel, sales if number % 2 else account, NOW - dt.timedelta(days=number % 40))
    make_user("olga", "sales_manager")

    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/calls/team/")


def test_it_counts_the_figures_with_grouped_queries(
    director, sales, account, day, django_assert_num_queries
):
    # The managers, the day's figures, and the reports' discipline (grouped, names, overdue).
    with django_assert_num_queries(5):
        rows = team_board(NOW)

    assert [(row.name, row.overdue) for row in rows] == [("Anna", 0), ("Sasha", 2)]


def test_the_board_is_for_directors_only(client, sales, account):
    client.force_login(sales)
    assert client.get("/calls/team/").status_code == 404
    assert client.get(f"/calls/team/{account.pk}/overdue/").status_code == 404

    client.force_login(account)
    assert client.get("/calls/team/").status_code == 404


def test_a_figure_lists_the_calls_behind_it(
    client, director, sales, day, django_assert_num_queries
):
    client.force_login(director)

    with django_assert_num_queries(7):
        html = client.get(f"/calls/team/{sales.pk}/overdue/").content.decode()

    assert html.count('name="id"') == 2
    assert "Recover" in html
    on_time = client.get(f"/calls/team/{sales.pk}/on_time/").content.decode()
    assert on_time.count('class="badge yes">yes<') == 1
    assert on_time.count('class="badge no">no<') == 3


def test_a_figure_page_costs_the_same_for_500_calls(
    client, director, sales, django_assert_num_queries
):
    client.force_login(director)
    pavel = make_client(originator=sales, name="Pavel")
    for _ in range(10):
        call(pavel, sales, NOW - dt.timedelta(days=2))
    with django_assert_num_queries(7) as few:
        client.get(f"/calls/team/{sales.pk}/overdue/")
    for _ in range(490):
        call(pavel, sales, NOW - dt.timedelta(days=2))

    with django_assert_num_queries(len(few.captured_queries)):
        client.get(f"/calls/team/{sales.pk}/overdue/")


def test_an_unknown_figure_or_someone_not_a_manager_is_not_found(client, director, sales):
    client.force_login(director)

    assert client.get(f"/calls/team/{sales.pk}/everything/").status_code == 404
    assert client.get(f"/calls/team/{director.pk}/overdue/").status_code == 404
    assert client.get("/calls/team/999999/overdue/").status_code == 404


def test_it_reschedules_the_selected_calls_and_reports_those_refused(client, director, sales, day):
    overdue = list(
        Touchpoint.objects.filter(status="planned", due_at__lt=NOW - dt.timedelta(days=1))
    )
    closed = Touchpoint.objects.filter(status="done").first()
    client.force_login(director)

    response = client.post(
        f"/calls/team/{sales.pk}/overdue/",
        {
            "action": "reschedule",
            "id": [tp.pk for tp in overdue] + [closed.pk],
            "due_at": "2026-11-26T10:00",
            "reason": "Sasha is ill",
        },
        follow=True,
    )

    html = response.content.decode()
    assert "2 calls moved." in html
    assert "1 selected call is no longer in this list." in html
    for touchpoint in overdue:
        touchpoint.refresh_from_db()
        assert touchpoint.due_at == dt.datetime(2026, 11, 26, 10, 0, tzinfo=MSK)
        assert touchpoint.note == "Moved: Sasha is ill"


def test_a_reschedule_the_service_refuses_moves_nothing_and_names_the_field(
    client, director, sales, day
):
    overdue = Touchpoint.objects.filter(status="planned", due_at__lt=NOW - dt.timedelta(days=1))
    client.force_login(director)

    response = client.post(
        f"/calls/team/{sales.pk}/overdue/",
        {"action": "reschedule", "id": [tp.pk for tp in overdue], "due_at": "2026-11-26T10:00"},
    )

    assert response.status_code == 200
    assert "Say why it moves." in response.content.decode()
    assert not Touchpoint.objects.filter(note__startswith="Moved").exists()

    response = client.post(
        f"/calls/team/{sales.pk}/overdue/",
        {"action": "reschedule", "id": ["x"], "due_at": "soon"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Select calls from the list." in html and "Enter a valid date/time." in html


def test_it_reassigns_the_selected_calls_and_reports_those_no_longer_open(
    client, director, sales, account, day
):
    overdue = list(
        Touchpoint.objects.filter(status="planned", due_at__lt=NOW - dt.timedelta(days=1))
    )
    client.force_login(director)
    Touchpoint.objects.filter(pk=overdue[0].pk).update(is_automatic=True)

    response = client.post(
        f"/calls/team/{sales.pk}/urgent/",
        {"action": "reassign", "id": [tp.pk for tp in overdue], "to_user": account.pk},
        follow=True,
    )

    html = response.content.decode()
    assert "1 selected call is no longer in this list." in html
    assert "1 call handed to Anna." in html
    assert Touchpoint.objects.get(purpose="Recover").assignee == account


def test_a_call_closed_while_being_handed_over_is_reported_not_counted(
    client, director, sales, account, day, monkeypatch
):
    urgent = Touchpoint.objects.get(purpose="Recover")
    reassign = calls.touchpoints_reassign

    def closed_meanwhile(*, touchpoints, **kwargs):
        touchpoints.update(status="done")  # its manager completed it a moment before
        return reassign(touchpoints=touchpoints, **kwargs)

    monkeypatch.setattr(calls, "touchpoints_reassign", closed_meanwhile)
    client.force_login(director)

    response = client.post(
        f"/calls/team/{sales.pk}/urgent/",
        {"action": "reassign", "id": [urgent.pk], "to_user": account.pk},
        follow=True,
    )

    html = response.content.decode()
    assert "It is no longer open." in html
    assert "handed to" not in html
    urgent.refresh_from_db()
    assert urgent.assignee == sales


def test_reassigning_needs_an_active_manager(client, director, sales, account, day):
    client.force_login(director)
    urgent = Touchpoint.objects.get(purpose="Recover")

    response = client.post(
        f"/calls/team/{sales.pk}/urgent/", {"action": "reassign", "id": [urgent.pk]}
    )

    assert "Choose the manager who takes the selected calls." in response.content.decode()
    response = client.post(
        f"/calls/team/{sales.pk}/urgent/",
        {"action": "reassign", "id": [urgent.pk], "to_user": director.pk},
    )
    assert "Select a valid choice" in response.content.decode()
    urgent.refresh_from_db()
    assert urgent.assignee == sales
