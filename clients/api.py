"""The REST API for clients, orders, referrals and refusals (registered in
`followup_crm/api_urls.py` under /api/v1/).

Thin viewsets: the queryset comes from the visibility selectors (an object the caller may not
see is a 404), a serializer validates, one service writes. The services' Django
ValidationErrors become 400 answers with a message per field.
"""

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, parsers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from followup_crm.api import ApiViewSet, JSONParser
from followup_crm.services import api_token_create

from .filters import ClientFilter
from .models import Client, Order, OrderEvent, OrderStatus, Referral, Refusal
from .selectors import (
    clients_visible_to,
    orders_visible_to,
    referrals_visible_to,
    refusals_visible_to,
)
from .serializers import (
    ClientSerializer,
    OrderEventSerializer,
    OrderSerializer,
    ReferralSerializer,
    RefusalSerializer,
    TokenSerializer,
)
from .services import (
    client_archive,
    client_create,
    client_restore,
    client_update,
    order_record,
    order_record_event,
    referral_record,
    refusal_record,
)

# --- clients -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("Clients the caller may see; archived ones only when asked"),
        parameters=[
            OpenApiParameter(
                "manager",
                OpenApiTypes.INT,
                description=_("A user id: the clients they brought or manage."),
            )
        ],
    ),
    create=extend_schema(summary=_("Create a client")),
    retrieve=extend_schema(summary=_("A client")),
    update=extend_schema(summary=_("Replace a client's details")),
    partial_update=extend_schema(summary=_("Change some of a client's details")),
)
class ClientViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet,
):
    # Clients are archived, never deleted, so there is no DELETE.
    queryset = Client.objects.none()  # the model, for the schema; rows: get_queryset()
    serializer_class = ClientSerializer
    filterset_class = ClientFilter

    def get_queryset(self) -> QuerySet[Client]:
        return clients_visible_to(self.request.user).prefetch_related("phones")

    def perform_create(self, serializer: ClientSerializer) -> None:
        serializer.instance = client_create(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: ClientSerializer) -> None:
        fields = dict(serializer.validated_data)
        # Left out, the phones stay as they are.
        phones = fields.pop("phones", None)
        serializer.instance = client_update(
            client=serializer.instance, by=self.request.user, phones=phones, **fields
        )

    @extend_schema(request=None, responses=ClientSerializer, summary=_("Archive a client"))
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        client = client_archive(client=self.get_object(), by=request.user)
        return Response(self.get_serializer(client).data)

    @extend_schema(
        request=None, responses=ClientSerializer, summary=_("Restore an archived client")
    )
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        client = client_restore(client=self.get_object(), by=request.user)
        return Response(self.get_serializer(client).data)


# --- orders ------------------------------------------------------------------------------


def visible_clients(request: Request | None) -> QuerySet[Client]:
    # django-filter calls this with None when it builds a filter outside a request (the schema).
    if request is None:
        return Client.objects.none()
    return clients_visible_to(request.user)


class OrderFilter(django_filters.FilterSet):
    # Only the caller's clients: another manager's client id is "not a valid choice", exactly
    # like an id that does not exist.
    client = django_filters.ModelChoiceFilter(queryset=visible_clients)
    status = django_filters.MultipleChoiceFilter(choices=OrderStatus.choices)
    external_id = django_filters.CharFilter()

    class Meta:
        model = Order
        fields = ("client", "status", "external_id")


