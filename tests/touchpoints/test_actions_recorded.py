"""Who changed a touchpoint is recorded, and the client card tells it: completing a call, moving,
skipping, handing over, posting — from the call page, the card and the API. A change checks the
state it changes: one made on a touchpoint that changed meanwhile is refused, not written over."""

import datetime as dt
import threading

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clients.models import Client
from clients.services import client_erase
from tests.clients.factories import make_client
from touchpoints import calendar, calls, services, timeline
from touchpoints.calls import CallReport
from touchpoints.models import CallAttempt, Touchpoint, TouchpointChange, TouchpointStatus

_serial = iter(range(1, 1_000_000))


@pytest.fixture(autouse=True)
def full_names(sales, account, other_account, director) -> None:
    """The card names people by their full name."""
    for user, last_name in (
        (sales, "Petrov"),
        (account, "Smirnova"),
        (other_account, "Belov"),
        (director, "Orlova"),
    ):
        user.last_name = last_name
        user.save(update_fields=["last_name"])


@pytest.fixture
def irina(sales, account) -> Client:
    return make_client(originator=sales, account_manager=account, name="Irina Volkova")


def make_touchpoint(client: Client, assignee: User | None, **fields) -> Touchpoint:
    fields.setdefault("due_at", timezone.now() + dt.timedelta(hours=2))
    fields.setdefault("channel", "call")
    fields.setdefault("purpose", "Ask how the sofa is")
    return Touchpoint.objects.create(
        client=client, anchor_key=f"actors:{next(_serial)}", assignee=assignee, **fields
    )


def local_input(days: int) -> str:
    moment = timezone.now() + dt.timedelta(days=days)
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def card(client, viewer: User, irina: Client) -> str:
    client.force_login(viewer)
    response = client.get(reverse("clients:detail", args=[irina.pk]))
    assert response.status_code == 200
    return response.content.decode()


def api_as(user: User) -> APIClient:
    api = APIClient()
    api.force_login(user)
    return api


# --- every action, as the card tells it ------------------------------------------------------


def complete_on_call_page(client, touchpoint: Touchpoint, user: User) -> None:
    next_day = timezone.localdate() + dt.timedelta(days=30)
    while not calendar.is_working_day(next_day):  # the form refuses days off
        next_day += dt.timedelta(days=1)
    client.force_login(user)
    client.post(
        f"/calls/{touchpoint.pk}/complete/",
        {"outcome": "reached", "next_contact_on": next_day.isoformat(), "note": "Happy"},
    )


def no_answer_on_call_page(client, touchpoint: Touchpoint, user: User) -> None:
    client.force_login(user)
    client.post(f"/calls/{touchpoint.pk}/complete/", {"outcome": "no_answer"})


def reschedule_on_call_page(client, touchpoint: Touchpoint, user: User) -> None:
    client.force_login(user)
    client.post(
        f"/calls/{touchpoint.pk}/reschedule/",
        {"due_at": local_input(3), "reason": "client asked"},
    )


def skip_on_call_page(client, touchpoint: Touchpoint, user: User) -> None:
    client.force_login(user)
    client.post(f"/calls/{touchpoint.pk}/skip/", {"reason": "a duplicate"})


def reschedule_on_card(client, touchpoint: Touchpoint, user: User) -> None:
    client.force_login(user)
    client.post(
        reverse("touchpoints:card_reschedule", args=[touchpoint.client_id, touchpoint.pk]),
        {"due_at": local_input(3), "reason": "client asked"},
    )


def skip_on_card(client, touchpoint: Touchpoint, user: User) -> None:
    client.force_login(user)
    client.post(
        reverse("touchpoints:card_skip", args=[touchpoint.client_id, touchpoint.pk]),
        {"reason": "a duplicate"},
    )


def complete_by_api(_client, touchpoint: Touchpoint, user: User) -> None:
    response = api_as(user).post(
        f"/api/v1/touchpoints/{touchpoint.pk}/complete/", {"outcome": "busy"}, format="json"
    )
    assert response.status_code == 201, response.content


