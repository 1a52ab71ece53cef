"""Satisfaction figures, computed in SQL aggregates (one query each, whatever the data size).

Satisfaction rate: the share of scores 4–5 among scores. NPS: promoters (9–10) minus
detractors (0–6), as a percentage of "would you recommend" answers. Hidden dissatisfaction: a
client whose survey in a window is positive (4–5) while a call in the same window scored 3 or
less, or a service case opened in it is still open.
"""

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from clients.models import Client, Order
from clients.selectors import client_visibility_q
from followup_crm.roles import user_roles
from followup_crm.timezones import company_zone
from followup_crm.users import AnyUser

from .models import Invitation, OrderLink, Response, ServiceCase, Source

SATISFIED = Q(score__gte=4)


@dataclass(frozen=True)
class Satisfaction:
    scores: int = 0
    satisfied: int = 0
    distribution: dict[int, int] = field(default_factory=dict)
    nps_answers: int = 0
    promoters: int = 0
    detractors: int = 0

    @property
    def rate(self) -> float | None:
        """Satisfaction rate in percent, or None without scores."""
        return round(100 * self.satisfied / self.scores, 1) if self.scores else None

    @property
    def nps(self) -> int | None:
        if not self.nps_answers:
            return None
        return round(100 * (self.promoters - self.detractors) / self.nps_answers)


def _aggregates() -> dict[str, Any]:
    return {
        "scores": Count("id", filter=Q(score__isnull=False)),
        "satisfied": Count("id", filter=SATISFIED),
        **{f"score_{n}": Count("id", filter=Q(score=n)) for n in range(1, 6)},
        "nps_answers": Count("id", filter=Q(nps__isnull=False)),
        "promoters": Count("id", filter=Q(nps__gte=9)),
        "detractors": Count("id", filter=Q(nps__lte=6)),
    }


def _figures(row: Mapping[str, Any]) -> Satisfaction:
    return Satisfaction(
        scores=row["scores"],
        satisfied=row["satisfied"],
        distribution={n: row[f"score_{n}"] for n in range(1, 6)},
        nps_answers=row["nps_answers"],
        promoters=row["promoters"],
        detractors=row["detractors"],
    )


def responses_between(
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    *,
    manager: Any = None,
    source: str | None = None,
) -> QuerySet[Response]:
    responses = Response.objects.all()
    if start is not None:
        responses = responses.filter(at__gte=start)
    if end is not None:
        responses = responses.filter(at__lt=end)
    if manager is not None:
        responses = responses.filter(manager=manager)
    if source:
        responses = responses.filter(source=source)
    return responses


def satisfaction(responses: QuerySet[Response]) -> Satisfaction:
    return _figures(responses.aggregate(**_aggregates()))


def satisfaction_by(responses: QuerySet[Response], by: str) -> dict[Any, Satisfaction]:
    """Figures per `source`, per `manager` (user id), per `month` or per `week`."""
    tz = company_zone()
    keys = {
        "source": F("source"),
        "manager": F("manager"),
        "month": TruncMonth("at", tzinfo=tz),
        "week": TruncWeek("at", tzinfo=tz),
    }
    rows = (
        responses.order_by()
        .annotate(key=keys[by])
        .values("key")
        .annotate(**_aggregates())
        .order_by("key")
    )
    return {row["key"]: _figures(row) for row in rows}


def hidden_dissatisfaction(start: dt.datetime, end: dt.datetime) -> QuerySet[Client]:
    window = Q(at__gte=start, at__lt=end)
    positive_survey = Response.objects.filter(
        window, client=OuterRef("pk"), source=Source.SURVEY, score__gte=4
    )
    poor_call = Response.objects.filter(
        window, client=OuterRef("pk"), source=Source.CALL, score__lte=3
    )
    open_case = ServiceCase.objects.filter(
        client=OuterRef("pk"),
        resolved_at__isnull=True,
        opened_on__gte=start.astimezone(company_zone()).date(),
        opened_on__lt=end.astimezone(company_zone()).date(),
    )
    return Client.objects.filter(Exists(positive_survey)).filter(
        Exists(poor_call) | Exists(open_case)
    )


# --- pages and API (added with the survey pages, the service cases and the API) ------------

# Tokens are what new_token() makes (URL-safe base64) and fit the column; anything else is
# answered as "not valid" without asking the database (a NUL byte would even make PostgreSQL
# refuse the query).
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a link names, with its survey, questions and client; None for a token
    that is not one of ours. Whether it may still be answered is services.invitation_usable."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    return (
        Invitation.objects.select_related("survey", "client", "response")
        .prefetch_related("survey__questions")
        .filter(token=token)
        .first()
    )


def order_link_by_token(token: str) -> OrderLink | None:
    """A working order link (None for an unknown or expired one: the page answers both the
    same), with the order, its client and the people the client deals with."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    return (
        OrderLink.objects.select_related(
            "order__client__account_manager", "order__client__originator"
        )
        .filter(token=token, expires_at__gt=timezone.now())
        .first()
    )


def open_invitation_for_order(order: Order) -> Invitation | None:
    """The survey about an order still waiting for its answer, if any."""
    return (
        Invitation.objects.filter(
            order=order,
            answered_at__isnull=True,
            expires_at__gt=timezone.now(),
            survey__is_active=True,
        )
        .select_related("survey")
        .order_by("-created_at", "-id")
        .first()
    )


def service_cases_visible_to(user: AnyUser) -> QuerySet[ServiceCase]:
    """Service cases of the clients the user may see (clients.selectors decides); nothing for
    a login without a role."""
    if not user_roles(user):
        return ServiceCase.objects.none()
    condition = client_visibility_q(user, prefix="client__")
    cases = ServiceCase.objects.all()
    return cases if condition is None else cases.filter(condition)


def service_case_rows(cases: QuerySet[ServiceCase], status: str = "") -> QuerySet[ServiceCase]:
    """The list of service cases: open ones first, newest first; `status` "open" or
    "resolved" keeps only those."""
    if status == "open":
        cases = cases.filter(resolved_at__isnull=True)
    elif status == "resolved":
        cases = cases.filter(resolved_at__isnull=False)
    return cases.select_related("client", "order", "recorded_by").order_by(
        F("resolved_at").desc(nulls_first=True), "-opened_on", "-id"
    )


def responses_visible_to(user: AnyUser) -> QuerySet[Response]:
    """Responses of the clients the user may see."""
    if not user_roles(user):
        return Response.objects.none()
    condition = client_visibility_q(user, prefix="client__")
    responses = Response.objects.all()
    return responses if condition is None else responses.filter(condition)
