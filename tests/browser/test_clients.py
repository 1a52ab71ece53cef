import pytest
from playwright.sync_api import expect

from clients.models import Client, Stage
from tests.conftest import browser_login

pytestmark = pytest.mark.browser


def menu(page):
    return page.get_by_role("navigation", name="Main menu")


def test_it_adds_a_client_and_records_an_order_in_place(page, sales):
    browser_login(page, "sasha")
    menu(page).get_by_role("link", name="Clients").click()
    expect(page.get_by_text("No clients yet.")).to_be_visible()

    page.get_by_role("link", name="Add a client").first.click()
    page.get_by_label("Name").fill("Irina Volkova")
    page.get_by_label("Phones").fill("8 912 345-67-89")
    page.get_by_role("button", name="Add the client").click()
    expect(page.get_by_role("heading", name="Irina Volkova")).to_be_visible()

    # The order form posts with htmx: the card is swapped in place, the page is not reloaded.
    page.evaluate("window.notReloaded = true")
    page.get_by_text("An order", exact=True).click()
    page.get_by_label("Amount").fill("4990")
    page.get_by_label("Items").fill("Business cards")
    page.get_by_role("button", name="Record the order").click()

    expect(page.get_by_text("The order was recorded.")).to_be_visible()
    expect(page.locator("#client-card .page-head .badge").first).to_have_text("Buyer")
    assert page.evaluate("window.notReloaded") is True
    assert Client.objects.get().stage == Stage.BUYER

    menu(page).get_by_role("link", name="Clients").click()
    page.get_by_label("Search").fill("+7 (912) 345 67 89")
    expect(page.locator("#client-results")).to_contain_text("Irina Volkova")
    page.get_by_label("Search").fill("nobody")
    expect(page.locator("#client-results")).to_contain_text("No client matches this search.")


def test_the_submit_button_is_disabled_while_the_form_is_sent(page, sales):
    irina = Client.objects.create(name="Irina Volkova", originator=sales)
    browser_login(page, "sasha")
    page.goto(f"/clients/{irina.pk}/")
    page.get_by_text("An order", exact=True).click()
    page.get_by_label("Amount").fill("4990")
    held = []

    def hold_the_post(route):
        if route.request.method == "POST":
            held.append(route)
        else:
            route.continue_()

    # The order form posts with htmx: held here, the request is still being sent.
    page.route("**/orders/", hold_the_post)
    button = page.get_by_role("button", name="Record the order")
    button.click()

    expect(button).to_be_disabled()
    button.click(force=True)  # a second click while it is sent: nothing
    page.wait_for_timeout(200)
    assert len(held) == 1
    held[0].continue_()
    expect(page.get_by_text("The order was recorded.")).to_be_visible()
    # The card drawn again: its forms, closed, are ready for the next order.
    expect(page.locator("button", has_text="Record the order")).to_be_enabled()
    assert irina.orders.count() == 1
