"""The touchpoint pages: the managers' call list and the work on one call, reassigning for
directors, the postal tasks, and the unsubscribe link.

The call pages follow the client card: each action posts to its own URL, checks access (a call
that is not the user's to work is a 404), validates a form, calls one service from calls.py.
With htmx the answer replaces the call's row (nothing, when the call left the list) and
updates the counters out of band; without JavaScript it redirects back to the list it came
from, or shows the call's own page with the errors.

Directors may open any manager's list (/calls/?manager=<id>) and record calls on it: covering
for someone who is away is part of their job, and the attempt records who really called.
"""

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.models import Channel, Client, Consent, Stage
from clients.selectors import person_name
from clients.services import consent_record
from followup_crm.pages import add_service_errors, page_window, role_required
from followup_crm.roles import DIRECTOR, ROLES, has_role, user_roles
from followup_crm.security import letter_styles
from followup_crm.users import AuthedHttpRequest

from . import calendar, call_context, calls, queue, row_extras, selectors, services
from .call_context import CallReason
from .forms import (
    RESCHEDULE_PRESETS,
    CallListFilterForm,
    CallReportForm,
    CallRescheduleForm,
    PostalFilterForm,
    ReassignForm,
    SkipForm,
    TouchpointSelectionForm,
    next_contact_picks,
    preset_label,
    reschedule_presets,
)
from .messaging import unsubscribe_read
from .models import CallAttempt, CallOutcome, Touchpoint, TouchpointStatus


def _require_role(request: HttpRequest) -> None:
    if not user_roles(request.user):
        raise Http404


@login_required
@require_GET
def postal_list(request: HttpRequest) -> HttpResponse:
    """The letters due up to a day (a week ahead by default); those due by today come ticked,
    ready to print."""
    _require_role(request)
    now = timezone.now()
    form = PostalFilterForm(request.GET or None, today=selectors.day_bounds(now)[0].date())
    tasks = selectors.postal_tasks(request.user, due_before=form.due_before())
    page = Paginator(tasks, 100).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "lines": selectors.postal_lines(page.object_list),
        "form": form,
        "ticked_before": selectors.day_bounds(now)[1],
    }
    return render(request, "touchpoints/postal_list.html", context)


@login_required
@require_GET
@letter_styles
def postal_print(request: HttpRequest) -> HttpResponse:
    _require_role(request)
    form = TouchpointSelectionForm(request.GET)
    if not form.is_valid():
        raise Http404
    wanted = form.cleaned_data["id"]
    touchpoints = list(selectors.postal_tasks(request.user).filter(id__in=wanted))
    if len(touchpoints) != len(wanted):
        raise Http404
    lines = selectors.postal_lines(touchpoints)
    letters = services.postal_letters(touchpoints=[line.touchpoint for line in lines])
    return render(request, "touchpoints/postal_print.html", {"letters": letters})


@login_required
@require_POST
def postal_sent(request: AuthedHttpRequest) -> HttpResponse:
    """Confirm letters as posted: each one with the rule of acting on one touchpoint (its
    assignee or a director), whoever may merely see it; those refused are counted, not named,
    as they may be another manager's."""
    _require_role(request)
    form = TouchpointSelectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Select at least one letter."))
        return redirect("touchpoints:postal")
    wanted = form.cleaned_data["id"]
    allowed = selectors.touchpoints_actable_by(request.user, selectors.postal_tasks(request.user))
    chosen = allowed.filter(id__in=wanted)
    result = services.postal_mark_sent(touchpoints=chosen, by=request.user)
    if result.changed:
        messages.success(
            request,
            ngettext(
                "%(count)d letter marked as posted.",
                "%(count)d letters marked as posted.",
                result.changed,
            )
            % {"count": result.changed},
        )
    _report_refused(request, result)
    # Not found among the letters the user may post (another manager's, or not waiting).
    refused = len(wanted) - result.changed - result.refused
    if refused > 0:
        messages.error(
            request,
            ngettext(
                "%(count)d letter was not marked as posted: it is not yours to post, or it is "
                "no longer waiting.",
                "%(count)d letters were not marked as posted: they are not yours to post, or "
                "they are no longer waiting.",
                refused,
            )
            % {"count": refused},
        )
    return redirect("touchpoints:postal")


