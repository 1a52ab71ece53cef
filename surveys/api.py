"""The REST API for service cases and, for reports, satisfaction responses (registered in
`followup_crm/api_urls.py`). A director sees all of them; a manager those of their clients."""

import datetime as dt
from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response as ApiResponse
from rest_framework.serializers import BaseSerializer

from clients.api import visible_clients
from followup_crm.api import ApiViewSet
from followup_crm.timezones import company_zone
from followup_crm.users import AuthedRequest

from . import services
from .models import Response, ServiceCase, Source
from .selectors import responses_visible_to, service_cases_visible_to
from .serializers import ResponseSerializer, ServiceCaseResolveSerializer, ServiceCaseSerializer


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=company_zone())


def plausible_day(day: dt.date) -> None:
    # Year 1 or 9999 would overflow when the day becomes a time in UTC: a 400, not a 500.
    if not dt.date(1900, 1, 1) <= day <= dt.date(2999, 12, 31):
        raise ValidationError(_("Give a date between 1900 and 2999."))


# --- service cases -----------------------------------------------------------------------


class ServiceCaseFilter(django_filters.FilterSet):
    client = django_filters.ModelChoiceFilter(queryset=visible_clients)
    status = django_filters.ChoiceFilter(
        choices=[("open", _("Open")), ("resolved", _("Resolved"))], method="filter_status"
    )

    class Meta:
        model = ServiceCase
        fields = ("client", "status")

    def filter_status(self, cases: QuerySet[ServiceCase], name: str, value: str) -> Any:
        return cases.filter(resolved_at__isnull=value == "open")


@extend_schema_view(
    list=extend_schema(summary=_("Service cases of the caller's clients, newest first")),
    retrieve=extend_schema(summary=_("A service case")),
    create=extend_schema(
        summary=_("Record a service case"),
        description=_(
            "A warranty or service complaint of a client, optionally about one of their orders. "
            "A satisfaction of 1 or 2 makes an urgent recovery call for the account manager."
        ),
    ),
)
class ServiceCaseViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    ApiViewSet,
):
    queryset = ServiceCase.objects.none()  # the model, for the schema; rows: get_queryset()
    serializer_class = ServiceCaseSerializer
    filterset_class = ServiceCaseFilter

    def get_queryset(self) -> QuerySet[ServiceCase]:
        return service_cases_visible_to(self.request.user)

    def perform_create(self, serializer: BaseSerializer[ServiceCase]) -> None:
        fields = dict(serializer.validated_data)
        client = fields.pop("client")
        serializer.instance = services.service_case_record(
            client=client, by=self.request.user, **fields
        )

    @extend_schema(
        request=ServiceCaseResolveSerializer,
        responses=ServiceCaseSerializer,
        summary=_("Resolve a service case"),
        description=_(
            "Say how it was resolved and, if the client said, how satisfied they were. A case "
            "resolved already is a 400."
        ),
    )
    @action(detail=True, methods=["post"], serializer_class=ServiceCaseResolveSerializer)
    def resolve(self, request: AuthedRequest, pk: str | None = None) -> ApiResponse:
        case = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = services.service_case_resolve(
            case=case,
            resolution=data["resolution"],
            satisfaction=data.get("satisfaction"),
            by=request.user,
        )
        return ApiResponse(ServiceCaseSerializer(case, context=self.get_serializer_context()).data)


# --- responses ---------------------------------------------------------------------------


class ResponseFilter(django_filters.FilterSet):
    source = django_filters.MultipleChoiceFilter(choices=Source.choices)
    client = django_filters.ModelChoiceFilter(queryset=visible_clients)
    manager = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.all(),
        help_text=_("A user id: the account manager at the time of the response."),
    )

    class Meta:
        model = Response
        fields = ("source", "client", "manager")

    def filter_from(self, responses: QuerySet[Response], name: str, value: dt.date) -> Any:
        return responses.filter(at__gte=_day_start(value))

    def filter_to(self, responses: QuerySet[Response], name: str, value: dt.date) -> Any:
        return responses.filter(at__lt=_day_start(value + dt.timedelta(days=1)))


# "from" is a Python keyword: declared here, it cannot be a class attribute.
ResponseFilter.base_filters["from"] = django_filters.DateFilter(
    method="filter_from",
    validators=[plausible_day],
    help_text=_("The first day, in the company's time zone."),
)
ResponseFilter.base_filters["to"] = django_filters.DateFilter(
    method="filter_to",
    validators=[plausible_day],
    help_text=_("The last day (included), in the company's time zone."),
)


@extend_schema_view(
    list=extend_schema(
        summary=_("Satisfaction responses of the caller's clients, newest first"),
        description=_(
            "Every answer from a survey by link, a call or a service case, with its source: the "
            "data of the satisfaction reports."
        ),
    ),
    retrieve=extend_schema(summary=_("A response")),
)
class ResponseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = Response.objects.none()
    serializer_class = ResponseSerializer
    filterset_class = ResponseFilter

    def get_queryset(self) -> QuerySet[Response]:
        return responses_visible_to(self.request.user)
