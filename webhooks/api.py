"""Webhook endpoints under /api/v1/webhook-endpoints/, for directors only: every other role
gets a 404, as if the endpoints did not exist. Registered in `followup_crm/api_urls.py`."""

from typing import cast

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from followup_crm.api import ApiViewSet
from followup_crm.roles import DIRECTOR, has_role

from . import selectors, services
from .models import Endpoint
from .serializers import (
    DeliverySerializer,
    EndpointSerializer,
    RedeliveredSerializer,
    RedeliverSerializer,
)


class DirectorsOnly(BasePermission):
    """A manager is told there is nothing here (404), not that it is forbidden."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not has_role(request.user, DIRECTOR):
            raise Http404
        return True


@extend_schema_view(
    list=extend_schema(summary=_("Webhook endpoints")),
    create=extend_schema(summary=_("Register a webhook endpoint")),
    retrieve=extend_schema(summary=_("A webhook endpoint")),
    update=extend_schema(summary=_("Replace a webhook endpoint")),
    partial_update=extend_schema(summary=_("Change a webhook endpoint")),
    destroy=extend_schema(summary=_("Delete a webhook endpoint and its deliveries")),
)
class EndpointViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ApiViewSet,
):
    queryset = Endpoint.objects.none()  # the model, for the schema; rows: get_queryset()
    serializer_class = EndpointSerializer
    permission_classes = [*ApiViewSet.permission_classes, DirectorsOnly]

    def get_queryset(self) -> QuerySet[Endpoint]:
        return selectors.endpoints_all()

    def perform_create(self, serializer: BaseSerializer[Endpoint]) -> None:
        serializer.instance = services.endpoint_create(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: BaseSerializer[Endpoint]) -> None:
        # An update's serializer holds the object (UpdateModelMixin).
        serializer.instance = services.endpoint_update(
            endpoint=cast(Endpoint, serializer.instance), **serializer.validated_data
        )

    @extend_schema(
        summary=_("The endpoint's recent deliveries, newest first"),
        responses=DeliverySerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        endpoint = self.get_object()
        page = self.paginate_queryset(selectors.deliveries_recent(endpoint=endpoint))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(
        summary=_("Post events to the endpoint once more"),
        request=RedeliverSerializer,
        responses=RedeliveredSerializer,
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request: Request, pk: str | None = None) -> Response:
        endpoint = self.get_object()
        serializer = RedeliverSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        queued = services.delivery_redeliver(
            deliveries=endpoint.deliveries.filter(
                event_id__in=serializer.validated_data["event_ids"]
            )
        )
        return Response({"queued": queued})
