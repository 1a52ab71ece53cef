import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from clients.models import Client, Handoff
from tests.clients.factories import make_client, make_order
from tests.helpers import assert_queries_flat

URL = reverse("clients:handoffs")
HTMX = {"HTTP_HX_REQUEST": "true"}


def new_buyer(seller: User, manager: User | None, name: str = "Irina", **fields) -> Handoff:
    """A client of `seller` who just bought, handed to `manager` (None: left for a director)."""
    buyer = make_client(originator=seller, account_manager=manager, name=name, **fields)
    make_order(buyer, description=f"A sofa for {name}", amount="45000.00")
    return Handoff.objects.get(client=buyer)


def test_it_sends_anonymous_visitors_to_login(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={URL}"


def test_it_is_404_for_sales_managers(client, sales, account):
    handoff = new_buyer(sales, account)
    client.force_login(sales)

    assert client.get(URL).status_code == 404
    assert client.post(reverse("clients:handoff_accept", args=[handoff.pk])).status_code == 404
    assert client.post(reverse("clients:handoff_assign", args=[handoff.pk])).status_code == 404


def test_it_shows_the_new_buyers_handed_to_the_account_manager(
    client, sales, account, other_account
):
    new_buyer(sales, account, name="Irina", notes="Wants delivery on Saturday")
    new_buyer(sales, other_account, name="Oleg")
    client.force_login(account)

    page = client.get(URL).content.decode()

    assert "Irina" in page
    assert "A sofa for Irina" in page and "45,000.00 RUB" in page
    assert "Sasha" in page  # the sales manager who sold
    assert "Wants delivery on Saturday" in page
    assert "Oleg" not in page
    assert "Accept" in page


def test_it_says_when_there_is_nothing_to_accept(client, account):
    client.force_login(account)

    assert "No new buyers to accept." in client.get(URL).content.decode()


def test_it_accepts_a_handoff(client, sales, account):
    handoff = new_buyer(sales, account)
    client.force_login(account)

    response = client.post(reverse("clients:handoff_accept", args=[handoff.pk]), follow=True)

    handoff.refresh_from_db()
    assert handoff.accepted_at is not None
    page = response.content.decode()
    assert "Irina is now your client." in page
    assert "No new buyers to accept." in page


def test_it_accepts_a_handoff_in_place_for_htmx(client, sales, account):
    handoff = new_buyer(sales, account)
    client.force_login(account)

    response = client.post(reverse("clients:handoff_accept", args=[handoff.pk]), **HTMX)

    page = response.content.decode()
    assert f'id="handoff-{handoff.pk}"' in page
    assert "Irina is now your client." in page
    assert "<html" not in page
    handoff.refresh_from_db()
    assert handoff.accepted_at is not None


def test_it_is_404_to_accept_a_handoff_to_someone_else(client, sales, account, other_account):
    handoff = new_buyer(sales, other_account)
    client.force_login(account)

    response = client.post(reverse("clients:handoff_accept", args=[handoff.pk]))

    assert response.status_code == 404
    handoff.refresh_from_db()
    assert handoff.accepted_at is None


def test_a_director_sees_what_waits(client, settings, sales, account, director):
    settings.HANDOFF_ASSIGNMENT = "manual"
    new_buyer(sales, None, name="Nobody's Buyer")
    new_buyer(sales, account, name="Anna's Buyer")
    client.force_login(director)

    page = client.get(URL).content.decode()

    unassigned, waiting = page.split("Not accepted yet")
    assert "Nobody&#x27;s Buyer" in unassigned
    assert "Anna&#x27;s Buyer" in waiting
    assert f'<option value="{account.pk}">Anna</option>' in unassigned


def test_a_director_assigns_an_account_manager(client, settings, sales, account, director):
    settings.HANDOFF_ASSIGNMENT = "manual"
    handoff = new_buyer(sales, None)
    client.force_login(director)

    response = client.post(
        reverse("clients:handoff_assign", args=[handoff.pk]), {"to_user": account.pk}, follow=True
    )

    handoff.refresh_from_db()
    assert handoff.to_user == account
    assert Client.objects.get().account_manager == account
    assert "Irina was handed to Anna." in response.content.decode()


def test_a_director_assigns_in_place_for_htmx(client, settings, sales, account, director):
    settings.HANDOFF_ASSIGNMENT = "manual"
    handoff = new_buyer(sales, None)
    client.force_login(director)

    response = client.post(
        reverse("clients:handoff_assign", args=[handoff.pk]), {"to_user": account.pk}, **HTMX
    )

    assert "Irina was handed to Anna." in response.content.decode()
    handoff.refresh_from_db()
    assert handoff.to_user == account


def test_it_refuses_to_assign_someone_who_is_not_an_account_manager(
    client, settings, sales, director
):
    settings.HANDOFF_ASSIGNMENT = "manual"
    handoff = new_buyer(sales, None)
    client.force_login(director)

    response = client.post(
        reverse("clients:handoff_assign", args=[handoff.pk]), {"to_user": sales.pk}, follow=True
    )

    assert "Select a valid choice" in response.content.decode()
    handoff.refresh_from_db()
    assert handoff.to_user is None


def test_an_account_manager_cannot_assign(client, sales, account, other_account):
    handoff = new_buyer(sales, account)
    client.force_login(account)

    response = client.post(
        reverse("clients:handoff_assign", args=[handoff.pk]), {"to_user": other_account.pk}
    )

    assert response.status_code == 404
    handoff.refresh_from_db()
    assert handoff.to_user == account


# The account manager sees the 30 handed to them; a director sees those and the 30 unassigned.
@pytest.mark.parametrize(
    ("persona", "shown", "count"),
    [("account", "A sofa for Buyer", 30), ("director", "A sofa for", 60)],
)
def test_it_makes_as_many_queries_for_30_handoffs_as_for_3(
    client, settings, request, sales, account, persona, shown, count
):
    def add_handoffs(count: int) -> None:
        for number in range(count):
            new_buyer(sales, account, name=f"Buyer {number}")
            settings.HANDOFF_ASSIGNMENT = "manual"
            new_buyer(sales, None, name=f"Unassigned {number}")
            settings.HANDOFF_ASSIGNMENT = "least_loaded"

    client.force_login(request.getfixturevalue(persona))
    flat = assert_queries_flat(add_handoffs, lambda: client.get(URL).content.decode())

    assert flat.many.count(shown) == count


def test_it_does_not_accept_a_handoff_reassigned_meanwhile(sales, account, other_account, director):
    import pytest
    from django.core.exceptions import ValidationError

    from clients import services

    handoff = new_buyer(sales, account)
    seen_by_anna = Handoff.objects.get(pk=handoff.pk)
    services.handoff_assign(handoff=handoff, to_user=other_account, by=director)

    with pytest.raises(ValidationError):
        services.handoff_accept(handoff=seen_by_anna, by=account)

    handoff.refresh_from_db()
    assert (handoff.to_user, handoff.accepted_at) == (other_account, None)