def _report_refused(request: HttpRequest, result: calls.BulkChange) -> None:
    if result.refused:
        messages.warning(
            request,
            ngettext(
                "%(count)d was changed by someone else meanwhile and was left as it is.",
                "%(count)d were changed by someone else meanwhile and were left as they are.",
                result.refused,
            )
            % {"count": result.refused},
        )


# Mail clients send the one-click unsubscribe (RFC 8058) as a POST without our CSRF token;
# the signed token in the URL is what proves the request.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = unsubscribe_read(token)
    if found is None:
        raise Http404
    client = Client.objects.filter(pk=found[0]).first()
    if client is None or found[1] not in Channel.values:
        raise Http404
    if request.method == "POST":
        consent_record(
            client=client,
            channel=found[1],
            granted=False,
            method=Consent.Method.UNSUBSCRIBE,
            note="one-click link",
        )
        template = "touchpoints/unsubscribed.html"
    else:
        template = "touchpoints/unsubscribe.html"
    # The client's language, whatever the browser says.
    with translation.override(client.language):
        response = render(request, template, {"client": client})
    response["Content-Language"] = client.language
    return response


# --- the call list -----------------------------------------------------------------------------

CALL_PAGE_SIZE = 25

CURRENCY_SIGNS = {"RUB": "₽", "USD": "$", "EUR": "€"}


# The words every list row repeats, translated once for a page rather than in each of its rows:
# {% translate %} took a third of a row's drawing. The row template prints them as {{ words.x }}.
ROW_WORDS = {
    "urgent": gettext_lazy("urgent"),
    "in_recovery": gettext_lazy("in recovery"),
    "overdue": gettext_lazy("overdue"),
    "due": gettext_lazy("due"),
    "at_time": gettext_lazy("at the time asked"),
    "last_contact": gettext_lazy("Last contact:"),
    "no_call_yet": gettext_lazy("no call yet"),
    "phone": gettext_lazy("Phone"),
    "no_phone": gettext_lazy("no phone"),
    "client_time": gettext_lazy("Client's time"),
    "good_time": gettext_lazy("good time to call"),
    "bad_time": gettext_lazy("not a good time"),
    "order": gettext_lazy("Order"),
    "attempt": gettext_lazy("Attempt"),
    "first_attempt": gettext_lazy("first attempt"),
    "complete": gettext_lazy("Record the call"),
    "complete_short": gettext_lazy("Record"),
    "reschedule": gettext_lazy("Reschedule"),
    "skip": gettext_lazy("Skip"),
    "own_page": gettext_lazy("Open on its own page"),
    "call": gettext_lazy("Call"),
    "complaint": gettext_lazy("complaint"),
    "low_score": gettext_lazy("low score"),
}


def money_text(amount: Decimal | None, currency: str | None) -> str:
    """25 000 ₽: whole units with the language's thousands separator and the currency."""
    if amount is None:
        return ""
    figure = formats.number_format(amount, 0, use_l10n=True, force_grouping=True)
    sign = CURRENCY_SIGNS.get(currency or "", currency or "")
    return f"{figure}\N{NO-BREAK SPACE}{sign}".strip()


