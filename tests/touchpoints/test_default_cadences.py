"""The default cadences and message templates that migration 0002 creates: every step where
DESIGN.md puts it, a template in both languages for every message, and every template
rendering for a real client within its channel's limits."""

import datetime as dt
import importlib

import pytest
import time_machine
from django.apps import apps
from django.template import Context, Template
from django.utils import timezone, translation

from clients import services as client_services
from clients.models import OrderStatus
from tests.clients.factories import make_client, make_order
from tests.helpers import MSK, at
from touchpoints import messaging, sms
from touchpoints.models import Cadence, CadenceStep, MessageTemplate, Touchpoint

defaults = importlib.import_module("touchpoints.migrations.0002_default_cadences")

LANGUAGES = ("en", "ru")

# cadence slug -> its steps in order: (slug, anchor, offset, unit, channel, performer, template)
EXPECTED = {
    "after-sale": [
        ("delivery-day-call", "order_delivered", 0, "days", "call", "account_manager", ""),
        # Added by touchpoints 0004 with the surveys.
        ("survey-invite", "order_delivered", 2, "days", "email", "system", "survey-invite"),
        ("day-3-call", "order_delivered", 3, "days", "call", "account_manager", ""),
        ("week-2-call", "order_delivered", 2, "weeks", "call", "account_manager", ""),
        ("month-3-card", "order_delivered", 3, "months", "post", "account_manager", "month-3-card"),
        ("month-6-call", "order_delivered", 6, "months", "call", "account_manager", ""),
        (
            "yearly-letter",
            "order_delivered",
            1,
            "years",
            "post",
            "account_manager",
            "yearly-letter",
        ),
    ],
    "pre-delivery": [
        ("status-updates", "promised_date", 0, "days", "call", "sales_manager", ""),
        ("ready-tomorrow", "promised_date", -1, "days", "sms", "system", "ready-tomorrow"),
        ("pickup-reminder", "promised_date", 9, "hours", "sms", "system", "pickup-reminder"),
    ],
    "order-notifications": [
        ("order-thanks", "order_placed", 0, "hours", "email", "system", "order-thanks"),
        ("order-ready", "order_ready", 0, "hours", "sms", "system", "order-ready"),
        ("order-at-pickup", "order_at_pickup", 0, "hours", "sms", "system", "order-at-pickup"),
        ("director-thanks", "order_delivered", 1, "days", "email", "system", "director-thanks"),
    ],
    "handoff": [
        ("sales-letter", "handoff", 0, "hours", "email", "system", "handoff-sales-letter"),
        ("manager-letter", "handoff", 1, "days", "email", "system", "handoff-manager-letter"),
    ],
    "holidays": [
        ("new-year", "yearly_date", 0, "days", "email", "system", "holiday-new-year"),
        ("spring-day", "yearly_date", 0, "days", "email", "system", "holiday-spring"),
    ],
    "year-end": [
        ("year-end-letter", "yearly_date", 0, "days", "email", "system", "director-year-end"),
    ],
    "win-back": [
        ("win-back-call", "refusal", 3, "months", "call", "account_manager", ""),
    ],
    "advocates": [
        ("thank-advocate", "stage_reached", 1, "days", "call", "account_manager", ""),
    ],
}


def steps_of(cadence_slug: str) -> list[CadenceStep]:
    return list(CadenceStep.objects.filter(cadence__slug=cadence_slug).order_by("position"))


def test_it_creates_every_default_cadence_with_its_steps_in_order(db):
    assert set(Cadence.objects.values_list("slug", flat=True)) >= set(EXPECTED)
    for cadence_slug, expected in EXPECTED.items():
        actual = [
            (
                step.slug,
                step.anchor,
                step.offset,
                step.offset_unit,
                step.channel,
                step.performer,
                step.template_slug,
            )
            for step in steps_of(cadence_slug)
        ]
        assert actual == expected, cadence_slug
        assert all(step.is_active and step.purpose for step in steps_of(cadence_slug))


def test_it_gives_the_special_steps_their_kind_date_and_audience(db):
    step = CadenceStep.objects.get
    assert step(slug="yearly-letter").kind == CadenceStep.Kind.YEARLY
    assert step(slug="status-updates").kind == CadenceStep.Kind.STATUS_SERIES
    assert step(slug="delivery-day-call").kind == CadenceStep.Kind.SINGLE

    new_year, spring = step(slug="new-year"), step(slug="spring-day")
    assert (new_year.month, new_year.day, new_year.audience) == (12, 29, "buyers")
    assert (spring.month, spring.day, spring.audience) == (4, 30, "buyers")
    year_end = step(slug="year-end-letter")
    assert (year_end.month, year_end.day, year_end.audience) == (12, 27, "buyers_of_year")

    assert step(slug="thank-advocate").anchor_stage == "advocate"


def test_it_gives_every_call_talking_points(db):
    calls = CadenceStep.objects.filter(cadence__slug__in=EXPECTED, channel="call")
    assert calls.count() == 7
    assert all(call.talking_points.strip() for call in calls)


def test_it_has_a_template_in_both_languages_for_every_active_step(db):
    steps = CadenceStep.objects.filter(is_active=True).exclude(template_slug="")
    assert steps.count() == 14
    for step in steps:
        for language in LANGUAGES:
            assert MessageTemplate.objects.filter(
                slug=step.template_slug, channel=step.channel, language=language
            ).exists(), (step.template_slug, step.channel, language)


def test_it_writes_emails_in_text_and_html_and_letters_for_print(db):
    for template in MessageTemplate.objects.filter(slug__in=template_slugs()):
        assert template.body_text.strip(), template
        if template.channel == "email":
            assert template.subject and template.body_html, template
        elif template.channel == "post":
            assert template.body_html, template
        else:
            assert template.body_html == "", template


