"""The reports' headline figures under /api/v1/reports/summary/, for directors.

The query parameters are the reports page's (validated by the same form), the figures those
of reports.selectors.headline for the period and for the one of the same length just before.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from followup_crm.roles import DIRECTOR, has_role

from . import selectors
from .forms import ReportForm


class IsDirector(BasePermission):
    message = _("Only directors see the reports.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return has_role(request.user, DIRECTOR)


class ReportPeriodSerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        # "from" is a Python keyword, so the fields cannot be class attributes.
        return {
            "from": serializers.DateField(source="first_day", help_text=_("The first day.")),
            "to": serializers.DateField(source="last_day", help_text=_("The last day, included.")),
        }


def _rate(help_text: Any) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=help_text)


class ReportFiguresSerializer(serializers.Serializer):
    satisfaction_rate = _rate(_("Scores of 4–5 among all scores, in percent."))
    nps = serializers.IntegerField(allow_null=True, help_text=_("Net promoter score."))
    responses = serializers.IntegerField(help_text=_("Scores received."))
    hidden_dissatisfaction = serializers.IntegerField(
        help_text=_("Clients with a good survey but a poor call or an open service case.")
    )
    open_recovery = serializers.IntegerField(
        allow_null=True,
        help_text=_("Recovery calls still open now; null for the previous period."),
    )
    repeat_purchase_rate = _rate(_("Buyers with two or more purchases among buyers, percent."))
    days_to_second_purchase = serializers.FloatField(
        allow_null=True, help_text=_("Mean days from the first to the second purchase.")
    )
    conversion_rate = _rate(_("Visitors of the period who bought, in percent."))
    closure_rate = _rate(_("Won / (won + refused), in percent."))
    on_time_delivery_rate = _rate(_("Orders delivered by their promised date, in percent."))
    discipline_rate = _rate(_("Touchpoints due in the period done on time, in percent."))
    commissions = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text=_("Commissions credited in the period.")
    )


class ReportChangeSerializer(ReportFiguresSerializer):
    """The same figures as differences; null where either period has no value."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for field in fields.values():
            field.allow_null = True
        return fields


class ReportSummarySerializer(serializers.Serializer):
    period = ReportPeriodSerializer()
    previous_period = ReportPeriodSerializer(
        help_text=_("The period of the same length just before.")
    )
    figures = ReportFiguresSerializer()
    previous = ReportFiguresSerializer(help_text=_("The figures of the previous period."))
    change = ReportChangeSerializer(
        help_text=_("Figures minus previous figures (rates in percentage points).")
    )


class ReportViewSet(viewsets.ViewSet):
    permission_classes = [IsAuthenticated, IsDirector]

    @extend_schema(
        summary=_("The headline figures of a period, against the period before"),
        description=_(
            "For directors. The period runs from `from` to `to`, both days included, in the "
            "company's time zone, and is at most three years long; `manager` narrows the "
            "figures to one sales or account manager. Amounts are strings."
        ),
        parameters=[
            OpenApiParameter(
                "from", OpenApiTypes.DATE, required=True, description=_("The first day.")
            ),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, required=True, description=_("The last day, included.")
            ),
            OpenApiParameter(
                "manager",
                OpenApiTypes.INT,
                description=_("A sales or account manager's user id; left out: the whole team."),
            ),
        ],
        responses={
            200: ReportSummarySerializer,
            400: OpenApiResponse(
                description=_("A parameter is not valid: a list of messages per parameter.")
            ),
            401: OpenApiResponse(description=_("No credentials.")),
            403: OpenApiResponse(description=_("The caller is not a director.")),
        },
    )
    @action(detail=False, methods=["get"])
    def summary(self, request: Request) -> Response:
        form = ReportForm(request.query_params)
        if not form.is_valid():
            raise serializers.ValidationError(form.error_detail())
        choice = form.selection()
        now = timezone.now()
        figures = selectors.headline(choice.period, now, choice.manager)
        previous = selectors.headline(choice.period.previous, now, choice.manager, past=True)
        data = {
            "period": choice.period,
            "previous_period": choice.period.previous,
            "figures": figures,
            "previous": previous,
            "change": selectors.headline_change(figures, previous),
        }
        return Response(ReportSummarySerializer(data).data)