def reschedule_by_api(_client, touchpoint: Touchpoint, user: User) -> None:
    due = (timezone.now() + dt.timedelta(days=3)).isoformat()
    response = api_as(user).post(
        f"/api/v1/touchpoints/{touchpoint.pk}/reschedule/",
        {"due_at": due, "reason": "client asked"},
        format="json",
    )
    assert response.status_code == 200, response.content


def skip_by_api(_client, touchpoint: Touchpoint, user: User) -> None:
    response = api_as(user).post(
        f"/api/v1/touchpoints/{touchpoint.pk}/skip/", {"reason": "a duplicate"}, format="json"
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("act", "actor", "expected"),
    [
        (complete_on_call_page, "account", ["Reached", "by Anna Smirnova"]),
        (no_answer_on_call_page, "account", ["No answer", "by Anna Smirnova"]),
        (reschedule_on_call_page, "account", ["Moved to ", "by Anna Smirnova: client asked"]),
        (skip_on_call_page, "account", ["Skipped by Anna Smirnova: a duplicate"]),
        (reschedule_on_card, "director", ["Moved to ", "by Dina Orlova: client asked"]),
        (skip_on_card, "director", ["Skipped by Dina Orlova: a duplicate"]),
        (complete_by_api, "account", ["Busy", "by Anna Smirnova"]),
        (reschedule_by_api, "account", ["Moved to ", "by Anna Smirnova: client asked"]),
        (skip_by_api, "director", ["Skipped by Dina Orlova: a duplicate"]),
    ],
)
def test_the_card_tells_who_did_it(request, client, irina, account, act, actor, expected):
    touchpoint = make_touchpoint(irina, account)
    before = card(client, account, irina)
    assert expected[-1] not in before

    act(client, touchpoint, request.getfixturevalue(actor))

    page = card(client, account, irina)
    for text in expected:
        assert text in page


def test_a_reassignment_is_on_the_card_per_touchpoint(
    client, irina, account, other_account, director
):
    first = make_touchpoint(irina, account)
    second = make_touchpoint(irina, account, due_at=timezone.now() + dt.timedelta(days=3))
    done = make_touchpoint(irina, account, status="done", closed_at=timezone.now())
    client.force_login(director)

    client.post("/calls/reassign/", {"from_user": account.pk, "to_user": other_account.pk})

    changes = TouchpointChange.objects.filter(action="reassigned")
    assert {change.touchpoint_id for change in changes} == {first.pk, second.pk}
    assert {(c.actor, c.old_assignee, c.new_assignee) for c in changes} == {
        (director, account, other_account)
    }
    assert not done.changes.exists()
    page = card(client, account, irina)
    assert page.count("Reassigned from Anna Smirnova to Arkady Belov by Dina Orlova") == 2


def test_a_posted_card_is_on_the_card_with_who_confirmed_it(client, irina, account):
    letter = make_touchpoint(
        irina, account, channel="post", purpose="Three-month card", due_at=timezone.now()
    )
    client.force_login(account)

    client.post("/post/sent/", {"id": [letter.pk]})

    letter.refresh_from_db()
    assert (letter.status, letter.outcome) == ("done", "posted")
    page = card(client, account, irina)
    assert "Posted, confirmed by Anna Smirnova" in page
    # Told once: by the change, not a second time as a closed touchpoint.
    assert page.count("Three-month card") == 1


