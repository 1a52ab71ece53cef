"""The password page counts wrong old passwords as failed logins (django-axes' limits): past
LOGIN_FAILURE_LIMIT it refuses, even the right one, for the cool-off."""

import datetime as dt

import time_machine
from django.test import Client

from tests.conftest import PASSWORD

START = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
NEW = "a-much-longer-one-42"


def change(client: Client, old: str):
    return client.post(
        "/password/", {"old_password": old, "new_password1": NEW, "new_password2": NEW}
    )


def test_it_refuses_the_form_after_too_many_wrong_old_passwords(sales, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    client.force_login(sales)
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(3):
            response = change(client, "wrong-password")
            assert response.status_code == 200
        assert "Too many wrong passwords" in response.context["form"].errors["old_password"][0]

        refused = change(client, PASSWORD)

        assert refused.status_code == 200
        assert "Try again in 15 minutes" in refused.context["form"].errors["old_password"][0]
        sales.refresh_from_db()
        assert sales.check_password(PASSWORD)

        clock.move_to(START + dt.timedelta(minutes=16))
        assert change(client, PASSWORD).status_code == 302

    sales.refresh_from_db()
    assert sales.check_password(NEW)


def test_it_lets_a_few_typos_through(sales, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    client.force_login(sales)

    change(client, "wrong-password")
    change(client, "wrong-password")

    assert change(client, PASSWORD).status_code == 302
