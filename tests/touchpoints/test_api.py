import datetime as dt

import pytest
from django.utils import timezone

from tests.clients.factories import make_client
from tests.helpers import assert_queries_flat
from touchpoints.models import CadenceStep, Touchpoint


def touchpoint(client, assignee, **fields) -> Touchpoint:
    fields.setdefault("due_at", timezone.now() + dt.timedelta(days=1))
    return Touchpoint.objects.create(
        client=client,
        anchor_key=f"api:{Touchpoint.objects.count()}",
        channel="call",
        assignee=assignee,
        purpose="Call",
        **fields,
    )


@pytest.fixture
def rows(sales, other_sales, account):
    mine = make_client(originator=sales, name="Mine")
    theirs = make_client(originator=other_sales, name="Theirs")
    return touchpoint(mine, sales), touchpoint(theirs, other_sales)


def test_it_lists_the_touchpoints_a_manager_may_see(client, sales, rows):
    client.force_login(sales)

    body = client.get("/api/v1/touchpoints/").json()

    assert [row["id"] for row in body["results"]] == [rows[0].pk]
    assert body["results"][0]["status"] == "planned"
    assert client.get(f"/api/v1/touchpoints/{rows[1].pk}/").status_code == 404


def test_a_director_sees_all_and_filters(client, director, rows):
    client.force_login(director)

    everything = client.get("/api/v1/touchpoints/").json()["results"]
    theirs = client.get("/api/v1/touchpoints/", {"assignee": rows[1].assignee_id}).json()

    assert len(everything) == 2
    assert [row["id"] for row in theirs["results"]] == [rows[1].pk]
    later = (timezone.now() + dt.timedelta(days=3)).isoformat()
    assert client.get("/api/v1/touchpoints/", {"due_after": later}).json()["results"] == []
    assert client.get("/api/v1/touchpoints/", {"status": "nonsense"}).status_code == 400


def test_each_item_carries_its_step_and_anchor(client, sales):
    customer = make_client(originator=sales)
    step = CadenceStep.objects.get(slug="delivery-day-call")
    touchpoint(customer, sales, step=step)
    client.force_login(sales)

    [row] = client.get("/api/v1/touchpoints/").json()["results"]

    assert row["step"]["cadence"] == "after-sale"
    assert row["step"]["anchor"] == "order_delivered"
    assert row["anchor"].startswith("api:")


def test_anonymous_callers_are_refused(client, rows):
    assert client.get("/api/v1/touchpoints/").status_code == 401


def test_the_list_costs_the_same_queries_for_more_rows(client, sales, rows):
    client.force_login(sales)

    def add(count: int) -> None:
        for _ in range(count):
            touchpoint(rows[0].client, sales)

    flat = assert_queries_flat(add, lambda: client.get("/api/v1/touchpoints/"), n=0, many=20)

    assert flat.queries == 4
    assert len(flat.many.json()["results"]) == 21
