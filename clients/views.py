"""The client pages and the handoff inbox.

Every view checks access first (a client the user may not see is a 404, exactly as if it did
not exist), validates a form, calls one service and renders. The action forms on the client
card post to their own URLs: without JavaScript they redirect back to the card with a message
(POST-redirect-GET); with htmx they get the card back and swap it in place.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from followup_crm.pages import add_service_errors, create_once, page_window, role_required
from followup_crm.roles import ACCOUNT_MANAGER, DIRECTOR, ROLES, has_role, user_roles
from followup_crm.users import AuthedHttpRequest

from . import card, merge, selectors, services
from .filters import ClientFilter
from .forms import (
    ClientForm,
    ConsentForm,
    HandoffAssignForm,
    MergeForm,
    OrderEventForm,
    OrderForm,
    PromisedDateForm,
    ReferralForm,
    RefusalForm,
    new_client_owners,
)
from .models import Client, Handoff, Order, Referral

PAGE_SIZE = 50
# The inbox is a working list, not an archive: past this many rows it says there are more.
INBOX_LIMIT = 100


def _client_or_404(request: HttpRequest, pk: int) -> Client:
    clients = selectors.clients_visible_to(request.user).select_related(
        "originator", "account_manager"
    )
    return get_object_or_404(clients, pk=pk)


# --- the list ----------------------------------------------------------------------------

FILTER_PARAMETERS = ("q", "stage", "manager", "consent", "archived")


@login_required
@role_required(*ROLES)
def client_list(request: AuthedHttpRequest) -> HttpResponse:
    filterset = ClientFilter(
        request.GET, queryset=selectors.clients_visible_to(request.user), request=request
    )
    last_order = Order.objects.filter(client=OuterRef("pk")).order_by("-placed_at", "-id")
    clients = (
        filterset.qs.select_related("originator", "account_manager")
        .prefetch_related("phones")
        .annotate(last_order_at=Subquery(last_order.values("placed_at")[:1]))
        .order_by("name", "id")
    )
    context = {
        "filterset": filterset,
        "page": page_window(clients, request.GET.get("page"), PAGE_SIZE),
        "filtering": any(request.GET.get(name) for name in FILTER_PARAMETERS),
        "selected_stages": request.GET.getlist("stage"),
        "is_director": has_role(request.user, DIRECTOR),
    }
    # Typing in the search box asks htmx for the results only; a history restore wants the page.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "clients/client_list_results.html" if partial else "clients/client_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- create and edit ---------------------------------------------------------------------


def _duplicates(request: HttpRequest, form: ClientForm, client: Client | None) -> list[Client]:
    """The visible clients with the same phone or e-mail, unless the user already saw them and
    chose to save anyway (the form posted again with "save_anyway")."""
    if request.POST.get("save_anyway"):
        return []
    return selectors.client_duplicates(
        user=request.user,
        phones=form.cleaned_data["phones"],
        email=form.cleaned_data.get("email") or "",
        exclude=client.pk if client else None,
    )


@login_required
@role_required(*ROLES)
def client_create(request: AuthedHttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None, user=request.user)
    duplicates: list[Client] = []
    if request.method == "POST" and form.is_valid():
        duplicates = _duplicates(request, form, None)
        if not duplicates:
            try:
                once = create_once(
                    request,
                    form,
                    "client",
                    lambda: services.client_create(by=request.user, **form.client_fields()),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if once.created is None:
                    messages.info(request, _("This client was already added."))
                    return redirect("clients:detail", pk=once.earlier_id)
                messages.success(request, _("%(name)s was added.") % {"name": once.created.name})
                return redirect("clients:detail", pk=once.created.pk)
    context = {"form": form, "client": None, "duplicates": duplicates}
    return render(request, "clients/client_form.html", context)


@login_required
@role_required(*ROLES)
def client_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    client = _client_or_404(request, pk)
    form = ClientForm(request.POST or None, instance=client, user=request.user)
    duplicates: list[Client] = []
    if request.method == "POST" and form.is_valid():
        duplicates = _duplicates(request, form, client)
        if not duplicates:
            try:
                services.client_update(client=client, by=request.user, **form.client_fields())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The changes were saved."))
                return redirect("clients:detail", pk=client.pk)
    context = {"form": form, "client": client, "duplicates": duplicates}
    return render(request, "clients/client_form.html", context)


# --- the card ----------------------------------------------------------------------------


def _render_card(request: AuthedHttpRequest, client: Client, **forms: Any) -> HttpResponse:
    """The card, with fresh action forms except the one passed in (bound, with its errors).
    htmx gets the card alone to swap in place; a plain request the whole page."""
    orders = list(client.orders.select_related("seller").order_by("-placed_at", "-id"))
    failed_event = forms.pop("event_form", None) or forms.pop("date_form", None)
    handoffs = Handoff.objects.filter(client=client)
    for order in orders:
        order.event_form = (
            failed_event
            if failed_event is not None and failed_event.prefix == f"event-{order.pk}"
            else OrderEventForm(prefix=f"event-{order.pk}")
        )
        order.date_form = (
            failed_event
            if failed_event is not None and failed_event.prefix == f"date-{order.pk}"
            else PromisedDateForm(prefix=f"date-{order.pk}")
        )
    context = {
        "client": client,
        "orders": orders,
        "phones": client.phones.all(),
        "consents": selectors.client_consents(client),
        "consent_history": selectors.consent_history(client),
        "is_director": has_role(request.user, DIRECTOR),
        "stage_changes": client.stage_changes.select_related("changed_by"),
        "handoff": handoffs.select_related("from_user", "to_user").first(),
        "referred_by": Referral.objects.filter(referred=client).select_related("referrer").first(),
        "bonus_balance": services.bonus_balance(client=client),
        "timeline": selectors.timeline_split(selectors.client_timeline(client)),
        "summary": selectors.order_summary(orders),
        "facts": card.card_facts(client),
        "order_form": OrderForm(prefix="order"),
        "refusal_form": RefusalForm(prefix="refusal"),
        "referral_form": ReferralForm(prefix="referral", clients=Client.objects.none()),
        "consent_form": ConsentForm(prefix="consent"),
        # The action whose form came back with errors is drawn open.
        "open_form": failed_event.prefix if failed_event is not None else next(iter(forms), ""),
        **forms,
    }
    if request.htmx:
        return render(request, "clients/client_detail_card.html", context)
    return render(request, "clients/client_detail.html", context)


def _card_done(request: AuthedHttpRequest, client: Client) -> HttpResponse:
    """After a successful action: the fresh card for htmx, a redirect to it otherwise."""
    if request.htmx:
        # Services may have changed the stage, the manager or the balance through another copy.
        client.refresh_from_db()
        return _render_card(request, client)
    return redirect("clients:detail", pk=client.pk)


@login_required
@role_required(*ROLES)
def client_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _render_card(request, _client_or_404(request, pk))


@login_required
@role_required(*ROLES)
@require_POST
def order_record(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    client = _client_or_404(request, pk)
    form = OrderForm(request.POST, prefix="order")
    if form.is_valid():
        try:
            once = create_once(
                request,
                form,
                "order",
                lambda: services.order_record(
                    client=client, by=request.user, seller=request.user, **form.cleaned_data
                ),
                pk_of=lambda result: result.order.pk,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if once.created is None:
                messages.info(request, _("This order was already recorded."))
            elif once.created.created:
                messages.success(request, _("The order was recorded."))
            else:
                messages.info(request, _("This order was already recorded; nothing changed."))
            return _card_done(request, client)
    return _render_card(request, client, order_form=form)


@login_required
@role_required(*ROLES)
@require_POST
def order_event_record(request: AuthedHttpRequest, pk: int, order_pk: int) -> HttpResponse:
    client = _client_or_404(request, pk)
    order = get_object_or_404(Order.objects.filter(client=client), pk=order_pk)
    form = OrderEventForm(request.POST, prefix=f"event-{order.pk}")
    if form.is_valid():
        try:
            event = services.order_record_event(order=order, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if event.applied:
                messages.success(
                    request,
                    _("Order %(order)s: %(event)s recorded.")
                    % {"order": order, "event": event.get_type_display()},
                )
            else:
                messages.info(
                    request,
                    _("The event is older than the order's status; it was kept in the history."),
                )
            return _card_done(request, client)
    return _render_card(request, client, event_form=form)


@login_required
@role_required(*ROLES)
@require_POST
def order_promised_date_move(request: AuthedHttpRequest, pk: int, order_pk: int) -> HttpResponse:
    client = _client_or_404(request, pk)
    order = get_object_or_404(Order.objects.filter(client=client), pk=order_pk)
    form = PromisedDateForm(request.POST, prefix=f"date-{order.pk}")
    if form.is_valid():
        try:
            services.order_set_promised_date(order=order, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Order %(order)s: the promised date moved; the status calls are re-planned.")
                % {"order": order},
            )
            return _card_done(request, client)
    return _render_card(request, client, date_form=form)


@login_required
@role_required(*ROLES)
@require_POST
def refusal_record(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    client = _client_or_404(request, pk)
    form = RefusalForm(request.POST, prefix="refusal")
    if form.is_valid():
        try:
            services.refusal_record(client=client, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The refusal and its reason were recorded."))
            return _card_done(request, client)
    return _render_card(request, client, refusal_form=form)


@login_required
@role_required(*ROLES)
@require_POST
def referral_record(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    client = _client_or_404(request, pk)
    candidates = selectors.clients_visible_to(request.user).exclude(pk=client.pk)
    form = ReferralForm(request.POST, prefix="referral", clients=candidates)
    if form.is_valid():
        data = form.cleaned_data

        def record() -> Referral:
            if data["existing"]:
                return services.referral_record(
                    referrer=client,
                    referred=data["existing"],
                    by=request.user,
                    reward=data["reward"],
                )
            return services.referral_record_new(
                referrer=client,
                by=request.user,
                name=data["name"],
                phones=[data["phone"]],
                reward=data["reward"],
                **new_client_owners(request.user),
            )

        try:
            once = create_once(request, form, "referral", record)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if once.created is None:
                messages.info(request, _("This referral was already recorded."))
            else:
                messages.success(
                    request,
                    _("%(name)s is recorded as referred.") % {"name": once.created.referred.name},
                )
            return _card_done(request, client)
    return _render_card(request, client, referral_form=form)


@login_required
@role_required(*ROLES)
@require_POST
def consent_record(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    client = _client_or_404(request, pk)
    form = ConsentForm(request.POST, prefix="consent")
    if form.is_valid():
        try:
            services.consent_record(client=client, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The client's choice was recorded."))
            return _card_done(request, client)
    return _render_card(request, client, consent_form=form)


@login_required
@role_required(*ROLES)
@require_POST
def client_archive(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    client = _client_or_404(request, pk)
    services.client_archive(client=client, by=request.user)
    messages.success(request, _("The client was archived. Their history is kept."))
    return _card_done(request, client)


@login_required
@role_required(*ROLES)
@require_POST
def client_restore(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    client = _client_or_404(request, pk)
    services.client_restore(client=client, by=request.user)
    messages.success(request, _("The client is back in the list."))
    return _card_done(request, client)


# --- merging two records of one person (directors) ----------------------------------------

MERGE_CANDIDATES = 10


@login_required
@role_required(DIRECTOR)
def client_merge(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Find the other record, see what would move, confirm. The client of the page is kept."""
    client = _client_or_404(request, pk)
    query = request.GET.get("q", "").strip()
    # The other record comes from the search's links (GET) and the confirmation (POST).
    data = request.POST if request.method == "POST" else request.GET
    form = MergeForm(data if "other" in data else None, client=client)
    other = form.cleaned_data["other"] if form.is_bound and form.is_valid() else None
    if request.method == "POST" and other is not None:
        try:
            merge.client_merge(keep=client, drop=other, by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(other)s (#%(id)d) was merged into this client and archived.")
                % {"other": other.name, "id": other.pk},
            )
            return redirect("clients:detail", pk=client.pk)
    candidates = (
        list(
            merge.merge_candidates(client, query)
            .select_related("originator", "account_manager")
            .order_by("name", "id")[:MERGE_CANDIDATES]
        )
        if query
        else []
    )
    context = {
        "client": client,
        "query": query,
        "candidates": candidates,
        "other": other,
        "form": form,
        "moves": merge.client_merge_preview(other) if other is not None else [],
    }
    return render(request, "clients/client_merge.html", context)


# --- the handoff inbox -------------------------------------------------------------------


def _with_orders(handoffs: QuerySet[Handoff]) -> list[Handoff]:
    """The rows the inbox shows, with what each buyer bought, in a fixed number of queries."""
    orders = Prefetch("client__orders", queryset=Order.objects.order_by("placed_at", "id"))
    return list(handoffs.select_related("to_user").prefetch_related(orders)[: INBOX_LIMIT + 1])


@login_required
@role_required(ACCOUNT_MANAGER, DIRECTOR)
def handoff_inbox(request: AuthedHttpRequest) -> HttpResponse:
    roles = user_roles(request.user)
    mine = _with_orders(selectors.handoffs_inbox(request.user)) if ACCOUNT_MANAGER in roles else []
    unassigned: list[Handoff] = []
    waiting: list[Handoff] = []
    account_managers: list[Any] = []
    if DIRECTOR in roles:
        unassigned = _with_orders(selectors.handoffs_unassigned())
        waiting = _with_orders(selectors.handoffs_awaiting_acceptance())
        account_managers = list(services.account_manager_queryset().order_by("first_name", "id"))
    context = {
        "is_account_manager": ACCOUNT_MANAGER in roles,
        "is_director": DIRECTOR in roles,
        "mine": mine[:INBOX_LIMIT],
        "unassigned": unassigned[:INBOX_LIMIT],
        "waiting": waiting[:INBOX_LIMIT],
        "more": any(len(rows) > INBOX_LIMIT for rows in (mine, unassigned, waiting)),
        "account_managers": account_managers,
        "limit": INBOX_LIMIT,
    }
    return render(request, "clients/handoff_inbox.html", context)


@login_required
@role_required(ACCOUNT_MANAGER)
@require_POST
def handoff_accept(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    # Handoffs to this manager only; accepting twice (a double click) is harmless.
    handoff = get_object_or_404(
        Handoff.objects.filter(to_user=request.user).select_related("client"), pk=pk
    )
    try:
        services.handoff_accept(handoff=handoff, by=request.user)
    except ValidationError as exc:
        # A director handed the client to someone else between the page and the click.
        messages.error(request, " ".join(exc.messages))
        return redirect("clients:handoffs")
    if request.htmx:
        return render(
            request, "clients/handoff_inbox_done.html", {"handoff": handoff, "accepted": True}
        )
    messages.success(request, _("%(name)s is now your client.") % {"name": handoff.client.name})
    return redirect("clients:handoffs")


@login_required
@role_required(DIRECTOR)
@require_POST
def handoff_assign(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    handoff = get_object_or_404(Handoff.objects.select_related("client"), pk=pk)
    form = HandoffAssignForm(request.POST)
    if form.is_valid():
        try:
            services.handoff_assign(
                handoff=handoff, to_user=form.cleaned_data["to_user"], by=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if not form.errors and request.htmx:
        return render(
            request, "clients/handoff_inbox_done.html", {"handoff": handoff, "accepted": False}
        )
    if form.errors:
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
    else:
        manager = selectors.person_name(handoff.to_user)
        messages.success(
            request,
            _("%(name)s was handed to %(manager)s.")
            % {"name": handoff.client.name, "manager": manager},
        )
    if request.htmx:
        # Only an error gets here: reload the inbox so that the message shows.
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    return redirect("clients:handoffs")
