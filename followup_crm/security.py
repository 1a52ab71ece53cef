"""Login throttling and session lifetime (see README, "Security").

django-axes counts failed logins and refuses a locked-out one; this module adapts it to the
project (the backend, the lockout page). Sessions end after SESSION_COOKIE_AGE from the login
however busy they are, and after SESSION_IDLE_TIMEOUT without a request.
"""

import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from axes.backends import AxesBackend
from axes.helpers import get_cool_off
from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Session keys: when the session's login happened, and when it last saw a request (seconds).
STARTED_AT = "followup_started_at"
SEEN_AT = "followup_seen_at"
# The last request's time is written at most this often, so that pages cost no session write.
SEEN_RESOLUTION_SECONDS = 60


class LoginThrottleBackend(AxesBackend):
    """django-axes' check, for the callers that pass a request.

    The login page and the API's token endpoint pass the request, and are throttled. Code that
    authenticates without one (Django's test client ``login()``, a shell) has no address to
    count against, and axes would refuse it outright; axes' documentation has a project
    override ``authenticate()`` for such callers, as here.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def lockout_response(
    request: HttpRequest, _original_response: HttpResponse | None, _credentials: dict | None
) -> HttpResponse:
    """The answer to a login refused because of too many failures (HTTP 429)."""
    minutes = int(get_cool_off(request).total_seconds() // 60)
    message = ngettext(
        "Too many failed logins. Try again in %(minutes)s minute.",
        "Too many failed logins. Try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    context = {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "followup_crm/lockout.html", context, status=429)


def session_start(request: HttpRequest, **kwargs: Any) -> None:
    """On every login (user_logged_in): the session's clocks start."""
    now = time.time()
    request.session[STARTED_AT] = now
    request.session[SEEN_AT] = now


def api_lockout_flag(request: HttpRequest | None = None, **kwargs: Any) -> None:
    """After axes has counted a failure (user_login_failed): the API's token login passes
    REST framework's request, on which axes marks a lockout; its middleware looks at the
    Django request inside, so the mark is copied there and the API answers 429 too."""
    inner = getattr(request, "_request", None)
    if inner is not None and getattr(request, "axes_locked_out", False):
        inner.axes_locked_out = True
        inner.axes_credentials = getattr(request, "axes_credentials", None)


HEALTH_PATH = "/healthz"


class SessionTimeoutMiddleware:
    """Logs out a session past its lifetime or idle too long; the view then asks for a login.

    The request goes on as anonymous, so a page that needs a login redirects to it with
    ``next`` as usual, and a public page (a survey link) still answers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The health page reads no session: it must answer 503, not fail on the user's
        # lookup, while the database is down.
        if request.path_info != HEALTH_PATH and request.user.is_authenticated:
            self.check(request)
        return self.get_response(request)

    def check(self, request: HttpRequest) -> None:
        now = time.time()
        # A session from before these keys existed counts from now.
        started = request.session.setdefault(STARTED_AT, now)
        seen = request.session.setdefault(SEEN_AT, now)
        if now - started > settings.SESSION_COOKIE_AGE:
            logout(request)
            messages.info(request, _("Your session has ended: please log in again."))
        elif now - seen > settings.SESSION_IDLE_TIMEOUT:
            logout(request)
            messages.info(
                request, _("You were logged out after a while without activity: please log in.")
            )
        elif now - seen > SEEN_RESOLUTION_SECONDS:
            request.session[SEEN_AT] = now


# For the pages that show a letter or an e-mail as its message template renders it: that HTML
# carries style attributes (the default templates set fonts and sizes with them), which may
# apply there; <style> elements and every script stay refused.
# django-csp annotates its decorators for a view of one request, but passes every argument
# through (a method of an admin, a view with URL arguments).
_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])
letter_styles = cast(Callable[[_View], _View], csp_update({"style-src-attr": [UNSAFE_INLINE]}))
