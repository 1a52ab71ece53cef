import datetime as dt
import re

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
    fields.setdefault("due_at", timezone.now() - dt.timedelta(days=1))
    fields.setdefault("purpose", "Three-month card")
    fields.setdefault("template_slug", "card")
    return Touchpoint.objects.create(
        client=client,
        anchor_key=f"card:{Touchpoint.objects.count()}",
        channel="post",
        assignee=assignee,
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

    assert flat.queries == 6


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

    assert "No cards or letters due by this day" in client.get("/post/").content.decode()


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


def test_it_does_not_post_a_letter_its_clients_originator_may_see_but_not_act_on(
    client, sales, cards
):
    # Sales brought both clients, so both letters are on their list; they are the account
    # managers' to post, as the API's skip of the same letter (a 403) says.
    client.force_login(sales)

    response = client.post("/post/sent/", {"id": [cards[0].pk, cards[1].pk]}, follow=True)

    for card in cards:
        card.refresh_from_db()
        assert card.status == "planned"
    assert "2 letters were not marked as posted" in response.content.decode()


def test_it_posts_the_letters_it_may_and_counts_those_refused(
    client, account, other_account, cards
):
    client.force_login(account)

    response = client.post("/post/sent/", {"id": [cards[0].pk, cards[1].pk, 999999]}, follow=True)

    cards[0].refresh_from_db()
    cards[1].refresh_from_db()
    assert (cards[0].status, cards[1].status) == ("done", "planned")
    page = response.content.decode()
    assert "1 letter marked as posted." in page
    assert "2 letters were not marked as posted" in page


# --- how far ahead, what comes ticked, one line per letter ------------------------------------


def ticked(html: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="id" value="([\d,]+)"[^>]* checked>', html)


def test_it_lists_a_week_ahead_and_ticks_only_what_is_due_by_today(client, account, cards):
    due_in_a_few_days = postal_task(
        cards[0].client,
        account,
        due_at=timezone.now() + dt.timedelta(days=5),
        purpose="Soon",
        template_slug="soon",
    )
    postal_task(
        cards[0].client,
        account,
        due_at=timezone.now() + dt.timedelta(days=20),
        purpose="Later",
        template_slug="later",
    )
    client.force_login(account)

    html = client.get("/post/").content.decode()

    assert "Soon" in html and "Later" not in html
    assert ticked(html) == [str(cards[0].pk)]
    assert f'value="{due_in_a_few_days.pk}"' in html
    later = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert "Later" in client.get("/post/", {"until": later}).content.decode()


def test_a_wrong_day_is_explained_and_the_default_week_shown(client, account, cards):
    client.force_login(account)

    for value, message in (
        ("31.12.2026", "Enter a date such as 2026-05-31."),
        ("9999-12-31", "Choose a day within two years."),
    ):
        response = client.get("/post/", {"until": value})
        html = response.content.decode()
        assert response.status_code == 200
        assert "Due up to" in html and message in html
        assert "Mine" in html


def test_the_same_letter_owed_twice_is_one_line_printed_once_and_posted_together(
    client, account, cards
):
    again = postal_task(cards[0].client, account)
    client.force_login(account)

    html = client.get("/post/").content.decode()

    both = f"{cards[0].pk},{again.pk}"
    assert ticked(html) == [both]
    assert "owed 2 times" in html
    printed = client.get("/post/print/", {"id": [both]}).content.decode()
    assert printed.count('class="letter"') == 1
    client.post("/post/sent/", {"id": [both]})
    assert set(
        Touchpoint.objects.filter(pk__in=[cards[0].pk, again.pk]).values_list("status", flat=True)
    ) == {"done"}
