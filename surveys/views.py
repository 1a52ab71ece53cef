"""The client's pages by link (a survey to answer, an order to follow) and the managers' service
cases.

The pages by link need no login: the unguessable token in the URL is the key. An unknown and an
expired token get the very same page and status, so that nobody can learn which tokens exist;
the pages are drawn in the client's language, light enough for a phone, and never cached.
"""

from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from clients.models import Client
from clients.selectors import client_search, clients_visible_to
from followup_crm.pages import View, add_service_errors, create_once, page_window, role_required
from followup_crm.roles import ROLES
from followup_crm.users import AuthedHttpRequest

from . import selectors, services
from .forms import (
    ClientSearchForm,
    ServiceCaseFilterForm,
    ServiceCaseForm,
    ServiceCaseResolveForm,
    survey_data,
    survey_fields,
)
from .models import Invitation, Response, ServiceCase

PAGE_SIZE = 50
# The clients offered when recording a service case: a search narrows them down.
CLIENT_CHOICES = 20


# --- pages by link -----------------------------------------------------------------------


def public(view: View) -> View:
    """A page by link: never kept by a cache or a search engine (its URL holds the key)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return never_cache(wrapper)


def _in_language(
    request: HttpRequest, language: str, template: str, context: dict[str, Any]
) -> HttpResponse:
    with translation.override(language):
        response = render(request, template, context)
    # LocaleMiddleware would label the page with the visitor's language, not the client's.
    response["Content-Language"] = language
    return response


def _link_not_valid(request: HttpRequest) -> HttpResponse:
    # The visitor's language for an unknown and an expired token alike: the client's language
    # would tell that the token exists.
    context = {"company_phone": settings.COMPANY_PHONE}
    return render(request, "surveys/link_invalid.html", context, status=404)


def _thanks(
    request: HttpRequest, invitation: Invitation, response: Response | None, *, just_answered: bool
) -> HttpResponse:
    return _in_language(
        request,
        invitation.client.language,
        "surveys/survey_thanks.html",
        {
            "just_answered": just_answered,
            "manager_will_call": response is not None and response.is_poor,
        },
    )


def _answered_or_not_valid(request: HttpRequest, token: str) -> HttpResponse:
    """After a submission the service turned away as a whole: answered meanwhile (a double
    click, a second tab) gets the thank-you page, expired meanwhile the not-valid page."""
    invitation = selectors.invitation_by_token(token)
    if invitation is not None and invitation.answered_at is not None:
        response = getattr(invitation, "response", None)
        return _thanks(request, invitation, response, just_answered=False)
    return _link_not_valid(request)


# The token in the URL is what authorises an answer; a CSRF cookie adds nothing to it and
# would turn away a phone that blocks cookies.
@csrf_exempt
@public
@require_http_methods(["GET", "HEAD", "POST"])
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_by_token(token)
    if invitation is None or (
        invitation.answered_at is None and not services.invitation_usable(invitation)
    ):
        return _link_not_valid(request)
    if invitation.answered_at is not None:
        response = getattr(invitation, "response", None)
        return _thanks(request, invitation, response, just_answered=False)

    questions = list(invitation.survey.questions.all())
    values: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = survey_data(request.POST, questions)
        try:
            # The messages beside the questions in the client's language, like the page.
            with translation.override(invitation.client.language):
                response = services.survey_answer(invitation=invitation, data=values)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                return _answered_or_not_valid(request, token)
            errors = exc.message_dict
        else:
            return _thanks(request, invitation, response, just_answered=True)

    language = invitation.client.language
    survey = invitation.survey
    return _in_language(
        request,
        language,
        "surveys/survey_answer.html",
        {
            "invitation": invitation,
            "title": survey.in_language("title", language),
            "intro": survey.in_language("intro", language),
            "fields": survey_fields(questions, language, values, errors),
            "has_errors": bool(errors),
        },
    )


@public
@require_safe
def order_page(request: HttpRequest, token: str) -> HttpResponse:
    link = selectors.order_link_by_token(token)
    if link is None:
        return _link_not_valid(request)
    order = link.order
    client = order.client
    return _in_language(
        request,
        client.language,
        "surveys/order_page.html",
        {
            "order": order,
            "client": client,
            # Events that arrived late are kept for the record, not shown as the order's path.
            "events": order.events.filter(applied=True).order_by("at", "id"),
            "manager": client.account_manager or client.originator,
            "company_name": settings.COMPANY_NAME,
            "company_phone": settings.COMPANY_PHONE,
            "invitation": selectors.open_invitation_for_order(order),
        },
    )


# --- service cases -----------------------------------------------------------------------


def _case_or_404(request: HttpRequest, pk: int) -> ServiceCase:
    cases = selectors.service_cases_visible_to(request.user).select_related(
        "client", "order", "recorded_by", "resolved_by"
    )
    return get_object_or_404(cases, pk=pk)


@login_required
@role_required(*ROLES)
@require_safe
def service_case_list(request: HttpRequest) -> HttpResponse:
    filters = ServiceCaseFilterForm(request.GET)
    status = filters.cleaned_data["status"] if filters.is_valid() else ""
    cases = selectors.service_case_rows(
        selectors.service_cases_visible_to(request.user), status=status
    )
    context = {
        "filters": filters,
        "status": status,
        "page": page_window(cases, request.GET.get("page"), PAGE_SIZE),
    }
    return render(request, "surveys/service_case_list.html", context)


def _chosen_client(request: HttpRequest) -> Client | None:
    """The client named by ?client=<id> among those the user may see; a wrong id is a 404."""
    chosen = request.GET.get("client", "")
    if not chosen:
        return None
    if not chosen.isdecimal() or len(chosen) > 18:
        raise Http404
    return get_object_or_404(clients_visible_to(request.user), pk=int(chosen))


@login_required
@role_required(*ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def service_case_create(request: AuthedHttpRequest) -> HttpResponse:
    client = _chosen_client(request)
    if client is None:
        # First the client (a search among those the user may see), then the form: the order
        # list can then be that client's orders, without any script.
        search = ClientSearchForm(request.GET)
        query = search.cleaned_data["q"] if search.is_valid() else ""
        visible = clients_visible_to(request.user).filter(archived_at__isnull=True)
        found = client_search(visible, query).order_by("name", "id")[:CLIENT_CHOICES]
        context = {"search": search, "clients": found, "query": query}
        return render(request, "surveys/service_case_client.html", context)

    form = ServiceCaseForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        try:
            once = create_once(
                request,
                form,
                "service_case",
                lambda: services.service_case_record(
                    client=client, by=request.user, **form.cleaned_data
                ),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if once.created is None:
                messages.info(request, _("This service case was already recorded."))
                return redirect("surveys:service_case", pk=once.earlier_id)
            messages.success(request, _("The service case was recorded."))
            return redirect("surveys:service_case", pk=once.created.pk)
    return render(request, "surveys/service_case_form.html", {"form": form, "client": client})


def _render_case(
    request: HttpRequest, case: ServiceCase, form: ServiceCaseResolveForm | None = None
) -> HttpResponse:
    if form is None and case.resolved_at is None:
        form = ServiceCaseResolveForm()
    return render(request, "surveys/service_case_detail.html", {"case": case, "form": form})


@login_required
@role_required(*ROLES)
@require_safe
def service_case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_case(request, _case_or_404(request, pk))


@login_required
@role_required(*ROLES)
@require_POST
def service_case_resolve(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    if case.resolved_at is not None:
        # A second click on "resolve", or a colleague was quicker: nothing to do.
        messages.info(request, _("This case is resolved already."))
        return redirect("surveys:service_case", pk=case.pk)
    form = ServiceCaseResolveForm(request.POST)
    if form.is_valid():
        try:
            services.service_case_resolve(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The service case was resolved."))
            return redirect("surveys:service_case", pk=case.pk)
    return _render_case(request, case, form)
