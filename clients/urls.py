from django.urls import path

from . import import_views, privacy_views, views

app_name = "clients"

urlpatterns = [
    path("clients/", views.client_list, name="list"),
    path("clients/new/", views.client_create, name="create"),
    path("clients/<int:pk>/", views.client_detail, name="detail"),
    path("clients/<int:pk>/edit/", views.client_edit, name="edit"),
    path("clients/<int:pk>/orders/", views.order_record, name="order_record"),
    path(
        "clients/<int:pk>/orders/<int:order_pk>/events/",
        views.order_event_record,
        name="order_event_record",
    ),
    path(
        "clients/<int:pk>/orders/<int:order_pk>/promised-date/",
        views.order_promised_date_move,
        name="order_promised_date_move",
    ),
    path("clients/<int:pk>/refusals/", views.refusal_record, name="refusal_record"),
    path("clients/<int:pk>/referrals/", views.referral_record, name="referral_record"),
    path("clients/<int:pk>/consent/", views.consent_record, name="consent_record"),
    path("clients/<int:pk>/archive/", views.client_archive, name="archive"),
    path("clients/<int:pk>/restore/", views.client_restore, name="restore"),
    path("clients/<int:pk>/merge/", views.client_merge, name="merge"),
    # Personal data: the export, the consent history, the audit history, the erasure.
    path("clients/<int:pk>/export.json", privacy_views.client_data_export, name="data_export"),
    path(
        "clients/<int:pk>/consents.csv",
        privacy_views.consent_history_export,
        name="consent_export",
    ),
    path("clients/<int:pk>/history/", privacy_views.client_history, name="history"),
    path("clients/<int:pk>/erase/", privacy_views.client_erase, name="erase"),
    path("handoffs/", views.handoff_inbox, name="handoffs"),
    path("handoffs/<int:pk>/accept/", views.handoff_accept, name="handoff_accept"),
    path("handoffs/<int:pk>/assign/", views.handoff_assign, name="handoff_assign"),
    # Import (directors) and export of the client list.
    path("clients/export/", import_views.client_export, name="export"),
    path("clients/import/", import_views.import_start, name="import"),
    path("clients/import/<int:pk>/", import_views.import_job, name="import_job"),
    path("clients/import/<int:pk>/status/", import_views.import_status, name="import_status"),
    path("clients/import/<int:pk>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("clients/import/<int:pk>/revert/", import_views.import_revert, name="import_revert"),
]
