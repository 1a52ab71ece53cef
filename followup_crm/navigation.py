"""The main menu: each entry names the roles that see it, and the counters its badges show.

The menu is the project's, so this module (like `urls.py` and `api_urls.py`) may read every
app; the rest of `followup_crm` is the base the apps build on and imports none of them."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, Func, IntegerField, QuerySet, Subquery
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from clients.selectors import handoffs_inbox, handoffs_unassigned
from touchpoints.selectors import day_bounds, open_calls

from .roles import ACCOUNT_MANAGER, DIRECTOR, SALES_MANAGER, user_roles
from .users import User


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
    NavEntry(_("Team"), "reports:team", frozenset({DIRECTOR})),
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


# --- the menu's counters -----------------------------------------------------------------


@dataclass(frozen=True)
class NavCounters:
    handoffs: int
    urgent: int
    overdue: int


def _count(rows: QuerySet[Any]) -> Subquery:
    """The number of rows, as a value a query may select alongside others."""
    counted = rows.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Subquery(counted, output_field=IntegerField())


def nav_counters(user: User, *, now: dt.datetime) -> NavCounters:
    """What waits for a user, for the badges of the menu, in one query: new handoffs (an
    account manager's inbox; for a director, those waiting for an account manager), and open
    urgent and overdue calls (one's own; for a director, everyone's)."""
    roles = user_roles(user)
    calls = open_calls()
    if DIRECTOR in roles:
        handoffs = handoffs_unassigned()
    else:
        calls = calls.filter(assignee=user)
        # Handed to this user: only ever an account manager, so none for a sales manager.
        handoffs = handoffs_inbox(user)
    start, _end = day_bounds(now)
    counts = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(
            handoffs=_count(handoffs),
            urgent=_count(calls.filter(is_urgent=True)),
            overdue=_count(calls.filter(due_at__lt=start)),
        )
        .get()
    )
    return NavCounters(**counts)
