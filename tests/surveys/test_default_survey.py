"""What the migrations set up: the default survey (surveys 0002), its invitation step in the
after-sale cadence and the order page's link in the order notices (touchpoints 0004), and the
invitation e-mail arriving with a link that works."""

import datetime as dt
import importlib

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.template import Context, Template
from django.utils import translation

from clients import services as client_services
from clients.models import OrderStatus
from surveys.models import Response, Survey
from tests.clients.factories import make_client, make_order
from tests.helpers import MSK, at
from tests.surveys.conftest import TOKEN_IN_URL, answers
from touchpoints import messaging, sms
from touchpoints import services as touchpoint_services
from touchpoints.models import CadenceStep, MessageTemplate, Touchpoint

invite = importlib.import_module("touchpoints.migrations.0004_survey_invite")


def test_it_creates_the_default_survey_in_both_languages(db, settings):
    survey = Survey.objects.get(slug=settings.DEFAULT_SURVEY)

    assert survey.is_active and survey.days_valid == 30
    assert survey.title and survey.title_ru and survey.intro and survey.intro_ru
    questions = list(survey.questions.order_by("position"))
    assert [(q.kind, q.required) for q in questions] == [
        ("score", True),
        ("nps", False),
        ("choice", False),
        ("text", False),
    ]
    assert all(q.text and q.text_ru and q.text != q.text_ru for q in questions)
    choice = questions[2]
    assert [value for value, _label in choice.choice_list("en")] == [
        "Quality",
        "Delivery",
        "Service",
        "Price",
    ]
    assert [label for _value, label in choice.choice_list("ru")] == [
        "Качество",
        "Доставка",
        "Обслуживание",
        "Цена",
    ]


def test_it_adds_the_invitation_step_two_days_after_delivery(db):
    steps = list(CadenceStep.objects.filter(cadence__slug="after-sale").order_by("position"))
    slugs = [step.slug for step in steps]

    assert slugs[:3] == ["delivery-day-call", "survey-invite", "day-3-call"]
    step = steps[1]
    assert (step.anchor, step.offset, step.offset_unit) == ("order_delivered", 2, "days")
    assert (step.channel, step.performer, step.template_slug) == (
        "email",
        "system",
        "survey-invite",
    )
    assert step.is_automatic and step.is_active
    assert len({step.position for step in steps}) == len(steps)


def test_it_has_the_invitation_in_every_channel_and_language(db):
    for channel in ("email", "sms"):
        for language in ("en", "ru"):
            template = MessageTemplate.objects.get(
                slug="survey-invite", channel=channel, language=language
            )
            assert "{{ links.survey }}" in template.body_text
            if channel == "email":
                assert template.subject
                assert template.body_text.rstrip().endswith("{{ links.unsubscribe }}")
                assert 'href="{{ links.survey }}"' in template.body_html
                assert 'href="{{ links.unsubscribe }}"' in template.body_html


@pytest.fixture
def buyer(sales, account):
    client = make_client(
        originator=sales,
        account_manager=account,
        name="Maria Smirnova",
        email="maria@example.com",
        phones=["+7 912 000-11-22"],
        language="en",
    )
    client_services.consent_record(client=client, channel="email", granted=True, method="phone")
    return client


def test_the_invitation_email_brings_a_link_that_takes_the_answer(client, buyer, sales, settings):
    settings.SITE_URL = "https://crm.example.com"
    delivered = at(2026, 11, 23, 11, 0)  # a Monday
    with time_machine.travel(delivered, tick=False):
        order = make_order(buyer, placed_at=delivered - dt.timedelta(days=5), by=sales)
        client_services.order_record_event(
            order=order, type=OrderStatus.DELIVERED, at=delivered, by=None
        )
    step = Touchpoint.objects.get(step__slug="survey-invite")
    assert step.due_at.astimezone(MSK).date() == dt.date(2026, 11, 25)

    with time_machine.travel(step.due_at + dt.timedelta(minutes=1), tick=False):
        mail.outbox = []
        touchpoint_services.dispatch_due()
        invitation_mail = next(m for m in mail.outbox if m.subject.startswith("How did we do?"))
        found = TOKEN_IN_URL.search(invitation_mail.body)
        assert found is not None and found.group(0).startswith("/s/")
        assert f"https://crm.example.com{found.group(0)}" in invitation_mail.body
        assert invitation_mail.body.rstrip().split()[-1].startswith("https://crm.example.com/u/")

        path = found.group(0)
        survey = Survey.objects.get(slug=settings.DEFAULT_SURVEY)
        shown = client.get(path)
        answered = client.post(path, answers(survey, score="5", nps="10"))

    assert shown.status_code == 200
    assert "Thank you!" in answered.content.decode()
    response = Response.objects.get()
    assert (response.client, response.order, response.score) == (buyer, order, 5)


