"""The surveys' part of the client card's head and of merging two clients (registered with
clients.card and clients.merge in SurveysConfig.ready)."""

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from clients.models import Client

from .models import Invitation, Response, ServiceCase


def client_survey_facts(client: Any) -> dict[str, Any]:
    """The newest satisfaction score, whatever its source (survey, call, service), and the
    service cases still open. Two queries."""
    last = (
        Response.objects.filter(client=client, score__isnull=False).order_by("-at", "-id").first()
    )
    open_cases = ServiceCase.objects.filter(client=client, resolved_at__isnull=True).count()
    facts: dict[str, Any] = {"issues": []}
    if last is not None:
        facts["last_score"] = {
            "score": last.score,
            "source": last.get_source_display(),
            "at": last.at,
        }
    if open_cases:
        facts["issues"].append(
            ngettext("%(count)d open service case", "%(count)d open service cases", open_cases)
            % {"count": open_cases}
        )
    return facts


def client_merge_counts(client: Client) -> dict[Any, int]:
    return {
        _("survey answers"): client.responses.count(),
        _("survey invitations"): client.invitations.count(),
        _("service cases"): client.service_cases.count(),
    }


def client_merge_surveys(*, keep: Client, drop: Client) -> None:
    """Answers and service cases move. An invitation to a survey about no order is once per
    client and survey: one the kept client already has stays with the archived client (its
    answer, if any, moves all the same)."""
    Response.objects.filter(client=drop).update(client=keep)
    ServiceCase.objects.filter(client=drop).update(client=keep)
    kept_already = Invitation.objects.filter(
        client=keep, survey=OuterRef("survey"), order__isnull=True
    )
    clash = Q(order__isnull=True) & Exists(kept_already)
    Invitation.objects.filter(client=drop).exclude(clash).update(client=keep)
