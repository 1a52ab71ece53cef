"""What every viewset under /api/v1/ shares: the role gate, cursor paging, a JSON parser that
refuses absurd nesting, the base viewset, and the exception handler that turns a service's
ValidationError into a 400 naming the field."""

import re
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers, serializers, views, viewsets
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from .pages import errors_by_field
from .roles import ROLES, has_role
from .users import AuthedRequest


class HasRole(BasePermission):
    """Only the product's three roles use the API; a login without a role gets nothing."""

    message = _("Your account has no role in Followup CRM.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return has_role(request.user, *ROLES)


class NewestFirstPagination(CursorPagination):
    """Pages by id, newest first: each page is one indexed range query, with no COUNT(*) of the
    table, and rows added while a client pages through do not shift the pages."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request: Request) -> Cursor | None:
        cursor = super().decode_cursor(request)
        # DRF decodes the position but does not check it: a hand-made cursor with a position
        # that is not an id would fail in the database lookup instead of being a 404.
        if cursor is not None and cursor.position is not None:
            try:
                int(cursor.position)
            except ValueError:
                raise NotFound(self.invalid_cursor_message) from None
        return cursor


SURROGATE = re.compile("[\\ud800-\\udfff]")


def lone_surrogate_in(document: Any) -> bool:
    """Whether a parsed JSON document holds a lone surrogate (half of a UTF-16 pair) in any
    string, key or value: JSON's \\u escapes can spell one, no UTF-8 text can hold it. Walked
    with a stack of its own, so that depth costs no recursion."""
    pending = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, except that a document nested deeper than Python's recursion limit
    is a 400 like any other malformed JSON instead of a RecursionError (a 500), and so is a
    document with a lone surrogate, which no database column, log line or error message that
    repeats the value could hold (a choice field's "not a valid choice" echoes it)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            document = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - the document is nested too deeply.")) from None
        if lone_surrogate_in(document):
            raise ParseError(_("JSON parse error - the document holds a lone surrogate."))
        return document


def service_error_detail(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as DRF's {field: [messages]}."""
    detail = errors_by_field(exc)
    if NON_FIELD_ERRORS in detail:
        detail = {**detail, api_settings.NON_FIELD_ERRORS_KEY: detail[NON_FIELD_ERRORS]}
        del detail[NON_FIELD_ERRORS]
    return detail


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (settings.REST_FRAMEWORK["EXCEPTION_HANDLER"]), except that the services'
    Django ValidationError is a 400 with a message per field, never a 500."""
    if isinstance(exc, DjangoValidationError):
        exc = serializers.ValidationError(service_error_detail(exc))
    return views.exception_handler(exc, context)


class ApiViewSet(viewsets.GenericViewSet):
    """The base of every viewset under /api/v1/."""

    permission_classes = [IsAuthenticated, HasRole]
    request: AuthedRequest
    parser_classes = [JSONParser]
    pagination_class = NewestFirstPagination

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # The list's filters must not hide an object from its own URL (ClientFilter leaves
        # archived clients out unless asked).
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)
