from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "followup_crm/home.html")


@never_cache
@require_GET
def healthz(_request: HttpRequest) -> JsonResponse:
    checks = {
        "database": selectors.health_database(),
        "broker": selectors.health_broker(),
        "beat": selectors.health_beat(),
    }
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "down", **checks}, status=200 if healthy else 503
    )
