"""Invitations, answers, call and service feedback, and what a poor answer sets in motion.

Every satisfaction answer becomes one `Response` with its source (survey, call, service); a
low score (1–2) or a detractor (0–6 on "would you recommend") makes an urgent recovery call for
the account manager and tells the directors, once per response.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client, Order
from followup_crm.users import User
from touchpoints.calls import recovery_plan
from touchpoints.models import CallAttempt

from . import signals
from .models import Invitation, OrderLink, Question, Response, ServiceCase, Source, Survey

# --- links -------------------------------------------------------------------------------


def invitation_for(*, survey: Survey, client: Client, order: Order | None) -> Invitation:
    """The one invitation of a client to a survey about an order (made on first use)."""
    expires = timezone.now() + dt.timedelta(days=survey.days_valid)
    try:
        with transaction.atomic():
            invitation, _created = Invitation.objects.get_or_create(
                survey=survey, client=client, order=order, defaults={"expires_at": expires}
            )
    except IntegrityError:
        invitation = Invitation.objects.get(survey=survey, client=client, order=order)
    return invitation


def order_link_for(*, order: Order) -> OrderLink:
    expires = timezone.now() + dt.timedelta(days=settings.ORDER_LINK_DAYS)
    try:
        with transaction.atomic():
            link, _created = OrderLink.objects.get_or_create(
                order=order, defaults={"expires_at": expires}
            )
    except IntegrityError:
        link = OrderLink.objects.get(order=order)
    if link.expires_at < timezone.now() + dt.timedelta(days=7):
        # A link that goes out in a new message must still work when it is read.
        OrderLink.objects.filter(pk=link.pk).update(expires_at=expires)
        link.expires_at = expires
    return link


def invitation_usable(invitation: Invitation | None) -> bool:
    return (
        invitation is not None
        and invitation.answered_at is None
        and invitation.expires_at > timezone.now()
    )


# --- answers -----------------------------------------------------------------------------


def survey_answer_errors(
    questions: list[Question], data: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean the answers of a survey form: (answers by question id, errors by question id)."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in questions:
        key = str(question.pk)
        raw = str(data.get(key, "") or "").strip()
        if not raw:
            if question.required:
                errors[key] = _("Please answer this question.")
            continue
        if question.kind in (Question.Kind.SCORE, Question.Kind.NPS):
            low, high = (1, 5) if question.kind == Question.Kind.SCORE else (0, 10)
            try:
                value = int(raw)
            except ValueError:
                value = None
            if value is None or not low <= value <= high:
                errors[key] = _("Choose a number from %(low)d to %(high)d.") % {
                    "low": low,
                    "high": high,
                }
                continue
            answers[key] = value
        elif question.kind == Question.Kind.CHOICE:
            if raw not in {value for value, _label in question.choice_list("en")}:
                errors[key] = _("Choose one of the answers.")
                continue
            answers[key] = raw
        else:
            answers[key] = raw[:4000]
    return answers, errors


def survey_answer(*, invitation: Invitation, data: dict[str, Any]) -> Response:
    """Record the one answer an invitation accepts. A second submission (a double click, a
    second tab) raises ValidationError and changes nothing."""
    questions = list(invitation.survey.questions.all())
    answers, errors = survey_answer_errors(questions, data)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation_usable(locked):
            raise ValidationError(_("This survey has been answered already."))
        score = next(
            (answers[str(q.pk)] for q in questions if q.kind == "score" and str(q.pk) in answers),
            None,
        )
        nps = next(
            (answers[str(q.pk)] for q in questions if q.kind == "nps" and str(q.pk) in answers),
            None,
        )
        comment = "\n".join(
            answers[str(q.pk)] for q in questions if q.kind == "text" and str(q.pk) in answers
        )
        now = timezone.now()
        response = _record(
            source=Source.SURVEY,
            client=locked.client,
            order=locked.order,
            score=score,
            nps=nps,
            answers=answers,
            comment=comment,
            at=now,
            origin_key=f"invitation:{locked.pk}",
            invitation=locked,
        )
        locked.answered_at = now
        locked.save(update_fields=["answered_at"])
        signals.survey_answered.send(sender=Response, response=response)
    return response


def response_from_call(*, attempt: CallAttempt) -> Response | None:
    """The satisfaction a client expressed on a call counts as a response from the call."""
    if attempt.satisfaction is None:
        return None
    return _record(
        source=Source.CALL,
        client=attempt.client,
        order=attempt.touchpoint.order,
        score=attempt.satisfaction,
        comment=attempt.note,
        at=attempt.at,
        origin_key=f"call:{attempt.pk}",
        # A complaint on the same call already made its recovery call: share its key.
        recovery_source=attempt,
    )


def response_from_call_undo(*, attempt: CallAttempt) -> None:
    """A call undone on the call list: the satisfaction it recorded no longer counts."""
    Response.objects.filter(origin_key=f"call:{attempt.pk}").delete()


def _record(
    *,
    source: str,
    client: Client,
    at: dt.datetime,
    origin_key: str,
    recovery_source: Any = None,
    **fields: Any,
) -> Response:
    response, created = Response.objects.get_or_create(
        origin_key=origin_key,
        defaults={
            "source": source,
            "client": client,
            "at": at,
            "manager": client.account_manager,
            **fields,
        },
    )
    if created and response.is_poor:
        signals.low_score.send(sender=Response, response=response)
        reason = _("Satisfaction %(score)s, would recommend %(nps)s (%(source)s): %(comment)s") % {
            "score": response.score if response.score is not None else "—",
            "nps": response.nps if response.nps is not None else "—",
            "source": response.get_source_display(),
            "comment": response.comment or "—",
        }
        recovery_plan(client=client, reason=reason, by=None, source=recovery_source or response)
    return response


# --- service cases -----------------------------------------------------------------------


SERVICE_CASE_FIELDS = ("order", "opened_on", "problem", "severity", "satisfaction", "resolution")


def service_case_record(*, client: Client, by: User | None, **fields: Any) -> ServiceCase:
    unknown = set(fields) - set(SERVICE_CASE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    case = ServiceCase(client=client, recorded_by=by, **fields)
    if case.order is not None and case.order.client_id != client.pk:
        raise ValidationError({"order": _("The order belongs to another client.")})
    if case.opened_on and case.opened_on > timezone.localdate():
        raise ValidationError({"opened_on": _("The date cannot be in the future.")})
    # Who recorded it is ours to set (None for an import or the API's system user), not input.
    case.full_clean(exclude=["recorded_by"])
    with transaction.atomic():
        case.save()
        _service_response(case)
    return case


def service_case_resolve(
    *, case: ServiceCase, resolution: str, satisfaction: int | None, by: User | None
) -> ServiceCase:
    """Resolve an open case, once: the row is locked and its state read again inside the
    transaction, so of two managers resolving it at once the second is told it is resolved
    already, and the case and its satisfaction response keep the winner's score."""
    if not resolution.strip():
        raise ValidationError({"resolution": _("Say how it was resolved.")})
    with transaction.atomic():
        case = (
            ServiceCase.objects.select_for_update(of=("self",))
            .select_related("client", "order")
            .get(pk=case.pk)
        )
        if case.resolved_at is not None:
            raise ValidationError(_("This case is resolved already."), code="resolved")
        case.resolution = resolution.strip()
        case.satisfaction = satisfaction
        case.resolved_at = timezone.now()
        case.resolved_by = by
        case.full_clean(exclude=["recorded_by", "resolved_by"])
        case.save()
        _service_response(case)
    return case


