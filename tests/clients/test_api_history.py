"""A client's consents, history and personal data export through the API, and /me/, /users/."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from clients import services
from clients.models import AuditReason, Client, Consent
from surveys.models import Response, Source
from tests.clients.factories import make_client, make_order
from tests.conftest import api_key_for
from touchpoints.models import (
    CallAttempt,
    CallOutcome,
    SendRecord,
    Touchpoint,
    TouchpointStatus,
)


def api(user: User) -> APIClient:
    api_client = APIClient()
    api_client.force_login(user)
    return api_client


def url(client: Client, what: str) -> str:
    return f"/api/v1/clients/{client.pk}/{what}/"


@pytest.fixture
def own(sales, account) -> Client:
    return make_client(originator=sales, account_manager=account, name="Olga")


# --- consents ----------------------------------------------------------------------------


def test_it_records_and_lists_consents_newest_first(own, sales):
    given = api(sales).post(
        url(own, "consents"), {"channel": "sms", "given": True, "source": "web_form"}
    )
    withdrawn = api(sales).post(
        url(own, "consents"),
        {"channel": "sms", "given": False, "source": "phone", "note": "Asked on a call"},
    )

    assert (given.status_code, withdrawn.status_code) == (201, 201)
    history = api(sales).get(url(own, "consents")).json()
    assert [(c["channel"], c["given"], c["source"]) for c in history] == [
        ("sms", False, "phone"),
        ("sms", True, "web_form"),
    ]
    assert history[0]["recorded_by"] == sales.pk
    assert services.consent_current(client=own)["sms"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "sms", "given": True}, "source"),
        ({"channel": "sms", "given": True, "source": "erasure"}, "source"),
        ({"channel": "fax", "given": True, "source": "phone"}, "channel"),
        ({"channel": "sms", "source": "phone"}, "given"),
    ],
)
def test_it_refuses_a_consent_by_field(own, sales, body, field):
    response = api(sales).post(url(own, "consents"), body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Consent.objects.exists()


def test_a_new_client_may_carry_the_consents_the_shop_collected(sales):
    response = api(sales).post(
        "/api/v1/clients/",
        {
            "name": "Pavel",
            "consents": [
                {"channel": "email", "given": True, "source": "web_form"},
                {"channel": "sms", "given": False, "source": "web_form"},
            ],
        },
        format="json",
    )

    assert response.status_code == 201
    client = Client.objects.get(name="Pavel")
    assert services.consent_current(client=client) == {
        "call": False,
        "email": True,
        "sms": False,
        "post": False,
        "telegram": False,
    }
    assert set(client.consents.values_list("recorded_by", flat=True)) == {sales.pk}


def test_a_new_clients_consent_without_a_source_is_refused(sales):
    response = api(sales).post(
        "/api/v1/clients/",
        {"name": "Pavel", "consents": [{"channel": "email", "given": True}]},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["consents"]
    assert "source" in str(response.json()["consents"])
    assert not Client.objects.filter(name="Pavel").exists()


def test_consents_are_not_changed_through_the_clients_patch(own, sales):
    response = api(sales).patch(
        f"/api/v1/clients/{own.pk}/",
        {"consents": [{"channel": "email", "given": True, "source": "phone"}]},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["consents"]


@pytest.mark.parametrize("what", ["consents", "timeline", "export"])
def test_another_managers_client_is_a_404(own, other_sales, other_account, what):
    for user in (other_sales, other_account):
        assert api(user).get(url(own, what)).status_code == 404
    assert (
        api(other_sales)
        .post(url(own, "consents"), {"channel": "sms", "given": True, "source": "phone"})
        .status_code
        == 404
    )


# --- the timeline ------------------------------------------------------------------------


@pytest.fixture
def history(own, sales, account):
    """A client with one of every kind of entry."""
    services.consent_record(client=own, channel="email", granted=True, method="in_person")
    order = make_order(
        own,
        by=sales,
        placed_at=timezone.now() - dt.timedelta(days=3),
        promised_date=timezone.localdate() + dt.timedelta(days=20),
    )
    services.order_set_promised_date(
        order=order,
        promised_date=timezone.localdate() + dt.timedelta(days=25),
        by=sales,
        reason="late",
    )
    services.handoff_accept(handoff=own.handoff, by=account)
    services.refusal_record(client=own, reason="price", by=sales, details="Too dear")
    sent = Touchpoint.objects.create(
        client=own,
        order=order,
        anchor_key="test:sent",
        due_at=timezone.now() - dt.timedelta(hours=2),
        channel="email",
        is_automatic=True,
        purpose="Thanks",
        status=TouchpointStatus.DONE,
        closed_at=timezone.now() - dt.timedelta(hours=2),
    )
    SendRecord.objects.create(
        touchpoint=sent,
        channel="email",
        recipient="olga@example.com",
        status=SendRecord.Status.SENT,
        sent_at=timezone.now() - dt.timedelta(hours=2),
    )
    call = Touchpoint.objects.create(
        client=own,
        anchor_key="test:call",
        due_at=timezone.now() - dt.timedelta(hours=1),
        channel="call",
        purpose="Call",
        assignee=account,
    )
    CallAttempt.objects.create(
        touchpoint=call,
        client=own,
        outcome=CallOutcome.NO_ANSWER,
        recorded_by=account,
        at=timezone.now() - dt.timedelta(minutes=50),
    )
    Response.objects.create(
        source=Source.SURVEY,
        client=own,
        order=order,
        score=5,
        at=timezone.now() - dt.timedelta(minutes=30),
        origin_key="test:1",
    )
    return order


def test_the_timeline_has_every_kind_of_entry(own, sales, history):
    response = api(sales).get(url(own, "timeline"), {"page_size": 200})

    assert response.status_code == 200
    entries = response.json()["results"]
    kinds = {entry["kind"] for entry in entries}
    assert {
        "order_event",
        "promised_date",
        "stage",
        "handoff",
        "handoff_accepted",
        "refusal",
        "message",
        "call",
        "planned",
        "survey_response",
    } <= kinds
    message = next(entry for entry in entries if entry["kind"] == "message")
    assert message["details"]["delivery_status"] == "sent"
    assert message["details"]["sent_at"]
    stage = next(entry for entry in entries if entry["kind"] == "stage")
    assert stage["details"]["cause"]
    times = [entry["at"] for entry in entries]
    assert times == sorted(times, reverse=True)
    assert len({entry["id"] for entry in entries}) == len(entries)


def test_the_timeline_pages_by_cursor_newest_first(own, sales, history):
    everything = api(sales).get(url(own, "timeline"), {"page_size": 200}).json()["results"]
    seen = []
    page = api(sales).get(url(own, "timeline"), {"page_size": 3}).json()
    while True:
        assert len(page["results"]) <= 3
        seen += page["results"]
        if page["next"] is None:
            break
        page = api(sales).get(page["next"]).json()

    assert [entry["id"] for entry in seen] == [entry["id"] for entry in everything]


def test_a_made_up_cursor_is_a_404(own, sales):
    assert api(sales).get(url(own, "timeline"), {"cursor": "bm9wZQ=="}).status_code == 404


def test_the_timeline_costs_a_fixed_number_of_queries(
    own, sales, account, history, django_assert_max_num_queries
):
    with CaptureQueriesContext(connection) as few:
        api(sales).get(url(own, "timeline"))
    queries = len(few)
    for _ in range(5):
        make_order(own, by=sales)

    with django_assert_max_num_queries(queries):
        api(sales).get(url(own, "timeline"))


# --- the export --------------------------------------------------------------------------


def test_the_export_works_with_a_token_and_is_recorded(own, sales, history):
    api_client = APIClient()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(sales)}")

    response = api_client.get(url(own, "export"))

    assert response.status_code == 200
    assert response.json()["client"]["name"] == "Olga"
    record = own.history.order_by("-history_date").first()
    assert (record.history_user, record.history_change_reason) == (
        sales,
        AuditReason.DATA_EXPORT,
    )


# --- people ------------------------------------------------------------------------------


def test_me_is_the_caller(sales):
    sales.first_name, sales.last_name = "Sergey", "Petrov"
    sales.save()

    response = api(sales).get("/api/v1/me/")

    assert response.json() == {
        "id": sales.pk,
        "username": sales.username,
        "full_name": "Sergey Petrov",
        "roles": ["sales_manager"],
        "is_active": True,
    }


def test_a_director_sees_everyone_with_a_role(director, sales, other_sales, account, other_account):
    User.objects.create_user("no-role")

    ids = {user["id"] for user in api(director).get("/api/v1/users/").json()["results"]}

    assert ids == {director.pk, sales.pk, other_sales.pk, account.pk, other_account.pk}


def test_a_manager_sees_the_people_they_work_with(own, director, sales, other_sales, account):
    ids = {user["id"] for user in api(sales).get("/api/v1/users/").json()["results"]}

    assert ids == {sales.pk, director.pk, account.pk}
    assert other_sales.pk not in ids


def test_people_are_for_signed_in_users_with_a_role(db):
    assert APIClient().get("/api/v1/users/").status_code == 401
    assert APIClient().get("/api/v1/me/").status_code == 401
    stranger = User.objects.create_user("no-role")
    assert api(stranger).get("/api/v1/me/").status_code == 403


def test_users_cost_a_fixed_number_of_queries(director, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as few:
        api(director).get("/api/v1/users/")
    queries = len(few)
    for number in range(10):
        User.objects.create_user(f"extra-{number}").groups.add(director.groups.first())

    with django_assert_max_num_queries(queries):
        api(director).get("/api/v1/users/")
