"""Message templates render in a sandbox: plain values made for them, no model instances, so
that nothing reachable from a client (a manager's password hash, their API tokens, other
clients) can end up in a message. Every shipped template renders with it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import models

from followup_crm.services import api_token_create
from tests.clients.factories import make_client, make_order
from touchpoints import messaging
from touchpoints.models import MessageTemplate

INVALID = "<<MISSING %s>>"


@pytest.fixture
def buyer(sales, account):
    sales.last_name, sales.email = "Salnikova", "sasha@example.com"
    sales.save()
    client = make_client(
        originator=sales,
        account_manager=account,
        name="ООО Ромашка",
        contact_person="Maria Smirnova",
        email="maria@example.com",
    )
    order = make_order(client, amount="84500.00", external_id="SHOP-1024")
    order.promised_date = dt.date(2026, 12, 10)
    order.delivered_at = dt.datetime(2026, 12, 9, 12, 0, tzinfo=dt.UTC)
    order.save()
    return client, order


def render(source: str, client, order) -> str:
    template = MessageTemplate(slug="t", channel="email", language="en", body_text=source)
    context = messaging.context_for(client, order)
    return messaging.render_template(template, context, "en").text


def test_it_does_not_reach_passwords_or_tokens(buyer, sales):
    client, order = buyer
    _token, key = api_token_create(user=sales, name="shop")
    source = (
        "[{{ client.originator.password }}]"
        "[{{ client.originator.auth_token.key }}]"
        "[{{ client.originator.api_tokens.all }}]"
        "[{{ order.client.originator.password }}]"
        "[{{ sales_manager.password }}]"
        "[{{ manager.api_tokens.all.0.digest }}]"
        "[{{ client.orders.all }}]"
        "[{{ client.referrals_made.all }}]"
    )

    text = render(source, client, order)

    assert text == "[][][][][][][][]"
    assert sales.password not in text and key not in text


def test_it_gives_templates_no_model_instances(buyer):
    client, order = buyer

    def walk(value) -> None:
        assert not isinstance(value, models.Model), value
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif hasattr(value, "__dataclass_fields__"):
            for name in value.__dataclass_fields__:
                walk(getattr(value, name))

    walk(messaging.context_for(client, order))


def test_it_gives_templates_what_they_need(buyer, sales):
    client, order = buyer
    source = (
        "{{ client.name }}|{{ client.first_name }}|{{ order.number }}|{{ order.amount }} "
        "{{ order.currency }}|{{ order.promised_date|date:'Y-m-d' }}|"
        "{{ sales_manager.get_full_name }} {{ sales_manager.email }}|{{ company.name }}"
    )

    text = render(source, client, order)

    assert text == (
        "ООО Ромашка|Maria|SHOP-1024|84500.00 RUB|2026-12-10|"
        "Sasha Salnikova sasha@example.com|Followup Furniture"
    )
    assert order.amount == Decimal("84500.00")


def test_every_shipped_template_renders_with_the_sandbox(buyer, settings):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {**settings.TEMPLATES[0]["OPTIONS"], "string_if_invalid": INVALID},
        }
    ]
    client, order = buyer
    context = messaging.context_for(client, order)
    # What surveys' context provider adds to a message about an order or a survey invitation.
    context["links"].update(order="https://crm.example/o/x/", survey="https://crm.example/s/y/")
    templates = list(MessageTemplate.objects.all())
    assert len(templates) >= 30  # the data migrations' defaults

    for template in templates:
        message = messaging.render_template(template, context, template.language)
        for part in (message.subject, message.text, message.html):
            assert "<<MISSING" not in part, (template.slug, template.channel, part)
        assert message.text.strip(), template.slug


def test_it_documents_the_variables_in_the_template_admin(director):
    from django.test import Client as HttpClient

    director.is_superuser = True
    director.save()
    http = HttpClient()
    http.force_login(director)

    page = http.get("/admin/touchpoints/messagetemplate/add/").content.decode()

    assert "client.first_name" in page and "order.number" in page
