from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from .navigation import MENU, NavCounters, NavEntry, nav_counters
from .roles import ROLE_LABELS, user_roles
from .users import AuthedHttpRequest

# The menu entries that show counters.
COUNTED = frozenset({"touchpoints:calls", "clients:handoffs"})


@dataclass(frozen=True)
class Badge:
    count: int
    kind: str
    text: str


class Counters:
    """The menu's counters, read (in one query) the first time a template asks for them: a page
    drawn without the menu, an htmx fragment, costs nothing."""

    def __init__(self, request: AuthedHttpRequest) -> None:
        self._request = request

    @cached_property
    def values(self) -> NavCounters:
        return nav_counters(self._request.user, now=timezone.now())

    def badges(self, url_name: str) -> list[Badge]:
        """The non-zero counters of a menu entry, each with the words that say what it counts."""
        if url_name not in COUNTED:
            return []
        counts = self.values
        found = {
            "touchpoints:calls": [
                (
                    "urgent",
                    counts.urgent,
                    ngettext(
                        "%(count)d urgent call open", "%(count)d urgent calls open", counts.urgent
                    ),
                ),
                (
                    "overdue",
                    counts.overdue,
                    ngettext("%(count)d overdue call", "%(count)d overdue calls", counts.overdue),
                ),
            ],
            "clients:handoffs": [
                (
                    "handoffs",
                    counts.handoffs,
                    ngettext(
                        "%(count)d new handoff waiting",
                        "%(count)d new handoffs waiting",
                        counts.handoffs,
                    ),
                )
            ],
        }[url_name]
        return [Badge(count, kind, text % {"count": count}) for kind, count, text in found if count]


@dataclass
class NavItem:
    entry: NavEntry
    counters: Counters = field(repr=False)

    @property
    def label(self) -> Any:
        return self.entry.label

    @property
    def name(self) -> str:
        return self.entry.url_name

    @property
    def url(self) -> str:
        return reverse(self.entry.url_name)

    @property
    def slug(self) -> str:
        return self.entry.url_name.replace(":", "-")

    @property
    def has_counters(self) -> bool:
        return self.entry.url_name in COUNTED

    @property
    def badges(self) -> list[Badge]:
        return self.counters.badges(self.entry.url_name)


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_entries": [], "nav_more": [], "user_role_labels": []}
    roles = user_roles(user)
    counters = Counters(cast(AuthedHttpRequest, request))  # signed in: checked above
    entries = [NavItem(entry, counters) for entry in MENU if entry.roles & roles]
    return {
        "nav_entries": [item for item in entries if not item.entry.folded_for & roles],
        "nav_more": [item for item in entries if item.entry.folded_for & roles],
        "user_role_labels": [ROLE_LABELS[role] for role in sorted(roles)],
    }


@dataclass(frozen=True)
class Brand:
    """The company as the client's pages show it (settings COMPANY_*)."""

    name: str
    phone: str
    site: str

    @property
    def logo(self) -> str:
        logo = settings.COMPANY_LOGO
        return logo if not logo or logo.startswith("https://") else static(logo)


def brand(request: HttpRequest) -> dict[str, Brand]:  # noqa: ARG001 - Django's signature
    return {
        "brand": Brand(
            name=settings.COMPANY_NAME,
            phone=settings.COMPANY_PHONE,
            site=settings.COMPANY_SITE,
        )
    }
