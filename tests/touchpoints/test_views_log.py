"""The pages that log what happened anyway: the header's "+" (/log/) and a client's log page
with its three forms."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import ClientNote
from tests.clients.factories import make_client
from touchpoints.calendar import is_working_day
from touchpoints.models import CallAttempt, Touchpoint, TouchpointStatus


@pytest.fixture
def irina(sales, account):
    return make_client(
        originator=sales, account_manager=account, name="Irina Volkova", phones=["+79123456789"]
    )


@pytest.fixture
def oleg(other_sales):
    return make_client(originator=other_sales, name="Oleg Foreign", phones=["+79120000000"])


def log_url(name: str, client) -> str:
    return reverse(f"touchpoints:{name}", args=[client.pk])


def next_day(*, working: bool) -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=1)
    while is_working_day(day) != working:
        day += dt.timedelta(days=1)
    return day


def test_the_header_has_the_plus(client, sales):
    client.force_login(sales)

    page = client.get(reverse("touchpoints:calls")).content.decode()

    assert f'href="{reverse("touchpoints:log")}"' in page


def test_it_finds_the_users_clients_by_phone_in_any_format(client, sales, irina, oleg):
    client.force_login(sales)

    page = client.get(reverse("touchpoints:log"), {"q": "8 (912) 345-67-89"}).content.decode()

    assert "Irina Volkova" in page and log_url("log_client", irina) in page
    # Another manager's client is not found, even by its exact number.
    page = client.get(reverse("touchpoints:log"), {"q": "+7 912 000 00 00"}).content.decode()
    assert "Oleg Foreign" not in page and "None of your clients matches" in page


def test_the_search_costs_the_same_for_one_match_or_many(
    client, sales, django_assert_max_num_queries
):
    for number in range(15):
        make_client(originator=sales, name=f"Ivan {number}")
    client.force_login(sales)

    with django_assert_max_num_queries(8):
        page = client.get(reverse("touchpoints:log"), {"q": "Ivan"}).content.decode()
    assert page.count(">Ivan ") == 10


def test_the_log_page_shows_three_forms(client, sales, irina, django_assert_max_num_queries):
    client.force_login(sales)

    with django_assert_max_num_queries(10):
        page = client.get(log_url("log_client", irina)).content.decode()

    for text in ("An inbound call", "A note", "A task", "Irina Volkova"):
        assert text in page


@pytest.mark.parametrize("name", ["log_client", "log_inbound", "log_note", "log_task"])
def test_it_is_404_for_another_managers_client(client, sales, oleg, name):
    client.force_login(sales)

    response = (
        client.get(log_url(name, oleg))
        if name == "log_client"
        else client.post(log_url(name, oleg), {"note-text": "x", "inbound-outcome": "reached"})
    )

    assert response.status_code == 404
    assert not ClientNote.objects.exists() and not Touchpoint.objects.exists()


def test_it_logs_an_inbound_call_and_goes_back_to_the_card(client, account, irina):
    client.force_login(account)

    response = client.post(
        log_url("log_inbound", irina),
        {"inbound-outcome": "reached", "inbound-note": "Asked about delivery"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("clients:detail", args=[irina.pk])
    page = response.content.decode()
    assert "The inbound call was logged." in page and "Asked about delivery" in page
    attempt = CallAttempt.objects.get()
    assert attempt.touchpoint.status == TouchpointStatus.DONE and attempt.recorded_by == account


def test_a_bad_inbound_call_names_the_field(client, account, irina):
    client.force_login(account)

    response = client.post(
        log_url("log_inbound", irina),
        {"inbound-outcome": "reached", "inbound-next_contact_on": "2001-02-01"},  # a Thursday
    )

    assert response.status_code == 400
    assert "The next contact must be after today." in response.content.decode()
    assert not Touchpoint.objects.exists()


def test_it_adds_a_note(client, sales, irina):
    client.force_login(sales)

    response = client.post(log_url("log_note", irina), {"note-text": "Prefers e-mail"})

    assert response.status_code == 302
    note = ClientNote.objects.get()
    assert (note.client, note.author, note.text) == (irina, sales, "Prefers e-mail")


def test_an_empty_note_is_an_error_not_a_500(client, sales, irina):
    client.force_login(sales)

    response = client.post(log_url("log_note", irina), {"note-text": ""})

    assert response.status_code == 400 and "This field is required." in response.content.decode()


def test_it_plans_a_task_for_the_account_manager(client, sales, account, irina):
    client.force_login(sales)
    day = next_day(working=True)

    response = client.post(
        log_url("log_task", irina),
        {
            "task-text": "Send the price list",
            "task-due_on": day.isoformat(),
            "task-assignee": account.pk,
        },
        follow=True,
    )

    assert "The task is planned for" in response.content.decode()
    task = Touchpoint.objects.get()
    assert (task.assignee, task.purpose, task.status) == (account, "Send the price list", "planned")


def test_a_task_on_a_day_off_says_where_it_moved(client, sales, irina):
    client.force_login(sales)
    day_off = next_day(working=False)

    response = client.post(
        log_url("log_task", irina),
        {"task-text": "Call", "task-due_on": day_off.isoformat(), "task-assignee": sales.pk},
        follow=True,
    )

    assert "is not a working day: the task is due on" in response.content.decode()


def test_a_task_for_someone_else_is_refused(client, sales, other_sales, irina):
    client.force_login(sales)

    response = client.post(
        log_url("log_task", irina),
        {
            "task-text": "Call",
            "task-due_on": next_day(working=True).isoformat(),
            "task-assignee": other_sales.pk,
        },
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Touchpoint.objects.exists()
