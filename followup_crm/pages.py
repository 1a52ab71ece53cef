"""What every page of the product shares: role gates, paging without counting, and one way
of presenting a service's ValidationError (on a form, as page messages, and — through
`followup_crm.api` — in the API)."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from operator import attrgetter
from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _

from .roles import has_role
from .services import form_submission_claim, form_submission_record
from .users import AuthedHttpRequest

View = Callable[..., HttpResponseBase]


def role_required(*roles: str) -> Callable[[View], View]:
    """A page for some roles only; for anyone else it does not exist (404, not 403), as with
    objects they may not see. Put it under @login_required so that visitors log in first."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not has_role(request.user, *roles):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


@dataclass(frozen=True)
class PageWindow:
    rows: list[Any]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def next_number(self) -> int:
        return self.number + 1


# The last page number a pager serves: its OFFSET stays far inside what every database takes
# (a 64-bit integer), and no list of the product has this many pages of rows. A larger number,
# typed or crafted, shows this page, which is empty.
MAX_PAGE = 1_000_000


def page_number(page: str | None) -> int:
    """?page= as a page number from 1 to MAX_PAGE: what is not a number is the first page, a
    number past MAX_PAGE is MAX_PAGE. The one reading of ?page= for every pager."""
    try:
        number = int(page or 1)
    except ValueError:  # not a number, or more digits than Python converts
        return 1
    return min(max(number, 1), MAX_PAGE)


def page_window(queryset: QuerySet[Any], page: str | None, size: int) -> PageWindow:
    """One page of rows without counting the table: it fetches one row more than it shows to
    learn whether a next page exists, so a page costs the same on ten rows or ten million."""
    number = page_number(page)
    offset = (number - 1) * size
    rows = list(queryset[offset : offset + size + 1])
    return PageWindow(rows=rows[:size], number=number, has_next=len(rows) > size)


def errors_by_field(error: ValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as {field: [messages]}; errors about no field in particular
    under NON_FIELD_ERRORS. The one reading of a service error the forms, the card's messages
    and the API share."""
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {NON_FIELD_ERRORS: error.messages}


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: each message on the field it names when the
    form has that field, otherwise at the top of the form."""
    for field, texts in errors_by_field(error).items():
        form.add_error(field if field in form.fields else None, texts)


def errors_as_messages(request: HttpRequest, form: forms.BaseForm, error: ValidationError) -> None:
    """Each message as a message of the page, after the label of the field it is about (for
    the small forms that redirect back to the page they sit on)."""
    for field, texts in errors_by_field(error).items():
        for text in texts:
            if field in form.fields:
                text = _("%(field)s: %(error)s") % {"field": form[field].label, "error": text}
            messages.error(request, text)


Created = TypeVar("Created")


@dataclass(frozen=True)
class Once(Generic[Created]):
    """What a form that creates something did: `created`, or, for the same one-time token
    posted again, `earlier_id`, the id of what the first post created."""

    created: Created | None = None
    earlier_id: int | None = None


def create_once(
    request: AuthedHttpRequest,
    form: forms.BaseForm,
    kind: str,
    create: Callable[[], Created],
    pk_of: Callable[[Created], int] = attrgetter("pk"),
) -> Once[Created]:
    """Run `create` (one service call) for a valid SubmittedOnce form, once per token: the
    token is taken out of the cleaned data first, so `create` may pass the rest on as it is.
    `pk_of` says what to lead a repeated post to. A service's ValidationError rolls the token
    back with everything else."""
    token = form.cleaned_data.pop("submission", "")
    with transaction.atomic():
        claim = form_submission_claim(token=token, user=request.user, kind=kind)
        if claim.earlier is not None:
            return Once(earlier_id=claim.earlier.object_id)
        created = create()
        form_submission_record(claim=claim, object_id=pk_of(created))
    return Once(created=created)
