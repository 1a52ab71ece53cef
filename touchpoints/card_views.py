"""Moving or skipping a planned touchpoint from the client card's timeline.

The small forms under a planned touchpoint post here. Either way the answer is a redirect back
to the card with a message (errors name the field): without JavaScript the browser follows it;
htmx follows it too and, the request being htmx's, gets the card alone to swap in place.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.selectors import clients_visible_to
from followup_crm.pages import errors_as_messages
from followup_crm.users import AuthedHttpRequest

from .calls import touchpoint_reschedule, touchpoint_skip
from .forms import RescheduleForm, SkipForm
from .models import Touchpoint
from .selectors import touchpoint_may_act, touchpoints_visible_to


def _touchpoint_or_404(request: HttpRequest, client_pk: int, pk: int) -> Touchpoint:
    """The touchpoint of a client the user may see: another client's, or one they may not see,
    is a 404; one they see but may not act on (another manager's) a 403."""
    client = get_object_or_404(clients_visible_to(request.user), pk=client_pk)
    touchpoint = get_object_or_404(
        touchpoints_visible_to(request.user).filter(client=client), pk=pk
    )
    if not touchpoint_may_act(user=request.user, touchpoint=touchpoint):
        raise PermissionDenied
    return touchpoint


@login_required
@require_POST
def card_reschedule(request: AuthedHttpRequest, client_pk: int, pk: int) -> HttpResponse:
    touchpoint = _touchpoint_or_404(request, client_pk, pk)
    form = RescheduleForm(request.POST)
    if form.is_valid():
        try:
            touchpoint_reschedule(touchpoint=touchpoint, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_as_messages(request, form, exc)
        else:
            messages.success(
                request, _("“%(purpose)s” was moved.") % {"purpose": touchpoint.purpose}
            )
    else:
        errors_as_messages(request, form, ValidationError(form.errors.as_data()))
    return redirect("clients:detail", pk=client_pk)


@login_required
@require_POST
def card_skip(request: AuthedHttpRequest, client_pk: int, pk: int) -> HttpResponse:
    touchpoint = _touchpoint_or_404(request, client_pk, pk)
    form = SkipForm(request.POST)
    if form.is_valid():
        try:
            touchpoint_skip(touchpoint=touchpoint, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_as_messages(request, form, exc)
        else:
            messages.success(
                request, _("“%(purpose)s” was skipped.") % {"purpose": touchpoint.purpose}
            )
    else:
        errors_as_messages(request, form, ValidationError(form.errors.as_data()))
    return redirect("clients:detail", pk=client_pk)
