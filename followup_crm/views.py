from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import selectors
from .roles import DIRECTOR, user_roles


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where the work is: a director's team board, a manager's call list. Someone without a
    role yet is told so here."""
    roles = user_roles(request.user)
    if DIRECTOR in roles:
        return redirect("touchpoints:team")
    if roles:
        return redirect("touchpoints:calls")
    return render(request, "followup_crm/home.html")


@login_required
@require_GET
def nav_counters(request: HttpRequest) -> HttpResponse:
    """The menu's counters alone, swapped in place of those on the page on a timer."""
    return render(request, "followup_crm/nav_counters.html")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever a page links (the admin, the API, a PDF):
    send them to the icon base.html links."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": selectors.health_database(),
        "broker": selectors.health_broker(),
        "beat": selectors.health_beat(),
    }
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "down", **checks}, status=200 if healthy else 503
    )