@extend_schema_view(
    list=extend_schema(summary=_("Orders of the clients the caller may see")),
    retrieve=extend_schema(summary=_("An order with its events")),
    create=extend_schema(
        summary=_("Record an order"),
        description=_(
            "Idempotent by client and external_id: the first time the order is created (201); "
            "the same external_id again for the same client returns the order already recorded "
            "(200) and changes nothing. External ids are each client's own: another client's "
            "order with the same id is not looked at."
        ),
        responses={
            201: OpenApiResponse(OrderSerializer, description=_("Recorded.")),
            200: OpenApiResponse(OrderSerializer, description=_("Already recorded.")),
        },
    ),
)
class OrderViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    ApiViewSet,
):
    queryset = Order.objects.none()
    serializer_class = OrderSerializer
    filterset_class = OrderFilter

    def get_queryset(self) -> QuerySet[Order]:
        return orders_visible_to(self.request.user).prefetch_related("events")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        recorded = order_record(by=request.user, **serializer.validated_data)
        answer = status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK
        return Response(self.get_serializer(recorded.order).data, status=answer)

    @extend_schema(
        summary=_("Record an event of an order"),
        description=_(
            "Moves the order along placed → ready → shipped / at the pickup point → delivered, "
            "or to cancelled / returned. An impossible transition is a 400 on `type`; an event "
            "older than the current status is kept in the timeline without moving it back "
            "(`applied` is false); the same type and time again returns the event recorded "
            "(200)."
        ),
        request=OrderEventSerializer,
        responses={
            201: OpenApiResponse(OrderEventSerializer, description=_("Recorded.")),
            200: OpenApiResponse(OrderEventSerializer, description=_("Already recorded.")),
        },
    )
    @action(detail=True, methods=["post"], serializer_class=OrderEventSerializer)
    def events(self, request: Request, pk: str | None = None) -> Response:
        order = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # The service answers a repeated event with the one recorded; only the status code
        # needs to know which it was.
        repeated = OrderEvent.objects.filter(order=order, type=data["type"], at=data["at"]).exists()
        event = order_record_event(order=order, by=request.user, **data)
        answer = status.HTTP_200_OK if repeated else status.HTTP_201_CREATED
        return Response(self.get_serializer(event).data, status=answer)


# --- referrals and refusals --------------------------------------------------------------


class ReferralFilter(django_filters.FilterSet):
    referrer = django_filters.ModelChoiceFilter(queryset=visible_clients)
    referred = django_filters.ModelChoiceFilter(queryset=visible_clients)

    class Meta:
        model = Referral
        fields = ("referrer", "referred")


@extend_schema_view(
    list=extend_schema(summary=_("Referrals made or received by the caller's clients")),
    retrieve=extend_schema(summary=_("A referral")),
    create=extend_schema(summary=_("Record that a client referred someone")),
)
class ReferralViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    ApiViewSet,
):
    queryset = Referral.objects.none()
    serializer_class = ReferralSerializer
    filterset_class = ReferralFilter

    def get_queryset(self) -> QuerySet[Referral]:
        return referrals_visible_to(self.request.user)

    def perform_create(self, serializer: ReferralSerializer) -> None:
        serializer.instance = referral_record(by=self.request.user, **serializer.validated_data)


class RefusalFilter(django_filters.FilterSet):
    client = django_filters.ModelChoiceFilter(queryset=visible_clients)
    reason = django_filters.MultipleChoiceFilter(choices=Refusal.Reason.choices)

    class Meta:
        model = Refusal
        fields = ("client", "reason")


@extend_schema_view(
    list=extend_schema(summary=_("Refusals of the caller's clients")),
    retrieve=extend_schema(summary=_("A refusal")),
    create=extend_schema(summary=_("Record a refusal and its reason")),
)
class RefusalViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    ApiViewSet,
):
    queryset = Refusal.objects.none()
    serializer_class = RefusalSerializer
    filterset_class = RefusalFilter

    def get_queryset(self) -> QuerySet[Refusal]:
        return refusals_visible_to(self.request.user)

    def perform_create(self, serializer: RefusalSerializer) -> None:
        serializer.instance = refusal_record(by=self.request.user, **serializer.validated_data)


# --- tokens ------------------------------------------------------------------------------


# The name of the tokens that the token endpoint makes (the user's list shows it).
API_LOGIN = "api login"


class TokenView(APIView):
    """Exchange a username and password for a new API token (sent as `Authorization: Token
    …`). Each call makes a token named "api login" that expires after API_TOKEN_DAYS."""

    parser_classes = [parsers.FormParser, parsers.MultiPartParser, JSONParser]
    # The username and password are the credentials here.
    authentication_classes = []
    permission_classes = []
    serializer_class = AuthTokenSerializer

    @extend_schema(
        request=AuthTokenSerializer,
        responses=TokenSerializer,
        summary=_("Get a new API token for a username and password"),
        description=_(
            'Every call makes a new token named "api login". It expires after '
            "API_TOKEN_DAYS days (90 by default; `expires_at` says when), and ends sooner when "
            "its owner revokes it on /account/tokens/ or changes their password."
        ),
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, key = api_token_create(user=serializer.validated_data["user"], name=API_LOGIN)
        return Response(TokenSerializer({"token": key, "expires_at": token.expires_at}).data)
