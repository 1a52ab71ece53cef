"""The call list in headless Chromium: completing calls in place, with the mouse and with the
keyboard only. Data is made relative to the real clock (the live server runs on it): calls
due a few minutes ago are in today's list whatever the hour."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Client
from followup_crm.roles import ROLES
from tests.clients.factories import make_client
from tests.conftest import PASSWORD, browser_login
from touchpoints import calendar, selectors
from touchpoints.models import Cadence, Touchpoint

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("/tmp")  # noqa: S108 - looked at by hand, not read back


@pytest.fixture(autouse=True)
def _no_cadences(transactional_db) -> None:
    # Only the calls a test makes; no cadence plans more behind its back.
    Cadence.objects.update(is_active=False)


def due_call(client: Client, assignee, minutes_ago: int = 5, **fields) -> Touchpoint:
    return Touchpoint.objects.create(
        client=client,
        anchor_key=f"b:{Touchpoint.objects.count()}",
        due_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        channel="call",
        assignee=assignee,
        purpose=fields.pop("purpose", "How did the first use go?"),
        **fields,
    )


def next_working_day() -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=1)
    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def section_of(moment: dt.datetime) -> str | None:
    """The tab of the list that holds a call due at `moment`, if any."""
    for section in ("week", "next_week"):
        start, end = selectors.section_bounds(section, timezone.now())
        if start is not None and start <= moment < end:
            return section
    return None


def menu(page):
    return page.get_by_role("navigation", name="Main menu")


def test_it_completes_a_reached_call_and_finds_the_next_one_on_its_date(page, sales):
    pavel = make_client(originator=sales, name="Pavel Orlov", phones=["+7 912 345-67-89"])
    touchpoint = due_call(pavel, sales, talking_points="Ask how the family likes it")
    day = next_working_day()
    browser_login(page, "sasha")
    menu(page).get_by_role("link", name="Calls").click()

    row = page.locator(f"#call-{touchpoint.pk}")
    expect(row.get_by_role("link", name="+7 912 345-67-89")).to_have_attribute(
        "href", "tel:+79123456789"
    )
    page.evaluate("window.notReloaded = true")
    row.get_by_text("Record", exact=True).click()
    expect(row).to_contain_text("Ask how the family likes it")  # opened: what to say
    row.get_by_label("Reached", exact=True).check()
    row.get_by_role("button", name="Save the call").click()
    # Every conversation ends with an agreement: without a date the row comes back, open.
    expect(row).to_contain_text("Agree the date of the next contact")
    expect(row.get_by_label("Next contact on")).to_be_focused()
    row.get_by_label("Next contact on").fill(day.isoformat())
    row.get_by_label("5", exact=True).check()
    row.get_by_role("button", name="Save the call").click()

    # Handled: the row collapses in place to one line, with its Undo.
    expect(row).to_have_class(re.compile("call-done"))
    expect(row).to_contain_text("Pavel Orlov: reached · next contact")
    expect(row.get_by_role("button", name="Undo")).to_be_visible()
    expect(page.locator("#call-counters")).to_contain_text("1 of 1 done today (100%)")
    expect(page.locator("#call-progress")).to_have_attribute("value", "1")
    assert page.evaluate("window.notReloaded") is True

    following = Touchpoint.objects.get(anchor_key__startswith="next:")
    assert timezone.localtime(following.due_at).date() == day
    section = section_of(following.due_at)
    if section is None:  # a long holiday puts the date past next week: its own page then
        page.goto(f"/calls/{following.pk}/")
    else:
        tab = {"week": "This week", "next_week": "Next week"}[section]
        page.get_by_role("navigation", name="Sections of the list").get_by_role(
            "link", name=tab
        ).click()
    expect(page.locator(f"#call-{following.pk}")).to_contain_text("Agreed next contact")
    expect(page.locator(f"#call-{following.pk}")).to_contain_text("Pavel Orlov")


def test_no_answer_collapses_the_row_and_undo_restores_it(page, sales):
    touchpoint = due_call(make_client(originator=sales, name="Olga Sokolova"), sales)
    due_at = touchpoint.due_at
    browser_login(page, "sasha")
    page.goto("/calls/")

    row = page.locator(f"#call-{touchpoint.pk}")
    row.get_by_text("Record", exact=True).click()
    row.get_by_label("No answer", exact=True).check()
    row.get_by_role("button", name="Save the call").click()

    expect(row).to_contain_text("Olga Sokolova: no answer · retry at")
    expect(row).to_have_class(re.compile("call-done"))
    touchpoint.refresh_from_db()
    assert (touchpoint.status, touchpoint.attempts) == ("planned", 1)

    row.get_by_role("button", name="Undo").click()

    expect(row).to_have_attribute("data-call-row", "")
    expect(row).to_contain_text("Olga Sokolova")
    touchpoint.refresh_from_db()
    assert (touchpoint.attempts, touchpoint.due_at) == (0, due_at)
    assert not touchpoint.attempts_made.exists()


def test_it_reschedules_with_a_preset(page, sales):
    touchpoint = due_call(make_client(originator=sales, name="Olga Sokolova"), sales)
    browser_login(page, "sasha")
    page.goto("/calls/")

    row = page.locator(f"#call-{touchpoint.pk}")
    row.get_by_text("Reschedule", exact=True).click()
    row.get_by_label("Why:", exact=True).fill("On holiday")
    row.get_by_role("button", name=re.compile("^Next week")).click()

    expect(row).to_contain_text("Olga Sokolova: moved to")
    touchpoint.refresh_from_db()
    local = timezone.localtime(touchpoint.due_at)
    assert local.weekday() < 5 and calendar.is_working_day(local.date())
    assert local.date() > timezone.localdate()


def test_a_client_with_two_due_calls_is_one_row(page, sales):
    pavel = make_client(originator=sales, name="Pavel Orlov")
    first = due_call(pavel, sales, minutes_ago=30, purpose="How is the sofa?")
    second = due_call(pavel, sales, purpose="Ask for a recommendation")
    browser_login(page, "sasha")
    page.goto("/calls/")

    expect(page.locator("[data-call-row]")).to_have_count(1)
    row = page.locator(f"#call-{first.pk}")
    expect(row).to_contain_text("How is the sofa?")
    expect(row).to_contain_text("+ Ask for a recommendation")
    row.get_by_text("Record", exact=True).click()
    row.get_by_label("No answer", exact=True).check()
    complete = row.locator('details[data-call-action="complete"]')
    expect(complete.get_by_label("Ask for a recommendation")).to_be_checked()
    row.get_by_role("button", name="Save the call").click()

    expect(row).to_contain_text("2 calls recorded")
    assert second.attempts_made.count() == 1


def test_the_demo_list_shows_12_rows_on_a_laptop_screen(page, sales):
    from followup_crm.demo import demo_load

    for role in ROLES:  # the roles' groups, as the migrations make them
        Group.objects.get_or_create(name=role)
    demo_load()
    demo_sales = User.objects.get(username="sales")
    # The demo's day holds ten clients: two more, so that the first screen is put to the test.
    for n in range(4):
        due_call(make_client(originator=demo_sales, name=f"Extra {n}"), demo_sales)
    page.set_viewport_size({"width": 1366, "height": 900})
    browser_login(page, "sales", "demo")
    page.goto("/calls/")

    in_first_screen = page.evaluate(
        "Array.from(document.querySelectorAll('[data-call-row]'))"
        ".filter(row => row.getBoundingClientRect().bottom <= innerHeight).length"
    )
    assert in_first_screen >= 12


def test_on_a_phone_one_tap_calls_and_one_records_without_scrolling_sideways(page, sales):
    olga = make_client(originator=sales, name="Olga Sokolova", phones=["+7 912 345-67-89"])
    touchpoint = due_call(olga, sales)
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, "sasha")
    page.goto("/calls/")

    row = page.locator(f"#call-{touchpoint.pk}")
    expect(row.get_by_role("link", name="Call +7 912 345-67-89")).to_have_attribute(
        "href", "tel:+79123456789"
    )
    row.get_by_text("Record", exact=True).click()
    row.get_by_label("No answer", exact=True).check()
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    row.get_by_role("button", name="Save the call").click()
    expect(row).to_contain_text("no answer")
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    page.get_by_text("Menu", exact=True).click()
    expect(menu(page).get_by_role("link", name="Calls")).to_be_visible()


def test_it_completes_a_call_with_the_keyboard_only(page, sales):
    first = due_call(make_client(originator=sales, name="Ivan Petrov"), sales, minutes_ago=30)
    second = due_call(make_client(originator=sales, name="Maria Ivanova"), sales, minutes_ago=5)
    day = next_working_day()
    page.goto("/login/")
    page.get_by_label("Username").fill("sasha")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My calls")).to_be_visible()
    page.goto("/calls/")
    rows = page.locator("[data-call-row]")
    expect(rows).to_have_count(2)

    page.keyboard.press("?")
    expect(page.locator("#call-shortcuts")).to_have_attribute("open", "")
    page.keyboard.press("?")
    expect(page.locator("#call-shortcuts")).not_to_have_attribute("open", "")

    page.keyboard.press("j")
    row = page.locator(f"#call-{first.pk}")
    expect(row).to_be_focused()
    page.keyboard.press("Enter")
    expect(row.locator('details[data-call-action="complete"]')).to_have_attribute("open", "")
    page.keyboard.press("r")
    expect(row.get_by_label("Reached", exact=True)).to_be_checked()
    page.keyboard.press("Tab")
    date_input = row.get_by_label("Next contact on")
    expect(date_input).to_be_focused()
    page.keyboard.type(day.strftime("%m%d%Y"))  # the en-US order of the date's parts
    expect(date_input).to_have_value(day.isoformat())
    page.keyboard.press("Enter")

    expect(row).to_have_class(re.compile("call-done"))
    expect(page.locator(f"#call-{second.pk}")).to_be_focused()  # on to the next call
    first.refresh_from_db()
    assert (first.status, first.outcome) == ("done", "reached")

    # Escape closes a form the keys opened; "s" opens the reschedule form.
    page.keyboard.press("s")
    # The reason first: a call is not moved without one.
    expect(page.locator(f"#call-{second.pk}").get_by_label("Why:", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator(f"#call-{second.pk} details[open]")).to_have_count(0)
    expect(page.locator(f"#call-{second.pk}")).to_be_focused()


def test_it_fits_a_laptop_and_a_phone(page, sales):
    for n, name in enumerate(["Pavel Orlov", "Olga Sokolova", "Ivan Petrov"]):
        client = make_client(originator=sales, name=name, phones=[f"+7 912 345-67-8{n}"])
        due_call(client, sales, minutes_ago=5 + n, is_urgent=n == 0, talking_points="Ask")
    browser_login(page, "sasha")

    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/calls/")
        page.locator("[data-call-row] summary").first.click()
        page.get_by_label("Reached", exact=True).first.check()
        page.screenshot(path=SCREENSHOTS / f"calls-{width}.png", full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is wider than a {width} px screen by {overflow} px"


FORMS = re.compile(r"/calls/\d+/forms/")


def release_forms(page, held: list) -> None:
    """Let the one request for a row's forms that the test holds back go on."""
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(20)  # Playwright hands the held request over meanwhile
    assert len(held) == 1
    held.pop().continue_()


