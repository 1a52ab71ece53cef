from django.urls import path

from . import team_views, views

app_name = "reports"

urlpatterns = [
    path("reports/", views.dashboard, name="dashboard"),
    path("reports/export/<slug:table>/", views.export, name="export"),
    # The team board is a report, but a director's day starts there: it sits beside the calls.
    path("calls/team/", team_views.team_board, name="team"),
    path("calls/team/<int:user_pk>/<slug:figure>/", team_views.team_figure, name="team_figure"),
]
