"""The reports page: who sees it, its period and manager filters, the comparison with the
previous period, and a number of queries that does not grow with the data.

The figures themselves are tested on the hand-computed data set of test_figures.py, whose
fixture this file reuses (November 2026; the previous period is 2–31 October).
"""

import datetime as dt
import re
from decimal import Decimal

import pytest

from clients.models import (
    Client,
    Commission,
    CommissionRule,
    Order,
    Referral,
    Refusal,
    Stage,
    StageChange,
)
from surveys.models import Response
from tests.conftest import make_user
from tests.helpers import assert_queries_flat, at
from tests.reports import test_figures as data
from touchpoints.models import CallAttempt, Touchpoint

world = data.world
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
URL = "/reports/"


def figures_of(response) -> dict[str, object]:
    return {figure.spec.key: figure for figure in response.context["figures"]}


# --- who sees it -------------------------------------------------------------------------


def test_it_shows_the_page_to_a_director(client, director, world):
    client.force_login(director)
    response = client.get(URL, NOVEMBER)

    assert response.status_code == 200
    html = response.content.decode()
    for heading in (
        "Headline figures",
        "Satisfaction",
        "Repeat purchases",
        "Lifecycle funnel",
        "Delivery",
        "Touchpoint discipline",
        "Upsell and cross-sell",
        "Refusal reasons",
        "Referrals",
        "Commissions",
    ):
        assert f">{heading}</h2>" in html
    # Charts are inline SVG, each with its numbers in a table one click away.
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 5
    assert html.count("<details>") == 5
    assert 'href="/reports/"' in html  # the menu entry


