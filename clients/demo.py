"""Demo clients for `make run`: every stage, 18 months of orders, referrals, refusals and
handoffs (some still waiting in the account managers' inboxes). Built through the services, so
stages, handoffs and commissions come out exactly as in real use."""

import datetime as dt
import random
from decimal import Decimal
from typing import cast

from django.contrib.auth.models import User
from django.db.models import Min
from django.utils import timezone

from . import services
from .models import Client, ClientPhone, CommissionRule, Handoff, OrderStatus, Stage

FIRST_NAMES = [
    "Ирина",
    "Олег",
    "Мария",
    "Павел",
    "Елена",
    "Андрей",
    "Наталья",
    "Игорь",
    "Татьяна",
    "Сергей",
    "Ольга",
    "Алексей",
    "Светлана",
    "Николай",
    "Анна",
    "Виктор",
]
LAST_NAMES = [
    "Соколов",
    "Кузнецов",
    "Попов",
    "Лебедев",
    "Новиков",
    "Морозов",
    "Волков",
    "Соловьёв",
    "Васильев",
    "Зайцев",
    "Павлов",
    "Семёнов",
    "Голубев",
    "Виноградов",
]
COMPANIES = [
    "ООО «Стройдом»",
    "ИП Карпов",
    "ООО «Северный ветер»",
    "АО «Технопарк»",
    "ООО «Кофейня на углу»",
    "ООО «Уютный офис»",
]
PRODUCTS = [
    "Диван «Честер», велюр",
    "Кухонный гарнитур, 3,2 м",
    "Шкаф-купе, 2 двери",
    "Кровать с подъёмным механизмом",
    "Обеденная группа, 6 стульев",
    "Кресло-реклайнер",
    "Стеллаж для офиса",
    "Матрас ортопедический 160×200",
    "Комод из дуба",
]
TIME_ZONES = ["Europe/Moscow"] * 6 + [
    "Asia/Yekaterinburg",
    "Asia/Novosibirsk",
    "Europe/Kaliningrad",
]


def _surname(rng: random.Random, female: bool) -> str:
    name = rng.choice(LAST_NAMES)
    return name + "а" if female else name


def _person(rng: random.Random) -> str:
    first = rng.choice(FIRST_NAMES)
    female = first[-1] == "а" and first != "Никита"
    return f"{first} {_surname(rng, female)}"


def _phone(rng: random.Random) -> str:
    digits = [rng.randint(10, 99), rng.randint(100, 999), rng.randint(10, 99), rng.randint(10, 99)]
    return "+7 9{} {}-{}-{}".format(*digits)


