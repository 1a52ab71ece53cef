"""The director's reports page and the export of each of its tables.

For anyone but a director the pages do not exist (404). The figures come from
reports.selectors in a fixed number of queries: every section once for the period, the
headline once more for the previous period; the tables and charts are drawn from those results
without asking the database again.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from clients.exports import XLSX_CONTENT_TYPE
from followup_crm.pages import role_required
from followup_crm.roles import DIRECTOR

from . import charts, exports, selectors
from .forms import ReportForm, period_query, quick_periods

# The tables that also get a chart: how it is drawn, which column it plots against the first,
# its unit, and the top of its scale (None: the largest value).
CHARTS: dict[str, tuple[Callable[..., SafeString], int, str, int | None]] = {
    "satisfaction_by_source": (charts.bar_chart, 3, "%", None),
    "satisfaction_by_month": (charts.line_chart, 3, "%", 100),
    "distribution": (charts.bar_chart, 1, "", None),
    "funnel": (charts.bar_chart, 1, "", None),
    "refusals": (charts.bar_chart, 1, "", None),
}


def _chart(table: exports.Table) -> SafeString:
    draw, column, unit, maximum = CHARTS[table.name]
    points = [(str(row[0]), row[column]) for row in table.rows]
    options: dict[str, Any] = {"maximum": maximum} if maximum is not None else {}
    return draw(points, title=str(table.title), unit=unit, **options)


@login_required
@role_required(DIRECTOR)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = ReportForm.for_page(request.GET, today=today)
    valid = form.is_valid()
    manager = form.cleaned_data.get("manager")
    context: dict[str, Any] = {
        "form": form,
        "quick_links": [
            (label, period_query(first, last, manager))
            for label, first, last in quick_periods(today)
        ],
    }
    if not valid:
        return render(request, "reports/dashboard.html", context)

    choice = form.selection()
    now = timezone.now()
    sections = selectors.dashboard(choice.period, now, choice.manager)
    previous = selectors.headline(choice.period.previous, now, choice.manager, past=True)
    tables = exports.tables(sections)
    context.update(
        choice=choice,
        previous_period=choice.period.previous,
        query=choice.query(),
        sections=sections,
        headline=sections["headline"],
        figures=exports.headline_figures(sections["headline"], previous),
        tables=tables,
        charts={name: _chart(tables[name]) for name in CHARTS},
    )
    return render(request, "reports/dashboard.html", context)


@login_required
@role_required(DIRECTOR)
@require_GET
def export(request: HttpRequest, table: str) -> HttpResponse:
    """/reports/export/<table>/?format=csv|xlsx plus the page's period and manager."""
    if table not in exports.TABLES:
        raise Http404
    file_format = request.GET.get("format", "csv")
    if file_format not in ("csv", "xlsx"):
        return HttpResponseBadRequest(_("Choose the csv or xlsx format."))
    form = ReportForm.for_page(request.GET, today=timezone.localdate())
    if not form.is_valid():
        return HttpResponseBadRequest(_("The period or the manager is not valid."))
    choice = form.selection()
    rows = exports.table_export(table, choice.period, timezone.now(), choice.manager)
    disposition = {
        "Content-Disposition": (
            f'attachment; filename="{exports.filename(rows, choice.period, file_format)}"'
        )
    }
    if file_format == "csv":
        return HttpResponse(
            exports.csv_text(rows), content_type="text/csv; charset=utf-8", headers=disposition
        )
    return HttpResponse(
        exports.xlsx_bytes(rows), content_type=XLSX_CONTENT_TYPE, headers=disposition
    )