def _service_response(case: ServiceCase) -> None:
    if case.satisfaction is not None:
        _record(
            source=Source.SERVICE,
            client=case.client,
            order=case.order,
            score=case.satisfaction,
            comment=case.problem,
            at=case.resolved_at or timezone.now(),
            origin_key=f"service:{case.pk}",
        )


# --- erasure -----------------------------------------------------------------------------


def client_feedback_erase(*, client: Client) -> None:
    """What surveys hold about an erased client (clients.signals.client_erased): free-text
    answers, comments and the texts of service cases are blanked, and their survey and order
    links stop working. Scores, sources and dates stay, so the figures do not move."""
    now = timezone.now()
    # Only the answers to scores and choices are kept: a free text, or the answer to a question
    # removed since, may say anything.
    kept = {
        str(pk)
        for pk in Question.objects.exclude(kind=Question.Kind.TEXT).values_list("pk", flat=True)
    }
    responses = list(Response.objects.filter(client=client))
    for response in responses:
        response.comment = ""
        response.answers = {
            key: value if key in kept else "" for key, value in response.answers.items()
        }
    Response.objects.bulk_update(responses, ["comment", "answers"])
    ServiceCase.objects.filter(client=client).update(problem="", resolution="")
    Invitation.objects.filter(client=client, expires_at__gt=now).update(expires_at=now)
    OrderLink.objects.filter(order__client=client, expires_at__gt=now).update(expires_at=now)
