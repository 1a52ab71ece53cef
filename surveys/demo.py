"""Demo satisfaction data for `make run`, after the clients' and the touchpoints' demos: survey
answers on delivered orders, the satisfaction clients expressed on the demo calls, service cases
(some resolved, some open), a few clients whose positive survey hides a poor call or an open
case in the same month, and two invitations still open so that their links can be tried.

Everything goes through the services; only the times are moved afterwards, to spread the
answers over the months the demo orders cover. No score here is poor enough to start a
recovery call: that would e-mail the directors (to the console in development) while the demo
loads, and the demo prints nothing.
"""

import datetime as dt
import random
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from clients.models import Order, OrderStatus
from touchpoints.models import CallAttempt, Touchpoint, TouchpointStatus

from . import services
from .models import Invitation, Question, Response, ServiceCase, Survey

COMMENTS = [
    "",
    "",
    "Всё отлично, спасибо!",
    "Доставили вовремя, сборщики аккуратные.",
    "Хотелось бы больше вариантов обивки.",
    "Менеджер всё подробно объяснил.",
]
CHOICES = ["Quality", "Delivery", "Service", "Price", ""]
PROBLEMS = [
    ("Скрипит каркас дивана", "medium", "Заменили крепёж по гарантии"),
    ("Царапина на фасаде шкафа", "low", "Мастер отполировал царапину на месте"),
    ("Не хватило двух ручек в комплекте", "low", "Довезли ручки на следующий день"),
    ("Сломалась направляющая ящика", "high", "Заменили направляющие"),
]


def _answers(
    questions: dict[str, Question], score: int, nps: int | None, rng: random.Random
) -> dict[str, str]:
    data = {str(questions["score"].pk): str(score)}
    if "nps" in questions and nps is not None:
        data[str(questions["nps"].pk)] = str(nps)
    if "choice" in questions:
        data[str(questions["choice"].pk)] = rng.choice(CHOICES)
    if "text" in questions:
        data[str(questions["text"].pk)] = rng.choice(COMMENTS)
    return data


def _answer(
    survey: Survey,
    order: Order,
    at: dt.datetime,
    score: int,
    nps: int | None,
    rng: random.Random,
) -> Response:
    questions = {question.kind: question for question in survey.questions.all()}
    invitation = services.invitation_for(survey=survey, client=order.client, order=order)
    response = services.survey_answer(
        invitation=invitation, data=_answers(questions, score, nps, rng)
    )
    Response.objects.filter(pk=response.pk).update(at=at)
    Invitation.objects.filter(pk=invitation.pk).update(answered_at=at)
    return response


def _call(order: Order, at: dt.datetime, satisfaction: int, note: str) -> None:
    """A call in which the client was less happy than their survey said."""
    client = order.client
    manager = client.account_manager or client.originator
    touchpoint = Touchpoint.objects.create(
        client=client,
        order=order,
        anchor_key=f"demo:feedback:{order.pk}",
        due_at=at,
        assignee=manager,
        channel="call",
        purpose="How is it going?",
        status=TouchpointStatus.DONE,
        outcome="reached",
        note=note,
        attempts=1,
        closed_at=at,
    )
    attempt = CallAttempt.objects.create(
        touchpoint=touchpoint,
        client=client,
        outcome="reached",
        satisfaction=satisfaction,
        note=note,
        recorded_by=manager,
        at=at,
    )
    services.response_from_call(attempt=attempt)


def _case(
    order: Order, opened: dt.datetime, problem: tuple[str, str, str], **resolved: Any
) -> None:
    client = order.client
    manager = client.account_manager or client.originator
    text, severity, resolution = problem
    case = services.service_case_record(
        client=client,
        by=manager,
        order=order,
        opened_on=timezone.localtime(opened).date(),
        problem=text,
        severity=severity,
    )
    if resolved:
        at = resolved["at"]
        services.service_case_resolve(
            case=case, resolution=resolution, satisfaction=resolved["satisfaction"], by=manager
        )
        ServiceCase.objects.filter(pk=case.pk).update(resolved_at=at)
        Response.objects.filter(origin_key=f"service:{case.pk}").update(at=at)


def _delivered_at(order: Order) -> dt.datetime:
    """When a delivered order (the only ones this demo reads) was delivered."""
    return cast(dt.datetime, order.delivered_at)


def demo_load(_users: dict[str, User]) -> None:
    rng = random.Random(7)
    now = timezone.now()
    survey = Survey.objects.filter(slug=settings.DEFAULT_SURVEY).first()
    if survey is None:
        return

    # What clients said on the demo calls counts as their answers from calls.
    for attempt in CallAttempt.objects.filter(satisfaction__isnull=False).select_related(
        "client__account_manager", "touchpoint__order"
    ):
        services.response_from_call(attempt=attempt)

    # One delivered order per client, the oldest first; recent ones keep their survey open.
    delivered: dict[int, Order] = {}
    for order in Order.objects.filter(
        status=OrderStatus.DELIVERED, delivered_at__lt=now - dt.timedelta(days=12)
    ).select_related("client__account_manager", "client__originator"):
        delivered.setdefault(order.client_id, order)
    orders = sorted(delivered.values(), key=lambda order: (_delivered_at(order), order.pk))
    # Hidden dissatisfaction needs the survey and the call (or the case) in one month.
    early_in_month = [order for order in orders if _delivered_at(order).day <= 18]
    hidden = early_in_month[-3:]
    others = [order for order in orders if order not in hidden]

    # Hidden dissatisfaction: a glowing survey, then a lukewarm call or a complaint.
    for number, order in enumerate(hidden):
        survey_at = _delivered_at(order) + dt.timedelta(days=2, hours=3)
        _answer(survey, order, survey_at, score=5, nps=9, rng=rng)
        later = _delivered_at(order) + dt.timedelta(days=5)
        if number == 0:
            _case(order, later, PROBLEMS[0])  # still open
        else:
            _call(order, later, 3, "Говорит, что всё нормально, но без энтузиазма.")

    # Survey answers: mostly happy, as written surveys are.
    scores = [5, 5, 4, 5, 4, 3, 5, 4, 5, 4, 3, 5]
    nps = [10, 9, 8, None, 9, 7, 10, 8, 9, None, 7, 10]
    answered = others[-len(scores) - 4 : -4]
    for order, score, recommend in zip(answered, scores, nps, strict=False):
        at = min(_delivered_at(order) + dt.timedelta(days=rng.randint(2, 6)), now)
        _answer(survey, order, at, score=score, nps=recommend, rng=rng)

    # Service cases: resolved with the client's verdict, and one still open.
    for order, problem, satisfaction in zip(others[:3], PROBLEMS[1:], [4, 5, 3], strict=False):
        opened = _delivered_at(order) + dt.timedelta(days=rng.randint(10, 40))
        opened = min(opened, now - dt.timedelta(days=3))
        _case(order, opened, problem, at=opened + dt.timedelta(days=2), satisfaction=satisfaction)
    if len(others) > 3:
        _case(others[3], now - dt.timedelta(days=1), PROBLEMS[3])

    # Two invitations still open: their links (/s/<token>/) can be answered in the demo.
    for order in others[-4:-2]:
        services.invitation_for(survey=survey, client=order.client, order=order)
