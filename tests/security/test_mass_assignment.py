"""Nothing a user may not set can be set by adding it to a request.

The project's model forms and model serializers name their fields one by one: a field added to
a model later is not writable until someone adds it on purpose (no "__all__", no exclude). And
a sales manager who adds the owners, the stage, the archive and the staff flags to the client
form or to the API changes none of them: the stage stays what the facts say, the originator
stays the manager, the manager stays a manager without staff rights.
"""

import importlib
import pkgutil
from typing import Any

import pytest
from django import forms
from django.contrib.auth.models import Group, User
from django.urls import reverse
from rest_framework import serializers
from rest_framework.test import APIClient

from clients.forms import ClientForm
from clients.models import Client, Stage
from clients.serializers import ClientSerializer
from clients.services import client_stage_from_facts
from followup_crm.roles import DIRECTOR, SALES_MANAGER
from tests.clients.factories import make_client

PROJECT_APPS = ("clients", "touchpoints", "surveys", "reports", "followup_crm")


def project_classes(base: type) -> set[type]:
    """Every subclass of `base` defined in the project's apps, all their modules imported."""
    for app in PROJECT_APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)
    found: set[type] = set()
    pending = [base]
    while pending:
        for subclass in pending.pop().__subclasses__():
            if subclass not in found:
                found.add(subclass)
                pending.append(subclass)
    return {cls for cls in found if cls.__module__.split(".")[0] in PROJECT_APPS}


def test_every_model_form_names_its_fields() -> None:
    model_forms = {cls for cls in project_classes(forms.ModelForm) if cls._meta.model}
    # Django turns fields = "__all__" into None; exclude leaves the rest of the model open.
    open_ended = sorted(
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in model_forms
        if cls._meta.fields is None or cls._meta.exclude
    )

    assert ClientForm in model_forms
    assert not open_ended, f"list the fields of {', '.join(open_ended)} one by one"


def test_every_model_serializer_names_its_fields() -> None:
    model_serializers = {
        cls for cls in project_classes(serializers.ModelSerializer) if hasattr(cls, "Meta")
    }
    open_ended = sorted(
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in model_serializers
        if getattr(cls.Meta, "fields", None) == serializers.ALL_FIELDS
        or getattr(cls.Meta, "exclude", None) is not None
    )

    assert ClientSerializer in model_serializers
    assert not open_ended, f"list the fields of {', '.join(open_ended)} one by one"


# --- what a sales manager adds to a request ------------------------------------------------


def privileged(other_sales: User, other_account: User) -> dict[str, Any]:
    """Every field a sales manager may not set, whether the models have it or not."""
    director_group = Group.objects.get_or_create(name=DIRECTOR)[0]
    return {
        "owner": other_sales.pk,
        "originator": other_sales.pk,
        "account_manager": other_account.pk,
        "stage": Stage.ADVOCATE,
        "stage_changed_at": "2025-06-01T10:00:00+03:00",
        "archived_at": "2025-06-01T10:00:00+03:00",
        "is_archived": True,
        "is_staff": True,
        "is_superuser": True,
        "groups": [director_group.pk],
    }


def form_data(**fields: Any) -> dict[str, Any]:
    return {
        "kind": "person",
        "name": "Irina Volkova",
        "time_zone": "Europe/Moscow",
        "language": "ru",
        "source": "shop",
        "phones": "+7 912 345-67-89",
        **fields,
    }


def assert_nothing_changed_hands(client: Client, sales: User, account_manager: User | None):
    client.refresh_from_db()
    assert (client.originator, client.account_manager) == (sales, account_manager)
    assert client.stage == client_stage_from_facts(client=client) == Stage.PROSPECT
    assert client.archived_at is None
    sales.refresh_from_db()
    assert not sales.is_staff and not sales.is_superuser
    assert list(sales.groups.values_list("name", flat=True)) == [SALES_MANAGER]


def test_the_client_form_takes_none_of_them(client, sales, other_sales, other_account):
    client.force_login(sales)

    response = client.post(
        reverse("clients:create"), form_data(**privileged(other_sales, other_account))
    )

    created = Client.objects.get(name="Irina Volkova")
    assert response.status_code == 302
    assert response.url == reverse("clients:detail", args=[created.pk])
    assert_nothing_changed_hands(created, sales, None)


def test_the_client_edit_form_takes_none_of_them(
    client, sales, account, other_sales, other_account
):
    own = make_client(originator=sales, account_manager=account, name="Irina Volkova")
    client.force_login(sales)

    response = client.post(
        reverse("clients:edit", args=[own.pk]),
        form_data(notes="Edited", **privileged(other_sales, other_account)),
    )

    assert response.status_code == 302
    own.refresh_from_db()
    assert own.notes == "Edited"
    assert_nothing_changed_hands(own, sales, account)


# A refusal names the originator, and may name the account manager too; nothing else.
OWNER_ERRORS = ({"originator"}, {"originator", "account_manager"})


@pytest.fixture
def api(sales) -> APIClient:
    api = APIClient()
    api.force_authenticate(user=sales)
    return api


def test_the_api_refuses_another_owner_on_a_new_client(api, sales, other_sales, other_account):
    body = {"name": "Irina Volkova", **privileged(other_sales, other_account)}

    response = api.post("/api/v1/clients/", body, format="json")

    assert response.status_code == 400
    assert OWNER_ERRORS[0] <= set(response.json()) <= OWNER_ERRORS[1]
    assert not Client.objects.exists()


def test_the_api_ignores_the_read_only_fields_of_a_new_client(
    api, sales, other_sales, other_account
):
    body = {"name": "Irina Volkova", **privileged(other_sales, other_account)}
    for owner_field in ("originator", "account_manager"):
        del body[owner_field]

    response = api.post("/api/v1/clients/", body, format="json")

    assert response.status_code == 201
    assert response.json()["stage"] == Stage.PROSPECT
    assert_nothing_changed_hands(Client.objects.get(), sales, None)


def test_the_api_changes_none_of_them_on_a_patch(api, sales, account, other_sales, other_account):
    own = make_client(originator=sales, account_manager=account, name="Irina Volkova")
    url = f"/api/v1/clients/{own.pk}/"
    body = privileged(other_sales, other_account)

    refused = api.patch(url, body, format="json")
    del body["originator"], body["account_manager"]
    accepted = api.patch(url, {**body, "notes": "Edited"}, format="json")

    assert refused.status_code == 400
    assert OWNER_ERRORS[0] <= set(refused.json()) <= OWNER_ERRORS[1]
    assert accepted.status_code == 200
    own.refresh_from_db()
    assert own.notes == "Edited"
    assert_nothing_changed_hands(own, sales, account)
