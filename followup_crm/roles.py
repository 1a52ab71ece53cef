"""The three roles of the product, kept as Django groups (created by a migration)."""

from django.utils.translation import gettext_lazy as _

from followup_crm.users import AnyUser

SALES_MANAGER = "sales_manager"
ACCOUNT_MANAGER = "account_manager"
DIRECTOR = "director"

ROLE_LABELS = {
    SALES_MANAGER: _("Sales manager"),
    ACCOUNT_MANAGER: _("Account manager"),
    DIRECTOR: _("Director"),
}
ROLES = tuple(ROLE_LABELS)


def user_roles(user: AnyUser) -> frozenset[str]:
    """The role names of a user, read once per request object and cached on it."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_followup_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._followup_roles = cached  # type: ignore[attr-defined]  # the per-request cache
    return cached


def has_role(user: AnyUser, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))
