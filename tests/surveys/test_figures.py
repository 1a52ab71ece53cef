"""Satisfaction figures on a data set small enough to compute by hand.

Ten responses in November 2026:
  survey  scores 5, 5, 4, 2        nps 10, 9, 7, 3
  call    scores 4, 3, 1
  service scores 2, 5, (none)      nps 8 (on the case without a score)

Scores: 9 in all; 4–5: 5, 5, 4, 4, 5 → 5 satisfied → rate 55.6 %.
Distribution: 1→1, 2→2, 3→1, 4→2, 5→3.
NPS: answers 10, 9, 7, 3, 8 → promoters 2, detractors 1 (3) → (2 − 1) / 5 = 20.
By source: survey 3/4 = 75.0 %, NPS (2 − 1) / 4 = 25; call 1/3 = 33.3 %; service 1/2 = 50.0 %.
"""

import datetime as dt

import pytest

from clients.models import Client
from surveys import selectors
from surveys.models import Response, ServiceCase
from tests.helpers import MSK

NOVEMBER = (dt.datetime(2026, 11, 1, tzinfo=MSK), dt.datetime(2026, 12, 1, tzinfo=MSK))


def at(day: int, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, 12, tzinfo=MSK)


@pytest.fixture
def data(account, other_account):
    clients = Client.objects.bulk_create(Client(name=f"C{n}") for n in range(6))
    rows = [
        ("survey", 5, 10, 0, account, at(2)),
        ("survey", 5, 9, 1, account, at(3)),
        ("survey", 4, 7, 2, other_account, at(4)),
        ("survey", 2, 3, 3, other_account, at(5)),
        ("call", 4, None, 0, account, at(6)),
        ("call", 3, None, 2, other_account, at(7)),
        ("call", 1, None, 4, account, at(8)),
        ("service", 2, None, 3, account, at(9)),
        ("service", 5, None, 5, other_account, at(10)),
        ("service", None, 8, 5, account, at(11)),
        ("survey", 1, 0, 0, account, at(15, month=10)),  # October: outside the window
    ]
    Response.objects.bulk_create(
        Response(
            source=source,
            score=score,
            nps=nps,
            client=clients[c],
            manager=manager,
            at=when,
            origin_key=f"r{n}",
        )
        for n, (source, score, nps, c, manager, when) in enumerate(rows)
    )
    return clients


def test_the_headline_figures(data):
    figures = selectors.satisfaction(selectors.responses_between(*NOVEMBER))

    assert (figures.scores, figures.satisfied, figures.rate) == (9, 5, 55.6)
    assert figures.distribution == {1: 1, 2: 2, 3: 1, 4: 2, 5: 3}
    assert (figures.nps_answers, figures.promoters, figures.detractors, figures.nps) == (
        5,
        2,
        1,
        20,
    )


def test_figures_by_source(data):
    by_source = selectors.satisfaction_by(selectors.responses_between(*NOVEMBER), "source")

    assert {source: f.rate for source, f in by_source.items()} == {
        "call": 33.3,
        "service": 50.0,
        "survey": 75.0,
    }
    assert by_source["survey"].nps == 25
    assert by_source["call"].nps is None


def test_figures_by_manager_and_month(data, account, other_account):
    november = selectors.responses_between(*NOVEMBER)
    by_manager = selectors.satisfaction_by(november, "manager")
    # account: 5, 5, 4, 1, 2 → 3 of 5; other: 4, 2, 3, 5 → 2 of 4.
    assert (by_manager[account.pk].rate, by_manager[other_account.pk].rate) == (60.0, 50.0)

    by_month = selectors.satisfaction_by(selectors.responses_between(), "month")
    assert [(month.month, figures.scores) for month, figures in by_month.items()] == [
        (10, 1),
        (11, 9),
    ]
    one_manager = selectors.satisfaction(
        selectors.responses_between(*NOVEMBER, manager=other_account)
    )
    assert one_manager.scores == 4


def test_no_scores_no_rate(db):
    figures = selectors.satisfaction(Response.objects.none())

    assert (figures.rate, figures.nps) == (None, None)


def test_hidden_dissatisfaction(data):
    # C0: positive survey + call 4 → fine. C2: survey 4 + call 3 → hidden.
    # C3: survey 2 → not positive. C1: positive survey + an open service case → hidden.
    ServiceCase.objects.create(
        client=data[1], opened_on=dt.date(2026, 11, 20), problem="Creaks", severity="low"
    )
    # A resolved case does not count, nor one opened outside the window.
    ServiceCase.objects.create(
        client=data[0],
        opened_on=dt.date(2026, 11, 20),
        problem="x",
        severity="low",
        resolved_at=at(21),
    )
    ServiceCase.objects.create(
        client=data[0], opened_on=dt.date(2026, 10, 20), problem="y", severity="low"
    )

    hidden = selectors.hidden_dissatisfaction(*NOVEMBER)

    assert sorted(client.name for client in hidden) == ["C1", "C2"]
