"""Creating or editing a client whose phone or e-mail another client already has: the form
names the visible one and asks to open it or save anyway; a client the user may not see is
not looked at, so nothing tells a manager that someone else's client exists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client
from tests.clients.factories import make_client
from tests.clients.test_views_client_form import NEW, edit_url, form_data


@pytest.fixture
def irina(sales):
    return make_client(
        originator=sales, name="Irina Volkova", phones=["+7 912 345-67-89"], email="irina@x.ru"
    )


@pytest.mark.parametrize(
    "phone", ["+79123456789", "8 (912) 345-67-89", "+7 912 345 67 89", "89123456789"]
)
def test_it_shows_the_client_with_the_same_phone_in_any_format(client, sales, irina, phone):
    client.force_login(sales)

    response = client.post(NEW, form_data(name="Ira V.", phones=phone))

    page = response.content.decode()
    assert response.status_code == 200
    assert "A client with this phone or e-mail is already on the books" in page
    assert reverse("clients:detail", args=[irina.pk]) in page and "Irina Volkova" in page
    assert 'name="save_anyway"' in page
    assert Client.objects.count() == 1


def test_it_matches_the_email_whatever_its_case(client, sales, irina):
    client.force_login(sales)

    page = client.post(NEW, form_data(name="Ira", email="IRINA@X.RU")).content.decode()

    assert "Irina Volkova" in page and Client.objects.count() == 1


def test_save_anyway_creates_the_client(client, sales, irina):
    client.force_login(sales)

    response = client.post(NEW, form_data(name="Ira V.", phones="89123456789", save_anyway="1"))

    assert response.status_code == 302
    assert Client.objects.filter(name="Ira V.").exists()


def test_editing_warns_too_but_not_about_the_client_itself(client, sales, irina):
    other = make_client(originator=sales, name="Pavel", phones=["+79120001122"])
    client.force_login(sales)

    page = client.post(edit_url(irina), form_data(name="Irina Volkova", phones="+79123456789"))
    assert page.status_code == 302  # its own number is no duplicate

    response = client.post(edit_url(other), form_data(name="Pavel", phones="8 912 345 67 89"))
    assert "Irina Volkova" in response.content.decode()
    other.refresh_from_db()
    assert other.phones.get().number == "+79120001122"


def test_another_managers_client_is_not_named_and_does_not_block(client, other_sales, irina):
    client.force_login(other_sales)

    response = client.post(NEW, form_data(name="Ira", phones="+79123456789", email="irina@x.ru"))

    assert response.status_code == 302
    assert Client.objects.filter(name="Ira", originator=other_sales).exists()


def test_the_check_costs_one_query_however_many_match(
    client, sales, irina, django_assert_num_queries
):
    client.force_login(sales)
    data = form_data(name="Ira", phones="+79123456789")
    with CaptureQueriesContext(connection) as first:
        client.post(NEW, data)
    for number in range(5):
        make_client(originator=sales, name=f"Twin {number}", phones=["+79123456789"])

    with django_assert_num_queries(len(first.captured_queries)):
        page = client.post(NEW, data).content.decode()
    assert page.count("Twin ") == 5
