"""The product's shared forms: the password change (throttled like the login), a new API
token's name, and the one-time token of the forms that create something."""

import re
import secrets
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .validators import no_control_characters


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Django's password change form, whose wrong old passwords count as failed logins of the
    user from this address (django-axes, LOGIN_FAILURE_LIMIT and LOGIN_COOLOFF_MINUTES): the
    page is a second door to the same password, so it shares the login's count and lock."""

    def __init__(self, user: User, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        credentials = {"username": self.user.get_username()}
        if AxesProxyHandler.is_locked(self.request, credentials):
            raise forms.ValidationError(self.locked_message(), code="locked")
        try:
            return super().clean_old_password()
        except forms.ValidationError:
            user_login_failed.send(sender=type(self), credentials=credentials, request=self.request)
            if getattr(self.request, "axes_locked_out", False):
                # The form says it, on this page; axes' middleware would otherwise swap the
                # page for the login's lockout page.
                self.request.axes_locked_out = False  # type: ignore[attr-defined]  # axes' flag
                raise forms.ValidationError(self.locked_message(), code="locked") from None
            raise

    def locked_message(self) -> str:
        minutes = int(get_cool_off(self.request).total_seconds() // 60)
        return ngettext(
            "Too many wrong passwords. Try again in %(minutes)s minute.",
            "Too many wrong passwords. Try again in %(minutes)s minutes.",
            minutes,
        ) % {"minutes": minutes}


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        validators=[no_control_characters],
        help_text=_("What uses the token, e.g. “1C export” or “web shop”."),
    )


TOKEN = re.compile(r"[\w-]{16,64}")


def new_submission_token() -> str:
    return secrets.token_urlsafe(24)


class SubmittedOnce(forms.Form):
    """A form that creates something (a client, an order, a service case, a referral): its
    hidden one-time token lets a second post of the same page (a double click, a resubmitted
    page) lead to what the first created instead of creating it again (pages.create_once).
    The token stays the same while the form comes back with errors, as nothing was created."""

    submission = forms.CharField(
        widget=forms.HiddenInput, required=False, initial=new_submission_token
    )

    def clean_submission(self) -> str:
        # Not one of ours: the form is saved as if it had none, rather than failing on a field
        # nobody sees.
        token = self.cleaned_data["submission"]
        return token if TOKEN.fullmatch(token) else ""
