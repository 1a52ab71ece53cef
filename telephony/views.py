"""Click to call, the PBX's webhook, the "who is calling" notices and the Telegram bot's webhook."""

import hmac
import json
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.selectors import clients_visible_to
from followup_crm.pages import role_required
from followup_crm.roles import ROLES
from followup_crm.users import AuthedHttpRequest

from . import pbx, selectors, services, telegram

logger = logging.getLogger(__name__)


@login_required
@role_required(*ROLES)
@require_POST
def call(request: AuthedHttpRequest, client_id: int) -> HttpResponse:
    """Ring the manager's extension, then the client; the answer is a fragment drawn in place
    of the button (a PBX error included: never a 500)."""
    client = get_object_or_404(
        clients_visible_to(request.user).filter(erased_at__isnull=True), pk=client_id
    )
    phone = client.phones.order_by("-is_primary", "id").first()
    number = phone.number.as_e164 if phone is not None else ""
    context = {"client": client, "number": number, "error": ""}
    try:
        services.call_place(user=request.user, number=number)
    except pbx.PbxError as exc:
        context["error"] = str(exc)
    return render(request, "telephony/call_result.html", context)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def pbx_hook(request: HttpRequest, backend: str) -> HttpResponse:
    """The PBX's call events, authenticated by their signature (403 without a good one)."""
    chosen = pbx.get_backend()
    if backend != chosen.name:
        raise Http404
    try:
        events = chosen.events(request)
    except pbx.Echo as echo:
        return HttpResponse(echo.text, content_type="text/plain")
    except pbx.BadSignature:
        return HttpResponseForbidden("Bad signature")
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc))
    for event in events:
        services.phone_call_record_event(event=event)
    return JsonResponse({"ok": True})


@login_required
@require_GET
def notices(request: AuthedHttpRequest) -> HttpResponse:
    """Polled by every page; a user without an extension is told to stop polling (286)."""
    if not selectors.extension_of(request.user):
        return HttpResponse(status=286)
    context = {"notices": selectors.notices_for(request.user)}
    return render(request, "telephony/notices.html", context)


@csrf_exempt
@require_POST
def telegram_hook(request: HttpRequest, secret: str) -> HttpResponse:
    """The bot's updates from Telegram; the secret in the address (and Telegram's secret
    token header, when set) say they come from Telegram."""
    expected = settings.TELEGRAM_WEBHOOK_SECRET
    header = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
    if (
        not expected
        or not hmac.compare_digest(secret, expected)
        or (header is not None and not hmac.compare_digest(header, expected))
    ):
        raise Http404
    try:
        update = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest("Not JSON")
    if not isinstance(update, dict):
        return HttpResponseBadRequest("Not an update")
    # The bot's answer goes back in the response, which Telegram carries out; it only needs a
    # 2xx, and sends the update again on anything else.
    return JsonResponse(telegram.update_handle(update=update) or {"ok": True})
