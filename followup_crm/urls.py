from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("nav/counters/", views.nav_counters, name="nav_counters"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("brand.css", views.brand_css, name="brand_css"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path("account/tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="followup_crm/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("followup_crm.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # A person opening the docs in a browser logs in first; the page then reads the schema
    # with the session. The split view serves its start-up script as a file of its own
    # (?script), so the page needs no inline script under the Content-Security-Policy; Swagger
    # UI draws its icons as data: images.
    path(
        "api/docs/",
        csp_update({"img-src": ["data:"]})(
            login_required(
                SpectacularSwaggerSplitView.as_view(
                    url_name="api-schema",
                    template_name="followup_crm/api_docs.html",
                    # A page, not an endpoint: OPTIONS would describe it with a template it
                    # does not have (a 500); it is a 405 instead.
                    http_method_names=["get", "head"],
                )
            )
        ),
        name="api-docs",
    ),
    path("", include("clients.urls")),
    path("", include("touchpoints.urls")),
    path("", include("reports.urls")),
    path("", include("surveys.urls")),
    path("", include("telephony.urls")),
]
