from django.urls import path

from . import card_views, log_views, views

app_name = "touchpoints"

urlpatterns = [
    path("post/", views.postal_list, name="postal"),
    path("post/print/", views.postal_print, name="postal_print"),
    path("post/sent/", views.postal_sent, name="postal_sent"),
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("calls/", views.call_list, name="calls"),
    path("calls/reassign/", views.reassign, name="reassign"),
    path("calls/<int:pk>/", views.call_detail, name="call_detail"),
    path("calls/<int:pk>/forms/", views.call_forms, name="call_forms"),
    path("calls/<int:pk>/complete/", views.call_complete, name="call_complete"),
    path("calls/<int:pk>/reschedule/", views.call_reschedule, name="call_reschedule"),
    path("calls/<int:pk>/skip/", views.call_skip, name="call_skip"),
    # Logging what happened anyway: the header's "+" and the client card's button.
    path("log/", log_views.log_start, name="log"),
    path("clients/<int:pk>/log/", log_views.log_client, name="log_client"),
    path("clients/<int:pk>/log/call/", log_views.log_inbound, name="log_inbound"),
    path("clients/<int:pk>/log/note/", log_views.log_note, name="log_note"),
    path("clients/<int:pk>/log/task/", log_views.log_task, name="log_task"),
    path("calls/<int:pk>/undo/", views.call_undo, name="call_undo"),
    # Moving or skipping a planned touchpoint from the client card's timeline.
    path(
        "clients/<int:client_pk>/touchpoints/<int:pk>/reschedule/",
        card_views.card_reschedule,
        name="card_reschedule",
    ),
    path(
        "clients/<int:client_pk>/touchpoints/<int:pk>/skip/",
        card_views.card_skip,
        name="card_skip",
    ),
]