class _Rows:
    """What the rows of one answer share, worked out once rather than for each row: the day's
    bounds, the words and labels they print, the addresses they link to, the clock of each
    time zone, the reasons for care of the page's clients. A list row carries no forms: they
    are built and drawn when the row is opened (call_forms)."""

    _PK = "2147483647"  # stands for the row's id in an address reversed once

    def __init__(self, *, now: dt.datetime, next_url: str) -> None:
        self.now = now
        self.day_start, self.day_end = selectors.day_bounds(now)
        self.words = {key: str(word) for key, word in ROW_WORDS.items()}
        self._stages = {value: str(label) for value, label in Stage.choices}
        self._outcomes: dict[str | None, str] = {
            value: str(label) for value, label in CallOutcome.choices
        }
        self._clocks: dict[zoneinfo.ZoneInfo, tuple[str, bool]] = {}
        self._days: dict[dt.date, str] = {}
        self._client_url = reverse("clients:detail", args=[self._PK])
        self._detail_url = reverse("touchpoints:call_detail", args=[self._PK])
        self._forms_url = reverse("touchpoints:call_forms", args=[self._PK])
        self._query = "?" + urlencode({"next": next_url})
        self.companions: dict[int, list[Touchpoint]] = {}
        self.reasons: dict[int, list[CallReason]] = {}

    def load_page(self, rows: list[Touchpoint], *, within: Any) -> None:
        """The page's other calls of each client and the reasons for care: two queries and
        whatever the registered providers cost, whatever the number of rows."""
        self.companions = selectors.call_companions(rows, within=within)
        self.reasons = call_context.reasons_for({row.client_id for row in rows})

    def _clock(self, tz: zoneinfo.ZoneInfo) -> tuple[str, bool]:
        """The client's time and whether it is a good time to call, for each time zone once."""
        if tz not in self._clocks:
            self._clocks[tz] = (
                self.now.astimezone(tz).strftime("%H:%M"),
                calendar.is_good_time_to_call(self.now, tz),
            )
        return self._clocks[tz]

    def _day(self, moment: dt.datetime) -> str:
        day = moment.date()
        if day not in self._days:
            self._days[day] = formats.date_format(moment, "j M")
        return self._days[day]

    def _due_text(self, due: dt.datetime) -> str:
        """The time alone today (14:30); on another day its name too (Mon 23 Nov, 14:30)."""
        if self.day_start <= due < self.day_end:
            return due.strftime("%H:%M")
        if due < self.day_start:  # overdue: the day is what counts
            return self._day(due)
        return f"{self._day(due)}, {due:%H:%M}"

    def _overdue_text(self, due: dt.datetime) -> str:
        days = (self.day_start.date() - due.date()).days
        return ngettext("%(count)d day late", "%(count)d days late", days) % {"count": days}

    def _why(self, row: Touchpoint) -> list[CallReason]:
        """Why the call is urgent or the client in recovery, and what else needs care."""
        reasons = []
        if row.in_recovery and row.recovery_reason:
            key = row.recovery_key or ""
            label = self.words["low_score"] if ":response:" in key else self.words["complaint"]
            reasons.append(CallReason(label, row.recovery_reason, row.client_url))
        return reasons + self.reasons.get(row.client_id, [])

    def prepare(self, row: Touchpoint, *, with_forms: bool = False, **forms: Any) -> Touchpoint:
        """What a row shows beyond its columns, ready to print; and, when asked for (its own
        page, a form that came back with errors), the action forms."""
        row.client_clock, row.good_time = self._clock(row.client.zone)
        row.is_overdue = row.due_at < self.day_start
        row.is_due_today = self.day_start <= row.due_at < self.day_end
        due = timezone.localtime(row.due_at)
        row.due_iso = due.isoformat()
        row.due_text = self._due_text(due)
        row.overdue_text = self._overdue_text(due) if row.is_overdue else ""
        row.last_text = ""
        if row.last_at:
            last = timezone.localtime(row.last_at)
            row.last_iso = last.isoformat()
            row.last_text = self._due_text(last) if last >= self.day_start else self._day(last)
        row.last_outcome_label = self._outcomes.get(row.last_outcome, "")
        row.stage_label = self._stages.get(row.client.stage, row.client.stage)
        phones = row.client.phones.all()
        number = phones[0].number if phones else None
        # `is not None`: a PhoneNumber's truth value formats and validates the number.
        row.phone_e164 = number.as_e164 if number is not None else ""
        row.phone_text = number.as_international if number is not None else ""
        amount = getattr(row, "purchase", None)
        if amount is None and row.order is not None:
            amount = row.order.amount
        currency = getattr(row, "purchase_currency", None) or (
            row.order.currency if row.order else None
        )
        row.amount_text = money_text(amount, currency)
        pk = str(row.pk)
        row.client_url = self._client_url.replace(self._PK, str(row.client_id))
        row.detail_url = self._detail_url.replace(self._PK, pk) + self._query
        row.forms_url = self._forms_url.replace(self._PK, pk) + self._query
        row.companions = self.companions.get(row.pk, getattr(row, "companions", []))
        row.reasons = self._why(row)
        if with_forms or forms:
            _attach_forms(row, **forms)
        else:
            row.forms_ready = False
            row.open_form = ""
        return row


