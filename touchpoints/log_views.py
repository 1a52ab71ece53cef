"""Logging what happened anyway, one click from anywhere: the header's "+" opens /log/ to find
the client, the client card's button opens the client's log page, with three small forms — an
inbound call, a note, a one-off task. Each posts to its own URL and calls one service; success
goes back to the card with a message, an error draws the page again with the form open.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.models import Client
from clients.selectors import client_search, clients_visible_to
from clients.services import client_note_add
from followup_crm.pages import add_service_errors, role_required
from followup_crm.roles import ROLES
from followup_crm.users import AuthedHttpRequest

from .forms import InboundCallForm, NoteForm, TaskForm
from .selectors import task_assignees
from .unplanned import touchpoint_log_inbound, touchpoint_log_task

SEARCH_LIMIT = 10


def _client_or_404(request: HttpRequest, pk: int) -> Client:
    return get_object_or_404(clients_visible_to(request.user), pk=pk)


def _task_form(request: HttpRequest, client: Client, data: Any = None) -> TaskForm:
    return TaskForm(
        data,
        prefix="task",
        assignees=task_assignees(client=client, user=request.user),
        initial={"assignee": request.user.pk},
    )


def _render(request: HttpRequest, client: Client, **bound: forms.Form) -> HttpResponse:
    """The client's log page; a form that came back with errors is drawn open, bound."""
    context = {
        "client": client,
        "inbound_form": InboundCallForm(prefix="inbound"),
        "note_form": NoteForm(prefix="note"),
        "task_form": _task_form(request, client),
        "open_form": next(iter(bound), "inbound_form"),
        **bound,
    }
    return render(request, "touchpoints/log_client.html", context, status=400 if bound else 200)


@login_required
@role_required(*ROLES)
def log_start(request: HttpRequest) -> HttpResponse:
    """The header's "+": find the client (name, phone or e-mail) among those the user sees."""
    query = request.GET.get("q", "").strip()
    found: list[Client] = []
    if query:
        found = list(
            client_search(clients_visible_to(request.user), query)
            .filter(erased_at__isnull=True)
            .order_by("name", "id")[:SEARCH_LIMIT]
        )
    context = {"query": query, "found": found, "limit": SEARCH_LIMIT}
    return render(request, "touchpoints/log_start.html", context)


@login_required
@role_required(*ROLES)
def log_client(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, _client_or_404(request, pk))


@login_required
@role_required(*ROLES)
@require_POST
def log_inbound(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    client = _client_or_404(request, pk)
    form = InboundCallForm(request.POST, prefix="inbound")
    if form.is_valid():
        try:
            touchpoint_log_inbound(client=client, report=form.report(), by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The inbound call was logged."))
            return redirect("clients:detail", pk=client.pk)
    return _render(request, client, inbound_form=form)


@login_required
@role_required(*ROLES)
@require_POST
def log_note(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    client = _client_or_404(request, pk)
    form = NoteForm(request.POST, prefix="note")
    if form.is_valid():
        try:
            client_note_add(client=client, text=form.cleaned_data["text"], by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The note was added to the history."))
            return redirect("clients:detail", pk=client.pk)
    return _render(request, client, note_form=form)


@login_required
@role_required(*ROLES)
@require_POST
def log_task(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    client = _client_or_404(request, pk)
    form = _task_form(request, client, request.POST)
    if form.is_valid():
        try:
            planned = touchpoint_log_task(client=client, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            day = formats.date_format(planned.day, "SHORT_DATE_FORMAT")
            if planned.moved_from is not None:
                messages.warning(
                    request,
                    _("%(asked)s is not a working day: the task is due on %(day)s.")
                    % {
                        "asked": formats.date_format(planned.moved_from, "SHORT_DATE_FORMAT"),
                        "day": day,
                    },
                )
            else:
                messages.success(request, _("The task is planned for %(day)s.") % {"day": day})
            return redirect("clients:detail", pk=client.pk)
    return _render(request, client, task_form=form)
