"""Merging two records of the same person (directors): one client is kept, the other's orders,
consents, history and everything else move to it, and the other is archived with a note.

`clients` knows nothing of touchpoints or surveys; they register a mover here (in their
AppConfig.ready), as they do with the card's timeline (clients/timeline.py): what they would
move, counted for the preview, and the moving itself, run inside the merge's transaction.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from followup_crm.users import User

from . import services
from .models import (
    AuditReason,
    BonusEntry,
    Client,
    ClientNote,
    Consent,
    Handoff,
    Order,
    Referral,
    Refusal,
    StageChange,
)
from .selectors import client_search


@dataclass(frozen=True)
class Mover:
    key: str
    # What it would move of a client, by label: {"touchpoints": 3, …}. A fixed number of queries.
    counts: Callable[[Client], dict[str, int]]
    # Moves it from `drop` to `keep`: called with keep= and drop= inside the merge.
    move: Callable[..., None]


_movers: dict[str, Mover] = {}


def register(
    *, key: str, counts: Callable[[Client], dict[str, int]], move: Callable[..., None]
) -> None:
    # Keyed by name: registering again (a second ready()) replaces, never duplicates.
    _movers[key] = Mover(key=key, counts=counts, move=move)


def registered_movers() -> list[Mover]:
    return list(_movers.values())


def _own_counts(client: Client) -> dict[str | Promise, int]:
    referrals = Referral.objects.filter(Q(referrer=client) | Q(referred=client))
    return {
        gettext_lazy("orders"): client.orders.count(),
        gettext_lazy("phone numbers"): client.phones.count(),
        gettext_lazy("consent records"): client.consents.count(),
        gettext_lazy("stage history entries"): client.stage_changes.count(),
        gettext_lazy("notes"): client.timeline_notes.count(),
        gettext_lazy("referrals"): referrals.count(),
        gettext_lazy("refusals"): client.refusals.count(),
        gettext_lazy("bonus entries"): client.bonus_entries.count(),
    }


def client_merge_preview(client: Client) -> list[tuple[str, int]]:
    """What merging `client` into another would move, as (label, count), the empty ones left
    out. A fixed number of queries."""
    counts: dict[str | Promise, int] = _own_counts(client)
    for mover in registered_movers():
        counts.update(mover.counts(client))
    return [(str(label), count) for label, count in counts.items() if count]


def _check(keep: Client, drop: Client) -> None:
    if keep.pk == drop.pk:
        raise ValidationError(
            {"other": _("Choose another client: a client is not merged into itself.")}
        )
    if keep.is_erased or drop.is_erased:
        raise ValidationError(
            {"other": _("A client whose personal data was erased cannot be merged.")}
        )
    if keep.is_archived:
        raise ValidationError({"other": _("The client to keep is archived: restore it first.")})


def merged_note(keep_id: int) -> str:
    # In the company's language, whoever merges: it is data, not the interface.
    with translation.override(settings.LANGUAGE_CODE):
        return _("Merged into #%(id)d") % {"id": keep_id}


@transaction.atomic
def client_merge(*, keep: Client, drop: Client, by: User) -> Client:
    """Move everything of `drop` to `keep` in one transaction, record the merge in both
    histories, archive `drop` with a note, and recount what follows from the purchases.
    What cannot move without breaking a rule stays on the archived `drop`, never lost: a second
    "referred by" (a client is referred once), a second handoff, a phone `keep` already has."""
    list(Client.objects.select_for_update().filter(pk__in=[keep.pk, drop.pk]).order_by("pk"))
    keep.refresh_from_db()
    drop.refresh_from_db()
    _check(keep, drop)

    kept_numbers = set(keep.phones.values_list("number", flat=True))
    drop.phones.exclude(number__in=kept_numbers).update(client=keep, is_primary=False)
    for model in (Order, Consent, StageChange, Refusal, BonusEntry, ClientNote):
        model.objects.filter(client=drop).update(client=keep)
    Referral.objects.filter(referrer=drop).exclude(referred=keep).update(referrer=keep)
    if not Referral.objects.filter(referred=keep).exists():
        Referral.objects.filter(referred=drop).exclude(referrer=keep).update(referred=keep)
    if not Handoff.objects.filter(client=keep).exists():
        Handoff.objects.filter(client=drop).update(client=keep)
    for mover in registered_movers():
        mover.move(keep=keep, drop=drop)

    # Blanks of the kept record are filled from the other; nothing it holds is overwritten.
    for field in ("email", "contact_person", "postal_address", "birthday", "visited_at"):
        if not getattr(keep, field) and getattr(drop, field):
            setattr(keep, field, getattr(drop, field))
    for field in ("originator", "account_manager"):
        if getattr(keep, f"{field}_id") is None:
            setattr(keep, f"{field}_id", getattr(drop, f"{field}_id"))
    keep.recommends = keep.recommends or drop.recommends
    keep._history_user = by
    keep._change_reason = f"{AuditReason.MERGED_FROM}:{drop.pk}"
    keep.save()

    note = merged_note(keep.pk)
    drop.notes = f"{drop.notes}\n{note}" if drop.notes else note
    drop.archived_at = drop.archived_at or timezone.now()
    drop._history_user = by
    drop._change_reason = f"{AuditReason.MERGED_INTO}:{keep.pk}"
    drop.save()

    reason = _("Merged with client #%(id)d") % {"id": drop.pk}
    services.purchases_changed(client=keep, reason=reason, by=by)
    services.purchases_changed(client=drop, reason=note, by=by)
    return keep


def merge_candidates(client: Client, query: str) -> QuerySet[Client]:
    """The clients a director may merge `client` with, found by name, phone or e-mail."""
    return client_search(Client.objects.exclude(pk=client.pk), query).filter(erased_at__isnull=True)
