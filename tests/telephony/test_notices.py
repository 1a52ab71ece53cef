"""Who is calling: a known client's inbound call shows on the manager's pages."""

import json

from django.urls import reverse

from telephony.pbx import HttpBackend


def ring(client, **extra) -> None:
    event = {
        "call_id": "in-7",
        "event": "start",
        "direction": "in",
        "from": "8 912 345 67 89",
        "to": "+74950000000",
        "extension": "101",
    } | extra
    body = json.dumps(event).encode()
    client.post(
        reverse("telephony:pbx_hook", args=["http"]),
        body,
        content_type="application/json",
        headers={"X-Signature": HttpBackend.sign(body)},
    )


def test_it_tells_the_manager_who_is_calling(
    client, pbx_settings, sales, sales_extension, pavel, django_assert_num_queries
):
    pbx_settings.TELEPHONY_BACKEND = "telephony.pbx.HttpBackend"
    ring(client)
    client.force_login(sales)
    # session, user, extension, roles, the calls; the card's facts of the one client calling
    with django_assert_num_queries(9):
        page = client.get(reverse("telephony:notices")).content.decode()
    assert "Pavel Orlov" in page and reverse("clients:detail", args=[pavel.pk]) in page

    ring(client, event="end", disposition="answered", duration=10)
    assert "Pavel Orlov" not in client.get(reverse("telephony:notices")).content.decode()


def test_it_stops_polling_for_a_user_without_an_extension(client, account):
    client.force_login(account)
    assert client.get(reverse("telephony:notices")).status_code == 286


def test_it_tells_nobody_of_a_client_they_may_not_see(client, pbx_settings, other_sales, pavel):
    from telephony.models import Extension

    pbx_settings.TELEPHONY_BACKEND = "telephony.pbx.HttpBackend"
    Extension.objects.create(user=other_sales, extension="101")
    ring(client)
    client.force_login(other_sales)
    answer = client.get(reverse("telephony:notices"))
    assert answer.status_code == 200 and "Pavel Orlov" not in answer.content.decode()


def test_it_polls_from_every_page(client, sales):
    client.force_login(sales)
    page = client.get(reverse("touchpoints:calls")).content.decode()
    assert f'hx-get="{reverse("telephony:notices")}" hx-trigger="every 5s"' in page