def test_keys_pressed_while_a_rows_forms_load_are_applied_when_they_come(page, sales):
    # A row's forms are fetched when it opens: r/n/b right after Enter must not be lost, and
    # Escape meanwhile must leave the row closed once they come.
    first = due_call(make_client(originator=sales, name="Ivan Petrov"), sales, minutes_ago=30)
    second = due_call(make_client(originator=sales, name="Maria Ivanova"), sales, minutes_ago=5)
    browser_login(page, "sasha")
    page.goto("/calls/")
    expect(page.locator("[data-call-row]")).to_have_count(2)
    held = []
    page.route(FORMS, lambda route: held.append(route))

    page.keyboard.press("j")
    row = page.locator(f"#call-{first.pk}")
    expect(row).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("n")
    expect(row.locator('details[data-call-action="complete"]')).to_have_attribute("open", "")
    expect(row.locator('input[name="outcome"]')).to_have_count(0)  # still on its way
    release_forms(page, held)

    no_answer = row.get_by_label("No answer", exact=True)
    expect(no_answer).to_be_checked()
    expect(no_answer).to_be_focused()
    page.keyboard.press("Escape")
    expect(row.locator("details[open]")).to_have_count(0)
    expect(row).to_be_focused()

    page.keyboard.press("j")
    row = page.locator(f"#call-{second.pk}")
    expect(row).to_be_focused()
    page.keyboard.press("o")
    expect(row.locator('details[data-call-action="complete"]')).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(row.locator("details[open]")).to_have_count(0)
    release_forms(page, held)
    expect(row.locator('input[name="outcome"]')).not_to_have_count(0)
    expect(row.locator("details[open]")).to_have_count(0)
    expect(row).to_be_focused()


