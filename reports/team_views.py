"""The director's team board: how each manager's day stands, and the calls behind each figure,
which the director may move to another time or hand to someone else in bulk. Each ticked call
goes through the same service as the single action; those it refuses are reported by reason.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from clients.selectors import person_name
from followup_crm.pages import add_service_errors, page_window, role_required
from followup_crm.roles import DIRECTOR
from followup_crm.users import AuthedHttpRequest
from touchpoints import calls, selectors
from touchpoints.forms import TeamBulkForm
from touchpoints.models import Touchpoint, TouchpointStatus

from . import team

FIGURE_PAGE_SIZE = 50


@login_required
@role_required(DIRECTOR)
@require_GET
def team_board(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    context = {
        "rows": team.team_board(now),
        "figures": team.FIGURES,
        "on_time_period": team.on_time_period(now),
    }
    return render(request, "reports/team_board.html", context)


@login_required
@role_required(DIRECTOR)
@require_http_methods(["GET", "POST"])
def team_figure(request: AuthedHttpRequest, user_pk: int, figure: str) -> HttpResponse:
    chosen = team.FIGURES.get(figure)
    manager = team.team_manager(user_pk)
    if chosen is None or manager is None:
        raise Http404
    now = timezone.now()
    rows = team.figure_rows(manager, figure, now)
    form = TeamBulkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and _act(request, form, rows):
        return redirect(request.get_full_path())
    page = page_window(rows, request.GET.get("page"), FIGURE_PAGE_SIZE)
    context = {
        "manager": manager,
        "manager_name": person_name(manager),
        "figure": chosen,
        "page": page,
        "form": form,
        "selectable": any(row.status == TouchpointStatus.PLANNED for row in page.rows),
        "on_time_period": team.on_time_period(now) if figure == "on_time" else None,
    }
    return render(request, "reports/team_figure.html", context)


def _act(request: AuthedHttpRequest, form: TeamBulkForm, rows: QuerySet[Touchpoint]) -> bool:
    """Apply the form's action to each ticked row that is still behind the figure; report what
    was done and what was refused, by reason. False when the form itself is wrong (a date in
    the past, nobody to hand to): then nothing moved and the errors are on the form."""
    wanted = form.cleaned_data["id"]
    chosen = list(rows.filter(pk__in=wanted))
    refused: dict[str, list[str]] = {}
    done = 0
    for touchpoint in chosen:
        if not selectors.touchpoint_may_act(user=request.user, touchpoint=touchpoint):
            refused.setdefault(_("You may not act on it."), []).append(touchpoint.client.name)
            continue
        try:
            moved = _act_on_one(request, form, touchpoint)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                # About the form's fields, so the same for every row: nothing can move.
                add_service_errors(form, exc)
                return False
            refused.setdefault(" ".join(exc.messages), []).append(touchpoint.client.name)
        else:
            if moved:
                done += 1
            else:
                refused.setdefault(_("It is no longer open."), []).append(touchpoint.client.name)
    _report(request, form, done=done, refused=refused, gone=len(wanted) - len(chosen))
    return True


def _act_on_one(request: AuthedHttpRequest, form: TeamBulkForm, touchpoint: Touchpoint) -> int:
    """Reschedule or reassign one call with the single action's service: 1 if it moved."""
    data = form.cleaned_data
    if data["action"] == TeamBulkForm.RESCHEDULE:
        calls.touchpoint_reschedule(
            touchpoint=touchpoint, due_at=data["due_at"], reason=data["reason"], by=request.user
        )
        return 1
    return calls.touchpoints_reassign(
        touchpoints=Touchpoint.objects.filter(pk=touchpoint.pk),
        to_user=data["to_user"],
        by=request.user,
    ).changed


def _report(
    request: HttpRequest,
    form: TeamBulkForm,
    *,
    done: int,
    refused: dict[str, list[str]],
    gone: int,
) -> None:
    data = form.cleaned_data
    if done and data["action"] == TeamBulkForm.RESCHEDULE:
        text = ngettext("%(count)d call moved.", "%(count)d calls moved.", done) % {"count": done}
        messages.success(request, text)
    elif done:
        text = ngettext(
            "%(count)d call handed to %(name)s.", "%(count)d calls handed to %(name)s.", done
        ) % {"count": done, "name": person_name(data["to_user"])}
        messages.success(request, text)
    for reason, names in refused.items():
        messages.error(
            request,
            _("Not done for %(names)s: %(reason)s") % {"names": ", ".join(names), "reason": reason},
        )
    if gone:
        messages.warning(
            request,
            ngettext(
                "%(count)d selected call is no longer in this list.",
                "%(count)d selected calls are no longer in this list.",
                gone,
            )
            % {"count": gone},
        )