def test_the_timeline_with_changes_costs_the_same_queries_for_2_and_for_30(
    sales, account, other_account, director, django_assert_num_queries
):
    short = make_client(originator=sales, account_manager=account)
    long = make_client(originator=sales, account_manager=account)
    for customer, count in ((short, 2), (long, 30)):
        for _ in range(count):
            moved = make_touchpoint(customer, account)
            calls.touchpoint_reschedule(
                touchpoint=moved,
                due_at=timezone.now() + dt.timedelta(days=2),
                reason="asked",
                by=account,
            )
            skipped = make_touchpoint(customer, account)
            calls.touchpoint_skip(touchpoint=skipped, reason="not needed", by=director)
        calls.touchpoints_reassign(
            touchpoints=Touchpoint.objects.filter(client=customer, status="planned"),
            to_user=other_account,
            by=director,
        )

    with CaptureQueriesContext(connection) as few:
        short_items = timeline.client_touchpoint_items(short)
    with django_assert_num_queries(len(few.captured_queries)):
        long_items = timeline.client_touchpoint_items(long)

    assert len(few.captured_queries) == 5
    # Per touchpoint moved: planned, moved, reassigned; per skipped: the skip alone.
    assert len(short_items) == 2 * 4
    assert len(long_items) == 30 * 4


# --- the state is checked where it is changed ---------------------------------------------------


def test_a_stale_touchpoint_is_neither_skipped_nor_moved_over_a_completed_call(irina, account):
    touchpoint = make_touchpoint(irina, account)
    stale = Touchpoint.objects.get(pk=touchpoint.pk)
    calls.touchpoint_complete(
        touchpoint=touchpoint,
        report=CallReport(outcome="reached", no_further_contact="Happy with everything"),
        by=account,
    )

    with pytest.raises(ValidationError, match="changed meanwhile: it is now done"):
        calls.touchpoint_skip(touchpoint=stale, reason="a duplicate", by=account)
    with pytest.raises(ValidationError, match="changed meanwhile: it is now done"):
        calls.touchpoint_reschedule(
            touchpoint=stale,
            due_at=timezone.now() + dt.timedelta(days=2),
            reason="asked",
            by=account,
        )

    row = Touchpoint.objects.get(pk=touchpoint.pk)
    assert (row.status, row.outcome, row.note, row.due_at) == (
        "done",
        "reached",
        "",
        touchpoint.due_at,
    )
    assert not TouchpointChange.objects.exists()


def test_a_call_moved_meanwhile_is_not_moved_again_from_a_stale_copy(irina, account):
    touchpoint = make_touchpoint(irina, account)
    stale = Touchpoint.objects.get(pk=touchpoint.pk)
    calls.touchpoint_complete(
        touchpoint=touchpoint, report=CallReport(outcome="no_answer"), by=account
    )
    retry = Touchpoint.objects.get(pk=touchpoint.pk).due_at

    with pytest.raises(ValidationError, match="changed meanwhile: it is now due"):
        calls.touchpoint_reschedule(
            touchpoint=stale,
            due_at=timezone.now() + dt.timedelta(days=2),
            reason="asked",
            by=account,
        )

    assert Touchpoint.objects.get(pk=touchpoint.pk).due_at == retry


def test_the_card_says_the_touchpoint_changed_meanwhile(client, irina, account, director):
    touchpoint = make_touchpoint(irina, account)
    # Anna's card was drawn; meanwhile the director skipped the call.
    calls.touchpoint_skip(
        touchpoint=Touchpoint.objects.get(pk=touchpoint.pk), reason="a duplicate", by=director
    )
    client.force_login(account)

    response = client.post(
        reverse("touchpoints:card_skip", args=[irina.pk, touchpoint.pk]),
        {"reason": "not needed"},
        follow=True,
    )

    assert "This touchpoint is already skipped." in response.content.decode()
    assert TouchpointChange.objects.get().actor == director


