"""Rendering a touchpoint's message from its template, and handing it to e-mail or SMS.

Templates use Django template syntax, in a sandbox: the context holds plain values made for the
template (`context_for`), never a model instance, so nothing reachable from a client — a
manager's password hash or API tokens, other clients, reverse relations — can reach a message.
The variables (also in the template admin's help text and the README):

- `client`: `name`, `first_name` (of the contact person, or of a person's name), `contact_person`,
  `email`, `number`
- `order`: the order the touchpoint follows, or None: `number` (the shop's number, else ours),
  `external_id`, `pk`, `amount`, `currency`, `description`, `status`, `placed_at`,
  `promised_date`, `delivered_at`
- `manager`: the person the client deals with (the touchpoint's assignee, else the account
  manager, else the sales manager who brought them): `get_full_name`, `first_name`,
  `last_name`, `email`
- `account_manager`, `sales_manager`: the client's account manager and originator, or None
- `director`: the director who signs letters (COMPANY_DIRECTOR_NAME, else the first director)
- `company`: `name`, `phone`, `email`, `site`
- `links`: `unsubscribe` (e-mail only: one click records the opt-out), `site`; `order` (the
  order's page) and `survey` (the survey invitation) where they apply; `telegram` (a one-time
  link that connects the client to the company's Telegram bot) when a bot is set up
"""

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail.backends.base import BaseEmailBackend
from django.template import Context, Template, TemplateSyntaxError
from django.urls import reverse
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from clients.models import Channel, Client, Order
from followup_crm import mail
from followup_crm.roles import DIRECTOR

from . import sms
from .models import MessageTemplate, Touchpoint

UNSUBSCRIBE_SALT = "touchpoints.unsubscribe"


class MessageError(Exception):
    """The message cannot be made (no template, a broken template): a permanent failure."""


# The same errors as every e-mail's: one way to say "try again later" and "never".
TemporaryError = mail.TemporaryError
PermanentError = mail.PermanentError


@dataclass
class Message:
    channel: str
    recipient: str
    subject: str
    text: str
    html: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    # The context's links (a Telegram message turns the survey's into score buttons).
    links: dict[str, str] = field(default_factory=dict)


