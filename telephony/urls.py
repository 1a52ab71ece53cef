from django.urls import path

from . import views

app_name = "telephony"

urlpatterns = [
    path("telephony/call/<int:client_id>/", views.call, name="call"),
    path("telephony/hooks/<slug:backend>/", views.pbx_hook, name="pbx_hook"),
    path("telephony/notices/", views.notices, name="notices"),
    path("telephony/telegram/<str:secret>/", views.telegram_hook, name="telegram_hook"),
]
