"""/api/v1/referrals/ and /api/v1/refusals/: visibility per role, validation, and the
lifecycle rules they trigger."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from clients import services
from clients.models import Client, Order, Referral, Refusal, Stage
from tests.clients.factories import make_client, make_order
from tests.conftest import PASSWORD
from tests.helpers import assert_queries_flat

REFERRALS = "/api/v1/referrals/"
REFUSALS = "/api/v1/refusals/"


def api(user: User | None = None) -> APIClient:
    api_client = APIClient()
    if user is not None:
        api_client.force_login(user)
    return api_client


def ago(**delta: float) -> str:
    return (timezone.now() - dt.timedelta(**delta)).isoformat()


@pytest.fixture
def own(sales, account) -> Client:
    return make_client(originator=sales, account_manager=account, name="Olga")


@pytest.fixture
def friend(sales, account) -> Client:
    return make_client(originator=sales, account_manager=account, name="Friend of Olga")


@pytest.fixture
def foreign(other_sales, other_account) -> Client:
    return make_client(originator=other_sales, account_manager=other_account, name="Fyodor")


@pytest.fixture
def foreign_friend(other_sales, other_account) -> Client:
    return make_client(originator=other_sales, account_manager=other_account, name="Fyodor's")


# --- both --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [REFERRALS, REFUSALS])
def test_it_answers_401_to_anonymous_and_403_without_a_role(own, friend, url):
    body = {"referrer": own.pk, "referred": friend.pk, "client": own.pk, "reason": "price"}
    stranger = User.objects.create_user("stranger", password=PASSWORD)

    assert api().get(url).status_code == 401
    assert api().post(url, body).status_code == 401
    assert api(stranger).get(url).status_code == 403
    assert api(stranger).post(url, body).status_code == 403
    assert not Referral.objects.exists()
    assert not Refusal.objects.exists()


# --- referrals ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["sales", "account", "director"])
def test_it_records_a_referral(request, own, friend, persona):
    response = api(request.getfixturevalue(persona)).post(
        REFERRALS, {"referrer": own.pk, "referred": friend.pk, "reward": "5% off"}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["referrer"], body["referred"], body["reward"]) == (own.pk, friend.pk, "5% off")
    assert body["converted_at"] is None
    friend.refresh_from_db()
    assert friend.source == Client.Source.REFERRAL


def test_it_makes_the_referrer_an_advocate_once_the_referred_person_buys(sales, own, friend):
    make_order(own, by=sales)
    referral_id = api(sales).post(REFERRALS, {"referrer": own.pk, "referred": friend.pk}).json()
    own.refresh_from_db()
    assert own.stage == Stage.BUYER

    api(sales).post(
        "/api/v1/orders/",
        {"client": friend.pk, "external_id": "F-1", "amount": "10.00", "placed_at": ago(days=1)},
    )

    assert api(sales).get(f"/api/v1/clients/{own.pk}/").json()["stage"] == Stage.ADVOCATE
    converted = api(sales).get(f"{REFERRALS}{referral_id['id']}/").json()
    assert converted["converted_at"] is not None


@pytest.mark.parametrize("field", ["referrer", "referred"])
def test_it_answers_another_managers_client_like_one_that_does_not_exist(
    sales, own, foreign, field
):
    other = "referred" if field == "referrer" else "referrer"

    theirs = api(sales).post(REFERRALS, {field: foreign.pk, other: own.pk})
    nobody = api(sales).post(REFERRALS, {field: foreign.pk + 1000, other: own.pk})

    assert theirs.status_code == nobody.status_code == 400
    assert list(theirs.json()) == list(nobody.json()) == [field]
    assert "does not exist" in theirs.json()[field][0]
    assert not Referral.objects.exists()


def test_it_refuses_a_client_referring_themselves(sales, own):
    response = api(sales).post(REFERRALS, {"referrer": own.pk, "referred": own.pk})

    assert response.status_code == 400
    assert list(response.json()) == ["referred"]
    assert not Referral.objects.exists()


def test_it_refuses_a_second_referral_of_the_same_person(sales, account, own, friend):
    third = make_client(originator=sales, account_manager=account)
    api(sales).post(REFERRALS, {"referrer": own.pk, "referred": friend.pk})

    response = api(sales).post(REFERRALS, {"referrer": third.pk, "referred": friend.pk})

    assert response.status_code == 400
    assert list(response.json()) == ["referred"]
    assert Referral.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"referred": "FRIEND"}, "referrer"),
        ({"referrer": "OWN"}, "referred"),
        ({"referrer": "abc", "referred": "FRIEND"}, "referrer"),
        ({"referrer": 10**30, "referred": "FRIEND"}, "referrer"),
        ({"referrer": "OWN", "referred": 2.5}, "referred"),
        ({"referrer": "OWN", "referred": "FRIEND", "reward": "x" * 256}, "reward"),
    ],
)
def test_it_answers_400_with_the_field_to_bad_referrals(sales, own, friend, body, field):
    ids = {"OWN": own.pk, "FRIEND": friend.pk}
    body = {
        key: ids.get(value, value) if isinstance(value, str) else value
        for key, value in body.items()
    }

    response = api(sales).post(REFERRALS, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Referral.objects.exists()


@pytest.fixture
def referrals(own, friend, foreign, foreign_friend, sales, other_sales) -> None:
    services.referral_record(referrer=own, referred=friend, by=sales)
    services.referral_record(referrer=foreign, referred=foreign_friend, by=other_sales)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("sales", {"Olga"}),
        ("other_sales", {"Fyodor"}),
        ("account", {"Olga"}),
        ("other_account", {"Fyodor"}),
        ("director", {"Olga", "Fyodor"}),
    ],
)
def test_it_lists_the_referrals_each_role_may_see(request, referrals, persona, expected):
    response = api(request.getfixturevalue(persona)).get(REFERRALS)

    assert response.status_code == 200
    referrers = Client.objects.filter(
        pk__in=[row["referrer"] for row in response.json()["results"]]
    )
    assert {client.name for client in referrers} == expected


@pytest.mark.parametrize("persona", ["sales", "account"])
def test_it_answers_404_for_another_managers_referral(request, referrals, foreign, persona):
    theirs = Referral.objects.get(referrer=foreign)

    response = api(request.getfixturevalue(persona)).get(f"{REFERRALS}{theirs.pk}/")

    assert response.status_code == 404


def test_it_filters_referrals_by_referrer(director, referrals, own):
    response = api(director).get(REFERRALS, {"referrer": own.pk})

    assert [row["referrer"] for row in response.json()["results"]] == [own.pk]


@pytest.mark.parametrize("persona", ["sales", "account", "director"])
def test_it_lists_referrals_in_a_constant_number_of_queries(request, sales, account, persona):
    def add(count: int) -> None:
        for _ in range(count):
            services.referral_record(
                referrer=make_client(originator=sales, account_manager=account),
                referred=make_client(originator=sales, account_manager=account),
                by=sales,
            )

    as_user = api(request.getfixturevalue(persona))
    flat = assert_queries_flat(add, lambda: as_user.get(REFERRALS).json()["results"])

    assert (len(flat.few), len(flat.many)) == (3, 30)


# --- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["sales", "account", "director"])
def test_it_records_a_refusal(request, own, persona):
    user = request.getfixturevalue(persona)
    order = make_order(own, by=user)

    response = api(user).post(
        REFUSALS,
        {"client": own.pk, "order": order.pk, "reason": "price", "details": "Found it cheaper"},
    )

    assert response.status_code == 201
    refusal = Refusal.objects.get()
    assert (refusal.client, refusal.order, refusal.reason) == (own, order, "price")
    assert refusal.recorded_by == user
    assert response.json()["recorded_by"] == user.pk
    assert timezone.now() - refusal.at < dt.timedelta(minutes=1)


def test_it_records_when_the_client_refused(sales, own):
    when = timezone.now() - dt.timedelta(days=3)

    response = api(sales).post(
        REFUSALS, {"client": own.pk, "reason": "product", "at": when.isoformat()}
    )

    assert response.status_code == 201
    assert Refusal.objects.get().at == when


def test_it_refuses_an_order_of_another_client(sales, own, friend):
    order = make_order(friend, by=sales)

    response = api(sales).post(REFUSALS, {"client": own.pk, "order": order.pk, "reason": "price"})

    assert response.status_code == 400
    assert list(response.json()) == ["order"]
    assert not Refusal.objects.exists()


def test_it_answers_another_managers_order_like_one_that_does_not_exist(
    sales, own, foreign, other_sales
):
    theirs = make_order(foreign, by=other_sales)

    response = api(sales).post(REFUSALS, {"client": own.pk, "order": theirs.pk, "reason": "price"})

    assert response.status_code == 400
    assert response.json()["order"] == [f'Invalid pk "{theirs.pk}" - object does not exist.']
    assert not Refusal.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "price"}, "client"),
        ({"client": "FOREIGN", "reason": "price"}, "client"),
        ({"client": "OWN"}, "reason"),
        ({"client": "OWN", "reason": "weather"}, "reason"),
        ({"client": "OWN", "reason": "price", "at": "2025-01-10T10:00:00"}, "at"),
        ({"client": "OWN", "reason": "price", "at": "FUTURE"}, "at"),
        ({"client": "OWN", "reason": "price", "at": "soon"}, "at"),
        ({"client": "OWN", "reason": "price", "order": 10**30}, "order"),
        ({"client": "OWN", "reason": "price", "details": ["a"]}, "details"),
    ],
)
def test_it_answers_400_with_the_field_to_bad_refusals(sales, own, foreign, body, field):
    values = {
        "OWN": own.pk,
        "FOREIGN": foreign.pk,
        "FUTURE": (timezone.now() + dt.timedelta(days=2)).isoformat(),
    }
    body = {
        key: values.get(value, value) if isinstance(value, str) else value
        for key, value in body.items()
    }

    response = api(sales).post(REFUSALS, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Refusal.objects.exists()


@pytest.fixture
def refusals(own, foreign, sales, other_sales) -> None:
    services.refusal_record(client=own, reason="price", by=sales)
    services.refusal_record(client=foreign, reason="sales", by=other_sales)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("sales", {"price"}),
        ("other_sales", {"sales"}),
        ("account", {"price"}),
        ("other_account", {"sales"}),
        ("director", {"price", "sales"}),
    ],
)
def test_it_lists_the_refusals_each_role_may_see(request, refusals, persona, expected):
    response = api(request.getfixturevalue(persona)).get(REFUSALS)

    assert response.status_code == 200
    assert {row["reason"] for row in response.json()["results"]} == expected


@pytest.mark.parametrize("persona", ["sales", "account"])
def test_it_answers_404_for_another_managers_refusal(request, refusals, foreign, persona):
    theirs = Refusal.objects.get(client=foreign)

    response = api(request.getfixturevalue(persona)).get(f"{REFUSALS}{theirs.pk}/")

    assert response.status_code == 404


def test_it_filters_refusals_by_reason(director, refusals):
    response = api(director).get(REFUSALS, {"reason": "sales"})

    assert [row["reason"] for row in response.json()["results"]] == ["sales"]


@pytest.mark.parametrize("persona", ["sales", "account", "director"])
def test_it_lists_refusals_in_a_constant_number_of_queries(request, sales, own, persona):
    def add(count: int) -> None:
        for _ in range(count):
            services.refusal_record(
                client=own, order=make_order(own, by=sales), reason="price", by=sales
            )

    as_user = api(request.getfixturevalue(persona))
    flat = assert_queries_flat(add, lambda: as_user.get(REFUSALS).json()["results"])

    assert (len(flat.few), len(flat.many)) == (3, 30)
    assert Order.objects.count() == 30
