"""The touchpoints on the client card's timeline: planned ones with their forms, the messages
sent with their status, the calls made — at a fixed number of queries, and bounded."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from clients import selectors
from clients.models import Client
from tests.clients.factories import make_client
from tests.helpers import assert_queries_flat
from touchpoints import timeline
from touchpoints.models import CallAttempt, SendRecord, Touchpoint

_serial = iter(range(1, 1_000_000))


def make_touchpoint(client: Client, assignee: User | None, **fields) -> Touchpoint:
    fields.setdefault("due_at", timezone.now() + dt.timedelta(days=1))
    fields.setdefault("channel", "call")
    fields.setdefault("purpose", "Delivery day call")
    return Touchpoint.objects.create(
        client=client, anchor_key=f"timeline:{next(_serial)}", assignee=assignee, **fields
    )


def sent_message(client: Client, *, status: str, error: str = "", **fields) -> SendRecord:
    touchpoint = make_touchpoint(
        client,
        None,
        channel="email",
        is_automatic=True,
        purpose="Thank you for the order",
        status={"sent": "done", "failed": "failed", "skipped": "skipped"}[status],
        closed_at=timezone.now() - dt.timedelta(days=2),
        due_at=timezone.now() - dt.timedelta(days=2),
        **fields,
    )
    return SendRecord.objects.create(
        touchpoint=touchpoint,
        channel="email",
        recipient="irina@example.com",
        subject="Thank you, Irina",
        body="Dear Irina, thank you.",
        status=status,
        error=error,
        sent_at=timezone.now() - dt.timedelta(days=2) if status == "sent" else None,
    )


def call_attempt(touchpoint: Touchpoint, by: User, **fields) -> CallAttempt:
    fields.setdefault("outcome", "reached")
    fields.setdefault("at", timezone.now() - dt.timedelta(days=1))
    return CallAttempt.objects.create(
        touchpoint=touchpoint, client=touchpoint.client, recorded_by=by, **fields
    )


def add_history(client: Client, manager: User, count: int) -> None:
    """`count` of each: planned calls, closed touchpoints, messages, call attempts."""
    for number in range(count):
        make_touchpoint(client, manager, purpose=f"Planned {number}")
        make_touchpoint(
            client,
            manager,
            status="skipped",
            outcome="skipped",
            note="Not needed",
            closed_at=timezone.now() - dt.timedelta(days=3),
        )
        sent_message(client, status=("sent", "failed", "skipped")[number % 3], error="boom")
        done = make_touchpoint(
            client,
            manager,
            status="done",
            outcome="reached",
            attempts=1,
            closed_at=timezone.now() - dt.timedelta(days=1),
        )
        call_attempt(done, manager, note=f"Spoke {number}", satisfaction=4)


@pytest.fixture
def irina(sales, account) -> Client:
    return make_client(originator=sales, account_manager=account, name="Irina Volkova")


def card_url(client: Client) -> str:
    return reverse("clients:detail", args=[client.pk])


# --- the source -----------------------------------------------------------------------------


def test_it_is_registered_with_the_clients_timeline(irina, sales):
    make_touchpoint(irina, sales)

    kinds = {item["kind"] for item in selectors.client_timeline(irina)}

    assert "planned" in kinds
    assert all("template" in item for item in timeline.client_touchpoint_items(irina))


def test_it_costs_the_same_queries_for_2_and_for_40_of_everything(sales, account):
    ours = make_client(originator=sales, account_manager=account)
    card = make_client(originator=sales, account_manager=account)

    items = assert_queries_flat(
        lambda count: add_history(ours, account, count),
        lambda: timeline.client_touchpoint_items(ours),
        n=2,
        many=40,
    )
    # And the whole timeline of the card, the clients' own items with ours.
    assert_queries_flat(
        lambda count: add_history(card, account, count),
        lambda: selectors.client_timeline(card),
        n=2,
        many=40,
    )

    assert items.queries == 5
    assert len(items.few) == 2 * 4
    assert len(items.many) == 40 * 4


def test_it_shows_the_next_planned_and_the_newest_history_only(irina, account, monkeypatch):
    monkeypatch.setattr(timeline, "PLANNED_LIMIT", 3)
    monkeypatch.setattr(timeline, "HISTORY_LIMIT", 5)
    add_history(irina, account, 4)

    items = timeline.client_touchpoint_items(irina)

    planned = [item for item in items if item["kind"] == "planned"]
    past = [item for item in items if item["kind"] != "planned"]
    assert [item["touchpoint"].purpose for item in planned] == [
        "Planned 0",
        "Planned 1",
        "Planned 2",
    ]
    assert len(past) == 5
    assert [item["at"] for item in past] == sorted((item["at"] for item in past), reverse=True)


def test_a_call_ended_by_an_attempt_is_told_once_by_the_attempt(irina, account):
    done = make_touchpoint(
        irina, account, status="done", outcome="reached", closed_at=timezone.now()
    )
    call_attempt(done, account)
    make_touchpoint(
        irina,
        account,
        status="missed",
        outcome="not done in time",
        closed_at=timezone.now(),
    )

    items = timeline.client_touchpoint_items(irina)

    assert sorted(item["kind"] for item in items) == ["call", "touchpoint"]
    [missed] = [item for item in items if item["kind"] == "touchpoint"]
    assert missed["outcome"] == "not done in time"


def test_it_tells_why_a_message_was_not_sent_in_words(irina):
    sent_message(irina, status="skipped", error="no consent")

    [item] = timeline.client_touchpoint_items(irina)

    assert item["kind"] == "message"
    assert item["problem"] == "the client has not agreed to this channel"


# --- the card -------------------------------------------------------------------------------


def test_the_card_shows_planned_touchpoints_messages_and_calls(client, irina, account):
    urgent = make_touchpoint(
        irina,
        account,
        purpose="Recover: the client is unhappy",
        is_urgent=True,
        due_at=timezone.now() - dt.timedelta(hours=2),
    )
    sent_message(irina, status="failed", error="SMTP 550: mailbox unavailable")
    done = make_touchpoint(
        irina, account, purpose="Ask how the sofa is", status="done", outcome="reached"
    )
    call_attempt(
        done,
        account,
        satisfaction=4,
        note="Likes the colour.",
        next_contact_on=timezone.localdate() + dt.timedelta(days=90),
        upsell="accepted",
        complaint="The legs wobble.",
    )
    client.force_login(account)

    page = client.get(card_url(irina)).content.decode()

    # The planned touchpoint: channel, purpose, assignee, the badges and the forms.
    assert "Call: Recover: the client is unhappy" in page
    assert "urgent" in page and "overdue" in page
    assert "Anna" in page
    assert reverse("touchpoints:card_reschedule", args=[irina.pk, urgent.pk]) in page
    assert reverse("touchpoints:card_skip", args=[irina.pk, urgent.pk]) in page
    # The message, its status and the error the manager needs.
    assert "Thank you, Irina" in page
    assert "Not sent: SMTP 550: mailbox unavailable" in page
    assert "irina@example.com" in page
    # The call and what was agreed.
    assert "Ask how the sofa is" in page
    assert "Satisfaction: 4 of 5" in page
    assert "Likes the colour." in page
    assert "Next contact agreed for" in page
    assert "Upsell offered: Accepted" in page
    assert "Complaint: The legs wobble." in page


def test_the_card_offers_the_forms_to_who_may_use_them(client, irina, sales, account, director):
    annas = make_touchpoint(irina, account, purpose="Anna's call")
    reschedule = reverse("touchpoints:card_reschedule", args=[irina.pk, annas.pk])
    skip = reverse("touchpoints:card_skip", args=[irina.pk, annas.pk])

    for user, offered in ((account, True), (director, True), (sales, False)):
        client.force_login(user)
        page = client.get(card_url(irina)).content.decode()
        assert "Anna&#x27;s call" in page
        assert (reschedule in page, skip in page) == (offered, offered), user


def test_the_card_does_not_offer_to_move_what_is_being_sent(client, irina, account):
    sending = make_touchpoint(irina, account, status="sending", channel="email")
    client.force_login(account)

    page = client.get(card_url(irina)).content.decode()

    assert "Being sent" in page
    assert reverse("touchpoints:card_skip", args=[irina.pk, sending.pk]) not in page


def test_the_card_fills_the_move_form_with_the_current_time(client, irina, account):
    due = timezone.make_aware(dt.datetime(2031, 3, 4, 15, 30))
    make_touchpoint(irina, account, due_at=due)
    client.force_login(account)

    page = client.get(card_url(irina)).content.decode()

    assert 'value="2031-03-04T15:30"' in page


def test_the_card_costs_the_same_queries_for_2_and_for_40_of_everything(client, sales, account):
    customer = make_client(originator=sales, account_manager=account)
    client.force_login(account)
    client.get(card_url(customer))  # the session and the user's roles, read once

    flat = assert_queries_flat(
        lambda count: add_history(customer, account, count),
        lambda: client.get(card_url(customer)).content.decode(),
        n=2,
        many=40,
    )

    assert flat.many.count("Satisfaction: 4 of 5") == 40
