"""The REST API for clients, orders, referrals and refusals (registered in
`followup_crm/api_urls.py` under /api/v1/).

Thin viewsets: the queryset comes from the visibility selectors (an object the caller may not
see is a 404), a serializer validates, one service writes. The services' Django
ValidationErrors become 400 answers with a message per field.
"""

import base64
import binascii
import datetime as dt
from typing import Any, cast

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, parsers, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from followup_crm.api import ApiViewSet, HasRole, JSONParser, service_error_detail
from followup_crm.services import api_token_create
from followup_crm.users import AuthedRequest, User

from . import data_export
from .filters import ClientFilter
from .models import AuditReason, Client, Order, OrderEvent, OrderStatus, Referral, Refusal
from .selectors import (
    client_timeline_entries,
    clients_visible_to,
    consent_history,
    orders_visible_to,
    referrals_visible_to,
    refusals_visible_to,
    user_entry,
    users_visible_to,
)
from .serializers import (
    BULK_ORDERS_MAX,
    ClientSerializer,
    ConsentSerializer,
    OrderBulkItemSerializer,
    OrderBulkSerializer,
    OrderChangeSerializer,
    OrderEventSerializer,
    OrderSerializer,
    ReferralSerializer,
    RefusalSerializer,
    TimelinePageSerializer,
    TokenSerializer,
    UserSerializer,
)
from .services import (
    client_archive,
    client_create,
    client_record_export,
    client_restore,
    client_update,
    consent_record,
    order_record,
    order_record_event,
    order_update,
    referral_record,
    refusal_record,
)

# The error answers every endpoint that takes an object id may give.
NOT_SIGNED_IN = OpenApiResponse(description=_("Not signed in (no or a wrong token)."))
NO_ROLE = OpenApiResponse(description=_("The account has no role in Followup CRM."))
NOT_FOUND = OpenApiResponse(description=_("No such object, or not one the caller may see."))
INVALID = OpenApiResponse(description=_("Invalid input: a message per field."))

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

    def perform_create(self, serializer: BaseSerializer[Client]) -> None:
        fields = dict(serializer.validated_data)
        consents = [dict(consent) for consent in fields.pop("consents", [])]
        serializer.instance = client_create(by=self.request.user, consents=consents, **fields)

    def perform_update(self, serializer: BaseSerializer[Client]) -> None:
        fields = dict(serializer.validated_data)
        # Left out, the phones stay as they are.
        phones = fields.pop("phones", None)
        # An update's serializer holds the object (UpdateModelMixin).
        serializer.instance = client_update(
            client=cast(Client, serializer.instance), by=self.request.user, phones=phones, **fields
        )

    @extend_schema(request=None, responses=ClientSerializer, summary=_("Archive a client"))
    @action(detail=True, methods=["post"])
    def archive(self, request: AuthedRequest, pk: str | None = None) -> Response:
        client = client_archive(client=self.get_object(), by=request.user)
        return Response(self.get_serializer(client).data)

    @extend_schema(
        request=None, responses=ClientSerializer, summary=_("Restore an archived client")
    )
    @action(detail=True, methods=["post"])
    def restore(self, request: AuthedRequest, pk: str | None = None) -> Response:
        client = client_restore(client=self.get_object(), by=request.user)
        return Response(self.get_serializer(client).data)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={
            200: ConsentSerializer(many=True),
            401: NOT_SIGNED_IN,
            403: NO_ROLE,
            404: NOT_FOUND,
        },
        summary=_("A client's consent history, newest first"),
        description=_(
            "Every choice given or withdrawn per channel, with its source, time and who "
            "recorded it. The newest record of a channel is the client's current choice; a "
            "channel never asked about counts as not given."
        ),
    )
    @extend_schema(
        methods=["POST"],
        request=ConsentSerializer,
        responses={
            201: ConsentSerializer,
            400: INVALID,
            401: NOT_SIGNED_IN,
            403: NO_ROLE,
            404: NOT_FOUND,
        },
        summary=_("Record a consent given or withdrawn"),
        description=_("The source is required: a consent without one is refused (400)."),
    )
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=ConsentSerializer,
        pagination_class=None,
    )
    def consents(self, request: AuthedRequest, pk: str | None = None) -> Response:
        client = self.get_object()
        if request.method == "GET":
            return Response(self.get_serializer(consent_history(client), many=True).data)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        consent = consent_record(client=client, by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        parameters=[
            OpenApiParameter("cursor", OpenApiTypes.STR, description=_("From `next`.")),
            OpenApiParameter(
                "page_size", OpenApiTypes.INT, description=_("Entries a page: 50, at most 200.")
            ),
        ],
        responses={200: TimelinePageSerializer, 401: NOT_SIGNED_IN, 403: NO_ROLE, 404: NOT_FOUND},
        summary=_("A client's history, newest first"),
        description=_(
            "What the client card shows: order events and moved promised dates, stage changes "
            "with their cause, the handoff, referrals and refusals, planned and past "
            "touchpoints, call attempts, messages sent with their delivery status and time, "
            "survey answers and service cases. Paged by a cursor: follow `next` until it is "
            "null. Past touchpoints, calls and messages reach back to the newest 200 of each."
        ),
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        entries = client_timeline_entries(self.get_object())
        page, following = _timeline_page(request, entries)
        return Response({"next": following, "results": page})

    @extend_schema(
        request=None,
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=_("Everything the CRM holds about the client, by section."),
            ),
            401: NOT_SIGNED_IN,
            403: NO_ROLE,
            404: NOT_FOUND,
        },
        summary=_("A client's personal data export"),
        description=_(
            "The same document as the card's download; the download is recorded in the "
            "client's audit history."
        ),
    )
    @action(detail=True, methods=["get"])
    def export(self, request: AuthedRequest, pk: str | None = None) -> Response:
        client = self.get_object()
        with transaction.atomic():
            client_record_export(client=client, by=request.user, reason=AuditReason.DATA_EXPORT)
            data = data_export.client_data_export(client, by=request.user)
        return Response(data)