def demo_load(users: dict[str, User]) -> None:
    rng = random.Random(20261123)  # the same demo every time
    now = timezone.now()
    sellers = [users["sales"], users["sales2"]]
    CommissionRule.objects.create(percentage=Decimal("3.00"), effective_from=dt.date(2024, 1, 1))

    clients: list[Client] = []
    for number in range(60):
        seller = sellers[0] if number % 3 else sellers[1]
        company = number % 10 == 7
        name = COMPANIES[number % len(COMPANIES)] if company else _person(rng)
        client = services.client_create(
            by=seller,
            kind=Client.Kind.COMPANY if company else Client.Kind.PERSON,
            name=name,
            contact_person=_person(rng) if company else "",
            email=f"client{number}@example.com",
            postal_address=f"г. Москва, ул. Садовая, д. {number + 1}, кв. {rng.randint(1, 120)}",
            time_zone=rng.choice(TIME_ZONES),
            language="ru" if number % 4 else "en",
            source=rng.choice(["site", "shop", "office", "call"]),
            originator=seller,
            notes=rng.choice(
                ["", "Просил звонить после 18:00", "Интересуется доставкой в выходные"]
            ),
            phones=[_phone(rng)],
        )
        for channel in ("call", "email", "sms", "post"):
            services.consent_record(
                client=client,
                channel=channel,
                granted=rng.random() > 0.15,
                method="in_person",
                at=now - dt.timedelta(days=540),
                by=seller,
            )
        clients.append(client)

    # Stages by how many orders a client has: leads (0, no visit), visitors, buyers, clients.
    plan = [0] * 6 + ["visit"] * 8 + [1] * 22 + [2] * 14 + [3] * 10
    for index, (client, orders) in enumerate(zip(clients, plan, strict=True)):
        seller = cast(User, client.originator)  # every client above has one
        if orders == 0:
            continue
        if orders == "visit":
            services.client_update(
                client=client, by=seller, visited_at=now - dt.timedelta(days=rng.randint(1, 60))
            )
            continue
        days_ago = sorted((rng.randint(6, 540) for _ in range(cast(int, orders))), reverse=True)
        if orders == 1 and index % 5 == 0:
            days_ago = [rng.randint(0, 4)]  # new buyers: the order is still on its way
        for position, age in enumerate(days_ago):
            placed = now - dt.timedelta(days=age, hours=rng.randint(0, 8))
            order = services.order_record(
                client=client,
                amount=Decimal(rng.randrange(15_000, 250_000, 500)),
                placed_at=placed,
                promised_date=(placed + dt.timedelta(days=rng.choice([3, 7, 14, 30]))).date(),
                external_id=f"1C-{client.pk:04d}-{position + 1}",
                seller=seller,
                description=rng.choice(PRODUCTS),
                by=seller,
            ).order
            _advance(order, placed, now, rng, seller)

    # Referrals: a few buyers brought friends who bought too (advocates) or not yet.
    buyers = [c for c in clients if c.orders.exists()]
    leads = [c for c in clients if not c.orders.exists()]
    for referrer, referred in zip(buyers[:3], buyers[-3:], strict=True):
        services.referral_record(
            referrer=referrer,
            referred=referred,
            by=referrer.originator,
            reward="500 бонусных баллов",
        )
    services.referral_record(
        referrer=buyers[4],
        referred=leads[0],
        by=buyers[4].originator,
        reward="Скидка 5% на следующую покупку",
    )

    # Refusals with every reason.
    for client, reason in zip(
        leads[1:6], ["price", "sales", "product", "production", "other"], strict=True
    ):
        services.refusal_record(
            client=client,
            reason=reason,
            by=client.originator,
            details="Записано со слов клиента",
            at=now - dt.timedelta(days=rng.randint(5, 200)),
        )

    # Older handoffs were accepted long ago; the newest few wait in the inboxes.
    handoffs = list(
        Handoff.objects.annotate(first_order=Min("client__orders__placed_at")).order_by(
            "first_order"
        )
    )
    for handoff in handoffs[:-4]:
        handoff.accepted_at = now - dt.timedelta(days=1)
        handoff.save(update_fields=["accepted_at"])

    # A likely duplicate for a director to merge: a repeat client typed in again by the other
    # sales manager, with the phone written another way and the e-mail in capitals.
    original = demo_card_client()
    if original is not None:
        other_seller = sellers[1] if original.originator == sellers[0] else sellers[0]
        services.client_create(
            by=other_seller,
            name=original.name,
            email=original.email.upper(),
            source="call",
            originator=other_seller,
            notes="Позвонила по рекомендации, просила перезвонить",
            phones=[cast(ClientPhone, original.phones.first()).number.as_national],
        )


def demo_card_client() -> Client | None:
    """The demo's repeat client whose card shows a bit of everything (and the screenshots)."""
    return (
        Client.objects.filter(
            stage=Stage.CLIENT, kind=Client.Kind.PERSON, account_manager__isnull=False
        )
        .order_by("pk")
        .first()
    )


def demo_finish(users: dict[str, User]) -> None:
    """A repeat buyer who asked to be forgotten: erased by the director once every app has
    written its records, so the card shows what erasing keeps (orders, stages, scores)."""
    client = Client.objects.filter(stage=Stage.CLIENT).order_by("pk").last()
    if client is not None:
        services.client_erase(client=client, by=users["director"])


def _advance(order, placed: dt.datetime, now: dt.datetime, rng: random.Random, by: User) -> None:
    """Move an order along the way a real one goes, as far as its age allows."""
    age = (now - placed).days
    if age > 20 and rng.random() < 0.08:
        services.order_record_event(
            order=order, type=OrderStatus.CANCELLED, at=placed + dt.timedelta(days=2), by=by
        )
        return
    steps = [(OrderStatus.READY, 2), (OrderStatus.AT_PICKUP, 4), (OrderStatus.DELIVERED, 5)]
    late = dt.timedelta(days=rng.choice([0, 0, 0, 1, 3]))
    for status, day in steps:
        at = placed + dt.timedelta(days=day) + late
        if at >= now:
            return
        services.order_record_event(order=order, type=status, at=at, by=by)
