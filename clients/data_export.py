"""A client's data export ("everything held about them") is open to the apps built on `clients`.

`clients` knows nothing of touchpoints or surveys; they register their sections here (in their
AppConfig.ready), as they do with the card's timeline (clients/timeline.py). A section has a
key in the exported JSON, a sentence for the file's "what this file holds" part, and a function
that takes the client and returns JSON-ready data (dicts, lists, strings, numbers, dates). A
section must cost a fixed number of queries whatever the client's history.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import (
    BonusEntry,
    Client,
    Commission,
    Consent,
    Handoff,
    Order,
    OrderEvent,
    Referral,
    Refusal,
)
from .selectors import client_audit_history, consent_history, consents_current, person_name


@dataclass(frozen=True)
class Section:
    key: str
    description: str | Promise
    build: Callable[[Any], Any]


_sections: dict[str, Section] = {}


def register(*, key: str, description: str | Promise, build: Callable[[Any], Any]) -> None:
    # Keyed by name: registering again (a second ready()) replaces, never duplicates.
    _sections[key] = Section(key=key, description=description, build=build)


def registered_sections() -> list[Section]:
    return list(_sections.values())


def _choice(model: Any, field: str, value: Any) -> Any:
    """A coded value with its label, as a person reading the export wants it."""
    if value in (None, ""):
        return value
    labels = dict(model._meta.get_field(field).flatchoices)
    return f"{value} ({labels[value]})" if value in labels else value


def _export_client(client: Client) -> dict[str, Any]:
    return {
        "id": client.pk,
        "kind": _choice(Client, "kind", client.kind),
        "name": client.name,
        "contact_person": client.contact_person,
        "email": client.email,
        "postal_address": client.postal_address,
        "time_zone": client.time_zone,
        "language": client.language,
        "birthday": client.birthday,
        "source": _choice(Client, "source", client.source),
        "originator": person_name(client.originator),
        "account_manager": person_name(client.account_manager),
        "stage": _choice(Client, "stage", client.stage),
        "stage_changed_at": client.stage_changed_at,
        "first_visit": client.visited_at,
        "recommends_us": client.recommends,
        "notes": client.notes,
        "archived_at": client.archived_at,
        "erased_at": client.erased_at,
        "erased_by": person_name(client.erased_by),
        "created_at": client.created_at,
        "updated_at": client.updated_at,
    }


def _export_phones(client: Client) -> list[dict[str, Any]]:
    return [
        {"number": phone.number.as_e164, "label": phone.label, "primary": phone.is_primary}
        for phone in client.phones.order_by("-is_primary", "id")
    ]


def _export_consents(client: Client) -> dict[str, Any]:
    history = consent_history(client)
    return {
        "current": consents_current([client.pk])[client.pk],
        "history": [
            {
                "channel": _choice(Consent, "channel", consent.channel),
                "granted": consent.granted,
                "at": consent.at,
                "how": _choice(Consent, "method", consent.method),
                "note": consent.note,
                "recorded_by": person_name(consent.recorded_by),
            }
            for consent in history
        ],
    }


def _export_stage_history(client: Client) -> list[dict[str, Any]]:
    return [
        {
            "from": change.from_stage or None,
            "to": change.to_stage,
            "at": change.at,
            "why": change.reason,
            "changed_by": person_name(change.changed_by),
        }
        for change in client.stage_changes.select_related("changed_by").order_by("at", "id")
    ]


def _export_orders(client: Client) -> list[dict[str, Any]]:
    events = Prefetch(
        "events", queryset=OrderEvent.objects.select_related("recorded_by").order_by("at", "id")
    )
    orders = client.orders.select_related("seller").prefetch_related(events)
    return [
        {
            "id": order.pk,
            "external_id": order.external_id,
            "amount": order.amount,
            "currency": order.currency,
            "placed_at": order.placed_at,
            "promised_date": order.promised_date,
            "seller": person_name(order.seller),
            "items": order.description,
            "status": _choice(Order, "status", order.status),
            "status_since": order.status_at,
            "delivered_at": order.delivered_at,
            "events": [
                {
                    "event": event.type,
                    "at": event.at,
                    "moved_the_status": event.applied,
                    "note": event.note,
                    "recorded_by": person_name(event.recorded_by),
                    "recorded_at": event.recorded_at,
                }
                for event in order.events.all()
            ],
        }
        for order in orders.order_by("placed_at", "id")
    ]


def _export_handoff(client: Client) -> dict[str, Any] | None:
    handoff = Handoff.objects.filter(client=client).select_related("from_user", "to_user").first()
    if handoff is None:
        return None
    return {
        "from": person_name(handoff.from_user),
        "to": person_name(handoff.to_user),
        "at": handoff.created_at,
        "notes": handoff.notes,
        "accepted_at": handoff.accepted_at,
    }


def _export_referrals(client: Client) -> dict[str, Any]:
    # The other person is named by their client number only: their name is their own data.
    referrals = (
        Referral.objects.filter(Q(referrer=client) | Q(referred=client))
        .select_related("recorded_by")
        .order_by("created_at", "id")
    )
    made, received = [], None
    for referral in referrals:
        row = {
            "at": referral.created_at,
            "reward": referral.reward,
            "bought_at": referral.converted_at,
            "recorded_by": person_name(referral.recorded_by),
        }
        if referral.referrer_id == client.pk:
            made.append({"referred_client_id": referral.referred_id, **row})
        else:
            received = {"referrer_client_id": referral.referrer_id, **row}
    return {"referred_by": received, "referred": made}


def _export_refusals(client: Client) -> list[dict[str, Any]]:
    return [
        {
            "reason": _choice(Refusal, "reason", refusal.reason),
            "details": refusal.details,
            "at": refusal.at,
            "order_id": refusal.order_id,
            "recorded_by": person_name(refusal.recorded_by),
        }
        for refusal in client.refusals.select_related("recorded_by").order_by("at", "id")
    ]


def _export_bonus(client: Client) -> dict[str, Any]:
    entries = list(client.bonus_entries.order_by("at", "id"))
    return {
        "balance": sum(entry.points for entry in entries),
        "entries": [
            {
                "kind": _choice(BonusEntry, "kind", entry.kind),
                "points": entry.points,
                "at": entry.at,
                "order_id": entry.order_id,
                "note": entry.note,
            }
            for entry in entries
        ],
    }


def _export_commissions(client: Client) -> list[dict[str, Any]]:
    commissions = Commission.objects.filter(order__client=client).select_related(
        "sales_manager", "rule"
    )
    return [
        {
            "order_id": commission.order_id,
            "sales_manager": person_name(commission.sales_manager),
            "percentage": commission.rule.percentage,
            "amount": commission.amount,
            "currency": commission.currency,
            "at": commission.created_at,
            "voided_at": commission.voided_at,
        }
        for commission in commissions.order_by("created_at", "order_id")
    ]


def _export_notes(client: Client) -> list[dict[str, Any]]:
    return [
        {"at": note.at, "text": note.text, "by": person_name(note.author)}
        for note in client.timeline_notes.select_related("author").order_by("at", "id")
    ]


def _export_audit_history(client: Client) -> list[dict[str, Any]]:
    return [
        {
            "at": entry.at,
            "by": person_name(entry.user),
            "record": entry.object_label,
            "action": entry.action_label,
            "reason": entry.reason_label,
            "changes": [
                {"field": change.field, "old": change.old_display, "new": change.new_display}
                for change in entry.changes
            ],
        }
        for entry in client_audit_history(client)
    ]


CLIENT_SECTIONS = (
    Section("client", _("The client's details as held now."), _export_client),
    Section("phones", _("Their phone numbers."), _export_phones),
    Section(
        "consents",
        _(
            "Their current choice per channel (call, e-mail, SMS, post) and every choice they "
            "gave or withdrew: when, how and who recorded it."
        ),
        _export_consents,
    ),
    Section(
        "stage_history",
        _("How their relationship with the company changed (prospect, buyer, …), when and why."),
        _export_stage_history,
    ),
    Section(
        "orders", _("Their orders and each order's events (ready, delivered, …)."), _export_orders
    ),
    Section(
        "handoff",
        _("Their handing over from the sales manager to a personal account manager."),
        _export_handoff,
    ),
    Section(
        "referrals",
        _("Who referred them and whom they referred (other people by their client number only)."),
        _export_referrals,
    ),
    Section("refusals", _("Times they declined an offer, with the reason."), _export_refusals),
    Section("bonus_points", _("Their bonus points ledger and balance."), _export_bonus),
    Section(
        "commissions",
        _("Commissions the company paid its sales manager on their orders."),
        _export_commissions,
    ),
    Section("notes", _("Notes the staff wrote in their history."), _export_notes),
    Section(
        "audit_history",
        _(
            "Every recorded change to their details and orders: when, by whom, and each field's "
            "old and new value; downloads of this file are recorded there too."
        ),
        _export_audit_history,
    ),
)


def client_data_export(client: Client, *, by: Any) -> dict[str, Any]:
    """Everything held about a client, as JSON-ready data, with a first part that says what the
    file holds. Each section costs a fixed number of queries whatever the client's history;
    touchpoints and surveys add theirs through clients.data_export."""
    sections = [*CLIENT_SECTIONS, *registered_sections()]
    about = {
        "summary": _(
            "Everything Followup CRM holds about client #%(id)d, exported on %(at)s by "
            "%(by)s. Times are in UTC (ISO 8601); amounts are decimal strings. Each key below "
            "is a section of this file."
        )
        % {
            "id": client.pk,
            "at": timezone.now().isoformat(timespec="seconds"),
            "by": person_name(by),
        },
        "sections": {section.key: str(section.description) for section in sections},
    }
    data: dict[str, Any] = {"what_this_file_holds": about}
    others = _others_by_number(client)
    for section in sections:
        data[section.key] = _named_by_number(section.build(client), others)
    return data


def _others_by_number(client: Client) -> dict[str, str]:
    """The names of the people linked to the client by a referral, each with what the file
    says instead: the services write them into the client's records ("Referred …" in the stage
    history, "… bought" in the bonus ledger, a reward's text), and another person's name is
    their own data, not this client's."""
    linked = Referral.objects.filter(Q(referrer=client) | Q(referred=client))
    ids = {pk for pair in linked.values_list("referrer_id", "referred_id") for pk in pair}
    ids.discard(client.pk)
    names = Client.objects.filter(pk__in=ids).exclude(name="").values_list("name", "pk")
    # Longest first: "Anna Petrova" goes before an "Anna" that another referral may hold.
    return {
        name: str(_("client #%(number)s") % {"number": pk})
        for name, pk in sorted(names, key=lambda pair: -len(pair[0]))
    }


def _named_by_number(value: Any, others: dict[str, str]) -> Any:
    if not others:
        return value
    if isinstance(value, str):
        for name, number in others.items():
            value = value.replace(name, number)
        return value
    if isinstance(value, dict):
        return {key: _named_by_number(item, others) for key, item in value.items()}
    if isinstance(value, list):
        return [_named_by_number(item, others) for item in value]
    return value
