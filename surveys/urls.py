from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    # The client's pages by link: no login, the token is the key.
    path("s/<str:token>/", views.survey_answer, name="answer"),
    path("o/<str:token>/", views.order_page, name="order"),
    # The managers' service cases.
    path("service-cases/", views.service_case_list, name="service_cases"),
    path("service-cases/new/", views.service_case_create, name="service_case_create"),
    path("service-cases/<int:pk>/", views.service_case_detail, name="service_case"),
    path(
        "service-cases/<int:pk>/resolve/",
        views.service_case_resolve,
        name="service_case_resolve",
    ),
]
