"""Two managers resolving one service case: one wins, the other is told it is resolved already,
and the case and the satisfaction response the reports read keep the same score."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone
from rest_framework.test import APIClient

from surveys import services
from surveys.models import Response, ServiceCase, Source
from tests.clients.factories import make_client


def open_case(client, by) -> ServiceCase:
    return services.service_case_record(
        client=client, by=by, opened_on=timezone.localdate(), problem="Door", severity="low"
    )


def test_it_refuses_a_second_resolution_from_a_stale_page(customer, account, director):
    case = open_case(customer, account)
    seen_by_anna = ServiceCase.objects.get(pk=case.pk)
    seen_by_dina = ServiceCase.objects.get(pk=case.pk)
    services.service_case_resolve(case=seen_by_anna, resolution="Fixed", satisfaction=5, by=account)

    with pytest.raises(ValidationError, match="resolved already"):
        services.service_case_resolve(
            case=seen_by_dina, resolution="Replaced", satisfaction=1, by=director
        )

    case.refresh_from_db()
    response = Response.objects.get(source=Source.SERVICE, client=customer)
    assert (case.satisfaction, case.resolution, response.score) == (5, "Fixed", 5)


def test_it_answers_the_api_loser_with_a_400_naming_the_reason(customer, account):
    case = open_case(customer, account)
    api = APIClient()
    api.force_authenticate(account)
    url = f"/api/v1/service-cases/{case.pk}/resolve/"

    first = api.post(url, {"resolution": "Fixed", "satisfaction": 4}, format="json")
    second = api.post(url, {"resolution": "Again", "satisfaction": 2}, format="json")

    assert first.status_code == 200
    assert second.status_code == 400
    assert "resolved already" in str(second.json())


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_managers_resolving_at_once_leave_one_score(postgres, sales, account, director):
    client = make_client(originator=sales, account_manager=account, name="Race")
    case = open_case(client, account)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def resolve(by, score: int) -> None:
        stale = ServiceCase.objects.get(pk=case.pk)
        barrier.wait(timeout=10)
        try:
            services.service_case_resolve(
                case=stale, resolution=f"By {by.username}", satisfaction=score, by=by
            )
            outcomes.append("won")
        except ValidationError:
            outcomes.append("lost")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=resolve, args=(account, 5)),
        threading.Thread(target=resolve, args=(director, 1)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["lost", "won"]
    case.refresh_from_db()
    responses = list(Response.objects.filter(source=Source.SERVICE, client=client))
    assert len(responses) == 1
    assert responses[0].score == case.satisfaction