# --- the order page's link in the order notices -----------------------------------------


def render(template: MessageTemplate, context: dict) -> str:
    """The whole text, before an SMS would be cut to fit."""
    with translation.override(template.language):
        return Template(template.body_text).render(Context(context, autoescape=False))


@pytest.fixture
def long_context(db, settings):
    # The longest a message gets: a long site address, a Cyrillic company name (an SMS in
    # UCS-2, 67 characters a segment), a long order number.
    settings.SITE_URL = "https://crm.followup-furniture.example.com"
    settings.COMPANY_NAME = "Мебельная фабрика «Уют»"
    client = make_client(name="Константин Константинопольский", email="k@example.com")
    order = make_order(client, external_id="ERP-2027-0001234567")
    context = messaging.context_for(client, order)
    token = "A" * 43  # as long as new_token() makes them
    context["links"]["order"] = messaging.absolute(f"/o/{token}/")
    context["links"]["survey"] = messaging.absolute(f"/s/{token}/")
    return context


def test_every_sms_with_a_link_fits_whole_in_three_segments(long_context, settings):
    templates = MessageTemplate.objects.filter(
        channel="sms", slug__in=["order-ready", "order-at-pickup", "survey-invite"]
    )
    assert templates.count() == 6
    for template in templates:
        text = " ".join(render(template, long_context).split())
        link = long_context["links"]["survey" if template.slug == "survey-invite" else "order"]
        assert link in text, template
        assert sms.segments(text) <= settings.SMS_MAX_SEGMENTS, (template, len(text))


def test_the_order_notices_carry_the_link_and_read_as_before_without_it(long_context):
    defaults = importlib.import_module("touchpoints.migrations.0002_default_cadences")
    original = {(t["slug"], t["channel"], t["language"]): t for t in defaults.TEMPLATES}
    without = {**long_context, "links": {**long_context["links"], "order": ""}}
    for slug in ("order-thanks", "order-ready", "order-at-pickup"):
        for template in MessageTemplate.objects.filter(slug=slug):
            assert long_context["links"]["order"] in render(template, long_context), template
            before = MessageTemplate(
                **{**original[(slug, template.channel, template.language)], "subject": ""}
            )
            before.language = template.language
            assert render(template, without) == render(before, without), template
            if template.channel == "email":
                html = Template(template.body_html).render(Context(long_context))
                assert f'href="{long_context["links"]["order"]}"' in html


def test_the_migration_runs_twice_and_reverses_exactly(db):
    defaults = importlib.import_module("touchpoints.migrations.0002_default_cadences")
    edited = [("order-thanks", "email"), ("order-ready", "sms"), ("order-at-pickup", "sms")]
    steps_before = list(
        CadenceStep.objects.filter(cadence__slug="after-sale").values_list("slug", "position")
    )

    invite.forward(apps, None)  # again: nothing changes
    assert (
        list(CadenceStep.objects.filter(cadence__slug="after-sale").values_list("slug", "position"))
        == steps_before
    )
    assert (
        MessageTemplate.objects.get(slug="order-ready", language="en").body_text.count(
            "links.order"
        )
        == 2
    )

    invite.backward(apps, None)
    assert not CadenceStep.objects.filter(slug="survey-invite").exists()
    assert not MessageTemplate.objects.filter(slug="survey-invite").exists()
    assert [
        slug
        for slug, _position in CadenceStep.objects.filter(cadence__slug="after-sale")
        .order_by("position")
        .values_list("slug", "position")
    ] == [slug for slug, _position in steps_before if slug != "survey-invite"]
    for template in defaults.TEMPLATES:
        if (template["slug"], template["channel"]) in edited:
            row = MessageTemplate.objects.get(
                slug=template["slug"], channel=template["channel"], language=template["language"]
            )
            assert (row.body_text, row.body_html) == (template["body_text"], template["body_html"])

    invite.forward(apps, None)
    assert (
        list(CadenceStep.objects.filter(cadence__slug="after-sale").values_list("slug", "position"))
        == steps_before
    )