@pytest.mark.parametrize("persona", ["sales", "account"])
def test_it_is_not_there_for_managers(client, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(URL).status_code == 404
    assert client.get("/reports/export/funnel/").status_code == 404


def test_it_sends_visitors_to_log_in(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/reports/")


def test_it_leaves_the_menu_entry_to_directors(client, sales):
    client.force_login(sales)

    assert 'href="/reports/"' not in client.get("/clients/").content.decode()


# --- the period and the manager ----------------------------------------------------------


@pytest.mark.clock(at(2026, 11, 23, 12))
def test_it_shows_the_last_30_days_by_default(client, director):
    client.force_login(director)
    response = client.get(URL)

    period = response.context["choice"].period
    assert (period.first_day, period.last_day) == (dt.date(2026, 10, 25), dt.date(2026, 11, 23))
    links = dict(response.context["quick_links"])
    assert links == {
        "This month": "from=2026-11-01&to=2026-11-23",
        "Last month": "from=2026-10-01&to=2026-10-31",
        "This quarter": "from=2026-10-01&to=2026-11-23",
        "This year": "from=2026-01-01&to=2026-11-23",
    }


def test_it_shows_the_chosen_period(client, director, world):
    client.force_login(director)
    november = client.get(URL, NOVEMBER)
    october = client.get(URL, {"from": "2026-10-01", "to": "2026-10-31"})

    assert "Nov. 1, 2026 – Nov. 30, 2026" in november.content.decode()
    assert figures_of(november)["commissions"].value == Decimal("200.00")
    assert figures_of(october)["commissions"].value == Decimal("100.00")
    assert figures_of(november)["on_time_delivery_rate"].value == 50.0
    assert figures_of(october)["on_time_delivery_rate"].value is None


def test_it_narrows_the_figures_to_a_manager(client, director, world, account, other_account):
    client.force_login(director)
    theirs = client.get(URL, {**NOVEMBER, "manager": account.pk})
    nobodys = client.get(URL, {**NOVEMBER, "manager": other_account.pk})

    assert figures_of(theirs)["repeat_purchase_rate"].value == 50.0
    assert figures_of(nobodys)["repeat_purchase_rate"].value is None
    assert "Manager: Arkady." in nobodys.content.decode()
    # The quick links keep the manager.
    assert all(
        query.endswith(f"&manager={other_account.pk}")
        for _label, query in nobodys.context["quick_links"]
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01", "to": "2026-11-30"}, "from"),
        ({"from": "2026-11-01", "to": "30.11.2026"}, "to"),
        ({"from": "2026-12-01", "to": "2026-11-30"}, "from"),
        ({"from": "2020-01-01", "to": "2026-11-30"}, "from"),
        ({**NOVEMBER, "manager": "999999"}, "manager"),
    ],
)
def test_it_explains_a_bad_choice(client, director, params, field):
    client.force_login(director)
    response = client.get(URL, params)

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert "choice" not in response.context
    assert "Headline figures" not in response.content.decode()


# --- the comparison with the previous period ---------------------------------------------


def test_it_compares_each_figure_with_the_previous_period(client, director, world):
    client.force_login(director)
    response = client.get(URL, NOVEMBER)
    figures = figures_of(response)

    # Commissions: 200.00 against 100.00 (c3's second purchase on 20 October).
    commissions = figures["commissions"]
    assert (commissions.previous, commissions.change, commissions.arrow) == (
        Decimal("100.00"),
        Decimal("100.00"),
        "▲",
    )
    # Days to the second purchase: 56 (c1) against 19 (c3): up, which is bad news.
    days = figures["days_to_second_purchase"]
    assert (days.value, days.previous, days.change, days.trend, days.tone) == (
        56.0,
        19.0,
        37.0,
        "up",
        "bad",
    )
    # Repeat purchases: 2 of 4 buyers against 1 of 2.
    assert figures["repeat_purchase_rate"].trend == "same"
    # No refusal and no first purchase from 2 to 31 October: nothing to compare.
    assert figures["closure_rate"].previous is None
    assert figures["closure_rate"].trend == ""

    html = response.content.decode()
    card = re.search(r'data-figure="days_to_second_purchase">(.*?)</li>', html, re.S).group(1)
    assert 'class="change bad"' in card
    assert "▲" in card
    assert "37" in card
    assert "before: 19" in card
    assert "Compared with Oct. 2, 2026 – Oct. 31, 2026." in html


# --- a fixed number of queries -----------------------------------------------------------


def grow(people: dict[str, Client], factor: int = 10) -> None:
    """Ten times the world's clients, orders and touchpoints, and more of everything else, in
    November 2026 and spread over four managers, written with bulk_create."""
    sales_managers = [people["c1"].originator, make_user("semyon", "sales_manager")]
    account_managers = [people["c1"].account_manager, make_user("arkady", "account_manager")]
    at = data.at
    clients = Client.objects.bulk_create(
        Client(
            name=f"Big {n}",
            originator=sales_managers[n % 2],
            account_manager=account_managers[n % 2],
            stage=Stage.values[n % len(Stage.values)],
            visited_at=at(11, 1 + n % 28),
        )
        for n in range(6 * factor)
    )
    orders = Order.objects.bulk_create(
        Order(
            client=client,
            amount=Decimal("1500.00"),
            placed_at=at(9 + n % 3, 1 + n % 28),
            status_at=at(11, 1 + n % 28),
            status="delivered",
            delivered_at=at(11, 1 + n % 28),
            promised_date=dt.date(2026, 11, 1 + (n * 7) % 28),
        )
        for n, client in enumerate(clients * 2)
    )
    rule = CommissionRule.objects.get()
    Commission.objects.bulk_create(
        Commission(
            order=order,
            sales_manager=order.client.originator,
            rule=rule,
            amount=Decimal("150.00"),
            currency="RUB" if n % 3 else "EUR",
            created_at=at(11, 1 + n % 28),
        )
        for n, order in enumerate(orders[len(clients) :])
    )
    StageChange.objects.bulk_create(
        StageChange(client=client, to_stage=Stage.values[n % 5], at=at(11, 2), reason="test")
        for n, client in enumerate(clients)
    )
    Refusal.objects.bulk_create(
        Refusal(client=client, reason=Refusal.Reason.values[n % 5], at=at(11, 3))
        for n, client in enumerate(clients[::3])
    )
    Referral.objects.bulk_create(
        Referral(referrer=clients[n], referred=clients[n + 1], created_at=at(11, 4))
        for n in range(0, 20, 2)
    )
    touchpoints = Touchpoint.objects.bulk_create(
        Touchpoint(
            client=clients[n % len(clients)],
            anchor_key=f"big{n}",
            due_at=at(11, 1 + n % 28),
            channel="call",
            assignee=account_managers[n % 2],
            purpose="Call",
            status=("done", "planned", "cancelled", "done")[n % 4],
            closed_at=at(11, 1 + n % 28, 15) if n % 2 == 0 else None,
            is_urgent=n % 5 == 0,
        )
        for n in range(4 * factor)
    )
    CallAttempt.objects.bulk_create(
        CallAttempt(
            touchpoint=touchpoint,
            client=touchpoint.client,
            outcome="reached",
            upsell=("accepted", "declined", "")[n % 3],
            cross_sell=("", "accepted", "declined")[n % 3],
            at=touchpoint.due_at,
            recorded_by=touchpoint.assignee,
        )
        for n, touchpoint in enumerate(touchpoints)
    )
    Response.objects.bulk_create(
        Response(
            source=("survey", "call", "service")[n % 3],
            client=clients[n % len(clients)],
            manager=account_managers[n % 2],
            score=1 + n % 5,
            nps=n % 11,
            at=at(9 + n % 3, 1 + n % 28),
            origin_key=f"big{n}",
        )
        for n in range(100)
    )


def test_it_runs_the_same_queries_whatever_the_data(client, director, world):
    client.force_login(director)
    client.get(URL, NOVEMBER)  # the session and the like, read once

    flat = assert_queries_flat(
        lambda factor: grow(world, factor),
        lambda: client.get(URL, NOVEMBER).status_code,
        n=0,
        many=10,
    )

    assert Touchpoint.objects.count() == 44
    assert flat.few == flat.many == 200
    # The request's own (session, user, roles), every section once (20, the staff's names
    # with the discipline), the headline once more for the previous period (9: without the
    # breakdowns and the figures of the present), the managers for the select, and the menu's
    # counters.
    assert flat.queries == 34