def template_slugs() -> set[str]:
    return {template["slug"] for template in defaults.TEMPLATES}


@pytest.fixture
def buyer(sales, account, director, settings):
    # The director signs letters: the persona, not a name from the environment.
    settings.COMPANY_DIRECTOR_NAME = ""
    return make_client(
        originator=sales,
        account_manager=account,
        name="Maria Smirnova",
        email="maria@example.com",
        phones=["+7 912 000-11-22"],
    )


@pytest.fixture
def delivered_order(buyer, sales):
    placed = timezone.now() - dt.timedelta(days=20)
    order = make_order(
        buyer,
        placed_at=placed,
        external_id="SHOP-2027-000123",
        promised_date=timezone.localdate() + dt.timedelta(days=3),
        seller=sales,
    )
    client_services.order_record_event(
        order=order, type=OrderStatus.DELIVERED, at=placed + dt.timedelta(days=10), by=None
    )
    order.refresh_from_db()
    return order


def uncut_sms(template: MessageTemplate, context: dict, language: str) -> str:
    with translation.override(language):
        text = Template(template.body_text).render(Context(context, autoescape=False))
    return " ".join(text.split())


def test_it_renders_every_template_in_both_languages(buyer, delivered_order, account):
    context = messaging.context_for(buyer, delivered_order)
    unsubscribe = context["links"]["unsubscribe"]
    templates = MessageTemplate.objects.filter(slug__in=template_slugs())
    assert templates.count() == 13 * len(LANGUAGES)
    for template in templates:
        message = messaging.render_template(template, context, template.language)
        where = f"{template} renders"
        assert "Maria Smirnova" in message.text or template.channel == "sms", where
        assert "{" not in message.text and "{" not in message.subject, where
        if template.channel == "email":
            assert message.subject, where
            assert message.text.endswith(unsubscribe), where
            assert f'href="{unsubscribe}"' in message.html, where
        if template.channel == "sms":
            full = uncut_sms(template, context, template.language)
            assert message.text == full, f"{where}: cut to fit"
            assert sms.segments(full) <= 3, f"{where}: {len(full)} characters"


def test_it_fills_in_the_people_and_the_order(buyer, delivered_order, account, sales):
    context = messaging.context_for(buyer, delivered_order)

    def render(slug: str, channel: str, language: str) -> messaging.Message:
        template = MessageTemplate.objects.get(slug=slug, channel=channel, language=language)
        return messaging.render_template(template, context, language)

    letter = render("handoff-sales-letter", "email", "ru")
    assert account.get_full_name() in letter.text  # introduces the account manager
    assert sales.get_full_name() in letter.text  # and is signed by the sales manager
    assert "SHOP-2027-000123" in render("order-ready", "sms", "ru").text
    assert "Dina" in render("director-year-end", "email", "en").text
    promised = delivered_order.promised_date
    assert f"{promised.day} " in render("ready-tomorrow", "sms", "en").text


def test_it_renders_without_the_optional_people_and_order(db, settings):
    settings.COMPANY_DIRECTOR_NAME = ""
    client = make_client(name="Lone Buyer", email="lone@example.com")
    context = messaging.context_for(client, None)
    for template in MessageTemplate.objects.filter(slug__in=template_slugs()):
        message = messaging.render_template(template, context, template.language)
        assert message.text, template
        assert "None" not in message.text, template


def test_it_fits_every_sms_with_long_names_and_numbers(db, settings):
    settings.COMPANY_NAME = "Мебельная фабрика «Уют»"
    client = make_client(name="Константин Константинопольский", email="k@example.com")
    order = make_order(client, external_id="ERP-2027-0001234567")
    context = messaging.context_for(client, order)
    for template in MessageTemplate.objects.filter(channel="sms", slug__in=template_slugs()):
        full = uncut_sms(template, context, template.language)
        assert sms.segments(full) <= settings.SMS_MAX_SEGMENTS, (template, len(full))


def test_it_can_run_twice_and_be_reversed(buyer, delivered_order):
    planned = Touchpoint.objects.filter(step__cadence__slug="after-sale")
    assert planned.exists()  # the delivery planned the after-sale steps
    Cadence.objects.filter(slug="after-sale").update(name="Edited")

    defaults.create_defaults(apps, None)
    assert Cadence.objects.get(slug="after-sale").name == "After-sale follow-up"
    # The 20 steps of 0002 and the survey invitation of 0004.
    assert CadenceStep.objects.filter(cadence__slug__in=EXPECTED).count() == 21
    assert MessageTemplate.objects.filter(slug__in=template_slugs()).count() == 26

    touchpoints = Touchpoint.objects.count()
    defaults.delete_defaults(apps, None)
    assert not Cadence.objects.filter(slug__in=EXPECTED).exists()
    assert not MessageTemplate.objects.filter(slug__in=template_slugs()).exists()
    assert Touchpoint.objects.count() == touchpoints  # history stays, without its step


def test_it_plans_the_notices_before_the_promised_date_in_the_clients_daytime(buyer):
    with time_machine.travel(at(2026, 11, 23, 12), tick=False):
        make_order(
            buyer,
            placed_at=at(2026, 11, 23, 11),
            promised_date=dt.date(2026, 11, 27),
        )

    def due(slug: str) -> dt.datetime:
        return Touchpoint.objects.get(step__slug=slug).due_at.astimezone(MSK)

    # The day before, once the client's day has begun; on the day, in the morning.
    assert due("ready-tomorrow").date() == dt.date(2026, 11, 26)
    pickup = due("pickup-reminder")
    assert pickup.date() == dt.date(2026, 11, 27)
    assert 9 <= pickup.hour < 12
    assert Touchpoint.objects.filter(step__slug="order-thanks").count() == 1
