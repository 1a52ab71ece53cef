"""Merging two records of one person (directors): the service — everything moves, nothing is
lost, both histories say so, planned duplicates are cancelled once — and its page."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients import services
from clients.merge import client_merge, client_merge_preview
from clients.models import (
    Channel,
    Client,
    Consent,
    Referral,
    Refusal,
    Stage,
)
from clients.selectors import client_audit_history
from surveys.models import Invitation, Response, ServiceCase, Source, Survey
from tests.clients.factories import make_client, make_order
from touchpoints.calls import CallReport
from touchpoints.models import Cadence, CadenceStep, Touchpoint, TouchpointStatus
from touchpoints.unplanned import touchpoint_log_inbound


@pytest.fixture(autouse=True)
def _no_cadences(db):
    Cadence.objects.update(is_active=False)  # only the touchpoints the tests make


@pytest.fixture
def keep(sales, account):
    return make_client(
        originator=sales, account_manager=account, name="Irina Volkova", phones=["+79123456789"]
    )


@pytest.fixture
def drop(other_sales):
    return make_client(
        originator=other_sales,
        name="Irina V.",
        email="irina@example.com",
        phones=["8 912 345-67-89", "+7 912 111-22-33"],
        notes="Came to the shop twice.",
    )


def planned_call(client, *, purpose: str, due: dt.datetime, **fields) -> Touchpoint:
    return Touchpoint.objects.create(
        client=client,
        anchor_key=fields.pop("anchor_key", f"test:{Touchpoint.objects.count()}"),
        due_at=due,
        channel="call",
        purpose=purpose,
        assignee=client.account_manager or client.originator,
        **fields,
    )


def give_history(client, by) -> None:
    order = make_order(client, amount="5000.00")
    services.consent_record(
        client=client, channel=Channel.EMAIL, granted=True, method=Consent.Method.IN_PERSON
    )
    services.refusal_record(client=client, reason=Refusal.Reason.PRICE, by=by)
    services.bonus_record(client=client, kind="earned", points=50)
    services.client_note_add(client=client, text="A note", by=by)
    services.referral_record(referrer=client, referred=make_client(originator=by), by=by)
    touchpoint_log_inbound(
        client=client, report=CallReport(outcome="reached", satisfaction=4), by=by
    )
    survey = Survey.objects.get(slug="after-delivery")
    invitation = Invitation.objects.create(
        survey=survey, client=client, order=order, expires_at=timezone.now() + dt.timedelta(1)
    )
    Response.objects.create(
        source=Source.SURVEY,
        client=client,
        order=order,
        score=5,
        at=timezone.now(),
        invitation=invitation,
        origin_key=f"test:{invitation.pk}",
    )
    ServiceCase.objects.create(
        client=client, opened_on=timezone.localdate(), problem="Scratch", severity="low"
    )


def counts(client) -> dict[str, int]:
    return dict(client_merge_preview(client))


def test_everything_moves_and_nothing_is_lost(keep, drop, director, other_sales, sales):
    give_history(keep, sales)
    give_history(drop, other_sales)
    before = {label: counts(keep).get(label, 0) + n for label, n in counts(drop).items()}

    client_merge(keep=keep, drop=drop, by=director)

    after = counts(keep)
    # The phone both have is the kept one's; the other moves. Recounting the stages writes a
    # new entry on each side (the kept one up, the archived one back to a visitor).
    before["phone numbers"] -= 1
    before["stage history entries"] += 1
    assert after == before
    assert counts(drop) == {"phone numbers": 1, "stage history entries": 1}
    # Each side: a survey answer and the score said on the inbound call.
    assert after["orders"] == 2 and after["survey answers"] == 4 and after["service cases"] == 2
    assert keep.stage_changes.filter(reason=f"Merged with client #{drop.pk}").exists()
    keep.refresh_from_db()
    drop.refresh_from_db()
    assert keep.stage == Stage.CLIENT  # a purchase each: two now, recounted
    assert keep.email == "irina@example.com"  # a blank of the kept one filled from the other
    assert drop.is_archived and drop.notes.endswith(f"Merged into #{keep.pk}")
    assert drop.stage == Stage.VISITOR and drop.first_purchase_at is None  # no purchase left
    assert keep.first_purchase_at is not None and keep.second_purchase_at is not None


def test_the_merge_is_in_both_histories(keep, drop, director):
    client_merge(keep=keep, drop=drop, by=director)

    kept = client_audit_history(keep)[0]
    dropped = client_audit_history(drop)[0]
    assert kept.reason_label == f"Merged in from client #{drop.pk}" and kept.user == director
    assert dropped.reason_label == f"Merged into client #{keep.pk}" and dropped.user == director
    assert any(change.field == "archived_at" for change in dropped.changes)


# A Tuesday morning: three days on, the calls fall on one working day whatever the hour of CI.
@pytest.mark.clock(dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC))
def test_colliding_planned_touchpoints_are_cancelled_once(keep, drop, director, sales):
    due = timezone.now() + dt.timedelta(days=3)
    mine = planned_call(keep, purpose="How is it going", due=due)
    planned_call(drop, purpose="How is it going", due=due + dt.timedelta(hours=2))
    planned_call(drop, purpose="how is it going ", due=due + dt.timedelta(hours=3))
    other_day = planned_call(drop, purpose="How is it going", due=due + dt.timedelta(days=1))
    step = CadenceStep.objects.create(
        cadence=Cadence.objects.first(),
        slug="yearly-test",
        anchor="yearly_date",
        channel="post",
        performer="account_manager",
        purpose="A card",
    )
    yearly = planned_call(
        keep, purpose="A card", due=due, step=step, anchor_key=f"client:{keep.pk}:year:2027"
    )
    planned_call(
        drop, purpose="A card", due=due, step=step, anchor_key=f"client:{drop.pk}:year:2027"
    )

    client_merge(keep=keep, drop=drop, by=director)

    survivors = Touchpoint.objects.filter(client=keep, status=TouchpointStatus.PLANNED)
    assert set(survivors) == {mine, other_day, yearly}
    cancelled = Touchpoint.objects.filter(status=TouchpointStatus.CANCELLED)
    assert cancelled.count() == 3
    assert set(cancelled.values_list("outcome", flat=True)) == {"merged duplicate"}


def test_a_referral_between_the_two_stays_with_the_archived_one(keep, drop, director, sales):
    services.referral_record(referrer=keep, referred=drop, by=sales)

    client_merge(keep=keep, drop=drop, by=director)

    referral = Referral.objects.get()
    assert (referral.referrer, referral.referred) == (keep, drop)


@pytest.mark.parametrize("problem", ["same", "erased", "archived"])
def test_it_refuses_what_cannot_be_merged(keep, drop, director, problem):
    other = drop
    if problem == "same":
        other = keep
    elif problem == "erased":
        services.client_erase(client=drop, by=director)
    else:
        services.client_archive(client=keep, by=director)

    with pytest.raises(services.ValidationError) as raised:
        client_merge(keep=keep, drop=other, by=director)

    assert "other" in raised.value.message_dict
    assert Client.objects.filter(archived_at__isnull=False).count() == (problem == "archived")


# --- the page ----------------------------------------------------------------------------


def merge_url(client) -> str:
    return reverse("clients:merge", args=[client.pk])


def test_it_is_for_directors_only(client, keep, drop, sales, account):
    for user in (sales, account):
        client.force_login(user)
        assert client.get(merge_url(keep)).status_code == 404
        assert client.post(merge_url(keep), {"other": drop.pk}).status_code == 404
    drop.refresh_from_db()
    assert not drop.is_archived


def test_the_card_offers_merging_to_directors_only(client, keep, sales, director):
    client.force_login(sales)
    assert (
        merge_url(keep)
        not in client.get(reverse("clients:detail", args=[keep.pk])).content.decode()
    )
    client.force_login(director)
    assert merge_url(keep) in client.get(reverse("clients:detail", args=[keep.pk])).content.decode()


def test_it_finds_the_other_record_by_phone(client, keep, drop, director):
    client.force_login(director)

    page = client.get(merge_url(keep), {"q": "+7 912 111 22 33"}).content.decode()

    assert f"?other={drop.pk}" in page and "Irina V." in page


def test_it_previews_and_merges(client, keep, drop, director, other_sales):
    give_history(drop, other_sales)
    client.force_login(director)

    page = client.get(merge_url(keep), {"other": drop.pk}).content.decode()
    assert "Orders: <strong>1</strong>" in page and "Survey answers: <strong>2</strong>" in page

    response = client.post(merge_url(keep), {"other": drop.pk}, follow=True)
    assert f"(#{drop.pk}) was merged into this client and archived." in response.content.decode()
    assert keep.orders.count() == 1


def test_a_bad_choice_is_an_error_not_a_500(client, keep, director):
    client.force_login(director)

    response = client.post(merge_url(keep), {"other": keep.pk})

    assert response.status_code == 200
    assert "That client cannot be merged: choose another." in response.content.decode()


def test_the_preview_costs_the_same_for_a_long_history(
    client, keep, drop, director, other_sales, django_assert_num_queries
):
    give_history(drop, other_sales)
    client.force_login(director)
    with CaptureQueriesContext(connection) as queries:
        client.get(merge_url(keep), {"other": drop.pk})
    for _ in range(3):
        give_history(drop, other_sales)

    with django_assert_num_queries(len(queries.captured_queries)):
        client.get(merge_url(keep), {"other": drop.pk})
