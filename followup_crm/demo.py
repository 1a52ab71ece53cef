"""Demo data for `make run`: people in every role, then each app's own demo records (a
`demo.py` with `demo_load(users)` in the app, called in the order of INSTALLED_APPS), then each
app's `demo_finish(users)` if it has one: what must come after every app's records (a client
who asked to be forgotten once everything about them was written).

Never loaded in production: demo logins with a known password must not exist there.
"""

from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.contrib.auth.models import Group, User
from django.db import transaction

from .roles import ACCOUNT_MANAGER, DIRECTOR, SALES_MANAGER

DEMO_PASSWORD = "demo"  # noqa: S105 - the documented demo password


@dataclass(frozen=True)
class DemoPerson:
    username: str
    first_name: str
    last_name: str
    role: str
    login: bool  # printed as a demo login


DEMO_PEOPLE = (
    DemoPerson("sales", "Sasha", "Petrova", SALES_MANAGER, login=True),
    DemoPerson("account", "Anton", "Volkov", ACCOUNT_MANAGER, login=True),
    DemoPerson("director", "Dmitry", "Orlov", DIRECTOR, login=True),
    DemoPerson("sales2", "Sergei", "Ivanov", SALES_MANAGER, login=False),
    DemoPerson("account2", "Alina", "Smirnova", ACCOUNT_MANAGER, login=False),
)


def demo_is_needed() -> bool:
    return not User.objects.exists()


@transaction.atomic
def demo_load() -> dict[str, User]:
    users = demo_users()
    modules = [
        import_module(f"{config.name}.demo")
        for config in apps.get_app_configs()
        if config.name != __package__ and find_spec(f"{config.name}.demo") is not None
    ]
    for step in ("demo_load", "demo_finish"):
        for module in modules:
            if hasattr(module, step):
                getattr(module, step)(users)
    return users


def demo_users() -> dict[str, User]:
    groups = {group.name: group for group in Group.objects.all()}
    users = {}
    for person in DEMO_PEOPLE:
        user = User.objects.create_user(
            username=person.username,
            password=DEMO_PASSWORD,
            first_name=person.first_name,
            last_name=person.last_name,
            email=f"{person.username}@example.com",
            is_staff=person.role == DIRECTOR,
            is_superuser=person.role == DIRECTOR,
        )
        user.groups.add(groups[person.role])
        users[person.username] = user
    return users
