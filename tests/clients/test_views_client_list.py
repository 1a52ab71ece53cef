import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients import services, views
from clients.models import Channel, Consent, Stage
from tests.clients.factories import make_client, make_order
from tests.helpers import assert_queries_flat

URL = reverse("clients:list")


def page_of(client, user, query: str = "", **headers) -> str:
    client.force_login(user)
    response = client.get(URL + query, **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_it_sends_anonymous_visitors_to_login(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={URL}"


def test_it_is_404_for_a_user_without_a_role(client, db):
    client.force_login(User.objects.create_user("nobody"))

    assert client.get(URL).status_code == 404


def test_it_lists_only_the_clients_the_user_may_see(client, sales, other_sales):
    make_client(originator=sales, name="Irina Mine")
    make_client(originator=other_sales, name="Oleg Theirs")

    page = page_of(client, sales)

    assert "Irina Mine" in page
    assert "Oleg Theirs" not in page


def test_it_shows_the_columns(client, sales, account):
    irina = make_client(
        originator=sales,
        account_manager=account,
        name="Irina",
        email="irina@example.com",
        phones=["8 912 345-67-89", "+7 999 000-00-00"],
    )
    make_order(irina, placed_at=timezone.make_aware(dt.datetime(2024, 3, 5, 12, 0)))

    page = page_of(client, sales)

    assert f'href="{reverse("clients:detail", args=[irina.pk])}">Irina</a>' in page
    assert 'href="tel:+79123456789"' in page
    assert "+79990000000" not in page  # the primary phone only
    assert "mailto:irina@example.com" in page
    assert "Buyer" in page
    assert "Anna" in page and "Sasha" in page
    assert 'datetime="2024-03-05T12:00:00+03:00"' in page


def test_it_finds_a_phone_written_in_another_format(client, sales):
    make_client(originator=sales, name="Irina", phones=["+7 912 345-67-89"])
    make_client(originator=sales, name="Oleg", phones=["+7 999 000-00-00"])

    page = page_of(client, sales, "?q=8(912)3456789")

    assert "Irina" in page
    assert "Oleg" not in page


def test_it_filters_by_stage_consent_and_archive(client, sales):
    buyer = make_client(originator=sales, name="Bella Buyer")
    make_order(buyer)
    make_client(originator=sales, name="Petr Prospect")
    archived = make_client(originator=sales, name="Artem Archived")
    services.client_archive(client=archived, by=sales)
    services.consent_record(
        client=buyer, channel=Channel.SMS, granted=True, method=Consent.Method.IN_PERSON
    )

    by_stage = page_of(client, sales, f"?stage={Stage.BUYER}")
    assert "Bella Buyer" in by_stage and "Petr Prospect" not in by_stage

    by_consent = page_of(client, sales, "?consent=sms")
    assert "Bella Buyer" in by_consent and "Petr Prospect" not in by_consent

    active = page_of(client, sales)
    assert "Artem Archived" not in active
    archive = page_of(client, sales, "?archived=true")
    assert "Artem Archived" in archive and "Bella Buyer" not in archive


def test_it_pages_without_counting_the_table(client, sales, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for name in ("Anna", "Boris", "Vera", "Gleb", "Dasha"):
        make_client(originator=sales, name=f"{name} Smith")
    client.force_login(sales)

    with CaptureQueriesContext(connection) as queries:
        first = client.get(URL + "?q=Smith").content.decode()
    # (The menu's counters count touchpoints and handoffs, not clients.)
    assert not any(
        "COUNT(" in query["sql"].upper() and "clients_client" in query["sql"]
        for query in queries.captured_queries
    )
    assert "Anna Smith" in first and "Boris Smith" in first and "Dasha Smith" not in first
    assert 'href="?q=Smith&amp;page=2"' in first
    assert 'rel="prev"' not in first

    last = client.get(URL + "?q=Smith&page=3").content.decode()
    assert "Vera Smith" in last  # ordered by name: Anna, Boris, Dasha, Gleb, Vera
    assert 'href="?q=Smith&amp;page=2"' in last
    assert 'rel="next"' not in last


def test_it_tolerates_a_page_number_that_is_not_one(client, sales):
    make_client(originator=sales, name="Irina")

    assert "Irina" in page_of(client, sales, "?page=abc")
    assert "nothing on this page" in page_of(client, sales, "?page=9")


def test_it_says_what_to_do_when_there_are_no_clients(client, sales):
    page = page_of(client, sales)

    assert "No clients yet." in page
    assert f'href="{reverse("clients:create")}"' in page


def test_it_says_when_a_search_finds_nothing(client, sales):
    make_client(originator=sales, name="Irina")

    page = page_of(client, sales, "?q=Zinaida")

    assert "No client matches this search." in page
    assert "No clients yet." not in page


def test_it_gives_htmx_the_results_only(client, sales):
    make_client(originator=sales, name="Irina")

    page = page_of(client, sales, "?q=Iri", HTTP_HX_REQUEST="true")

    assert "Irina" in page
    assert "<html" not in page
    assert 'id="id_q"' not in page


def test_it_gives_a_history_restore_the_whole_page(client, sales):
    page = page_of(
        client, sales, "?q=Iri", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )

    assert "<html" in page


@pytest.mark.parametrize("role_user", ["sales", "director"])
def test_it_makes_as_many_queries_for_30_clients_as_for_3(client, role_user, request, account):
    user = request.getfixturevalue(role_user)

    def add_clients(count: int) -> None:
        for _ in range(count):
            buyer = make_client(
                originator=user if role_user == "sales" else None,
                account_manager=account,
                phones=["+7 912 000-00-00", "+7 913 000-00-00"],
            )
            make_order(buyer)

    client.force_login(user)
    flat = assert_queries_flat(add_clients, lambda: client.get(URL))

    assert flat.few.status_code == 200
    assert flat.many.content.decode().count('href="tel:') == 30


def test_it_links_to_the_export_with_the_current_filters(client, sales):
    make_client(originator=sales, name="Irina")

    page = page_of(client, sales, "?q=Iri&stage=prospect&page=1")

    export = reverse("clients:export")
    assert f'href="{export}?q=Iri&amp;stage=prospect&amp;format=csv"' in page
    assert f'href="{export}?q=Iri&amp;stage=prospect&amp;format=xlsx"' in page


def test_it_offers_the_import_to_directors_only(client, sales, director):
    import_url = f'href="{reverse("clients:import")}"'

    assert import_url not in page_of(client, sales)
    assert import_url in page_of(client, director)
