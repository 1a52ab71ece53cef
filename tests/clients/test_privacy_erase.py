"""Erasing a client: a director's action behind a confirmation page and a typed confirmation,
which anonymises the client and everything written about them, keeps the history's "who and
when" without the old values, leaves the reports' figures as they were, and is harmless twice.

Irina is Sasha's buyer, handed to Anna; she referred Pavel, who bought too."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from clients import services, signals
from clients.models import (
    BonusEntry,
    Client,
    CommissionRule,
    Consent,
    Handoff,
    OrderEvent,
    Refusal,
    StageChange,
)
from reports import selectors as report_selectors
from reports.selectors import Period
from surveys import services as survey_services
from surveys.models import Survey
from tests.clients.factories import make_client, make_order
from tests.conftest import PASSWORD
from tests.helpers import MSK, assert_queries_flat
from touchpoints import calls
from touchpoints.models import Cadence, Touchpoint


@pytest.fixture
def irina(sales, account):
    client = make_client(
        originator=sales,
        account_manager=account,
        name="Irina Volkova",
        contact_person="Her husband Oleg",
        email="irina@example.com",
        postal_address="Lenina 1, Moscow",
        birthday=dt.date(1980, 5, 17),
        phones=["+7 912 345-67-89"],
        notes="Prefers evening calls",
    )
    services.client_update(client=client, by=sales, notes="Prefers evening calls; dog Rex")
    for channel in ("email", "sms"):
        services.consent_record(
            client=client, channel=channel, granted=True, method="web_form", note="site form"
        )
    order = make_order(client, by=sales, external_id="SHOP-1")
    services.order_record_event(
        order=order,
        type="ready",
        at=order.placed_at + dt.timedelta(hours=1),
        by=sales,
        note="Ring Irina at the gate",
    )
    services.refusal_record(client=client, reason="price", by=sales, details="Irina says too dear")
    return client


@pytest.fixture
def pavel(irina, sales):
    # As a call with a referral records it: the new person's notes name who recommended them.
    pavel = make_client(originator=sales, name="Pavel Orlov", notes="Recommended by Irina Volkova")
    services.referral_record(referrer=irina, referred=pavel, by=sales)
    make_order(pavel, by=sales)
    return pavel


def login(client, user) -> None:
    client.login(username=user.username, password=PASSWORD)


# --- the page --------------------------------------------------------------------------------


def test_it_shows_a_director_what_erasing_does(client, director, irina):
    login(client, director)

    response = client.get(reverse("clients:erase", args=[irina.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Erase the personal data of Irina Volkova" in page
    assert f"Erased client #{irina.pk}" in page
    assert "cannot be undone" in page
    assert reverse("clients:data_export", args=[irina.pk]) in page


def test_the_page_costs_the_same_queries_for_a_long_history(client, director, sales):
    customer = make_client(originator=sales, name="Bare")
    login(client, director)

    def add_history(count: int) -> None:
        """What the irina fixture has, `count` times."""
        for number in range(count):
            services.client_update(client=customer, by=sales, notes=f"Change {number}")
            services.consent_record(
                client=customer, channel="email", granted=True, method="web_form", note="form"
            )
            order = make_order(customer, by=sales)
            services.order_record_event(
                order=order, type="ready", at=order.placed_at + dt.timedelta(hours=1), by=sales
            )
            services.refusal_record(client=customer, reason="price", by=sales, details="Dear")

    def page() -> int:
        return client.get(reverse("clients:erase", args=[customer.pk])).status_code

    flat = assert_queries_flat(add_history, page, n=0, many=10)

    assert flat.few == flat.many == 200


@pytest.mark.parametrize("persona", ["sales", "account"])
def test_it_does_not_exist_for_managers_even_for_their_own_client(client, irina, persona, request):
    login(client, request.getfixturevalue(persona))
    url = reverse("clients:erase", args=[irina.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, {"confirmation": "ERASE"}).status_code == 404
    irina.refresh_from_db()
    assert irina.name == "Irina Volkova"
    assert irina.erased_at is None


def test_it_sends_visitors_to_log_in(client, irina):
    response = client.get(reverse("clients:erase", args=[irina.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_is_a_404_for_a_client_that_does_not_exist(client, director):
    login(client, director)

    assert client.get(reverse("clients:erase", args=[999999])).status_code == 404


@pytest.mark.parametrize("typed", ["", "Irina", "erase it", "Pavel Orlov"])
def test_it_erases_nothing_without_the_typed_confirmation(client, director, irina, typed):
    login(client, director)

    response = client.post(reverse("clients:erase", args=[irina.pk]), {"confirmation": typed})

    assert response.status_code == 200
    assert "Please correct the following" in response.content.decode()
    irina.refresh_from_db()
    assert (irina.name, irina.email, irina.erased_at) == (
        "Irina Volkova",
        "irina@example.com",
        None,
    )


@pytest.mark.parametrize("typed", ["ERASE", " erase ", "Irina Volkova"])
def test_it_erases_on_the_word_or_the_name(client, director, irina, typed):
    login(client, director)

    response = client.post(reverse("clients:erase", args=[irina.pk]), {"confirmation": typed})

    assert response.status_code == 302
    assert response["Location"] == reverse("clients:detail", args=[irina.pk])
    irina.refresh_from_db()
    assert irina.name == f"Erased client #{irina.pk}"
    assert irina.erased_by == director
    card = client.get(response["Location"]).content.decode()
    assert "personal data was erased" in card
    assert "Irina Volkova" not in card
    assert "irina@example.com" not in card


# --- what it does ----------------------------------------------------------------------------


def test_it_anonymises_the_client_and_the_free_texts_about_them(irina, director):
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=MSK), tick=False):
        services.client_erase(client=irina, by=director)

    irina.refresh_from_db()
    assert irina.name == f"Erased client #{irina.pk}"
    assert (irina.contact_person, irina.email, irina.postal_address, irina.notes) == ("",) * 4
    assert irina.birthday is None
    assert irina.erased_at == dt.datetime(2026, 11, 20, 12, tzinfo=MSK)
    assert irina.erased_by == director
    assert not irina.phones.exists()
    assert set(Consent.objects.filter(client=irina).values_list("note", flat=True)) == {""}
    assert set(OrderEvent.objects.filter(order__client=irina).values_list("note", flat=True)) == {
        ""
    }
    assert Refusal.objects.get(client=irina).details == ""
    # What counts stays: the order, its amount and status, the stage and its history.
    assert irina.orders.get().amount == Decimal("1000.00")
    assert irina.stage == "buyer"
    assert irina.stage_changes.count() == 2


def test_it_withdraws_every_consent_given(irina, director):
    services.client_erase(client=irina, by=director)

    assert services.consent_current(client=irina) == dict.fromkeys(
        ("call", "email", "sms", "post", "telegram"), False
    )
    withdrawals = Consent.objects.filter(client=irina, method=Consent.Method.ERASURE)
    assert sorted(withdrawals.values_list("channel", "granted", "recorded_by")) == [
        ("email", False, director.pk),
        ("sms", False, director.pk),
    ]


def test_it_keeps_that_changes_happened_but_not_the_old_values(irina, director):
    facts = ("history_id", "history_date", "history_type", "history_user_id", "stage")
    before = list(irina.history.order_by("history_id").values_list(*facts))

    services.client_erase(client=irina, by=director)

    history = list(irina.history.order_by("history_id"))
    assert [tuple(getattr(row, fact) for fact in facts) for row in history[:-1]] == before
    for row in history:
        assert row.name == f"Erased client #{irina.pk}"
        assert (row.contact_person, row.email, row.postal_address, row.notes) == ("",) * 4
        assert row.birthday is None
    erasure = history[-1]
    assert (erasure.history_user, erasure.history_change_reason) == (director, "erase")


def test_it_erases_the_name_where_services_wrote_it_into_other_clients_records(
    irina, pavel, director
):
    services.client_erase(client=irina, by=director)

    placeholder = f"Erased client #{irina.pk}"
    pavel.refresh_from_db()
    assert pavel.notes == f"Recommended by {placeholder}"
    assert all("Irina" not in row.notes for row in pavel.history.all())
    assert not StageChange.objects.filter(reason__contains="Irina").exists()
    assert not BonusEntry.objects.filter(note__contains="Irina").exists()
    assert not Handoff.objects.filter(notes__contains="Irina").exists()
    # Pavel keeps his own name.
    assert StageChange.objects.filter(client=irina, reason__contains="Pavel Orlov").exists()
    assert Handoff.objects.get(client=pavel).notes == f"Recommended by {placeholder}"


def test_it_blanks_the_referral_rewards(irina, sales, director):
    from clients.models import Referral

    vera = make_client(originator=sales, name="Vera Referrer")
    services.referral_record(
        referrer=vera, referred=irina, by=sales, reward="Gift for Irina Volkova"
    )
    gleb = make_client(originator=sales, name="Gleb Referred")
    services.referral_record(referrer=irina, referred=gleb, by=sales, reward="500 points to Irina")

    services.client_erase(client=irina, by=director)

    assert Referral.objects.get(referred=gleb).reward == ""
    # Vera's reward is hers; only Irina's name goes from it.
    assert Referral.objects.get(referrer=vera).reward == f"Gift for Erased client #{irina.pk}"


def test_it_renames_the_client_in_the_admin_log(irina, director):
    LogEntry.objects.create(
        user=director,
        content_type=ContentType.objects.get_for_model(Client),
        object_id=str(irina.pk),
        object_repr="Irina Volkova",
        action_flag=CHANGE,
        change_message="[]",
    )

    services.client_erase(client=irina, by=director)

    assert LogEntry.objects.get().object_repr == f"Erased client #{irina.pk}"


def test_it_is_harmless_twice(irina, director, other_account):
    services.client_erase(client=irina, by=director)
    irina.refresh_from_db()
    first = (irina.erased_at, irina.erased_by, irina.history.count(), irina.consents.count())

    services.client_erase(client=irina, by=other_account)

    irina.refresh_from_db()
    assert (irina.erased_at, irina.erased_by, irina.history.count(), irina.consents.count()) == (
        first
    )


def test_it_blanks_again_what_was_added_since(irina, director):
    services.client_erase(client=irina, by=director)
    services.client_update(
        client=irina, by=director, email="new@example.com", phones=["+7 912 000-00-01"]
    )

    services.client_erase(client=irina, by=director)

    irina.refresh_from_db()
    assert irina.email == ""
    assert not irina.phones.exists()
    assert {row.email for row in irina.history.all()} == {""}


def test_it_changes_nothing_when_a_later_app_fails(irina, director):
    def broken(**kwargs):
        raise RuntimeError("a receiver failed")

    signals.client_erased.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            services.client_erase(client=irina, by=director)
    finally:
        signals.client_erased.disconnect(broken)

    irina.refresh_from_db()
    assert (irina.name, irina.erased_at) == ("Irina Volkova", None)
    assert irina.phones.exists()
    assert {row.name for row in irina.history.all()} == {"Irina Volkova"}


# --- the reports' figures ----------------------------------------------------------------------

NOW = dt.datetime(2026, 12, 1, 9, tzinfo=MSK)
NOVEMBER = Period.from_dates(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
AUTUMN = Period.from_dates(dt.date(2026, 9, 1), dt.date(2026, 11, 30))


def at(month: int, day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=MSK)


def bought(client, when, delivered=None, promised=None, amount="1000.00", by=None):
    with time_machine.travel(when, tick=False):
        order = services.order_record(
            client=client, amount=Decimal(amount), placed_at=when, promised_date=promised, by=by
        ).order
    if delivered:
        with time_machine.travel(delivered, tick=False):
            services.order_record_event(order=order, type="delivered", at=delivered, by=by)
    return order


@pytest.fixture
def world(sales, account, director):
    """Vera, whom the test erases, and Gleb, who stays, with every kind of figure: purchases,
    a referral, a refusal, touchpoints done, late, open and ahead, calls with scores, a survey
    answer, a service case and an open recovery call."""
    Cadence.objects.update(is_active=False)
    CommissionRule.objects.create(percentage=Decimal("10"), effective_from=dt.date(2026, 1, 1))
    with time_machine.travel(at(9, 1), tick=False):
        vera = make_client(originator=sales, account_manager=account, name="Vera Lapina")
        gleb = make_client(originator=sales, account_manager=account, name="Gleb Sidorov")
    bought(vera, at(9, 10), delivered=at(9, 12))
    order = bought(
        vera, at(11, 3), promised=dt.date(2026, 11, 5), delivered=at(11, 7), amount="2500.00"
    )
    bought(gleb, at(11, 4), delivered=at(11, 5), promised=dt.date(2026, 11, 6))
    with time_machine.travel(at(11, 8), tick=False):
        services.referral_record(referrer=vera, referred=gleb, by=sales)
        services.refusal_record(client=vera, reason="price", by=sales, details="Too dear")

    def owed(client, day, status, closed=None):
        return Touchpoint.objects.create(
            client=client,
            order=order if client == vera else None,
            anchor_key=f"t{client.pk}-{day}",
            due_at=at(11, day, 10) if day <= 30 else at(12, day - 30, 10),
            channel="call",
            assignee=account,
            purpose="Call",
            status=status,
            closed_at=closed,
        )

    call = owed(vera, 9, "planned")
    owed(vera, 10, "done", at(11, 12))
    owed(vera, 20, "planned")  # overdue now
    owed(vera, 40, "planned")  # ahead, in December
    owed(gleb, 21, "planned")
    report = calls.CallReport(
        outcome="reached",
        satisfaction=4,
        note="Vera loves the sofa",
        next_contact_on=dt.date(2026, 12, 20),
        upsell="accepted",
    )
    with time_machine.travel(at(11, 9, 15), tick=False):
        calls.touchpoint_complete(touchpoint=call, report=report, by=account)
    survey = Survey.objects.get(slug="after-delivery")
    with time_machine.travel(at(11, 10), tick=False):
        for client, score, text in ((vera, "5", "All good, Vera"), (gleb, "2", "Late")):
            invitation = survey_services.invitation_for(survey=survey, client=client, order=None)
            answers = {
                str(q.pk): {"score": score, "nps": "9", "text": text}[q.kind]
                for q in survey.questions.all()
                if q.kind in ("score", "nps", "text")
            }
            survey_services.survey_answer(invitation=invitation, data=answers)
        survey_services.service_case_record(
            client=vera,
            by=account,
            order=order,
            opened_on=dt.date(2026, 11, 10),
            problem="Scratched leg, Vera upset",
            severity="low",
            satisfaction=3,
            resolution="Replaced",
        )
    return vera


def figures() -> list[dict]:
    return [
        report_selectors.headline(period, NOW) for period in (NOVEMBER, NOVEMBER.previous, AUTUMN)
    ]


def test_it_leaves_the_reports_figures_as_they_were(world, director):
    with time_machine.travel(NOW, tick=False):
        before = figures()
        services.client_erase(client=world, by=director)
        after = figures()

    assert after == before
    assert before[0]["responses"] > 0
    assert before[0]["open_recovery"] == 1  # Gleb's
    assert before[0]["commissions"] > 0
