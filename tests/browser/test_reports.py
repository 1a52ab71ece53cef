import csv
import io

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login
from tests.reports import test_figures as data

pytestmark = pytest.mark.browser

world = data.world


def test_it_shows_a_period_and_exports_a_table(page, director, world):
    browser_login(page, "dina")
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reports")

    page.get_by_label("From", exact=True).fill("2026-11-01")
    page.get_by_label("To", exact=True).fill("2026-11-30")
    page.get_by_role("button", name="Show").click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Reports: Nov. 1, 2026 – Nov. 30, 2026")
    expect(page.locator('[data-figure="commissions"] .value')).to_have_text("200.00")

    # A chart's numbers are one click away.
    refusals = page.locator("#refusals-heading + .report-chart")
    expect(refusals.locator("svg[role=img]")).to_be_visible()
    refusals.get_by_text("The numbers").click()
    expect(refusals.locator("table")).to_contain_text("Price")

    commissions = page.locator("section", has=page.locator("#commissions-heading"))
    with page.expect_download() as download_info:
        commissions.get_by_role("link", name="CSV").click()
    download = download_info.value
    assert download.suggested_filename == "commissions-2026-11-01-2026-11-30.csv"
    with open(download.path(), encoding="utf-8-sig") as file:
        rows = list(csv.reader(io.StringIO(file.read())))
    assert rows == [
        ["Sales manager", "Currency", "Purchases", "Sales", "Commission"],
        ["Sasha", "RUB", "1", "2000.00", "200.00"],
    ]
