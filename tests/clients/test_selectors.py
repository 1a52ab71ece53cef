from django.utils import timezone

from clients import selectors, services
from clients.models import Client
from tests.clients.factories import make_client
from tests.helpers import assert_queries_flat


def test_each_role_sees_its_own_clients(sales, other_sales, account, other_account, director):
    mine = make_client(originator=sales, account_manager=account)
    lead = make_client(originator=sales)
    theirs = make_client(originator=other_sales, account_manager=other_account)

    def visible(user):
        return set(selectors.clients_visible_to(user))

    assert visible(sales) == {mine, lead}
    assert visible(other_sales) == {theirs}
    assert visible(account) == {mine}
    assert visible(director) == {mine, lead, theirs}


def test_a_user_without_a_role_sees_nothing(db):
    from django.contrib.auth.models import User

    make_client()
    assert not selectors.clients_visible_to(User.objects.create_user("x")).exists()


def test_search_finds_phones_in_any_format(sales):
    wanted = make_client(originator=sales, name="Irina", phones=["+7 912 345-67-89"])
    make_client(originator=sales, name="Oleg", phones=["+7 999 000-00-00"])
    everyone = Client.objects.all()

    for query in ("89123456789", "8 (912) 345-67-89", "+79123456789", "4567", "Irina", "irin"):
        assert list(selectors.client_search(everyone, query)) == [wanted], query


def test_search_finds_e_mail_and_contact_person(sales):
    wanted = make_client(
        originator=sales,
        name="Stroy LLC",
        kind="company",
        contact_person="Pavel",
        email="p@stroy.ru",
    )
    make_client(originator=sales, name="Other")
    everyone = Client.objects.all()

    assert list(selectors.client_search(everyone, "P@STROY.RU")) == [wanted]
    assert list(selectors.client_search(everyone, "pavel")) == [wanted]
    assert selectors.client_search(everyone, "  ").count() == 2


def test_consent_filter_uses_the_newest_record(sales):
    yes = make_client(originator=sales)
    withdrawn = make_client(originator=sales)
    services.consent_record(client=yes, channel="sms", granted=True, method="in_person")
    services.consent_record(
        client=withdrawn,
        channel="sms",
        granted=True,
        method="in_person",
        at=timezone.now() - timezone.timedelta(days=2),
    )
    services.consent_record(client=withdrawn, channel="sms", granted=False, method="phone")

    assert list(selectors.clients_with_consent(Client.objects.all(), "sms")) == [yes]


def test_the_timeline_costs_the_same_queries_for_a_long_history(sales, account):
    from tests.clients.factories import make_order

    customer = make_client(originator=sales)

    def add_orders(count: int) -> None:
        for _ in range(count):
            make_order(customer)

    # Later apps add their own sources (clients/timeline.py); each costs a fixed number too.
    flat = assert_queries_flat(add_orders, lambda: selectors.client_timeline(customer), 1, many=6)

    assert len(flat.many) > len(flat.few)
