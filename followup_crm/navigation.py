"""The main menu: each entry names the roles that see it. Later parts add their pages here."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .roles import ACCOUNT_MANAGER, DIRECTOR, SALES_MANAGER


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    roles: frozenset[str]
    # The roles that find it under "More": the pages a director opens now and then, so that
    # the menu (with its counters) keeps to one line on a laptop in Russian too.
    folded_for: frozenset[str] = frozenset()


ALL_ROLES = frozenset({SALES_MANAGER, ACCOUNT_MANAGER, DIRECTOR})

MENU: tuple[NavEntry, ...] = (
    NavEntry(_("Team"), "touchpoints:team", frozenset({DIRECTOR})),
    NavEntry(_("Calls"), "touchpoints:calls", ALL_ROLES),
    NavEntry(_("Clients"), "clients:list", ALL_ROLES),
    NavEntry(_("Handoffs"), "clients:handoffs", frozenset({ACCOUNT_MANAGER, DIRECTOR})),
    NavEntry(
        _("Cards and letters"), "touchpoints:postal", ALL_ROLES, folded_for=frozenset({DIRECTOR})
    ),
    NavEntry(
        _("Service cases"),
        "surveys:service_cases",
        ALL_ROLES,
        folded_for=frozenset({DIRECTOR}),
    ),
    NavEntry(
        _("Reassign"),
        "touchpoints:reassign",
        frozenset({DIRECTOR}),
        folded_for=frozenset({DIRECTOR}),
    ),
    NavEntry(_("Reports"), "reports:dashboard", frozenset({DIRECTOR})),
    NavEntry(
        _("Import"), "clients:import", frozenset({DIRECTOR}), folded_for=frozenset({DIRECTOR})
    ),
    NavEntry(
        _("Administration"), "admin:index", frozenset({DIRECTOR}), folded_for=frozenset({DIRECTOR})
    ),
)
