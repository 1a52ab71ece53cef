"""Shared by the tests of the survey pages, the order page, service cases and the API: Olga,
an English-speaking buyer of Anna's, her order, and her invitation to the default survey."""

import re

import pytest
from django.contrib.auth.models import User

from clients.models import Client, Order
from surveys import services
from surveys.models import Invitation, Survey
from tests.clients.factories import make_client, make_order

TOKEN_IN_URL = re.compile(r"/[so]/([A-Za-z0-9_-]+)/")
# The CSRF token of the base template (in the language form and in htmx's headers).
CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]*"')


@pytest.fixture
def survey(db) -> Survey:
    # Made by the migration (surveys 0002).
    return Survey.objects.get(slug="after-delivery")


@pytest.fixture
def customer(sales, account) -> Client:
    return make_client(
        originator=sales,
        account_manager=account,
        name="Olga Petrova",
        email="olga@example.com",
        language="en",
    )


@pytest.fixture
def order(customer, sales) -> Order:
    return make_order(customer, external_id="SHOP-1001", description="Sofa Chester", by=sales)


@pytest.fixture
def invitation(survey, customer, order) -> Invitation:
    return services.invitation_for(survey=survey, client=customer, order=order)


@pytest.fixture
def alerted_director(director) -> User:
    director.email = "dina@example.com"
    director.save()
    return director


def answers(survey: Survey, **by_kind: str) -> dict[str, str]:
    """A posted survey form: the answers by question kind (score, nps, choice, text)."""
    return {
        str(question.pk): by_kind[question.kind]
        for question in survey.questions.all()
        if question.kind in by_kind
    }


def field_name(survey: Survey, kind: str) -> str:
    return str(survey.questions.get(kind=kind).pk)


def same_page(body: bytes, token: str) -> str:
    """A page's text without what differs on every request by design: the CSRF nonce of the
    language form and the page's own URL (which holds the token)."""
    text = CSRF_VALUE.sub(r"\1", body.decode())
    return text.replace(f"/s/{token}/", "LINK").replace(f"/o/{token}/", "LINK")