def unsubscribe_token(client: Client, channel: str = Channel.EMAIL) -> str:
    return signing.dumps({"c": client.pk, "ch": channel}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[int, str] | None:
    """The client id and channel of a token, or None for a token that is not ours."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(data["c"]), str(data["ch"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def director() -> Any:
    if settings.COMPANY_DIRECTOR_NAME:
        return {"get_full_name": settings.COMPANY_DIRECTOR_NAME, "email": settings.COMPANY_EMAIL}
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=DIRECTOR)
        .order_by("id")
        .first()
    )


class Templates:
    """Every message template, read once: a sweep renders many messages from a few templates."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], dict[str, MessageTemplate]] = {}
        for template in MessageTemplate.objects.all():
            self._by_key.setdefault((template.slug, template.channel), {})[template.language] = (
                template
            )
        self.director = director()

    def get(self, slug: str, channel: str, language: str) -> MessageTemplate:
        """The template in the client's language, else the site's, else any."""
        languages = self._by_key.get((slug, channel))
        if not languages:
            raise MessageError(
                _("No %(channel)s template “%(slug)s”.") % {"channel": channel, "slug": slug}
            )
        return (
            languages.get(language)
            or languages.get(settings.LANGUAGE_CODE)
            or next(iter(languages.values()))
        )


_LOOK_UP = object()

# Apps built on touchpoints add to a message's context (surveys adds `links.survey` and
# `links.order`): a provider takes the touchpoint and the context and changes the context.
ContextProvider = Callable[[Touchpoint, dict[str, Any]], None]
_providers: list[ContextProvider] = []


def register_context_provider(provider: ContextProvider) -> ContextProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def person(user: Any) -> dict[str, str] | None:
    """What a template may know of a person: never the whole user (password hash included)."""
    if user is None:
        return None
    if isinstance(user, dict):
        return user
    return {
        "get_full_name": user.get_full_name() or user.get_username(),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
    }


@dataclass(frozen=True)
class ClientValues:
    """What a template may know of the client."""

    name: str
    first_name: str
    contact_person: str
    email: str
    number: int | None

    @classmethod
    def of(cls, client: Client) -> "ClientValues":
        addressee = client.contact_person or (
            client.name if client.kind == Client.Kind.PERSON else ""
        )
        return cls(
            name=client.name,
            first_name=addressee.split()[0] if addressee.split() else "",
            contact_person=client.contact_person,
            email=client.email,
            number=client.pk,
        )


@dataclass(frozen=True)
class OrderValues:
    """What a template may know of the order."""

    number: str
    external_id: str
    pk: int | None
    amount: Decimal
    currency: str
    description: str
    status: str
    placed_at: dt.datetime | None
    promised_date: dt.date | None
    delivered_at: dt.datetime | None

    @classmethod
    def of(cls, order: Order | None) -> "OrderValues | None":
        if order is None:
            return None
        return cls(
            number=order.external_id or (str(order.pk) if order.pk else ""),
            external_id=order.external_id or "",
            pk=order.pk,
            amount=order.amount,
            currency=order.currency,
            description=order.description,
            status=order.get_status_display(),
            placed_at=order.placed_at,
            promised_date=order.promised_date,
            delivered_at=order.delivered_at,
        )


def context_for(
    client: Client, order: Order | None = None, assignee: Any = None, signer: Any = _LOOK_UP
) -> dict[str, Any]:
    """A message's context: plain values only (see the module's docstring for the list)."""
    manager = assignee or client.account_manager or client.originator
    return {
        "client": ClientValues.of(client),
        "order": OrderValues.of(order),
        "manager": person(manager),
        "account_manager": person(client.account_manager),
        "sales_manager": person(client.originator),
        "director": person(director() if signer is _LOOK_UP else signer),
        "company": {
            "name": settings.COMPANY_NAME,
            "phone": settings.COMPANY_PHONE,
            "email": settings.COMPANY_EMAIL,
            "site": settings.SITE_URL,
        },
        "links": {
            "unsubscribe": absolute(
                reverse("touchpoints:unsubscribe", args=[unsubscribe_token(client)])
            ),
            "site": settings.SITE_URL,
        },
    }


@functools.lru_cache(maxsize=512)
def compiled(source: str) -> Template:
    """A template's text, compiled once a process: keyed by the text itself, a template edited
    in the admin is a new text, compiled afresh (compiled templates render in any thread)."""
    return Template(source)


def render_template(template: MessageTemplate, context: dict[str, Any], language: str) -> Message:
    """Render one template (also used by the admin's preview)."""
    with translation.override(language):
        try:
            subject: str = compiled(template.subject).render(Context(context, autoescape=False))
            text: str = compiled(template.body_text).render(Context(context, autoescape=False))
            html: str = (
                compiled(template.body_html).render(Context(context)) if template.body_html else ""
            )
        except TemplateSyntaxError as exc:
            raise MessageError(
                _("Template “%(template)s” is broken: %(error)s")
                % {"template": template, "error": exc}
            ) from exc
        except Exception as exc:
            # A tag that fails only while rendering ({% url %} with a bad name, say) is as
            # permanent as a syntax error: retrying would fail the same way.
            raise MessageError(
                _("Template “%(template)s” fails to render: %(error)r")
                % {"template": template, "error": exc}
            ) from exc
    subject = " ".join(subject.split())
    text = text.strip()
    if template.channel == Channel.SMS:
        text = sms.fit(" ".join(text.split()), settings.SMS_MAX_SEGMENTS)
    return Message(channel=template.channel, recipient="", subject=subject, text=text, html=html)


def render(touchpoint: Touchpoint, templates: Templates) -> Message:
    client = touchpoint.client
    if not touchpoint.template_slug:
        raise MessageError(_("The touchpoint has no message template."))
    template = templates.get(touchpoint.template_slug, touchpoint.channel, client.language)
    context = context_for(client, touchpoint.order, touchpoint.assignee, templates.director)
    for provider in _providers:
        provider(touchpoint, context)
    message = render_template(template, context, client.language)
    if touchpoint.channel == Channel.EMAIL:
        message.recipient = client.email
        unsubscribe = context["links"]["unsubscribe"]
        message.headers = {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    elif touchpoint.channel == Channel.TELEGRAM:
        message.recipient = telegram_backend().recipient(client)
        message.links = dict(context["links"])
    else:
        # phones come prefetched, ordered primary first
        phones = list(client.phones.all())
        message.recipient = phones[0].number.as_e164 if phones else ""
    return message


def telegram_backend() -> Any:
    """The Telegram backend named by TELEGRAM_BACKEND (telephony's, loaded by its path:
    touchpoints does not import the apps built on it). It has `recipient(client)`, the chat to
    write to or "", and `send(message)`, the message id."""
    return import_string(settings.TELEGRAM_BACKEND)()


def send(message: Message, *, mail_connection: BaseEmailBackend | None = None) -> str:
    """Hand the message over; returns the provider's id. Raises TemporaryError or
    PermanentError. E-mail goes over `mail_connection` when given (a sweep's one connection)."""
    if message.channel == Channel.SMS:
        try:
            return sms.get_backend().send(message.recipient, message.text)
        except sms.TemporaryError as exc:
            raise TemporaryError(str(exc)) from exc
        except sms.PermanentError as exc:
            raise PermanentError(str(exc)) from exc
    if message.channel == Channel.TELEGRAM:
        # Raises TemporaryError (with `retry_after` when Telegram says how long to wait) or
        # PermanentError itself.
        return telegram_backend().send(message)
    # followup_crm.mail flattens line breaks in every header value and sorts the failures.
    return mail.email_send(
        to=message.recipient,
        subject=message.subject,
        text=message.text,
        html=message.html,
        headers=message.headers,
        connection=mail_connection,
    )
