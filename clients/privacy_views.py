"""A client's personal data: everything held about them as one JSON file, their consent history
as CSV, the audit history of who changed what, and the director's erasure.

Whoever may see a client may download their data and read their history (anyone else gets a
404, as everywhere); each download is recorded in the client's history. Erasing is for
directors only, after a confirmation page and a typed confirmation.
"""

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from followup_crm.pages import PageWindow, page_number, role_required
from followup_crm.roles import DIRECTOR, ROLES
from followup_crm.users import AuthedHttpRequest

from . import data_export, exports, selectors, services
from .models import AuditReason, Client

HISTORY_PAGE_SIZE = 50
CONFIRMATION_WORD = "ERASE"


def _visible_client(request: HttpRequest, pk: int) -> Client:
    clients = selectors.clients_visible_to(request.user).select_related(
        "originator", "account_manager", "erased_by"
    )
    return get_object_or_404(clients, pk=pk)


@login_required
@role_required(*ROLES)
@require_GET
@never_cache
def client_data_export(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    client = _visible_client(request, pk)
    with transaction.atomic():
        # Recorded first, so the file's own audit history shows this download.
        services.client_record_export(
            client=client, by=request.user, reason=AuditReason.DATA_EXPORT
        )
        data = data_export.client_data_export(client, by=request.user)
    body = json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
    filename = f"client-{client.pk}-data-{timezone.localdate():%Y-%m-%d}.json"
    return HttpResponse(
        body + "\n",
        content_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@login_required
@role_required(*ROLES)
@require_GET
@never_cache
def consent_history_export(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    client = _visible_client(request, pk)
    services.client_record_export(client=client, by=request.user, reason=AuditReason.CONSENT_EXPORT)
    filename = exports.consent_filename(client)
    return HttpResponse(
        exports.consent_history_csv(selectors.consent_history(client)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@login_required
@role_required(*ROLES)
@require_GET
def client_history(request: HttpRequest, pk: int) -> HttpResponse:
    client = _visible_client(request, pk)
    number = page_number(request.GET.get("page"))
    # One record more than shown tells whether a next page exists, without counting.
    rows = selectors.client_audit_history(
        client, offset=(number - 1) * HISTORY_PAGE_SIZE, limit=HISTORY_PAGE_SIZE + 1
    )
    page = PageWindow(
        rows=rows[:HISTORY_PAGE_SIZE], number=number, has_next=len(rows) > HISTORY_PAGE_SIZE
    )
    return render(request, "clients/client_history.html", {"client": client, "page": page})


class EraseForm(forms.Form):
    confirmation = forms.CharField(
        label=gettext_lazy("To confirm, type the client's name or the word ERASE"),
        max_length=200,
    )

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client

    def clean_confirmation(self) -> str:
        typed = self.cleaned_data["confirmation"].strip()
        if typed != self.client.name.strip() and typed.upper() != CONFIRMATION_WORD:
            raise forms.ValidationError(
                _("Type the client's name exactly, or the word ERASE, to confirm.")
            )
        return typed


@login_required
@role_required(DIRECTOR)
def client_erase(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    client = _visible_client(request, pk)
    form = EraseForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        services.client_erase(client=client, by=request.user)
        messages.success(
            request,
            _("The client's personal data was erased. Their orders and figures are kept."),
        )
        return redirect("clients:detail", pk=client.pk)
    return render(request, "clients/client_erase.html", {"client": client, "form": form})
