"""Every table of the reports page exports to CSV and XLSX, with the page's period and
manager, and a name a spreadsheet would run as a formula stays text."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from clients.exports import XLSX_CONTENT_TYPE
from reports import exports
from tests.reports import test_figures as data

world = data.world
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
PAYLOAD = '=HYPERLINK("http://evil.example/","Click")'


def export(client, table: str, file_format: str, **params) -> list[list[object]]:
    params = {**NOVEMBER, "format": file_format, **params}
    response = client.get(f"/reports/export/{table}/", params)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="{table}-{params["from"]}-{params["to"]}.{file_format}"'
    )
    if file_format == "csv":
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        text = response.content.decode("utf-8")
        assert text.startswith("\ufeff")
        return list(csv.reader(io.StringIO(text[1:])))
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("table", list(exports.TABLES))
def test_it_exports_every_table(client, director, world, table, file_format):
    client.force_login(director)
    rows = export(client, table, file_format)

    expected = client.get("/reports/", NOVEMBER).context["tables"][table]
    assert rows[0] == expected.header()
    assert len(rows) == len(expected.rows) + 1


def test_it_exports_the_figures_of_the_period(client, director, world, sales):
    client.force_login(director)

    assert export(client, "funnel", "csv") == [
        ["Stage", "Clients now", "Entered in the period"],
        ["Prospect", "1", "0"],
        ["Visitor", "1", "3"],
        ["Buyer", "2", "3"],
        ["Client", "1", "1"],
        ["Advocate", "1", "1"],
    ]
    assert export(client, "commissions", "xlsx") == [
        ["Sales manager", "Currency", "Purchases", "Sales", "Commission"],
        ["Sasha", "RUB", 1, Decimal("2000.00"), Decimal("200.00")],
    ]
    assert export(client, "discipline", "csv")[1] == ["Anna", "3", "2", "1", "33.3", "1"]
    assert export(client, "offers", "xlsx")[1:] == [
        ["Upsell", 2, 1, 50.0],
        ["Cross-sell", 1, 0, 0.0],
    ]
    refusals = export(client, "refusals", "csv")
    assert ["Price", "1"] in refusals


def test_it_exports_the_cohorts_and_satisfaction(client, director, world):
    client.force_login(director)

    cohorts = export(client, "cohorts", "csv", **{"from": "2026-09-01"})
    assert cohorts[0] == ["First purchase", "Buyers", *(str(n) for n in range(1, 13))]
    assert cohorts[1][:5] == ["2026-09", "1", "0.0", "100.0", "100.0"]
    # No survey answered in the world: three sources, no scores, an empty rate.
    by_source = export(client, "satisfaction_by_source", "csv")
    assert [row[:4] for row in by_source[1:]] == [
        ["Survey", "0", "0", ""],
        ["Call", "0", "0", ""],
        ["Service", "0", "0", ""],
    ]
    assert [row[0] for row in export(client, "distribution", "xlsx")[1:]] == [
        "1",
        "2",
        "3",
        "4",
        "5",
    ]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_it_neutralises_formulas_in_names(client, director, world, sales, account, file_format):
    sales.first_name = PAYLOAD
    sales.save()
    account.first_name = "@SUM(A1:A9)"
    account.save()
    client.force_login(director)

    assert export(client, "commissions", file_format)[1][0] == "'" + PAYLOAD
    assert export(client, "discipline", file_format)[1][0] == "'@SUM(A1:A9)"
    # On the page the name is just escaped text.
    html = client.get("/reports/", NOVEMBER).content.decode()
    assert "=HYPERLINK(&quot;http://evil.example/&quot;,&quot;Click&quot;)" in html


def test_it_narrows_an_export_to_a_manager(client, director, world, sales, other_sales):
    client.force_login(director)

    assert len(export(client, "commissions", "csv", manager=sales.pk)) == 2
    assert export(client, "commissions", "csv", manager=other_sales.pk) == [
        ["Sales manager", "Currency", "Purchases", "Sales", "Commission"]
    ]


def test_it_refuses_what_it_cannot_export(client, director):
    client.force_login(director)

    assert client.get("/reports/export/clients/").status_code == 404
    assert client.get("/reports/export/funnel/", {"format": "pdf"}).status_code == 400
    assert client.get("/reports/export/funnel/", {"from": "yesterday"}).status_code == 400


def test_it_exports_the_last_30_days_by_default(client, director):
    client.force_login(director)
    response = client.get("/reports/export/refusals/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="refusals-')
