"""The director's import page and the client list export.

Import: upload a file and see the dry run (every bad row with its reason); a file without bad
rows becomes a pending job that the director confirms, and a Celery task imports it all or
nothing while the job page shows the progress (htmx polls a fragment; without JavaScript a
refresh link does the same). Export: the list page's filters over the clients the user may see.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from followup_crm.pages import role_required
from followup_crm.roles import DIRECTOR, ROLES
from followup_crm.users import AuthedHttpRequest

from . import exports, imports
from .filters import ClientFilter
from .models import ImportJob
from .selectors import clients_visible_to


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("The file holds"),
        choices=ImportJob.Kind.choices,
        widget=forms.RadioSelect,
        initial=ImportJob.Kind.CLIENTS,
    )
    file = forms.FileField(label=gettext_lazy("CSV or XLSX file"))
    duplicates = forms.ChoiceField(
        label=gettext_lazy("Clients already in the CRM (same e-mail, phone or client_id)"),
        choices=[
            (imports.FILL, gettext_lazy("Fill only what the CRM has empty")),
            (imports.UPDATE, gettext_lazy("Overwrite with the file's non-empty cells")),
            (imports.SKIP, gettext_lazy("Leave them as they are")),
        ],
        widget=forms.RadioSelect,
        initial=imports.FILL,
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB: split it into smaller files.")
                % {"size": settings.IMPORT_MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload


def _import_page(
    request: HttpRequest, form: ImportForm, report: imports.ImportReport | None = None
) -> HttpResponse:
    context = {
        "form": form,
        "report": report,
        "jobs": imports.import_jobs_recent(),
        "client_columns": imports.columns_help(ImportJob.Kind.CLIENTS),
        "order_columns": imports.columns_help(ImportJob.Kind.ORDERS),
        "max_rows": settings.IMPORT_MAX_ROWS,
    }
    return render(request, "clients/import.html", context)


@login_required
@role_required(DIRECTOR)
def import_start(request: AuthedHttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _import_page(request, ImportForm())
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form)
    upload = form.cleaned_data["file"]
    report, job = imports.import_upload(
        kind=form.cleaned_data["kind"],
        filename=upload.name,
        content=upload.read(),
        by=request.user,
        duplicates=form.cleaned_data["duplicates"],
        language=get_language(),
    )
    if job is None:
        # Bad rows: the report goes with the form, to fix the file and upload it again.
        return _import_page(request, form, report)
    return redirect("clients:import_job", pk=job.pk)


@login_required
@role_required(DIRECTOR)
@require_GET
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.defer("content").select_related("created_by"), pk=pk)
    context = {
        "view": imports.import_job_view(job),
        "revertible": imports.import_job_revertible(job),
        "revert_days": imports.REVERT_DAYS,
    }
    return render(request, "clients/import_job.html", context)


@login_required
@role_required(DIRECTOR)
@require_GET
def import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment that the job page polls."""
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=pk)
    return render(request, "clients/import_job_status.html", {"view": imports.import_job_view(job)})


@login_required
@role_required(DIRECTOR)
@require_POST
def import_confirm(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=pk)
    # The conflicting rows the director ticked; anything but a row number is no row.
    accepted = {int(row) for row in request.POST.getlist("accept_conflict") if row.isdigit()}
    if imports.import_job_confirm(job=job, by=request.user, accept_conflicts=accepted):
        messages.success(request, _("The import has started."))
    return redirect("clients:import_job", pk=job.pk)


@login_required
@role_required(DIRECTOR)
@require_POST
def import_revert(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=pk)
    try:
        result = imports.import_job_revert(job=job, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if result.not_reverted:
            messages.warning(request, _("The import is reverted, except what the page lists."))
        else:
            messages.success(request, _("The import is reverted."))
    return redirect("clients:import_job", pk=job.pk)


@login_required
@role_required(*ROLES)
@require_GET
def client_export(request: HttpRequest) -> HttpResponseBase:
    """?format=csv|xlsx plus the list page's filters, over the clients the user may see."""
    file_format = request.GET.get("format", "csv")
    if file_format not in ("csv", "xlsx"):
        return HttpResponseBadRequest(_("Choose the csv or xlsx format."))
    filterset = ClientFilter(
        request.GET, queryset=clients_visible_to(request.user), request=request
    )
    if not filterset.is_valid():
        return HttpResponseBadRequest(_("The filters are not valid."))
    filename = exports.export_filename(file_format)
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if file_format == "csv":
        return StreamingHttpResponse(
            exports.export_csv(filterset.qs),
            content_type="text/csv; charset=utf-8",
            headers=disposition,
        )
    return HttpResponse(
        exports.export_xlsx(filterset.qs),
        content_type=exports.XLSX_CONTENT_TYPE,
        headers=disposition,
    )
