"""Values that can reach a mail header (a client's name, a person's name, a message template's
subject) refuse line breaks and other control characters, with an error naming the field, on
the pages, the API, the admin and the import."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from rest_framework.test import APIClient

from clients import services
from clients.models import Client
from tests.clients.factories import make_client
from tests.clients.fixtures.imports import run_import
from tests.clients.test_views_client_form import NEW, form_data
from tests.conftest import PASSWORD

INJECTED = "Olga\r\nBcc: victim@example.com"
REFUSED = "Line breaks and other control characters are not allowed here."


@pytest.mark.parametrize("field", ["name", "contact_person"])
def test_the_service_refuses_a_line_break(sales, field):
    with pytest.raises(ValidationError) as caught:
        make_client(originator=sales, **{"name": "Olga", field: INJECTED})

    assert caught.value.message_dict[field] == [REFUSED]


def test_the_api_refuses_a_line_break_naming_the_field(sales):
    api = APIClient()
    api.force_authenticate(sales)

    response = api.post("/api/v1/clients/", {"name": INJECTED}, format="json")

    assert response.status_code == 400
    assert response.json() == {"name": [REFUSED]}
    assert not Client.objects.exists()


def test_the_page_refuses_a_line_break(sales):
    http = HttpClient()
    http.login(username=sales.username, password=PASSWORD)

    response = http.post(NEW, form_data(name="Olga\nBcc: x@example.com"))

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [REFUSED]
    assert not Client.objects.exists()


def test_the_import_refuses_a_line_break_naming_the_row_and_column(director):
    report = run_import(
        [["name", "email"], ["Olga\x0bBcc: x@example.com", "olga@example.com"]], by=director
    )

    assert not report.applied
    assert [(e.row, e.column, e.message) for e in report.errors] == [(2, "name", REFUSED)]


def test_an_edit_refuses_a_tab_and_a_null_too(sales):
    client = make_client(originator=sales, name="Olga")
    for value in ("Olga\tX", "Olga\x00"):
        with pytest.raises(ValidationError):
            services.client_update(client=client, by=sales, name=value)


def test_the_admin_refuses_a_line_break_in_a_users_name(director, sales):
    director.is_superuser = True
    director.save()
    http = HttpClient()
    http.force_login(director)

    response = http.post(
        f"/admin/auth/user/{sales.pk}/change/",
        {
            "username": sales.username,
            "first_name": "Sasha",
            "last_name": "Line\nBreak",
            "email": "",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
            "initial-date_joined_0": "2026-01-01",
            "initial-date_joined_1": "10:00:00",
        },
    )

    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    assert User.objects.get(pk=sales.pk).last_name == ""


def test_a_message_templates_subject_refuses_a_line_break(db):
    from touchpoints.models import MessageTemplate

    template = MessageTemplate(
        slug="x", channel="email", language="en", subject="Hi\nBcc: x@y", body_text="Hello"
    )

    with pytest.raises(ValidationError) as caught:
        template.full_clean()

    assert caught.value.message_dict["subject"] == [REFUSED]


def test_the_company_settings_refuse_a_line_break(monkeypatch):
    import runpy

    from django.core.exceptions import ImproperlyConfigured

    import followup_crm.settings

    monkeypatch.setenv("COMPANY_NAME", "Followup\r\nBcc: x@example.com")

    with pytest.raises(ImproperlyConfigured, match="COMPANY_NAME must be one line"):
        runpy.run_path(followup_crm.settings.__file__)
