"""The managers' service-case pages: who sees which case (another manager's case is a 404),
recording one for a client, resolving it once, and a list that costs the same queries for a
few rows or many."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from surveys import services
from surveys.models import Response, ServiceCase
from tests.clients.factories import make_client, make_order
from tests.conftest import PASSWORD
from tests.helpers import assert_queries_flat
from touchpoints.models import Touchpoint


def record(client, by, **fields) -> ServiceCase:
    fields.setdefault("opened_on", timezone.localdate())
    fields.setdefault("problem", "The drawer squeaks")
    fields.setdefault("severity", "low")
    return services.service_case_record(client=client, by=by, **fields)


def login(client, user) -> None:
    client.login(username=user.username, password=PASSWORD)


@pytest.fixture
def theirs(other_sales, other_account):
    """A client of other managers."""
    return make_client(originator=other_sales, account_manager=other_account, name="Stranger")


@pytest.fixture
def our_case(customer, account) -> ServiceCase:
    return record(customer, account, problem="Scratched door")


@pytest.fixture
def their_case(theirs, other_account) -> ServiceCase:
    return record(theirs, other_account, problem="Broken leg")


@pytest.mark.parametrize("persona", ["sales", "account", "director"])
def test_each_role_sees_the_cases_of_the_clients_it_may_see(
    client, request, persona, our_case, their_case
):
    login(client, request.getfixturevalue(persona))

    page = client.get("/service-cases/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Scratched door" in text
    assert ("Broken leg" in text) is (persona == "director")


@pytest.mark.parametrize("persona", ["sales", "account"])
def test_another_managers_case_does_not_exist_for_a_manager(client, request, persona, their_case):
    login(client, request.getfixturevalue(persona))

    assert client.get(f"/service-cases/{their_case.pk}/").status_code == 404
    resolved = client.post(
        f"/service-cases/{their_case.pk}/resolve/", {"resolution": "Mine now", "satisfaction": "5"}
    )
    assert resolved.status_code == 404
    their_case.refresh_from_db()
    assert their_case.resolved_at is None


def test_a_login_without_a_role_and_a_visitor_get_nothing(client, db, our_case):
    assert client.get("/service-cases/").status_code == 302  # to the login page
    User.objects.create_user("nobody", password=PASSWORD)
    client.login(username="nobody", password=PASSWORD)

    assert client.get("/service-cases/").status_code == 404
    assert client.get(f"/service-cases/{our_case.pk}/").status_code == 404
    assert client.get("/service-cases/new/").status_code == 404


def test_open_cases_come_first_and_the_filter_keeps_one_kind(client, customer, account):
    old_open = record(customer, account, problem="Old open", opened_on=dt.date(2026, 1, 5))
    done = record(customer, account, problem="Recent resolved")
    services.service_case_resolve(case=done, resolution="Fixed", satisfaction=4, by=account)
    login(client, account)

    everything = client.get("/service-cases/").content.decode()
    open_only = client.get("/service-cases/?status=open").content.decode()
    resolved_only = client.get("/service-cases/?status=resolved").content.decode()
    junk = client.get("/service-cases/?status=maybe&page=-3")

    assert everything.index("Old open") < everything.index("Recent resolved")
    assert "Old open" in open_only and "Recent resolved" not in open_only
    assert "Recent resolved" in resolved_only and "Old open" not in resolved_only
    assert junk.status_code == 200
    assert old_open.resolved_at is None


def test_the_list_costs_the_same_queries_for_one_case_or_many(client, customer, account):
    record(customer, account)
    login(client, account)
    client.get("/service-cases/")  # the session and the roles, read once

    def add_cases(count: int) -> None:
        for number in range(count):
            order = make_order(customer, external_id=f"Q-{number}")
            record(customer, account, order=order, problem=f"Problem {number}")

    def page() -> int:
        return client.get("/service-cases/").status_code

    flat = assert_queries_flat(add_cases, page, n=0, many=12)

    assert flat.few == flat.many == 200


def test_it_records_a_case_for_a_client_chosen_first(client, customer, order, account):
    login(client, account)

    chooser = client.get("/service-cases/new/?q=Olga")
    assert f"?client={customer.pk}" in chooser.content.decode()
    form = client.get(f"/service-cases/new/?client={customer.pk}")
    assert form.status_code == 200
    assert "SHOP-1001" in form.content.decode()  # the client's orders to choose from

    page = client.post(
        f"/service-cases/new/?client={customer.pk}",
        {
            "order": order.pk,
            "opened_on": timezone.localdate().isoformat(),
            "problem": "The sofa arrived scratched",
            "severity": "high",
            "satisfaction": "",
        },
    )

    case = ServiceCase.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/service-cases/{case.pk}/"
    assert (case.client, case.order, case.severity, case.recorded_by) == (
        customer,
        order,
        "high",
        account,
    )
    assert "The sofa arrived scratched" in client.get(page["Location"]).content.decode()


def test_it_refuses_another_managers_client_and_a_wrong_id(client, account, theirs):
    login(client, account)

    assert client.get(f"/service-cases/new/?client={theirs.pk}").status_code == 404
    assert client.get("/service-cases/new/?client=abc").status_code == 404
    assert client.get("/service-cases/new/?client=99999999999999999999999").status_code == 404
    posted = client.post(
        f"/service-cases/new/?client={theirs.pk}",
        {"opened_on": "2026-01-01", "problem": "x", "severity": "low"},
    )
    assert posted.status_code == 404
    found = client.get("/service-cases/new/?q=Stranger").content.decode()
    assert f"?client={theirs.pk}" not in found
    assert not ServiceCase.objects.exists()


def test_it_names_what_is_wrong_in_the_form(client, customer, account, sales, theirs):
    someone_elses_order = make_order(theirs)
    login(client, account)

    page = client.post(
        f"/service-cases/new/?client={customer.pk}",
        {
            "order": someone_elses_order.pk,
            "opened_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
            "problem": "",
            "severity": "apocalyptic",
            "satisfaction": "9",
        },
    )

    assert page.status_code == 200
    form = page.context["form"]
    assert set(form.errors) == {"order", "opened_on", "problem", "severity", "satisfaction"}
    assert not ServiceCase.objects.exists()


def test_a_poor_satisfaction_starts_one_recovery_call(client, customer, account):
    login(client, account)

    client.post(
        f"/service-cases/new/?client={customer.pk}",
        {
            "opened_on": timezone.localdate().isoformat(),
            "problem": "Nobody came",
            "severity": "high",
            "satisfaction": "1",
        },
    )

    assert Response.objects.get().source == "service"
    assert Touchpoint.objects.filter(client=customer, is_urgent=True).count() == 1


def test_a_case_is_resolved_once(client, our_case, account):
    login(client, account)
    url = f"/service-cases/{our_case.pk}/resolve/"

    missing = client.post(url, {"resolution": "", "satisfaction": ""})
    first = client.post(url, {"resolution": "Replaced the door", "satisfaction": "5"})
    second = client.post(url, {"resolution": "Again", "satisfaction": "1"}, follow=True)

    assert missing.status_code == 200 and "resolution" in missing.context["form"].errors
    assert first.status_code == 302
    assert "resolved already" in second.content.decode()
    our_case.refresh_from_db()
    assert (our_case.resolution, our_case.satisfaction) == ("Replaced the door", 5)
    assert Response.objects.get().score == 5
    assert not Touchpoint.objects.filter(is_urgent=True).exists()
    assert "Mark as resolved" not in client.get(f"/service-cases/{our_case.pk}/").content.decode()
