from django.contrib.auth.models import User
from django.urls import reverse

from clients.models import Client, Stage
from followup_crm.roles import ACCOUNT_MANAGER, SALES_MANAGER
from tests.clients.factories import make_client
from tests.conftest import make_user
from tests.helpers import assert_queries_flat

NEW = reverse("clients:create")


def edit_url(client: Client) -> str:
    return reverse("clients:edit", args=[client.pk])


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "kind": "person",
        "name": "Irina Volkova",
        "contact_person": "",
        "phones": "",
        "email": "",
        "postal_address": "",
        "time_zone": "Europe/Moscow",
        "language": "ru",
        "birthday": "",
        "source": "shop",
        "visited_at": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_it_sends_anonymous_visitors_to_login(client, db):
    for url in (NEW, reverse("clients:edit", args=[1])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_it_is_404_for_a_user_without_a_role(client, db):
    client.force_login(User.objects.create_user("nobody"))

    assert client.get(NEW).status_code == 404


def test_it_is_404_to_edit_another_managers_client(client, sales, other_sales):
    theirs = make_client(originator=other_sales, name="Oleg")
    client.force_login(sales)

    assert client.get(edit_url(theirs)).status_code == 404
    assert client.post(edit_url(theirs), form_data(name="Hijacked")).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Oleg"


def test_a_sales_manager_creating_a_client_becomes_its_originator(client, sales):
    client.force_login(sales)

    response = client.post(
        NEW, form_data(phones="+7 912 345-67-89\n8 (999) 000-11-22, 8 913 111 22 33")
    )

    irina = Client.objects.get(name="Irina Volkova")
    assert response.status_code == 302
    assert response.url == reverse("clients:detail", args=[irina.pk])
    assert irina.originator == sales
    assert irina.account_manager is None
    assert irina.stage == Stage.PROSPECT
    assert [str(phone.number) for phone in irina.phones.all()] == [
        "+79123456789",
        "+79990001122",
        "+79131112233",
    ]
    assert irina.phones.get(is_primary=True).number == "+79123456789"


def test_an_account_manager_creating_a_client_becomes_its_account_manager(client, account):
    client.force_login(account)

    client.post(NEW, form_data())

    irina = Client.objects.get()
    assert (irina.originator, irina.account_manager) == (None, account)


def test_a_sales_manager_cannot_set_what_they_may_not(client, sales, other_sales, account):
    client.force_login(sales)

    client.post(
        NEW,
        form_data(originator=other_sales.pk, account_manager=account.pk, stage=Stage.ADVOCATE),
    )
    irina = Client.objects.get()
    assert (irina.originator, irina.account_manager, irina.stage) == (sales, None, Stage.PROSPECT)

    client.post(
        edit_url(irina),
        form_data(originator=other_sales.pk, account_manager=account.pk, stage=Stage.ADVOCATE),
    )
    irina.refresh_from_db()
    assert (irina.originator, irina.account_manager, irina.stage) == (sales, None, Stage.PROSPECT)


def test_a_director_sets_the_originator_and_account_manager(client, director, sales, account):
    client.force_login(director)
    page = client.get(NEW).content.decode()
    assert 'name="originator"' in page and 'name="account_manager"' in page

    client.post(NEW, form_data(originator=sales.pk, account_manager=account.pk))

    irina = Client.objects.get()
    assert (irina.originator, irina.account_manager) == (sales, account)


def test_a_director_chooses_among_active_users_of_the_role(client, director, sales, account):
    make_user("retired", SALES_MANAGER, is_active=False)
    client.force_login(director)

    response = client.post(NEW, form_data(originator=account.pk))

    assert "Select a valid choice" in response.content.decode()
    page = client.get(NEW).content.decode()
    assert ">Retired<" not in page and ">Sasha<" in page


def test_it_names_the_field_of_each_error(client, sales):
    client.force_login(sales)

    response = client.post(
        NEW,
        form_data(name="", phones="+7 912 345-67-89, 12345", time_zone="Mars/Olympus", email="x@"),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert '<a href="#id_phones">Phones</a>: “12345” is not a valid phone number.' in page
    assert '<a href="#id_time_zone">Time zone</a>: Mars/Olympus is not a known time zone.' in page
    assert '<a href="#id_email">E-mail</a>: Enter a valid email address.' in page
    assert '<a href="#id_name">Name</a>: This field is required.' in page
    assert not Client.objects.exists()


def test_it_edits_a_client(client, sales):
    irina = make_client(originator=sales, name="Irina", phones=["+7 912 345-67-89"])
    client.force_login(sales)

    page = client.get(edit_url(irina)).content.decode()
    assert "+7 912 345-67-89</textarea>" in page

    response = client.post(
        edit_url(irina), form_data(name="Irina V.", phones="+7 999 000-11-22", recommends="on")
    )

    assert response.status_code == 302
    irina.refresh_from_db()
    assert irina.name == "Irina V."
    assert [str(phone.number) for phone in irina.phones.all()] == ["+79990001122"]
    assert irina.recommends is True


def test_it_keeps_the_stored_name_in_the_heading_when_an_edit_fails(client, sales):
    irina = make_client(originator=sales, name="Irina")
    client.force_login(sales)

    page = client.post(edit_url(irina), form_data(name="", email="bad")).content.decode()

    assert "Edit Irina" in page
    irina.refresh_from_db()
    assert irina.name == "Irina"


def test_it_has_no_delete(client, sales):
    irina = make_client(originator=sales)
    client.force_login(sales)

    page = client.get(edit_url(irina)).content.decode().lower()

    assert "delete" not in page


def test_the_form_makes_as_many_queries_for_30_managers_as_for_3(client, director):
    serial = iter(range(100))

    def add_managers(count: int) -> None:
        for number in (next(serial) for _ in range(count)):
            make_user(f"seller{number}", SALES_MANAGER)
            make_user(f"keeper{number}", ACCOUNT_MANAGER)

    irina = make_client(name="Irina", phones=["+7 912 345-67-89"])
    client.force_login(director)
    flat = assert_queries_flat(add_managers, lambda: client.get(edit_url(irina)).content.decode())

    assert flat.many.count(">Seller") == 30
