"""The admin of touchpoints: the template preview, the checks on saving a template or a step,
and the read-only views of what was planned and sent."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients import services as client_services
from clients.models import OrderStatus
from tests.clients.factories import make_client, make_order
from touchpoints.models import (
    Cadence,
    CadenceStep,
    MessageTemplate,
    SendRecord,
    Touchpoint,
)


@pytest.fixture
def dina(client, director):
    """The director, as a superuser of the admin."""
    director.is_superuser = True
    director.save()
    client.force_login(director)
    return client


def preview_url(template: MessageTemplate) -> str:
    return reverse("admin:touchpoints_messagetemplate_preview", args=[template.pk])


def template(slug: str, channel: str, language: str = "en") -> MessageTemplate:
    return MessageTemplate.objects.get(slug=slug, channel=channel, language=language)


def form_data(**fields) -> dict:
    data = {
        "slug": "test-message",
        "channel": "email",
        "language": "en",
        "subject": "Hello",
        "body_text": "Hello {{ client.name }}. Unsubscribe: {{ links.unsubscribe }}",
        "body_html": "",
    }
    data.update(fields)
    return data


def add_url() -> str:
    return reverse("admin:touchpoints_messagetemplate_add")


def test_it_previews_a_template_for_the_first_client_the_director_sees(dina, sales):
    buyer = make_client(originator=sales, name="Maria Smirnova", email="maria@example.com")
    make_order(buyer, external_id="SHOP-77")

    response = dina.get(preview_url(template("order-thanks", "email")))

    assert response.status_code == 200
    assert response.context["preview"].subject == "Thank you for your order"
    assert response.context["preview"].sample.is_real
    body = response.content.decode()
    assert "Thank you for your order" in body
    assert "Maria Smirnova" in body
    assert 'sandbox=""' in body


def test_it_escapes_the_html_it_puts_in_the_iframe(dina, sales):
    make_client(originator=sales, name='Tom "<b>" Jones', email="tom@example.com")

    response = dina.get(preview_url(template("order-thanks", "email")))

    body = response.content.decode()
    srcdoc = body.split('srcdoc="', 1)[1].split('"', 1)[0]
    assert "&lt;p&gt;" in srcdoc  # the markup, escaped once for the attribute
    assert "<" not in srcdoc and ">" not in srcdoc
    assert "&amp;lt;b&amp;gt;" in srcdoc  # the client's name, escaped by the template first
    assert "<b>" not in body  # nor does the text version let it through


def test_it_previews_with_a_made_up_client_on_an_empty_database(dina):
    response = dina.get(preview_url(template("director-thanks", "email", "ru")))

    assert response.status_code == 200
    assert not response.context["preview"].sample.is_real
    assert "A-1024" in response.context["preview"].text


def test_it_counts_the_segments_of_an_sms(dina):
    response = dina.get(preview_url(template("order-ready", "sms", "ru")))

    preview = response.context["preview"]
    assert response.status_code == 200
    assert 1 <= preview.segments <= 3
    assert preview.segments == preview.uncut_segments
    assert "segment" in response.content.decode()


def test_it_hides_the_preview_from_staff_without_permission(client, sales):
    sales.is_staff = True
    sales.save()
    client.force_login(sales)

    response = client.get(preview_url(template("order-thanks", "email")))

    assert response.status_code == 403


def test_it_answers_404_for_a_template_that_does_not_exist(dina):
    url = reverse("admin:touchpoints_messagetemplate_preview", args=[999999])
    assert dina.get(url).status_code == 404


def test_it_links_the_preview_from_the_change_page(dina):
    found = template("order-thanks", "email")
    url = reverse("admin:touchpoints_messagetemplate_change", args=[found.pk])

    response = dina.get(url)

    assert response.status_code == 200
    assert preview_url(found) in response.content.decode()


def test_it_saves_a_template_that_compiles(dina):
    response = dina.post(add_url(), form_data())

    assert response.status_code == 302
    assert MessageTemplate.objects.filter(slug="test-message").exists()


def test_it_rejects_a_template_that_does_not_compile(dina):
    response = dina.post(
        add_url(), form_data(body_text="{% if client %}Hello {{ links.unsubscribe }}")
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "body_text" in errors
    assert "does not compile" in errors["body_text"][0]
    assert not MessageTemplate.objects.filter(slug="test-message").exists()


def test_it_rejects_a_broken_subject_and_html_on_their_own_fields(dina):
    response = dina.post(
        add_url(), form_data(subject="{{ client.name|nosuchfilter }}", body_html="{% endif %}")
    )

    errors = response.context["adminform"].form.errors
    assert set(errors) >= {"subject", "body_html"}


def test_it_rejects_an_sms_that_would_be_cut(dina):
    text = "Здравствуйте, {{ client.name }}! " + "Очень длинное сообщение. " * 12

    response = dina.post(add_url(), form_data(channel="sms", subject="", body_text=text))

    errors = response.context["adminform"].form.errors
    assert "segments" in errors["body_text"][0]


def test_it_rejects_an_email_without_the_unsubscribe_link(dina):
    response = dina.post(
        add_url(), form_data(body_text="Hello", body_html="<p>Hello {{ client.name }}</p>")
    )

    errors = response.context["adminform"].form.errors
    assert set(errors) == {"body_text", "body_html"}


def test_it_keeps_the_default_templates_valid_in_the_form(dina):
    # Saving a default template unchanged must pass the very checks the form applies.
    found = template("handoff-sales-letter", "email", "ru")
    url = reverse("admin:touchpoints_messagetemplate_change", args=[found.pk])
    data = {
        name: getattr(found, name)
        for name in ("slug", "channel", "language", "subject", "body_text", "body_html")
    }

    response = dina.post(url, data)

    assert response.status_code == 302


def step_data(**fields) -> dict:
    cadence = Cadence.objects.get(slug="order-notifications")
    data = {
        "cadence": cadence.pk,
        "slug": "new-step",
        "position": 9,
        "kind": "single",
        "anchor": "order_placed",
        "anchor_stage": "",
        "offset": 1,
        "offset_unit": "days",
        "month": "",
        "day": "",
        "audience": "buyers",
        "scope": "order",
        "scope_window_days": 0,
        "channel": "email",
        "performer": "system",
        "purpose": "A test",
        "talking_points": "",
        "template_slug": "order-thanks",
        "is_active": "on",
    }
    data.update(fields)
    return data


def test_it_checks_a_step_the_planner_could_not_use(dina):
    url = reverse("admin:touchpoints_cadencestep_add")

    assert dina.post(url, step_data()).status_code == 302
    for broken, field in [
        ({"slug": "a", "template_slug": ""}, "template_slug"),
        ({"slug": "b", "template_slug": "no-such-template"}, "template_slug"),
        ({"slug": "c", "channel": "call", "template_slug": ""}, "performer"),
        ({"slug": "d", "anchor": "yearly_date"}, "month"),
        ({"slug": "e", "anchor": "yearly_date", "month": 2, "day": 30}, "day"),
        ({"slug": "f", "anchor": "stage_reached"}, "anchor_stage"),
        ({"slug": "g", "scope": "client"}, "scope_window_days"),
    ]:
        response = dina.post(url, step_data(**broken))
        assert field in response.context["adminform"].form.errors, broken
    assert CadenceStep.objects.filter(slug__in="abcdefg").count() == 0


def test_it_lists_which_steps_are_per_order_and_which_per_client(dina):
    page = dina.get(reverse("admin:touchpoints_cadencestep_changelist")).content.decode()

    assert "Once per client" in page
    assert "Per order" in page


def test_it_edits_a_cadence_with_its_steps_inline(dina):
    cadence = Cadence.objects.get(slug="after-sale")

    response = dina.get(reverse("admin:touchpoints_cadence_change", args=[cadence.pk]))

    assert response.status_code == 200
    assert "delivery-day-call" in response.content.decode()


@pytest.fixture
def planned(sales, account):
    buyer = make_client(originator=sales, account_manager=account, name="Vera", email="v@e.com")
    for _ in range(3):
        order = make_order(buyer, placed_at=timezone.now() - dt.timedelta(days=3))
        client_services.order_record_event(
            order=order, type=OrderStatus.DELIVERED, at=timezone.now(), by=None
        )
    return Touchpoint.objects.filter(client=buyer)


def test_it_lists_touchpoints_in_a_fixed_number_of_queries(
    dina, planned, django_assert_max_num_queries
):
    assert planned.count() > 10

    with django_assert_max_num_queries(12):
        response = dina.get(reverse("admin:touchpoints_touchpoint_changelist"))

    assert response.status_code == 200
    assert "Vera" in response.content.decode()


def test_it_shows_a_touchpoints_send_record_read_only(dina, planned):
    touchpoint = planned.filter(is_automatic=True).first()
    record = SendRecord.objects.create(
        touchpoint=touchpoint,
        channel=touchpoint.channel,
        recipient="v@e.com",
        status=SendRecord.Status.SENT,
        attempts=1,
    )

    page = dina.get(reverse("admin:touchpoints_touchpoint_change", args=[touchpoint.pk]))
    assert reverse("admin:touchpoints_sendrecord_change", args=[record.pk]) in page.content.decode()

    record_page = dina.get(reverse("admin:touchpoints_sendrecord_change", args=[record.pk]))
    assert record_page.status_code == 200
    assert record_page.context["has_change_permission"] is False
    assert dina.get(reverse("admin:touchpoints_sendrecord_add")).status_code == 403
