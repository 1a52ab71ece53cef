"""/api/v1/service-cases/ and /api/v1/responses/: visibility per role (another manager's
object is a 404), a 400 per field and never a 500, the report filters, and lists that cost the
same queries for few rows or many."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from surveys import services
from surveys.models import Response, ServiceCase
from tests.clients.factories import make_client, make_order
from tests.conftest import PASSWORD
from tests.helpers import assert_queries_flat, at
from touchpoints.models import Touchpoint

CASES = "/api/v1/service-cases/"
RESPONSES = "/api/v1/responses/"


def api(user: User | None = None) -> APIClient:
    api_client = APIClient()
    if user is not None:
        api_client.force_login(user)
    return api_client


@pytest.fixture
def theirs(other_sales, other_account):
    return make_client(originator=other_sales, account_manager=other_account, name="Stranger")


def record(client, by, **fields) -> ServiceCase:
    fields.setdefault("opened_on", timezone.localdate())
    fields.setdefault("problem", "Squeaks")
    fields.setdefault("severity", "low")
    return services.service_case_record(client=client, by=by, **fields)


def respond(client, at: dt.datetime, source: str = "survey", score: int = 5, key: str = ""):
    return Response.objects.create(
        source=source,
        client=client,
        manager=client.account_manager,
        score=score,
        at=at,
        origin_key=key or f"test:{Response.objects.count()}",
    )


# --- service cases ---------------------------------------------------------------------


def test_it_answers_401_to_anonymous_and_403_without_a_role(db, customer):
    stranger = User.objects.create_user("stranger", password=PASSWORD)

    assert api().get(CASES).status_code == 401
    assert api().get(RESPONSES).status_code == 401
    assert api(stranger).get(CASES).status_code == 403
    assert api(stranger).post(CASES, {"client": customer.pk}, format="json").status_code == 403


def test_a_manager_records_a_case_for_their_client(customer, order, account):
    answer = api(account).post(
        CASES,
        {
            "client": customer.pk,
            "order": order.pk,
            "opened_on": timezone.localdate().isoformat(),
            "problem": "Scratched door",
            "severity": "medium",
            "satisfaction": 2,
        },
        format="json",
    )

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["client"], body["order"], body["is_open"], body["recorded_by"]) == (
        customer.pk,
        order.pk,
        True,
        account.pk,
    )
    case = ServiceCase.objects.get()
    assert case.satisfaction == 2
    assert Response.objects.get().source == "service"
    assert Touchpoint.objects.filter(client=customer, is_urgent=True).count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"client": None}, "client"),
        ({"client": "abc"}, "client"),
        ({"client": 1.5}, "client"),
        ({"client": 10**30}, "client"),
        ({"order": 999999}, "order"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"opened_on": "2999-01-01"}, "opened_on"),
        ({"opened_on": "yesterday"}, "opened_on"),
        ({"problem": ""}, "problem"),
        ({"problem": "x\x00y"}, "problem"),
        ({"problem": "x" * 6000}, "problem"),
        ({"satisfaction": 0}, "satisfaction"),
        ({"satisfaction": 6}, "satisfaction"),
        ({"satisfaction": "lots"}, "satisfaction"),
    ],
)
def test_it_answers_400_on_the_field_at_fault(customer, account, change, field):
    body = {
        "client": customer.pk,
        "opened_on": "2026-01-10",
        "problem": "Squeaks",
        "severity": "low",
        **change,
    }

    answer = api(account).post(CASES, body, format="json")

    assert answer.status_code == 400
    assert field in answer.json()
    assert not ServiceCase.objects.exists()


def test_another_managers_client_and_order_do_not_exist_for_a_manager(
    customer, account, theirs, director
):
    their_order = make_order(theirs)
    body = {"opened_on": "2026-01-10", "problem": "x", "severity": "low"}

    foreign_client = api(account).post(CASES, {**body, "client": theirs.pk}, format="json")
    foreign_order = api(account).post(
        CASES, {**body, "client": customer.pk, "order": their_order.pk}, format="json"
    )
    # A director sees both, and the service says the order is another client's.
    mismatch = api(director).post(
        CASES, {**body, "client": customer.pk, "order": their_order.pk}, format="json"
    )

    assert foreign_client.status_code == foreign_order.status_code == mismatch.status_code == 400
    assert "client" in foreign_client.json()
    assert "order" in foreign_order.json()
    assert "order" in mismatch.json()


def test_it_never_fails_on_a_body_that_is_not_what_it_expects(customer, account):
    for raw, content_type in [
        ("{not json", "application/json"),
        ("[1, 2, 3]", "application/json"),
        ('"a string"', "application/json"),
        ("[" * 5000 + "]" * 5000, "application/json"),
        ("client=1", "application/x-www-form-urlencoded"),
    ]:
        answer = api(account).post(CASES, raw, content_type=content_type)
        assert answer.status_code in (400, 415), raw[:20]


@pytest.mark.parametrize("persona", ["sales", "account", "director"])
def test_each_role_lists_the_cases_it_may_see(
    request, persona, customer, account, theirs, other_account
):
    ours = record(customer, account, problem="Ours")
    other = record(theirs, other_account, problem="Theirs")
    user = request.getfixturevalue(persona)

    listed = {row["id"] for row in api(user).get(CASES).json()["results"]}

    assert listed == ({ours.pk, other.pk} if persona == "director" else {ours.pk})
    assert api(user).get(f"{CASES}{ours.pk}/").status_code == 200
    expected = 200 if persona == "director" else 404
    assert api(user).get(f"{CASES}{other.pk}/").status_code == expected
    resolved = api(user).post(f"{CASES}{other.pk}/resolve/", {"resolution": "Fixed"}, format="json")
    assert resolved.status_code == expected


def test_it_filters_cases_by_client_and_status(customer, account, sales):
    other_client = make_client(originator=sales, account_manager=account, name="Second")
    open_case = record(customer, account)
    done = record(other_client, account)
    services.service_case_resolve(case=done, resolution="Fixed", satisfaction=None, by=account)
    user = api(account)

    def ids(query: str) -> set[int]:
        answer = user.get(f"{CASES}?{query}")
        assert answer.status_code == 200, answer.json()
        return {row["id"] for row in answer.json()["results"]}

    assert ids("status=open") == {open_case.pk}
    assert ids("status=resolved") == {done.pk}
    assert ids(f"client={other_client.pk}") == {done.pk}
    assert user.get(f"{CASES}?status=maybe").status_code == 400
    assert user.get(f"{CASES}?client=abc").status_code == 400


def test_a_case_is_resolved_once_through_the_api(customer, account):
    case = record(customer, account)
    url = f"{CASES}{case.pk}/resolve/"

    missing = api(account).post(url, {"resolution": ""}, format="json")
    first = api(account).post(url, {"resolution": "Replaced", "satisfaction": 4}, format="json")
    second = api(account).post(url, {"resolution": "Again", "satisfaction": 1}, format="json")

    assert missing.status_code == 400 and "resolution" in missing.json()
    assert first.status_code == 200
    assert (first.json()["is_open"], first.json()["resolution"]) == (False, "Replaced")
    assert second.status_code == 400
    case.refresh_from_db()
    assert (case.resolution, case.satisfaction) == ("Replaced", 4)
    assert not Touchpoint.objects.filter(is_urgent=True).exists()


def test_the_case_list_costs_the_same_queries_for_few_rows_or_many(customer, account):
    record(customer, account)
    user = api(account)

    def add_cases(count: int) -> None:
        for number in range(count):
            record(customer, account, order=make_order(customer, external_id=f"Q-{number}"))

    flat = assert_queries_flat(add_cases, lambda: user.get(CASES).status_code, n=0, many=15)

    assert flat.few == flat.many == 200


# --- responses -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["sales", "account", "director"])
def test_each_role_lists_the_responses_it_may_see(request, persona, customer, theirs):
    ours = respond(customer, timezone.now())
    other = respond(theirs, timezone.now())
    user = request.getfixturevalue(persona)

    listed = {row["id"] for row in api(user).get(RESPONSES).json()["results"]}

    assert listed == ({ours.pk, other.pk} if persona == "director" else {ours.pk})
    expected = 200 if persona == "director" else 404
    assert api(user).get(f"{RESPONSES}{other.pk}/").status_code == expected
    assert api(user).post(RESPONSES, {}, format="json").status_code == 405


def test_the_responses_filter_by_source_period_manager_and_client(
    customer, account, other_account, director, sales
):
    second = make_client(originator=sales, account_manager=other_account, name="Second")
    march = respond(customer, at(2026, 3, 31, 23, 30), "survey")
    april = respond(customer, at(2026, 4, 1, 0, 30), "call", score=2)
    may = respond(second, at(2026, 5, 15, 12, 0), "service", score=4)
    user = api(director)

    def ids(query: str) -> set[int]:
        answer = user.get(f"{RESPONSES}?{query}")
        assert answer.status_code == 200, answer.json()
        return {row["id"] for row in answer.json()["results"]}

    assert ids("") == {march.pk, april.pk, may.pk}
    assert ids("source=survey") == {march.pk}
    assert ids("source=call&source=service") == {april.pk, may.pk}
    # Days in the company's time zone, both ends included.
    assert ids("from=2026-04-01") == {april.pk, may.pk}
    assert ids("to=2026-03-31") == {march.pk}
    assert ids("from=2026-04-01&to=2026-04-30") == {april.pk}
    assert ids(f"manager={other_account.pk}") == {may.pk}
    assert ids(f"client={customer.pk}") == {march.pk, april.pk}
    row = user.get(f"{RESPONSES}{april.pk}/").json()
    assert (row["source"], row["score"], row["manager"], row["client"]) == (
        "call",
        2,
        account.pk,
        customer.pk,
    )


@pytest.mark.parametrize(
    "query",
    [
        "source=letter",
        "from=yesterday",
        "from=0001-01-01",
        "to=9999-12-31",
        "from=2026-02-30",
        "manager=abc",
        "manager=99999999999999999999999999",
        "client=abc",
    ],
)
def test_the_responses_answer_400_to_a_wrong_filter(director, db, query):
    answer = api(director).get(f"{RESPONSES}?{query}")

    assert answer.status_code == 400
    assert query.split("=")[0] in answer.json()


def test_a_manager_cannot_filter_by_a_client_of_someone_else(account, theirs):
    respond(theirs, timezone.now())

    answer = api(account).get(f"{RESPONSES}?client={theirs.pk}")

    assert answer.status_code == 400


def test_the_responses_cost_the_same_queries_for_few_rows_or_many(customer, director):
    respond(customer, timezone.now())
    user = api(director)

    def add_responses(count: int) -> None:
        for number in range(count):
            respond(customer, timezone.now() - dt.timedelta(days=number), score=1 + number % 5)

    flat = assert_queries_flat(add_responses, lambda: user.get(RESPONSES).status_code, n=0, many=20)

    assert flat.few == flat.many == 200