def _attach_forms(
    row: Touchpoint,
    *,
    complete_form: CallReportForm | None = None,
    reschedule_form: CallRescheduleForm | None = None,
    skip_form: SkipForm | None = None,
) -> Touchpoint:
    """The row's action forms, fresh except the one that came back with errors (which is
    drawn open), with the quick picks and presets of their dates."""
    row.forms_ready = True
    row.complete_form = complete_form or CallReportForm(auto_id=f"call-{row.pk}-%s")
    row.reschedule_form = reschedule_form or CallRescheduleForm(auto_id=f"reschedule-{row.pk}-%s")
    row.skip_form = skip_form or SkipForm(auto_id=f"skip-{row.pk}-%s")
    together = [(other.pk, other.purpose) for other in getattr(row, "companions", [])]
    for fresh in (row.complete_form, row.reschedule_form, row.skip_form):
        if together and "also" not in fresh.fields:
            fresh.add_together(together)
    failed = {
        "complete": complete_form,
        "reschedule": reschedule_form,
        "skip": skip_form,
    }
    row.open_form = next((name for name, form in failed.items() if form is not None), "")
    row.next_picks = [
        (label, day.isoformat(), formats.date_format(day, "D j M"))
        for label, day in next_contact_picks(timezone.localdate())
    ]
    row.presets = [
        (name, RESCHEDULE_PRESETS[name], preset_label(moment))
        for name, moment in reschedule_presets(timezone.now()).items()
    ]
    return row


def _list_owner(request: HttpRequest, form: CallListFilterForm, is_director: bool) -> Any:
    """Whose list it is: one's own, or for a director the manager chosen in ?manager=."""
    wanted = request.GET.get("manager")
    if not wanted or wanted == str(request.user.pk):
        return request.user
    manager = form.value("manager") if is_director else None
    if manager is None:
        raise Http404
    return manager


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    """Where to go back after an action: the list with its section and filters, if the form
    says so and the address is ours; the call list otherwise."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("touchpoints:calls")


@login_required
@role_required(*ROLES)
@require_GET
def call_list(request: HttpRequest) -> HttpResponse:
    is_director = has_role(request.user, DIRECTOR)
    form = CallListFilterForm(request.GET, is_director=is_director)
    owner = _list_owner(request, form, is_director)
    now = timezone.now()
    section = form.chosen_section
    filters = form.filters()
    rows = selectors.call_list(
        owner, now=now, section=section, filters=filters, sort=form.chosen_sort
    )
    page = page_window(rows, request.GET.get("page"), CALL_PAGE_SIZE)
    next_url = request.get_full_path()
    prepared = _Rows(now=now, next_url=next_url)
    prepared.load_page(
        list(page.rows),
        within=selectors.section_rows(owner, now=now, section=section, filters=filters),
    )
    for row in page.rows:
        prepared.prepare(row)
    row_extras.attach(page.rows, request.user)
    context = {
        "form": form,
        "owner": owner,
        "section": section,
        "page": page,
        "counters": selectors.call_counters(owner, now=now),
        "filtering": form.is_filtering,
        "is_director": is_director,
        "next_url": next_url,
        "in_place": True,
        "max_attempts": settings.CALL_MAX_ATTEMPTS,
        "words": prepared.words,
    }
    return render(request, "touchpoints/call_list.html", context)


def _call_or_404(request: HttpRequest, pk: int) -> Touchpoint:
    calls_of_user = selectors.call_rows(selectors.calls_workable_by(request.user))
    return get_object_or_404(calls_of_user, pk=pk)


def _together(request: HttpRequest, touchpoint: Touchpoint) -> list[tuple[int, str]]:
    """The client's other open calls the user may record with this one: (id, purpose)."""
    return list(
        selectors.calls_workable_by(request.user)
        .filter(client_id=touchpoint.client_id, status=TouchpointStatus.PLANNED)
        .exclude(pk=touchpoint.pk)
        .order_by("due_at", "id")
        .values_list("pk", "purpose")
    )


