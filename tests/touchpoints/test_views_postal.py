import datetime as dt

import pytest
from django.utils import timezone

from tests.clients.factories import make_client
from tests.helpers import assert_queries_flat
from touchpoints.models import MessageTemplate, Touchpoint


@pytest.fixture
def letter_template(db):
    return MessageTemplate.objects.create(
        slug="card",
        channel="post",
        language="en",
        body_text="Dear {{ client.name }}, we remember you. {{ manager.get_full_name }}",
    )


def postal_task(client, assignee, **fields) -> Touchpoint:
    return Touchpoint.objects.create(
        client=client,
        anchor_key=f"card:{Touchpoint.objects.count()}",
        channel="post",
        due_at=timezone.now() - dt.timedelta(days=1),
        assignee=assignee,
        purpose="Three-month card",
        template_slug="card",
        **fields,
    )


@pytest.fixture
def cards(sales, account, other_account, letter_template):
    mine = make_client(
        originator=sales, account_manager=account, name="Mine", postal_address="Moscow, Sadovaya 1"
    )
    theirs = make_client(originator=sales, account_manager=other_account, name="Theirs")
    return postal_task(mine, account), postal_task(theirs, other_account)


def test_it_lists_my_postal_tasks(client, account, cards, django_assert_max_num_queries):
    client.force_login(account)

    with django_assert_max_num_queries(8):
        page = client.get("/post/").content.decode()

    assert "Mine" in page and "Moscow, Sadovaya 1" in page
    assert "Theirs" not in page


def test_the_query_count_does_not_grow_with_the_list(client, account, cards):
    client.force_login(account)

    def add_tasks(count: int) -> None:
        for _ in range(count):
            postal_task(cards[0].client, account)

    flat = assert_queries_flat(add_tasks, lambda: client.get("/post/"), n=0, many=20)

    assert flat.queries == 5


def test_it_prints_one_page_per_letter(client, account, cards):
    client.force_login(account)

    page = client.get("/post/print/", {"id": [cards[0].pk]}).content.decode()

    assert page.count('class="letter"') == 1
    assert "Dear Mine, we remember you." in page


def test_another_managers_letter_is_not_found(client, account, cards):
    client.force_login(account)

    assert client.get("/post/print/", {"id": [cards[1].pk]}).status_code == 404
    client.post("/post/sent/", {"id": [cards[1].pk]})
    cards[1].refresh_from_db()
    assert cards[1].status == "planned"


def test_it_confirms_letters_as_posted(client, account, cards):
    client.force_login(account)

    response = client.post("/post/sent/", {"id": [cards[0].pk]}, follow=True)

    cards[0].refresh_from_db()
    assert (cards[0].status, cards[0].outcome) == ("done", "posted")
    assert "1 letter marked as posted." in response.content.decode()


def test_nothing_selected_is_explained(client, account, cards):
    client.force_login(account)

    response = client.post("/post/sent/", {}, follow=True)

    assert "Select at least one letter." in response.content.decode()


def test_a_director_sees_every_letter_and_anonymous_users_log_in(client, director, cards):
    assert client.get("/post/").status_code == 302
    client.force_login(director)
    page = client.get("/post/").content.decode()
    assert "Mine" in page and "Theirs" in page


def test_the_empty_list_says_what_happens(client, sales):
    client.force_login(sales)

    assert "No cards or letters to send" in client.get("/post/").content.decode()


def test_unsubscribe_records_the_opt_out(client, sales):
    from clients.services import consent_current, consent_record
    from touchpoints.messaging import unsubscribe_token

    customer = make_client(originator=sales, email="u@example.com")
    consent_record(client=customer, channel="email", granted=True, method="web_form")
    url = f"/u/{unsubscribe_token(customer)}/"

    assert "Stop e-mails" in client.get(url).content.decode()
    assert consent_current(client=customer)["email"] is True
    response = client.post(url)

    assert response.status_code == 200
    assert consent_current(client=customer)["email"] is False
    assert customer.consents.first().method == "unsubscribe"
    assert client.get("/u/forged-token/").status_code == 404
