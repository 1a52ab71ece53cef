"""The client's pages carry the company's brand (settings COMPANY_*), not the product's name,
and have no menu nor language switch; unsubscribing speaks the client's language."""

import pytest
from django.urls import reverse

from surveys import services
from tests.clients.factories import make_client
from touchpoints.messaging import unsubscribe_token


@pytest.fixture
def brand(settings) -> None:
    settings.COMPANY_NAME = "Мебель Плюс"
    settings.COMPANY_PHONE = "+7 495 123-45-67"
    settings.COMPANY_SITE = "https://mebel.example.com"
    settings.COMPANY_LOGO = "favicon.svg"


def test_it_shows_the_companys_brand_on_the_survey(client, invitation, brand):
    response = client.get(reverse("surveys:answer", args=[invitation.token]))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'alt="Мебель Плюс"' in page and "/static/favicon.svg" in page
    assert 'href="tel:+74951234567"' in page and "mebel.example.com" in page
    assert "Followup CRM" not in page
    assert 'name="language"' not in page and "mainnav" not in page


def test_it_serves_the_brands_colour_as_a_stylesheet(client, invitation, settings):
    settings.COMPANY_COLOR = "#a0522d"

    page = client.get(reverse("surveys:answer", args=[invitation.token]))
    css = client.get(reverse("brand_css"))

    assert f'href="{reverse("brand_css")}"' in page.content.decode()
    assert "<style" not in page.content.decode()
    assert (css.status_code, css["Content-Type"]) == (200, "text/css; charset=utf-8")
    assert css.content.decode() == ":root { --accent: #a0522d; }\n"


def test_it_shows_the_order_page_with_the_brand_in_few_queries(
    client, order, brand, django_assert_max_num_queries
):
    link = services.order_link_for(order=order)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("surveys:order", args=[link.token]))

    assert response.status_code == 200
    assert "Мебель Плюс" in response.content.decode()


@pytest.mark.parametrize(("language", "title"), [("ru", "Отписаться"), ("en", "Unsubscribe")])
def test_it_speaks_the_clients_language_on_unsubscribe(client, sales, language, title):
    buyer = make_client(originator=sales, name="Ivan", email="ivan@example.com", language=language)
    browser = "en" if language == "ru" else "ru"
    path = reverse("touchpoints:unsubscribe", args=[unsubscribe_token(buyer)])

    response = client.get(path, HTTP_ACCEPT_LANGUAGE=browser)

    assert response["Content-Language"] == language
    assert f"<h1>{title}</h1>" in response.content.decode()


def test_it_refuses_a_made_up_unsubscribe_link(client, db):
    response = client.get(reverse("touchpoints:unsubscribe", args=["x" * 43]))

    assert response.status_code == 404
