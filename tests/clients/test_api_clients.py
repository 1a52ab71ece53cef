"""/api/v1/clients/: visibility per role, who may set the managers, validation, archiving,
pagination, query counts, token and session authentication."""

import base64
import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from clients.models import Client, ClientPhone, Stage
from tests.clients.factories import make_client, make_order
from tests.conftest import PASSWORD, api_key_for
from tests.helpers import assert_queries_flat

LIST = "/api/v1/clients/"


def detail(client: Client) -> str:
    return f"/api/v1/clients/{client.pk}/"


def api(user: User | None = None) -> APIClient:
    api_client = APIClient()
    if user is not None:
        api_client.force_login(user)
    return api_client


def names(response) -> set[str]:
    return {row["name"] for row in response.json()["results"]}


@pytest.fixture
def own(sales, account) -> Client:
    return make_client(
        originator=sales, account_manager=account, name="Olga", phones=["+7 912 345-67-89"]
    )


@pytest.fixture
def foreign(other_sales, other_account) -> Client:
    return make_client(originator=other_sales, account_manager=other_account, name="Fyodor")


# --- authentication and roles ------------------------------------------------------------


def test_it_answers_401_to_anonymous(own):
    for response in (
        api().get(LIST),
        api().get(detail(own)),
        api().post(LIST, {"name": "Nobody"}, format="json"),
    ):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
    assert Client.objects.count() == 1


def test_it_answers_403_to_a_user_without_a_role(own):
    stranger = User.objects.create_user("stranger", password=PASSWORD)

    assert api(stranger).get(LIST).status_code == 403
    assert api(stranger).get(detail(own)).status_code == 403
    assert api(stranger).post(LIST, {"name": "X"}, format="json").status_code == 403
    assert Client.objects.count() == 1


def test_it_accepts_a_token(sales, own):
    api_client = APIClient()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(sales)}")

    response = api_client.get(LIST)

    assert response.status_code == 200
    assert names(response) == {"Olga"}


def test_it_refuses_a_wrong_token(sales, own):
    api_key_for(sales)
    api_client = APIClient()
    api_client.credentials(HTTP_AUTHORIZATION="Token not-the-key")

    assert api_client.get(LIST).status_code == 401


def test_it_gives_a_token_for_a_username_and_password(sales, own):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "sasha", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    key = response.json()["token"]
    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").get(LIST).status_code == 200
    wrong = APIClient().post(
        "/api/v1/auth/token/", {"username": "sasha", "password": "wrong"}, format="json"
    )
    assert wrong.status_code == 400


# --- reading -----------------------------------------------------------------------------


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
def test_it_lists_the_clients_each_role_may_see(request, own, foreign, persona, expected):
    response = api(request.getfixturevalue(persona)).get(LIST)

    assert response.status_code == 200
    assert names(response) == expected


def test_it_shows_the_stage_and_the_phones(sales, own):
    make_order(own, external_id="A-1", by=sales)

    body = api(sales).get(detail(own)).json()

    assert body["stage"] == Stage.BUYER
    assert body["phones"] == ["+79123456789"]
    assert body["originator"] == sales.pk
    assert body["archived_at"] is None


@pytest.mark.parametrize("persona", ["sales", "account"])
@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("patch", "", {"notes": "mine now"}),
        ("put", "", {"name": "Mine"}),
        ("post", "archive/", None),
        ("post", "restore/", None),
    ],
)
def test_it_answers_404_for_another_managers_client(
    request, foreign, persona, method, suffix, body
):
    response = getattr(api(request.getfixturevalue(persona)), method)(
        detail(foreign) + suffix, body, format="json"
    )

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert (foreign.name, foreign.notes, foreign.archived_at) == ("Fyodor", "", None)


@pytest.mark.parametrize("pk", ["999999", "9" * 40, "abc", "-1"])
def test_it_answers_404_for_ids_that_do_not_exist(director, own, pk):
    assert api(director).get(f"{LIST}{pk}/").status_code == 404


def test_it_searches_and_filters(sales, account, own):
    make_client(originator=sales, account_manager=account, name="Boris", email="b@example.com")
    make_order(own, external_id="A-1", by=sales)
    as_sales = api(sales)

    assert names(as_sales.get(LIST, {"q": "8 (912) 345-67-89"})) == {"Olga"}
    assert names(as_sales.get(LIST, {"q": "B@EXAMPLE.COM"})) == {"Boris"}
    assert names(as_sales.get(LIST, {"stage": "buyer"})) == {"Olga"}
    assert names(as_sales.get(LIST, {"stage": ["buyer", "prospect"]})) == {"Olga", "Boris"}
    assert names(as_sales.get(LIST, {"manager": account.pk})) == {"Olga", "Boris"}


def test_it_leaves_archived_clients_out_of_the_list_unless_asked(sales, own):
    make_client(originator=sales, name="Active")
    api(sales).post(detail(own) + "archive/")

    assert names(api(sales).get(LIST)) == {"Active"}
    assert names(api(sales).get(LIST, {"archived": "true"})) == {"Olga"}
    # Archived, it is still there at its own address.
    assert api(sales).get(detail(own)).json()["archived_at"] is not None


