"""Moving or skipping a planned touchpoint from the client card: back to the card with a
message, errors naming the field; 404 for what the user may not see."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from tests.clients.factories import make_client
from touchpoints.models import Touchpoint

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def irina(sales, account) -> Client:
    return make_client(originator=sales, account_manager=account, name="Irina Volkova")


@pytest.fixture
def call(irina, account) -> Touchpoint:
    """Anna's call to the client whose account she manages."""
    return Touchpoint.objects.create(
        client=irina,
        anchor_key="card:1",
        assignee=account,
        channel="call",
        purpose="Ask how the sofa is",
        due_at=timezone.now() + dt.timedelta(days=1),
    )


def reschedule_url(touchpoint: Touchpoint, client: Client | None = None) -> str:
    return reverse(
        "touchpoints:card_reschedule", args=[(client or touchpoint.client).pk, touchpoint.pk]
    )


def skip_url(touchpoint: Touchpoint, client: Client | None = None) -> str:
    return reverse("touchpoints:card_skip", args=[(client or touchpoint.client).pk, touchpoint.pk])


def card_url(client: Client) -> str:
    return reverse("clients:detail", args=[client.pk])


def local_input(moment: dt.datetime) -> str:
    """A datetime-local input's value (the form reads it in the server's time zone)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def in_days(days: int) -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=days)).replace(second=0, microsecond=0)


# --- the owner ------------------------------------------------------------------------------


def test_it_moves_a_touchpoint_and_goes_back_to_the_card(client, account, call):
    client.force_login(account)
    moment = in_days(3)

    response = client.post(
        reschedule_url(call), {"due_at": local_input(moment), "reason": "On holiday"}
    )

    assert response.status_code == 302
    assert response.url == card_url(call.client)
    call.refresh_from_db()
    assert (call.due_at, call.note, call.status) == (moment, "Moved: On holiday", "planned")
    page = client.get(response.url).content.decode()
    assert "“Ask how the sofa is” was moved." in page


def test_it_skips_a_touchpoint_with_the_reason(client, account, call):
    client.force_login(account)

    response = client.post(skip_url(call), {"reason": "Spoke at the shop"}, follow=True)

    assert response.redirect_chain == [(card_url(call.client), 302)]
    call.refresh_from_db()
    assert (call.status, call.note) == ("skipped", "Spoke at the shop")
    assert call.closed_at is not None
    assert "“Ask how the sofa is” was skipped." in response.content.decode()


def test_a_director_may_move_anyones_touchpoint(client, director, call):
    client.force_login(director)

    client.post(skip_url(call), {"reason": "The manager is away"})

    call.refresh_from_db()
    assert call.status == "skipped"


def test_it_swaps_the_card_in_place_for_htmx(client, account, call):
    client.force_login(account)

    response = client.post(skip_url(call), {"reason": "Spoke at the shop"}, follow=True, **HTMX)

    page = response.content.decode()
    assert response.redirect_chain == [(card_url(call.client), 302)]
    # The card alone, with the message, for htmx to swap in place of the old one.
    assert "<html" not in page
    assert 'id="client-card"' in page
    assert "“Ask how the sofa is” was skipped." in page


# --- errors, as messages naming the field --------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"due_at": local_input(in_days(-1)), "reason": "x"}, "Move to: Choose a time in the"),
        ({"due_at": local_input(in_days(3)), "reason": " "}, "Why: Say why it moves."),
        ({"due_at": "soon", "reason": "x"}, "Move to: Enter a valid date/time."),
        ({"reason": "x"}, "Move to: This field is required."),
        ({"due_at": local_input(in_days(1000)), "reason": "x"}, "Move to: Choose a time within"),
    ],
)
def test_it_tells_what_is_wrong_with_a_move(client, account, call, data, message):
    client.force_login(account)

    response = client.post(reschedule_url(call), data, follow=True)

    assert message in response.content.decode()
    call.refresh_from_db()
    assert call.note == ""


def test_it_tells_why_a_skip_needs_a_reason(client, account, call):
    client.force_login(account)

    response = client.post(skip_url(call), {"reason": ""}, follow=True)

    assert "Why skip it: Say why it is skipped." in response.content.decode()
    call.refresh_from_db()
    assert call.status == "planned"


def test_it_tells_that_a_closed_touchpoint_cannot_move(client, account, call):
    Touchpoint.objects.filter(pk=call.pk).update(status="done")
    client.force_login(account)

    response = client.post(
        reschedule_url(call), {"due_at": local_input(in_days(2)), "reason": "x"}, follow=True
    )

    assert "This touchpoint is already done." in response.content.decode()


# --- who may --------------------------------------------------------------------------------


@pytest.mark.parametrize("make_url", [reschedule_url, skip_url])
def test_it_is_404_for_another_managers_client(client, call, other_sales, other_account, make_url):
    for user in (other_sales, other_account, User.objects.create_user("nobody")):
        client.force_login(user)
        response = client.post(
            make_url(call), {"due_at": local_input(in_days(2)), "reason": "Mine now"}
        )
        assert response.status_code == 404, user
    call.refresh_from_db()
    assert (call.status, call.note) == ("planned", "")


@pytest.mark.parametrize("make_url", [reschedule_url, skip_url])
def test_it_is_404_for_a_touchpoint_of_another_client(client, account, call, make_url):
    # Both clients are Anna's; the touchpoint is not the one of the card in the URL.
    other = make_client(account_manager=account, by=account)
    client.force_login(account)

    response = client.post(
        make_url(call, other), {"due_at": local_input(in_days(2)), "reason": "x"}
    )

    assert response.status_code == 404


def test_it_is_403_for_a_manager_who_sees_the_client_but_does_not_hold_the_touchpoint(
    client, sales, call
):
    client.force_login(sales)

    response = client.post(skip_url(call), {"reason": "Not mine"})

    assert response.status_code == 403
    call.refresh_from_db()
    assert call.status == "planned"


@pytest.mark.parametrize("make_url", [reschedule_url, skip_url])
def test_it_sends_anonymous_visitors_to_log_in(client, call, make_url):
    response = client.post(make_url(call), {"reason": "x"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("make_url", [reschedule_url, skip_url])
def test_it_only_takes_a_post(client, account, call, make_url):
    client.force_login(account)

    assert client.get(make_url(call)).status_code == 405
