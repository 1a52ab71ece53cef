"""What the product's forms share: the one-time token of the forms that create something."""

import re
import secrets

from django import forms

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
