"""The product's user types: the stock auth User, and the request of a view behind a login
(a page's, an API view's)."""

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails
from rest_framework.request import Request

__all__ = ["AnyUser", "AuthedHttpRequest", "AuthedRequest", "User"]

# Who a request may carry: a signed-in user, or the anonymous one before the login.
AnyUser = User | AnonymousUser


class AuthedHttpRequest(HttpRequest):
    """The request of a view behind login_required: its user is signed in. And what the
    middleware of every request sets: django-htmx's `htmx`."""

    user: User
    htmx: HtmxDetails


class AuthedRequest(Request):
    """The request of an API view that requires IsAuthenticated: its user is signed in."""

    user: User
