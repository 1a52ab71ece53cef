"""The touchpoints under /api/v1/touchpoints/: read them, and act on one as the call page does —
complete a call, reschedule, skip.

A touchpoint the caller may not see is a 404; one they may see but not act on (another
manager's, on a client they share) is a 403. The actions validate the input, build what the
service takes and call it once; the rules, and their messages, are the services'
(touchpoints/calls.py), so the API and the pages answer alike.
"""

from typing import Any, cast

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from clients.api import visible_clients
from clients.models import Channel
from clients.serializers import plausible_time
from followup_crm.api import ApiViewSet
from followup_crm.users import AuthedRequest

from .calls import touchpoint_complete, touchpoint_reschedule, touchpoint_skip
from .models import Touchpoint, TouchpointStatus
from .selectors import touchpoint_may_act, touchpoints_visible_to
from .serializers import (
    CallAttemptSerializer,
    CallReportSerializer,
    RescheduleSerializer,
    SkipSerializer,
    TouchpointSerializer,
)

MAX_ID = 2**63 - 1  # the database's largest integer


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """An id: a whole number within the database's integers. NumberFilter's Decimal would let
    1e30 through to the database, which overflows on it (a 500 instead of a 400)."""

    field_class = forms.IntegerField

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class TouchpointFilter(django_filters.FilterSet):
    client = django_filters.ModelChoiceFilter(queryset=visible_clients)
    order = IdFilter(field_name="order_id")
    status = django_filters.MultipleChoiceFilter(choices=TouchpointStatus.choices)
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices)
    assignee = IdFilter(field_name="assignee_id")
    # Year 1 or 9999 would overflow when the database adapter moves it to UTC.
    due_after = django_filters.IsoDateTimeFilter(
        field_name="due_at", lookup_expr="gte", validators=[plausible_time]
    )
    due_before = django_filters.IsoDateTimeFilter(
        field_name="due_at", lookup_expr="lt", validators=[plausible_time]
    )

    class Meta:
        model = Touchpoint
        fields = ["client", "order", "status", "channel", "assignee", "due_after", "due_before"]


ERRORS = _(
    "Not valid: a list of messages per field, named as in the request; a touchpoint that is "
    "no longer planned (done, skipped, …) answers under non_field_errors."
)
NOT_YOURS = _("The touchpoint is another manager's: only they or a director may act on it.")
NOT_FOUND = _("No such touchpoint, or one the caller may not see.")


@extend_schema_view(
    list=extend_schema(summary=_("Touchpoints the caller may see, newest first")),
    retrieve=extend_schema(summary=_("A touchpoint with its cadence step and anchor")),
)
class TouchpointViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = Touchpoint.objects.none()
    serializer_class = TouchpointSerializer
    filterset_class = TouchpointFilter

    def get_queryset(self) -> QuerySet[Touchpoint]:
        return touchpoints_visible_to(self.request.user).select_related(
            "step__cadence", "send_record"
        )

    def _touchpoint_to_act_on(self) -> Touchpoint:
        touchpoint = self.get_object()
        if not touchpoint_may_act(user=self.request.user, touchpoint=touchpoint):
            raise PermissionDenied(
                _("This touchpoint is another manager's: only they or a director may act on it.")
            )
        return touchpoint

    @extend_schema(
        summary=_("Record a call attempt and what came of it"),
        description=_(
            "The same report as on the call page. A reached call needs the agreed date of the "
            "next contact (which plans it) or no_further_contact with the reason; no answer and "
            "busy plan a retry until the attempts run out; call_back needs callback_at; refused "
            "needs refusal_reason and records the refusal. A referral adds the new client; a "
            "complaint plans an urgent recovery call. Times carry their UTC offset. The answer "
            "is the attempt with the touchpoint as it is after it."
        ),
        request=CallReportSerializer,
        responses={
            201: OpenApiResponse(CallAttemptSerializer, description=_("Recorded.")),
            400: OpenApiResponse(description=ERRORS),
            403: OpenApiResponse(description=NOT_YOURS),
            404: OpenApiResponse(description=NOT_FOUND),
        },
    )
    @action(detail=True, methods=["post"], serializer_class=CallReportSerializer)
    def complete(self, request: AuthedRequest, pk: str | None = None) -> Response:
        touchpoint = self._touchpoint_to_act_on()
        if touchpoint.is_automatic or touchpoint.channel == Channel.POST:
            # What the call page shows: the system sends its messages, and cards and letters
            # are confirmed as posted on their own list.
            raise ValidationError(
                _("Only calls and a manager's own messages are completed with a call report.")
            )
        # The action's serializer_class.
        serializer = cast(CallReportSerializer, self.get_serializer(data=request.data))
        serializer.is_valid(raise_exception=True)
        attempt = touchpoint_complete(
            touchpoint=touchpoint, report=serializer.report(), by=request.user
        )
        return Response(CallAttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Move a planned touchpoint to another time, with the reason"),
        request=RescheduleSerializer,
        responses={
            200: OpenApiResponse(TouchpointSerializer, description=_("The touchpoint now.")),
            400: OpenApiResponse(description=ERRORS),
            403: OpenApiResponse(description=NOT_YOURS),
            404: OpenApiResponse(description=NOT_FOUND),
        },
    )
    @action(detail=True, methods=["post"], serializer_class=RescheduleSerializer)
    def reschedule(self, request: AuthedRequest, pk: str | None = None) -> Response:
        touchpoint = self._touchpoint_to_act_on()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        touchpoint = touchpoint_reschedule(
            touchpoint=touchpoint, by=request.user, **serializer.validated_data
        )
        return Response(TouchpointSerializer(touchpoint).data)

    @extend_schema(
        summary=_("Skip a planned touchpoint, with the reason"),
        request=SkipSerializer,
        responses={
            200: OpenApiResponse(TouchpointSerializer, description=_("The touchpoint now.")),
            400: OpenApiResponse(description=ERRORS),
            403: OpenApiResponse(description=NOT_YOURS),
            404: OpenApiResponse(description=NOT_FOUND),
        },
    )
    @action(detail=True, methods=["post"], serializer_class=SkipSerializer)
    def skip(self, request: AuthedRequest, pk: str | None = None) -> Response:
        touchpoint = self._touchpoint_to_act_on()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        touchpoint = touchpoint_skip(
            touchpoint=touchpoint, by=request.user, **serializer.validated_data
        )
        return Response(TouchpointSerializer(touchpoint).data)
