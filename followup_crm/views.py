from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_POST

from followup_crm.users import AuthedHttpRequest

from . import selectors, services
from .forms import ApiTokenForm, ThrottledPasswordChangeForm
from .roles import DIRECTOR, user_roles


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where the work is: a director's team board, a manager's call list. Someone without a
    role yet is told so here."""
    roles = user_roles(request.user)
    if DIRECTOR in roles:
        return redirect("reports:team")
    if roles:
        return redirect("touchpoints:calls")
    return render(request, "followup_crm/home.html")


@login_required
@require_GET
def nav_counters(request: HttpRequest) -> HttpResponse:
    """The menu's counters alone, swapped in place of those on the page on a timer."""
    return render(request, "followup_crm/nav_counters.html")


@require_GET
def favicon(_request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever a page links (the admin, the API, a PDF):
    send them to the icon base.html links."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


@require_GET
@cache_control(public=True, max_age=3600)
def brand_css(_request: HttpRequest) -> HttpResponse:
    """The company's colour for the client's pages (settings.COMPANY_COLOR, checked at start):
    a stylesheet of our own origin, as the CSP allows no inline style."""
    css = f":root {{ --accent: {settings.COMPANY_COLOR}; }}\n"
    return HttpResponse(css, content_type="text/css; charset=utf-8")


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


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password page, throttled like the login; a new password ends every API token
    of the user (a token is as good as the password it was made with)."""

    form_class = ThrottledPasswordChangeForm
    template_name = "followup_crm/password_change.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        services.api_tokens_revoke_all(user=form.user)
        return response


@login_required
def api_tokens(request: AuthedHttpRequest) -> HttpResponse:
    """The user's API tokens: a list, a form for a new one (its key is shown once, in the
    answer to the POST), and a revoke button per token."""
    new_key = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_key = services.api_token_create(
            user=request.user, name=form.cleaned_data["name"]
        )
        form = ApiTokenForm()
    context = {
        "form": form,
        "new_key": new_key,
        "tokens": selectors.api_tokens_of(user=request.user),
        "token_days": settings.API_TOKEN_DAYS,
    }
    return render(request, "followup_crm/api_tokens.html", context)


@login_required
@require_POST
def api_token_revoke(request: AuthedHttpRequest, token_id: int) -> HttpResponse:
    services.api_token_revoke(user=request.user, token_id=token_id)
    messages.success(request, _("The token is revoked: it no longer works."))
    return redirect("api_tokens")
