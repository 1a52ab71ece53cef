"""The REST API under /api/v1/: one router on which every app registers its viewsets.

The OpenAPI schema is at /api/schema/ and the interactive docs at /api/docs/ (see `urls.py`).
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from clients.api import (
    ClientViewSet,
    MeView,
    OrderViewSet,
    ReferralViewSet,
    RefusalViewSet,
    TokenView,
    UserViewSet,
)
from reports.api import ReportViewSet
from surveys.api import ResponseViewSet, ServiceCaseViewSet
from touchpoints.api import TouchpointViewSet
from webhooks.api import EndpointViewSet

app_name = "api"

router = SimpleRouter()
router.register("clients", ClientViewSet, basename="client")
router.register("orders", OrderViewSet, basename="order")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("refusals", RefusalViewSet, basename="refusal")
router.register("touchpoints", TouchpointViewSet, basename="touchpoint")
router.register("reports", ReportViewSet, basename="report")
router.register("service-cases", ServiceCaseViewSet, basename="service-case")
router.register("responses", ResponseViewSet, basename="response")
router.register("webhook-endpoints", EndpointViewSet, basename="webhook-endpoint")
router.register("users", UserViewSet, basename="user")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    *router.urls,
]