def test_a_click_on_reschedule_opens_that_form(page, sales):
    touchpoint = due_call(make_client(originator=sales, name="Olga Sokolova"), sales)
    browser_login(page, "sasha")
    page.goto("/calls/")

    row = page.locator(f"#call-{touchpoint.pk}")
    row.get_by_text("Reschedule", exact=True).click()

    expect(row.get_by_label("Move to")).to_be_visible()
    expect(row.locator("details[open]")).to_have_count(1)
    expect(row.locator('details[data-call-action="reschedule"]')).to_have_attribute("open", "")


def test_without_javascript_an_opened_row_leads_to_the_calls_own_page(browser, live_server, sales):
    touchpoint = due_call(make_client(originator=sales, name="Olga Sokolova"), sales)
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        browser_login(page, "sasha")
        page.goto("/calls/?section=today")
        row = page.locator(f"#call-{touchpoint.pk}")
        row.get_by_text("Record", exact=True).click()
        row.get_by_role("link", name="Open on its own page").click()

        expect(page.get_by_role("heading", name="Call: Olga Sokolova")).to_be_visible()
        page.get_by_label("No answer", exact=True).check()
        page.get_by_role("button", name="Save the call").click()

        expect(page).to_have_url(re.compile(r"/calls/\?section=today$"))
        expect(page.locator(".messages")).to_contain_text("Olga Sokolova: no answer · retry at")
        touchpoint.refresh_from_db()
        assert touchpoint.attempts == 1
    finally:
        context.close()