def _companions(request: HttpRequest, row: Touchpoint) -> list[Touchpoint]:
    """The client's other open calls that one conversation covers with this one: those due
    by the end of today, or of the call's own day when it is later."""
    end = max(selectors.day_bounds(timezone.now())[1], selectors.day_bounds(row.due_at)[1])
    return list(
        selectors.calls_workable_by(request.user)
        .filter(client_id=row.client_id, status=TouchpointStatus.PLANNED, due_at__lt=end)
        .exclude(pk=row.pk)
        .only("pk", "purpose", "talking_points", "due_at")
        .order_by("due_at", "id")
    )


@login_required
@role_required(*ROLES)
@require_GET
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = _call_or_404(request, pk)
    return _render_call_page(request, row, open_form="complete")


CALL_FORMS = ("complete", "reschedule", "skip")


def _call_context(row: Touchpoint) -> dict[str, Any]:
    """What is known about the client, shown when a row is opened: the talking points of each
    call, the last three contacts with their notes, the orders, and what the apps built on
    touchpoints add (the last satisfaction answer, the open service cases)."""
    client = row.client
    contacts = list(
        CallAttempt.objects.filter(client=client)
        .select_related("recorded_by")
        .order_by("-at", "-id")[:3]
    )
    orders = list(client.orders.order_by("-placed_at", "-id")[:3])
    for order in orders:
        order.amount_text = money_text(order.amount, order.currency)
    return {"contacts": contacts, "orders": orders, "blocks": call_context.context_for(client)}


@login_required
@role_required(*ROLES)
@require_GET
def call_forms(request: HttpRequest, pk: int) -> HttpResponse:
    """A list row's action forms and what is known about the client, fetched with htmx when
    the row is opened and swapped in for its closed placeholders; ?open= says which form to
    draw open, ?outcome= what is chosen in the report (a call the PBX says was answered).
    Without JavaScript the row links to the call's own page instead."""
    calls_of_user = selectors.calls_workable_by(request.user).select_related("client")
    row = get_object_or_404(calls_of_user, pk=pk)
    row.companions = _companions(request, row)
    outcome = request.GET.get("outcome")
    initial = {"outcome": outcome} if outcome in CallOutcome.values else None
    _attach_forms(row, complete_form=CallReportForm(initial=initial, auto_id=f"call-{row.pk}-%s"))
    wanted = request.GET.get("open")
    row.open_form = wanted if wanted in CALL_FORMS else "complete"
    context = {
        "row": row,
        "next_url": _safe_next(request, request.GET.get("next")),
        "in_place": True,
        "about": _call_context(row),
    }
    return render(request, "touchpoints/call_forms.html", context)


def _render_call_page(
    request: HttpRequest, row: Touchpoint, *, open_form: str = "", **forms: Any
) -> HttpResponse:
    """One call on a page of its own: where a plain form post with errors lands, and where a
    link to a single call (from the card, from the digest) leads."""
    now = timezone.now()
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    prepared = _Rows(now=now, next_url=next_url)
    row.companions = _companions(request, row)
    prepared.prepare(row, with_forms=True, **forms)
    row_extras.attach([row], request.user)
    row.open_form = row.open_form or (open_form if row.status == TouchpointStatus.PLANNED else "")
    owner = row.assignee or request.user
    upcoming = selectors.call_list(owner, now=now, section="today").exclude(pk=row.pk)
    context = {
        "row": row,
        "next_call_pk": upcoming.values_list("pk", flat=True).first(),
        "next_url": next_url,
        "in_place": False,
        "max_attempts": settings.CALL_MAX_ATTEMPTS,
        "words": prepared.words,
        "about": _call_context(row),
    }
    return render(request, "touchpoints/call_detail.html", context)


def _call_done(
    request: AuthedHttpRequest, touchpoint: Touchpoint, handled: queue.Handled, summary: str
) -> HttpResponse:
    """After a successful action: for htmx the row collapsed to one line saying what was done,
    with its Undo, and the day's counters; otherwise back to the list with the message."""
    next_url = _safe_next(request, request.POST.get("next"))
    if not request.htmx:
        messages.success(request, summary)
        return redirect(next_url)
    now = timezone.now()
    context = {
        "touchpoint": touchpoint,
        "summary": summary,
        "undo": handled.undo,
        "undo_seconds": queue.UNDO_SECONDS,
        "counters": selectors.call_counters(touchpoint.assignee or request.user, now=now),
        "next_url": next_url,
    }
    return render(request, "touchpoints/call_list_done.html", context)


