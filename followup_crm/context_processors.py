from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from .navigation import MENU
from .roles import ROLE_LABELS, user_roles


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_entries": [], "user_role_labels": []}
    roles = user_roles(user)
    entries = [
        {"label": entry.label, "url": reverse(entry.url_name), "name": entry.url_name}
        for entry in MENU
        if entry.roles & roles
    ]
    return {
        "nav_entries": entries,
        "user_role_labels": [ROLE_LABELS[role] for role in sorted(roles)],
    }