TIMELINE_PAGE_SIZE = 50
TIMELINE_MAX_PAGE_SIZE = 200


def _timeline_position(entry: dict[str, Any]) -> tuple[dt.datetime, str]:
    return (entry["at"], entry["id"])


def _timeline_page(
    request: Request, entries: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of entries (sorted newest first) after the request's cursor, and the link to the
    next page. The cursor is the position (time and id) of the last entry served, so entries
    added meanwhile do not shift the pages."""
    try:
        size = int(request.query_params.get("page_size", TIMELINE_PAGE_SIZE))
    except ValueError:
        size = TIMELINE_PAGE_SIZE
    size = min(max(size, 1), TIMELINE_MAX_PAGE_SIZE)
    cursor = request.query_params.get("cursor")
    if cursor:
        try:
            at, _sep, entry_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
            after = (dt.datetime.fromisoformat(at), entry_id)
            if after[0].tzinfo is None:
                raise ValueError(at)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise NotFound(_("Invalid cursor")) from None
        entries = [entry for entry in entries if _timeline_position(entry) < after]
    page = entries[:size]
    if len(entries) <= size:
        return page, None
    last_at, last_id = _timeline_position(page[-1])
    token = base64.urlsafe_b64encode(f"{last_at.isoformat()}|{last_id}".encode()).decode()
    return page, replace_query_param(request.build_absolute_uri(), "cursor", token)


# --- orders ------------------------------------------------------------------------------

# The result of each item of POST /api/v1/orders/bulk/.
BULK_CREATED, BULK_UNCHANGED, BULK_UPDATED, BULK_REFUSED = (
    "created",
    "unchanged",
    "updated",
    "refused",
)
BULK_RESULTS = (BULK_CREATED, BULK_UNCHANGED, BULK_UPDATED, BULK_REFUSED)


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
            "(200). When it carries another amount, currency, promised date, description or "
            "seller, the order is updated as by PATCH (a moved promised date re-plans the status "
            "updates); fields left out keep their values. Another time placed (by a minute or "
            "more) is a 400 naming the field. External ids are each client's own: another "
            "client's order with the same id is not looked at."
        ),
        responses={
            201: OpenApiResponse(OrderSerializer, description=_("Recorded.")),
            200: OpenApiResponse(
                OrderSerializer, description=_("Already recorded (and updated if it changed).")
            ),
            400: INVALID,
            401: NOT_SIGNED_IN,
            403: NO_ROLE,
        },
    ),
    partial_update=extend_schema(
        summary=_("Change an order"),
        description=_(
            "An order system's changes: amount, currency, promised date, description, seller, "
            "with the same checks as creating it. A moved promised date is kept in the order's "
            "timeline with who moved it and `reason`, and the status updates before delivery "
            "are planned again from the new date (those done stay). The client, the external "
            "id and the time placed cannot change: a 400 naming the field; so is moving the "
            "date of a delivered, cancelled or returned order."
        ),
        request=OrderChangeSerializer,
        responses={
            200: OrderSerializer,
            400: INVALID,
            401: NOT_SIGNED_IN,
            403: NO_ROLE,
            404: NOT_FOUND,
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
        # The fields sent are the ones an order sent again may change.
        recorded = order_record(
            by=self.request.user, sent=frozenset(request.data), **serializer.validated_data
        )
        answer = status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK
        return Response(self.get_serializer(recorded.order).data, status=answer)

    @extend_schema(
        summary=_("Record up to 1,000 orders with their events"),
        description=_(
            "Each item is what POST /api/v1/orders/ takes, plus `events` (what "
            "POST /api/v1/orders/{id}/events/ takes, recorded in the order given), and is "
            "idempotent by client and external_id like it. Each item is recorded on its own: a "
            "bad one is refused with a message per field and the others are still recorded. "
            "The answer has a result per item, in the order sent: `created`, `unchanged` (sent "
            "before, nothing new), `updated` (sent before, with changed fields or new events) "
            "or `refused` (with `errors`; nothing of that item is kept). A client the caller "
            "may not see is refused as one that does not exist. More than 1,000 items is a 400."
        ),
        request=inline_serializer(
            "OrderBulk",
            # many=True makes a ListSerializer, which takes max_length; the stubs do not know.
            {"orders": OrderBulkItemSerializer(many=True, max_length=BULK_ORDERS_MAX)},  # type: ignore[call-arg]
        ),
        responses={
            200: inline_serializer(
                "OrderBulkResponse",
                {
                    "results": inline_serializer(
                        "OrderBulkResult",
                        {
                            "index": serializers.IntegerField(),
                            "external_id": serializers.CharField(allow_null=True),
                            "result": serializers.ChoiceField(choices=BULK_RESULTS),
                            "order": OrderSerializer(allow_null=True),
                            "errors": serializers.DictField(),
                        },
                        many=True,
                    )
                },
            ),
            400: INVALID,
            401: NOT_SIGNED_IN,
            403: NO_ROLE,
        },
        examples=[
            OpenApiExample(
                "Two orders, one refused",
                request_only=True,
                value={
                    "orders": [
                        {
                            "client": 12,
                            "external_id": "SHOP-1001",
                            "amount": "1500.50",
                            "placed_at": "2026-11-20T10:00:00+03:00",
                            "promised_date": "2026-11-27",
                            "events": [{"type": "delivered", "at": "2026-11-26T15:30:00+03:00"}],
                        },
                        {"client": 12, "external_id": "SHOP-1002", "amount": "-5"},
                    ]
                },
            ),
            OpenApiExample(
                "Two orders, one refused",
                response_only=True,
                value={
                    "results": [
                        {
                            "index": 0,
                            "external_id": "SHOP-1001",
                            "result": "created",
                            "order": {"id": 81, "client": 12, "status": "delivered"},
                            "errors": {},
                        },
                        {
                            "index": 1,
                            "external_id": "SHOP-1002",
                            "result": "refused",
                            "order": None,
                            "errors": {
                                "amount": ["Ensure this value is greater than or equal to 0."],
                                "placed_at": ["This field is required."],
                            },
                        },
                    ]
                },
            ),
        ],
    )
    @action(detail=False, methods=["post"], serializer_class=OrderBulkItemSerializer)
    def bulk(self, request: AuthedRequest) -> Response:
        envelope = OrderBulkSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        results = [
            self._bulk_item(request, index, item)
            for index, item in enumerate(envelope.validated_data["orders"])
        ]
        # The orders recorded, with their events, in two queries rather than two an item.
        recorded = {result["order"] for result in results if result["order"] is not None}
        orders = self.get_queryset().in_bulk(recorded)
        for result in results:
            if result["order"] is not None:
                result["order"] = OrderSerializer(orders[result["order"]]).data
        return Response({"results": results})

    def _bulk_item(self, request: AuthedRequest, index: int, item: Any) -> dict[str, Any]:
        """Record one item of a bulk post in a savepoint of its own: the answer with the order's
        id, or `refused` with the errors by field (and nothing of it kept)."""
        external_id = item.get("external_id") if isinstance(item, dict) else None
        if not isinstance(external_id, str):
            external_id = None  # echoed as sent only when it is one
        answer: dict[str, Any] = {
            "index": index,
            "external_id": external_id,
            "result": BULK_REFUSED,
            "order": None,
            "errors": {},
        }
        serializer = self.get_serializer(data=item)
        if not serializer.is_valid():
            answer["errors"] = serializer.errors
            return answer
        fields = dict(serializer.validated_data)
        events = fields.pop("events")
        try:
            with transaction.atomic():
                recorded = order_record(
                    by=request.user, sent=frozenset(item) - {"events"}, **fields
                )
                order = recorded.order
                # Whether an event is new only matters to an order recorded before.
                known: set[int] = set()
                if not recorded.created:
                    known = set(order.events.values_list("pk", flat=True))
                new_events = False
                for position, event in enumerate(events):
                    try:
                        recorded_event = order_record_event(order=order, by=request.user, **event)
                    except DjangoValidationError as exc:
                        # Keyed by the event's position, as the serializer's own errors are.
                        detail = service_error_detail(exc)
                        answer["errors"] = {"events": {str(position): detail}}
                        raise
                    new_events = new_events or recorded_event.pk not in known
        except DjangoValidationError as exc:
            answer["errors"] = answer["errors"] or service_error_detail(exc)
            return answer
        if recorded.created:
            answer["result"] = BULK_CREATED
        elif recorded.changed or new_events:
            answer["result"] = BULK_UPDATED
        else:
            answer["result"] = BULK_UNCHANGED
        answer["order"] = order.pk
        return answer

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        order = self.get_object()
        serializer = OrderChangeSerializer(
            order, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        order = order_update(order=order, by=self.request.user, **serializer.validated_data)
        order = self.get_queryset().get(pk=order.pk)
        return Response(self.get_serializer(order).data)

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
    def events(self, request: AuthedRequest, pk: str | None = None) -> Response:
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

    def perform_create(self, serializer: BaseSerializer[Referral]) -> None:
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

    def perform_create(self, serializer: BaseSerializer[Refusal]) -> None:
        serializer.instance = refusal_record(by=self.request.user, **serializer.validated_data)


# --- people ------------------------------------------------------------------------------


class UserViewSet(mixins.ListModelMixin, ApiViewSet):
    """The people whose ids go into `originator`, `account_manager`, `seller` and `assignee`."""

    serializer_class = UserSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return users_visible_to(self.request.user)

    @extend_schema(
        summary=_("The people the caller works with"),
        description=_(
            "A director sees everyone with a role. A sales or account manager sees themselves, "
            "the directors, and the people on the clients they see: who brought them, who "
            "looks after them and who sold their orders."
        ),
        responses={200: UserSerializer(many=True), 401: NOT_SIGNED_IN, 403: NO_ROLE},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # A list under a pagination class: always a page.
        page = cast(list[User], self.paginate_queryset(self.get_queryset()))
        return self.get_paginated_response([user_entry(user) for user in page])


class MeView(APIView):
    permission_classes = [IsAuthenticated, HasRole]

    @extend_schema(
        request=None,
        responses={200: UserSerializer, 401: NOT_SIGNED_IN, 403: NO_ROLE},
        summary=_("The caller: id, name and roles"),
    )
    def get(self, request: Request) -> Response:
        return Response(user_entry(request.user))


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
