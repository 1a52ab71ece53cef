"""The Content-Security-Policy in a real browser: the pages load, htmx works and Chromium reports
no violation and no console error."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.clients.factories import make_client
from tests.conftest import browser_login
from touchpoints.models import Cadence, MessageTemplate, Touchpoint

pytestmark = pytest.mark.browser

# Chromium fires "securitypolicyviolation" on the document for every refused script, style,
# handler or eval; the listener is installed before any page script runs.
LISTEN = """
window.violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.violations.push(`${event.violatedDirective} ${event.blockedURI} ${where}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, and what its console said that was not plain logging."""
    complaints: list[str] = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: (
            complaints.append(f"{message.type}: {message.text} ({message.location['url']})")
            if message.type in {"error", "warning"}
            # Chromium asks for a favicon we do not have: a 404, not the policy.
            and not message.location["url"].endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda error: complaints.append(f"page error: {error}"))
    return page, complaints


def assert_clean(page, complaints: list[str]) -> None:
    assert page.evaluate("window.violations") == []
    assert complaints == []


def test_the_call_list_and_its_htmx_forms_run_under_the_policy(watched, sales, transactional_db):
    page, complaints = watched
    Cadence.objects.update(is_active=False)
    pavel = make_client(originator=sales, name="Pavel Orlov", phones=["+7 912 345-67-89"])
    call = Touchpoint.objects.create(
        client=pavel,
        anchor_key="call",
        due_at=timezone.now() - dt.timedelta(minutes=5),
        channel="call",
        assignee=sales,
        purpose="How did the first use go?",
    )
    browser_login(page, "sasha")
    assert_clean(page, complaints)

    page.goto("/calls/")
    row = page.locator(f"#call-{call.pk}")
    # The row's forms are not in the page: opening it fetches them with htmx.
    row.get_by_text("Record", exact=True).click()
    expect(row.get_by_label("Reached", exact=True)).to_be_visible()
    assert_clean(page, complaints)
    # Handled: the row collapses with its Undo, which puts it back, still under the policy.
    row.get_by_label("No answer", exact=True).check()
    row.get_by_role("button", name="Save the call").click()
    row.get_by_role("button", name="Undo").click()
    expect(row).to_have_attribute("data-call-row", "")
    assert_clean(page, complaints)


def test_the_reports_dashboard_runs_under_the_policy(watched, director, transactional_db):
    page, complaints = watched
    browser_login(page, "dina")

    page.goto("/reports/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reports")

    assert_clean(page, complaints)


def test_the_api_docs_run_under_the_policy(watched, sales, transactional_db):
    page, complaints = watched
    browser_login(page, "sasha")

    page.goto("/api/docs/")
    expect(page.get_by_text("Followup CRM API").first).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()

    assert_clean(page, complaints)


def test_the_admin_runs_under_the_policy(watched, director, transactional_db):
    page, complaints = watched
    director.is_superuser = True
    director.save()
    MessageTemplate.objects.create(
        slug="thanks", channel="email", language="en", subject="Thank you", body_text="Thanks"
    )
    browser_login(page, "dina")

    page.goto("/admin/touchpoints/messagetemplate/")
    page.get_by_role("link", name="thanks").click()
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_visible()

    assert_clean(page, complaints)
