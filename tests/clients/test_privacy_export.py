"""A client's data as one JSON file, and their consent history as CSV: for whoever may see the
client, recorded in the client's history, in a fixed number of queries.

Irina is Sasha's buyer, handed to Anna."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from clients import services
from clients.models import CommissionRule
from tests.clients.factories import make_client, make_order
from tests.conftest import PASSWORD
from tests.helpers import assert_queries_flat


@pytest.fixture
def irina(sales, account):
    client = make_client(
        originator=sales,
        account_manager=account,
        name="Irina Volkova",
        email="irina@example.com",
        phones=["+7 912 345-67-89"],
        birthday=dt.date(1980, 5, 17),
    )
    services.consent_record(client=client, channel="email", granted=True, method="web_form")
    make_order(client, by=sales, external_id="SHOP-1")
    return client


def login(client, user) -> None:
    client.login(username=user.username, password=PASSWORD)


def download(client, irina) -> dict:
    response = client.get(reverse("clients:data_export", args=[irina.pk]))
    assert response.status_code == 200
    return json.loads(response.content)


@pytest.mark.parametrize("persona", ["sales", "account", "director"])
def test_it_gives_the_file_to_whoever_may_see_the_client(client, irina, persona, request):
    login(client, request.getfixturevalue(persona))

    response = client.get(reverse("clients:data_export", args=[irina.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="client-{irina.pk}-data-'
    )
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("persona", ["other_sales", "other_account"])
def test_it_is_a_404_for_another_managers_client(client, irina, persona, request):
    login(client, request.getfixturevalue(persona))

    assert client.get(reverse("clients:data_export", args=[irina.pk])).status_code == 404
    assert client.get(reverse("clients:consent_export", args=[irina.pk])).status_code == 404
    assert not irina.history.filter(history_change_reason__isnull=False).exists()


def test_it_sends_visitors_to_log_in(client, irina):
    response = client.get(reverse("clients:data_export", args=[irina.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_says_what_the_file_holds_and_holds_every_section(client, irina, sales):
    login(client, sales)

    data = download(client, irina)

    about = data["what_this_file_holds"]
    assert f"client #{irina.pk}" in about["summary"]
    assert list(about["sections"]) == list(data)[1:]
    assert set(about["sections"]) >= {
        "client",
        "phones",
        "consents",
        "stage_history",
        "orders",
        "handoff",
        "referrals",
        "refusals",
        "bonus_points",
        "commissions",
        "audit_history",
        # Registered by touchpoints and surveys.
        "touchpoints",
        "messages",
        "survey_invitations",
        "survey_responses",
        "service_cases",
    }
    assert all(about["sections"].values())


def test_it_is_indented_for_people_to_read(client, irina, sales):
    login(client, sales)

    body = client.get(reverse("clients:data_export", args=[irina.pk])).content.decode()

    assert body.startswith('{\n  "what_this_file_holds": {\n')
    assert "Irina Volkova" in body  # not escaped as \\u sequences either


def test_it_holds_the_clients_details_orders_and_consents(client, irina, sales, account):
    login(client, sales)

    data = download(client, irina)

    assert data["client"]["name"] == "Irina Volkova"
    assert data["client"]["birthday"] == "1980-05-17"
    assert data["client"]["account_manager"] == "Anna"
    assert data["phones"] == [{"number": "+79123456789", "label": "", "primary": True}]
    assert data["consents"]["current"] == {
        "call": False,
        "email": True,
        "sms": False,
        "post": False,
        "telegram": False,
    }
    assert data["consents"]["history"][0]["how"] == "web_form (Web form)"
    [order] = data["orders"]
    assert (order["external_id"], order["amount"]) == ("SHOP-1", "1000.00")
    assert [event["event"] for event in order["events"]] == ["placed"]
    assert [change["to"] for change in data["stage_history"]] == ["prospect", "buyer"]
    assert data["handoff"]["to"] == "Anna"


def test_it_names_other_people_by_their_client_number_only(client, irina, sales):
    pavel = make_client(originator=sales, name="Pavel Orlov")
    services.referral_record(referrer=irina, referred=pavel, by=sales)
    login(client, sales)

    data = download(client, irina)

    assert data["referrals"]["referred"][0]["referred_client_id"] == pavel.pk
    assert "Pavel" not in json.dumps(data["referrals"])


def test_it_names_other_people_by_number_in_the_whole_file(client, irina, sales):
    # The services write the referred person's name into Irina's stage history ("Referred …")
    # and bonus ledger ("… bought"); the reward text may name them too.
    pavel = make_client(originator=sales, name="ООО Павел и Ко")
    services.referral_record(
        referrer=irina, referred=pavel, by=sales, reward="5% for ООО Павел и Ко"
    )
    make_order(pavel, by=sales)
    login(client, sales)

    text = json.dumps(download(client, irina), ensure_ascii=False)

    assert "Павел" not in text
    assert f"client #{pavel.pk}" in text


def test_it_records_the_download_in_the_clients_history(client, irina, account):
    login(client, account)

    data = download(client, irina)

    record = irina.history.latest()
    assert (record.history_user, record.history_change_reason) == (account, "data-export")
    # The file's own audit history shows this download.
    assert data["audit_history"][0]["reason"] == "Personal data downloaded"
    assert data["audit_history"][0]["by"] == "Anna"


def test_it_costs_the_same_queries_for_a_short_and_a_long_history(client, sales, account):
    CommissionRule.objects.create(percentage=10, effective_from=dt.date(2020, 1, 1))
    customer = make_client(
        originator=sales, account_manager=account, name="Customer", phones=["+7 912 000-00-01"]
    )
    make_order(customer, by=sales)  # the short history: one order

    def add_history(count: int) -> None:
        for number in range(count):
            order = make_order(customer, by=sales)
            services.order_record_event(
                order=order, type="delivered", at=order.placed_at + dt.timedelta(hours=2), by=sales
            )
            services.client_update(client=customer, by=account, notes=f"Change {number}")
            services.consent_record(
                client=customer, channel="sms", granted=bool(number % 2), method="phone", by=account
            )
            services.refusal_record(client=customer, reason="price", by=sales)
            services.bonus_record(client=customer, kind="earned", points=10)

    login(client, sales)
    flat = assert_queries_flat(add_history, lambda: download(client, customer), n=0, many=6)

    assert len(flat.few["orders"]) == 1
    assert len(flat.many["orders"]) == 1 + 6
    assert len(flat.many["audit_history"]) > 20


# --- the consent history -----------------------------------------------------------------------


def test_it_shows_the_whole_consent_history_on_the_card(client, irina, sales):
    services.consent_record(
        client=irina, channel="email", granted=False, method="unsubscribe", note="link"
    )
    login(client, sales)

    page = client.get(reverse("clients:detail", args=[irina.pk])).content.decode()

    assert "History: 2 records" in page
    assert "withdrawn" in page
    assert "unsubscribe link — link" in page
    assert reverse("clients:consent_export", args=[irina.pk]) in page


def test_it_exports_the_consent_history_as_csv(client, irina, sales, account):
    services.consent_record(
        client=irina, channel="sms", granted=False, method="phone", by=account, note="=cmd()"
    )
    login(client, sales)

    response = client.get(reverse("clients:consent_export", args=[irina.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="consents-client-{irina.pk}-'
    )
    lines = response.content.decode().splitlines()
    assert lines[0] == "\ufeffchannel,granted,at,how,note,recorded_by"
    assert lines[1].startswith("sms,no,")
    assert lines[1].endswith(",phone,'=cmd(),Anna")
    assert lines[2].startswith("email,yes,")
    assert len(lines) == 3
    record = irina.history.latest()
    assert (record.history_user, record.history_change_reason) == (sales, "consent-export")


def test_it_links_the_privacy_pages_from_the_card(client, irina, sales, director):
    login(client, sales)
    page = client.get(reverse("clients:detail", args=[irina.pk])).content.decode()

    assert reverse("clients:history", args=[irina.pk]) in page
    assert reverse("clients:data_export", args=[irina.pk]) in page
    assert reverse("clients:erase", args=[irina.pk]) not in page

    login(client, director)
    page = client.get(reverse("clients:detail", args=[irina.pk])).content.decode()

    assert reverse("clients:erase", args=[irina.pk]) in page