def _call_failed(request: AuthedHttpRequest, row: Touchpoint, **forms: Any) -> HttpResponse:
    """A form with errors: for htmx the row again with that form open, otherwise the call's
    own page. htmx only swaps a 2xx answer, so both are 200."""
    if not request.htmx:
        return _render_call_page(request, row, **forms)
    next_url = _safe_next(request, request.POST.get("next"))
    prepared = _Rows(now=timezone.now(), next_url=next_url)
    row.companions = _companions(request, row)
    row_extras.attach([row], request.user)
    context = {
        # Drawn with its forms, the failed one open: not to be loaded again.
        "row": prepared.prepare(row, **forms),
        "next_url": next_url,
        "in_place": True,
        "max_attempts": settings.CALL_MAX_ATTEMPTS,
        "words": prepared.words,
        "about": _call_context(row),
    }
    return render(request, "touchpoints/call_list_swap.html", context)


def _when(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return f"{local:%H:%M}"
    return f"{formats.date_format(local, 'D j M')}, {local:%H:%M}"


def _completed_summary(touchpoint: Touchpoint, attempt: CallAttempt, count: int) -> str:
    """One line on what the call came to: "Pavel: no answer · retry at 15:40"."""
    touchpoint.refresh_from_db(fields=["status", "due_at", "attempts"])
    name = touchpoint.client.name
    outcome = attempt.get_outcome_display()
    if attempt.outcome == CallOutcome.REACHED:
        if attempt.next_contact_on:
            text = _("%(name)s: reached · next contact %(date)s") % {
                "name": name,
                "date": formats.date_format(attempt.next_contact_on, "D j M"),
            }
        else:
            text = _("%(name)s: reached · no further contact") % {"name": name}
        if attempt.complaint:
            text += " · " + _("recovery call planned, the director is told")
    elif attempt.outcome in (CallOutcome.NO_ANSWER, CallOutcome.BUSY):
        if touchpoint.status == TouchpointStatus.PLANNED:
            text = _("%(name)s: %(outcome)s · retry at %(when)s (attempt %(number)d)") % {
                "name": name,
                "outcome": outcome.lower(),
                "when": _when(touchpoint.due_at),
                "number": touchpoint.attempts + 1,
            }
        else:
            text = _("%(name)s: %(outcome)s · closed after %(number)d attempts") % {
                "name": name,
                "outcome": outcome.lower(),
                "number": touchpoint.attempts,
            }
    elif attempt.outcome == CallOutcome.CALL_BACK:
        text = _("%(name)s asked to call back · at %(when)s") % {
            "name": name,
            "when": _when(touchpoint.due_at),
        }
    elif attempt.outcome == CallOutcome.REFUSED:
        text = _("%(name)s refused · the refusal and its reason are recorded") % {"name": name}
    else:
        text = _("%(name)s: wrong number · check the phones on the card") % {"name": name}
    if count > 1:
        text += " · " + ngettext("%(count)d call recorded", "%(count)d calls recorded", count) % {
            "count": count
        }
    return text


def _rows_of(touchpoint: Touchpoint, also: list[int]) -> list[Touchpoint]:
    return [touchpoint, *Touchpoint.objects.filter(pk__in=also).order_by("due_at", "id")]


@login_required
@role_required(*ROLES)
@require_POST
def call_complete(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    touchpoint = _call_or_404(request, pk)
    form = CallReportForm(request.POST, auto_id=f"call-{pk}-%s")
    form.add_together(_together(request, touchpoint))
    if form.is_valid():
        rows = _rows_of(touchpoint, form.also_ids())
        try:
            handled = queue.touchpoints_complete_together(
                touchpoints=rows, report=form.report(), by=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            summary = _completed_summary(touchpoint, handled.attempts[0], len(rows))
            return _call_done(request, touchpoint, handled, summary)
    return _call_failed(request, touchpoint, complete_form=form)


@login_required
@role_required(*ROLES)
@require_POST
def call_reschedule(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    touchpoint = _call_or_404(request, pk)
    form = CallRescheduleForm(request.POST, auto_id=f"reschedule-{pk}-%s")
    form.add_together(_together(request, touchpoint))
    if form.is_valid():
        rows = _rows_of(touchpoint, form.also_ids())
        try:
            handled = queue.touchpoints_reschedule_together(
                touchpoints=rows,
                due_at=form.cleaned_data["due_at"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            summary = _("%(name)s: moved to %(when)s") % {
                "name": touchpoint.client.name,
                "when": _when(form.cleaned_data["due_at"]),
            }
            return _call_done(request, touchpoint, handled, summary)
    return _call_failed(request, touchpoint, reschedule_form=form)


@login_required
@role_required(*ROLES)
@require_POST
def call_skip(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    touchpoint = _call_or_404(request, pk)
    form = SkipForm(request.POST, auto_id=f"skip-{pk}-%s")
    form.add_together(_together(request, touchpoint))
    if form.is_valid():
        rows = _rows_of(touchpoint, form.also_ids())
        try:
            handled = queue.touchpoints_skip_together(
                touchpoints=rows, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            summary = _("%(name)s: skipped") % {"name": touchpoint.client.name}
            return _call_done(request, touchpoint, handled, summary)
    return _call_failed(request, touchpoint, skip_form=form)


@login_required
@role_required(*ROLES)
@require_POST
def call_undo(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Undo the action just taken on a call (the token of its Undo): for htmx the row again as
    it was, with the counters; otherwise back to the list. A refusal says why, in the row."""
    touchpoint = _call_or_404(request, pk)
    next_url = _safe_next(request, request.POST.get("next"))
    try:
        queue.touchpoint_undo(
            touchpoint=touchpoint, token=request.POST.get("token", ""), by=request.user
        )
    except ValidationError as exc:
        if not request.htmx:
            messages.error(request, " ".join(exc.messages))
            return redirect(next_url)
        context = {
            "touchpoint": touchpoint,
            "summary": " ".join(exc.messages),
            "failed": True,
            "next_url": next_url,
        }
        return render(request, "touchpoints/call_list_done.html", context)
    if not request.htmx:
        messages.success(request, _("%(name)s: undone.") % {"name": touchpoint.client.name})
        return redirect(next_url)
    now = timezone.now()
    row = selectors.call_rows(Touchpoint.objects.filter(pk=touchpoint.pk)).get()
    prepared = _Rows(now=now, next_url=next_url)
    within = selectors.calls_workable_by(request.user).filter(status=TouchpointStatus.PLANNED)
    prepared.load_page([row], within=within)
    context = {
        "row": prepared.prepare(row),
        "counters": selectors.call_counters(touchpoint.assignee or request.user, now=now),
        "next_url": next_url,
        "in_place": True,
        "max_attempts": settings.CALL_MAX_ATTEMPTS,
        "words": prepared.words,
    }
    return render(request, "touchpoints/call_list_swap.html", context)


# --- reassigning (directors) -------------------------------------------------------------------


@login_required
@role_required(DIRECTOR)
@require_http_methods(["GET", "POST"])
def reassign(request: AuthedHttpRequest) -> HttpResponse:
    """Choose whose work moves to whom (GET shows how many rows), then move it (POST)."""
    form = ReassignForm(request.POST if request.method == "POST" else (request.GET or None))
    if request.method == "POST" and form.is_valid():
        start, end = form.bounds()
        rows = selectors.touchpoints_to_reassign(
            from_user=form.cleaned_data["from_user"], start=start, end=end
        )
        to_user = form.cleaned_data["to_user"]
        try:
            result = calls.touchpoints_reassign(touchpoints=rows, to_user=to_user, by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d touchpoint moved to %(name)s.",
                    "%(count)d touchpoints moved to %(name)s.",
                    result.changed,
                )
                % {"count": result.changed, "name": person_name(to_user)},
            )
            _report_refused(request, result)
            return redirect("touchpoints:reassign")
    waiting = None
    if form.is_bound and form.is_valid():
        start, end = form.bounds()
        waiting = selectors.touchpoints_to_reassign(
            from_user=form.cleaned_data["from_user"], start=start, end=end
        ).count()
    return render(request, "touchpoints/reassign.html", {"form": form, "waiting": waiting})