def test_bulk_actions_change_only_what_is_still_planned_and_count_the_rest(
    irina, account, other_account, director
):
    letters = [make_touchpoint(irina, account, channel="post") for _ in range(3)]
    chosen = Touchpoint.objects.filter(pk__in=[letter.pk for letter in letters])
    # One was posted by someone else after the list was drawn.
    services.postal_mark_sent(touchpoints=chosen.filter(pk=letters[0].pk), by=director)

    result = services.postal_mark_sent(touchpoints=chosen, by=account)

    assert result == calls.BulkChange(changed=2, refused=1)
    posted_by = dict(
        TouchpointChange.objects.filter(action="posted").values_list("touchpoint_id", "actor_id")
    )
    assert posted_by == {
        letters[0].pk: director.pk,
        letters[1].pk: account.pk,
        letters[2].pk: account.pk,
    }

    calls_ = [make_touchpoint(irina, account) for _ in range(2)]
    calls.touchpoint_skip(touchpoint=calls_[0], reason="a duplicate", by=account)
    moved = calls.touchpoints_reassign(
        touchpoints=Touchpoint.objects.filter(pk__in=[call.pk for call in calls_]),
        to_user=other_account,
        by=director,
    )
    assert moved == calls.BulkChange(changed=1, refused=1)


def test_the_postal_page_says_how_many_were_changed_meanwhile(
    client, irina, account, director, monkeypatch
):
    letter = make_touchpoint(irina, account, channel="post")
    late = make_touchpoint(irina, account, channel="post")
    real = services.postal_mark_sent

    def someone_was_quicker(*, touchpoints, by):
        # The rows chosen, then the director posts one before the service locks them.
        chosen = Touchpoint.objects.filter(pk__in=list(touchpoints.values_list("pk", flat=True)))
        real(touchpoints=Touchpoint.objects.filter(pk=late.pk), by=director)
        return real(touchpoints=chosen, by=by)

    monkeypatch.setattr(services, "postal_mark_sent", someone_was_quicker)
    client.force_login(account)

    page = client.post("/post/sent/", {"id": [letter.pk, late.pk]}, follow=True)

    text = page.content.decode()
    assert "1 letter marked as posted." in text
    assert "1 was changed by someone else meanwhile and was left as it is." in text


@pytest.mark.django_db(transaction=True)
def test_skip_and_complete_racing_leave_one_outcome(postgres, sales, account):
    customer = make_client(originator=sales, account_manager=account, name="Race")
    touchpoints = [make_touchpoint(customer, account) for _ in range(5)]

    for touchpoint in touchpoints:
        barrier = threading.Barrier(2)
        errors: list[ValidationError] = []

        def run(action, touchpoint=touchpoint, barrier=barrier, errors=errors) -> None:
            stale = Touchpoint.objects.get(pk=touchpoint.pk)
            barrier.wait(timeout=30)
            try:
                action(stale)
            except ValidationError as error:
                errors.append(error)
            finally:
                connections.close_all()

        def skip(stale: Touchpoint) -> None:
            calls.touchpoint_skip(touchpoint=stale, reason="a duplicate", by=account)

        def complete(stale: Touchpoint) -> None:
            calls.touchpoint_complete(
                touchpoint=stale,
                report=CallReport(outcome="reached", no_further_contact="All fine"),
                by=account,
            )

        threads = [threading.Thread(target=run, args=(action,)) for action in (skip, complete)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        row = Touchpoint.objects.get(pk=touchpoint.pk)
        assert len(errors) == 1, errors
        assert row.status in (TouchpointStatus.SKIPPED, TouchpointStatus.DONE)
        attempted = CallAttempt.objects.filter(touchpoint=row).exists()
        skipped = TouchpointChange.objects.filter(touchpoint=row, action="skipped").exists()
        # Either the call was done (and never skipped over), or skipped (and never completed).
        assert (attempted, skipped) == (
            row.status == TouchpointStatus.DONE,
            row.status == TouchpointStatus.SKIPPED,
        )


# --- erasure --------------------------------------------------------------------------------


def test_erasing_the_client_blanks_the_reasons_and_keeps_who(irina, account, director):
    touchpoint = make_touchpoint(irina, account)
    calls.touchpoint_skip(touchpoint=touchpoint, reason="Irina is in hospital", by=account)

    client_erase(client=irina, by=director)

    change = TouchpointChange.objects.get()
    assert (change.reason, change.actor, change.action) == ("", account, "skipped")