@pytest.mark.parametrize(
    "query", [{"stage": "royalty"}, {"manager": "abc"}, {"manager": "9" * 40}, {"consent": "fax"}]
)
def test_it_answers_400_to_a_bad_filter(sales, own, query):
    response = api(sales).get(LIST, query)

    assert response.status_code == 400
    assert set(response.json()) == set(query)


# --- creating ----------------------------------------------------------------------------


def test_it_makes_a_sales_manager_the_originator_of_a_client_they_create(sales):
    response = api(sales).post(
        LIST,
        {"name": "Vera", "phones": ["8 (912) 000-11-22", "+7 999 123 45 67"], "source": "shop"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    client = Client.objects.get(pk=body["id"])
    assert client.originator == sales
    assert client.account_manager is None
    assert body["originator"] == sales.pk
    assert body["stage"] == Stage.PROSPECT
    assert body["phones"] == ["+79120001122", "+79991234567"]
    assert client.stage_changes.count() == 1


def test_it_makes_an_account_manager_the_account_manager_of_a_client_they_create(account):
    response = api(account).post(LIST, {"name": "Vera"}, format="json")

    assert response.status_code == 201
    client = Client.objects.get(pk=response.json()["id"])
    assert (client.originator, client.account_manager) == (None, account)


@pytest.mark.parametrize(
    ("persona", "field", "target"),
    [
        ("sales", "originator", "other_sales"),
        ("sales", "account_manager", "account"),
        ("account", "account_manager", "other_account"),
        ("account", "originator", "sales"),
    ],
)
def test_it_refuses_a_manager_assigning_a_new_client_to_someone_else(
    request, persona, field, target
):
    user = request.getfixturevalue(persona)
    response = api(user).post(
        LIST, {"name": "Vera", field: request.getfixturevalue(target).pk}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Client.objects.exists()


def test_it_lets_the_director_choose_both_managers(director, sales, account):
    response = api(director).post(
        LIST, {"name": "Vera", "originator": sales.pk, "account_manager": account.pk}, format="json"
    )

    assert response.status_code == 201
    client = Client.objects.get(pk=response.json()["id"])
    assert (client.originator, client.account_manager) == (sales, account)


def test_it_refuses_managers_from_the_wrong_team(director, sales, account):
    response = api(director).post(
        LIST, {"name": "Vera", "originator": account.pk, "account_manager": sales.pk}, format="json"
    )

    assert response.status_code == 400
    assert "originator" in response.json()
    assert not Client.objects.exists()


def test_it_keeps_the_stage_read_only(sales):
    response = api(sales).post(
        LIST, {"name": "Vera", "stage": "advocate", "archived_at": timezone.now().isoformat()}
    )

    assert response.status_code == 201
    client = Client.objects.get()
    assert (client.stage, client.archived_at) == (Stage.PROSPECT, None)


def test_it_refuses_an_invalid_phone_and_creates_nothing(sales):
    response = api(sales).post(LIST, {"name": "Vera", "phones": ["+7 912 000", "12"]})

    assert response.status_code == 400
    assert list(response.json()) == ["phones"]
    assert "+7 912 000" in response.json()["phones"][0]
    assert not Client.objects.exists()


def future(days: int = 3) -> str:
    return (timezone.now() + dt.timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": {"first": "Vera"}}, "name"),
        ({"name": "Ve\x00ra"}, "name"),
        ({"name": "Vera", "email": "not-an-address"}, "email"),
        ({"name": "Vera", "kind": "alien"}, "kind"),
        ({"name": "Vera", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"name": "Vera", "language": "tlh"}, "language"),
        ({"name": "Vera", "birthday": "2020-02-30"}, "birthday"),
        ({"name": "Vera", "birthday": "2999-01-01"}, "birthday"),
        ({"name": "Vera", "visited_at": "2025-01-10T10:00:00"}, "visited_at"),
        ({"name": "Vera", "visited_at": future()}, "visited_at"),
        ({"name": "Vera", "visited_at": "9999-12-31T23:59:59-12:00"}, "visited_at"),
        ({"name": "Vera", "recommends": []}, "recommends"),
        ({"name": "Vera", "phones": "+79120001122"}, "phones"),
        ({"name": "Vera", "phones": [["+79120001122"]]}, "phones"),
        ({"name": "Vera", "phones": ["1"] * 21}, "phones"),
        ({"name": "Vera", "originator": 10**30}, "originator"),
        ({"name": "Vera", "originator": 1.5}, "originator"),
        ({"name": "Vera", "originator": "abc"}, "originator"),
        ({"name": "Vera", "originator": True}, "originator"),
    ],
)
def test_it_answers_400_with_the_field_to_bad_input(director, body, field):
    response = api(director).post(LIST, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Client.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "Vera"',
        b'["Vera"]',
        b'"Vera"',
        b"null",
        b'{"name": "Vera", "originator": 1e999}',
        b'{"name": "Vera", "originator": NaN}',
        b"\xff\xfe",
        b'{"name": "\\ud800"}',
        # Deeper than Python's recursion limit.
        b"[" * 100_000,
        b'{"a": ' * 50_000,
    ],
)
def test_it_answers_400_to_malformed_json(director, raw):
    response = api(director).generic("POST", LIST, raw, content_type="application/json")

    assert response.status_code == 400, response.content
    assert not Client.objects.exists()


def test_it_answers_400_to_a_deeply_nested_token_request(db):
    response = APIClient().generic(
        "POST", "/api/v1/auth/token/", b"[" * 100_000, content_type="application/json"
    )

    assert response.status_code == 400


def test_it_searches_for_a_broken_character_without_failing(sales, own):
    response = api(sales).get(LIST + "?q=%ED%A0%80")

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_it_refuses_a_form_post(sales):
    response = api(sales).post(LIST, {"name": "Vera"}, format="multipart")

    assert response.status_code == 415


# --- updating, archiving -----------------------------------------------------------------


def test_it_changes_some_details_with_patch(account, own):
    response = api(account).patch(
        detail(own), {"notes": "Prefers evenings", "phones": ["+7 999 123 45 67"]}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["phones"] == ["+79991234567"]
    own.refresh_from_db()
    assert own.notes == "Prefers evenings"
    assert own.name == "Olga"
    assert list(own.phones.values_list("number", flat=True)) == ["+79991234567"]


def test_it_replaces_the_details_with_put(sales, own):
    response = api(sales).put(detail(own), {"name": "Olga Petrova", "email": "o@example.com"})

    assert response.status_code == 200
    own.refresh_from_db()
    assert (own.name, own.email) == ("Olga Petrova", "o@example.com")
    # Phones left out of a PUT stay as they are.
    assert ClientPhone.objects.filter(client=own).count() == 1
    assert api(sales).put(detail(own), {"email": "o@example.com"}).status_code == 400


@pytest.mark.parametrize(
    ("persona", "field", "target"),
    [
        ("sales", "originator", "other_sales"),
        ("sales", "account_manager", "other_account"),
        ("account", "account_manager", "other_account"),
        ("account", "account_manager", None),
    ],
)
def test_it_refuses_a_manager_reassigning_a_client(request, own, persona, field, target):
    user = request.getfixturevalue(persona)
    target_id = request.getfixturevalue(target).pk if target else None

    response = api(user).patch(detail(own), {field: target_id}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    own.refresh_from_db()
    assert (own.originator.username, own.account_manager.username) == ("sasha", "anna")


def test_it_accepts_the_current_managers_unchanged(sales, account, own):
    response = api(sales).patch(
        detail(own), {"originator": sales.pk, "account_manager": account.pk, "notes": "ok"}
    )

    assert response.status_code == 200


def test_it_lets_the_director_reassign_a_client(director, own, other_sales, other_account):
    response = api(director).patch(
        detail(own), {"originator": other_sales.pk, "account_manager": other_account.pk}
    )

    assert response.status_code == 200
    own.refresh_from_db()
    assert (own.originator, own.account_manager) == (other_sales, other_account)


def test_it_has_no_delete(director, own):
    assert api(director).delete(detail(own)).status_code == 405
    assert Client.objects.filter(pk=own.pk).exists()


def test_it_archives_and_restores_a_client(account, own):
    archived = api(account).post(detail(own) + "archive/")

    assert archived.status_code == 200
    assert archived.json()["archived_at"] is not None
    own.refresh_from_db()
    assert own.archived_at is not None

    restored = api(account).post(detail(own) + "restore/")

    assert restored.status_code == 200
    own.refresh_from_db()
    assert own.archived_at is None


# --- lists: pages and queries ------------------------------------------------------------


def test_it_pages_with_a_cursor_and_never_counts(sales):
    for name in ("A", "B", "C"):
        make_client(originator=sales, name=name)
    as_sales = api(sales)

    first = as_sales.get(LIST, {"page_size": 2}).json()
    assert "count" not in first
    assert [row["name"] for row in first["results"]] == ["C", "B"]
    second = as_sales.get(first["next"]).json()
    assert [row["name"] for row in second["results"]] == ["A"]
    assert second["next"] is None


@pytest.mark.parametrize(
    "cursor",
    ["garbage", base64.b64encode(b"p=abc").decode(), base64.b64encode(b"o=x").decode()],
)
def test_it_answers_404_to_a_bad_cursor(sales, own, cursor):
    assert api(sales).get(LIST, {"cursor": cursor}).status_code == 404


@pytest.mark.parametrize("persona", ["sales", "account", "director"])
def test_it_lists_clients_in_a_constant_number_of_queries(request, sales, account, persona):
    def add(count: int) -> None:
        for _ in range(count):
            client = make_client(
                originator=sales, account_manager=account, phones=["+7 912 345-67-89"]
            )
            make_order(client, by=sales)

    as_user = api(request.getfixturevalue(persona))
    flat = assert_queries_flat(add, lambda: as_user.get(LIST, {"q": "Client"}).json()["results"])

    assert (len(flat.few), len(flat.many)) == (3, 30)
