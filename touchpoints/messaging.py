"""Rendering a touchpoint's message from its template, and handing it to e-mail or SMS.

Templates use Django template syntax. The context every template gets:

- `client`: the client (name, contact_person, email, ...)
- `order`: the order the touchpoint follows, or None
- `manager`: the person the client deals with (the touchpoint's assignee, else the account
  manager, else the sales manager who brought them), with `manager.get_full_name`,
  `manager.email`
- `account_manager`, `sales_manager`: the client's account manager and originator, or None
- `director`: the director who signs letters (COMPANY_DIRECTOR_NAME, else the first director)
- `company`: `name`, `phone`, `email`, `site`
- `links`: `unsubscribe` (e-mail only: one click records the opt-out), `site`
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.template import Context, Template, TemplateSyntaxError
from django.urls import reverse
from django.utils import translation

from clients.models import Channel, Client
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
            raise MessageError(f"No {channel} template “{slug}”.")
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


def context_for(
    client: Client, order: Any = None, assignee: Any = None, signer: Any = _LOOK_UP
) -> dict[str, Any]:
    manager = assignee or client.account_manager or client.originator
    return {
        "client": client,
        "order": order,
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


def render_template(template: MessageTemplate, context: dict[str, Any], language: str) -> Message:
    """Render one template (also used by the admin's preview)."""
    with translation.override(language):
        try:
            subject = Template(template.subject).render(Context(context, autoescape=False))
            text = Template(template.body_text).render(Context(context, autoescape=False))
            html = (
                Template(template.body_html).render(Context(context)) if template.body_html else ""
            )
        except TemplateSyntaxError as exc:
            raise MessageError(f"Template “{template}” is broken: {exc}") from exc
        except Exception as exc:
            # A tag that fails only while rendering ({% url %} with a bad name, say) is as
            # permanent as a syntax error: retrying would fail the same way.
            raise MessageError(f"Template “{template}” fails to render: {exc!r}") from exc
    subject = " ".join(subject.split())
    text = text.strip()
    if template.channel == Channel.SMS:
        text = sms.fit(" ".join(text.split()), settings.SMS_MAX_SEGMENTS)
    return Message(channel=template.channel, recipient="", subject=subject, text=text, html=html)


def render(touchpoint: Touchpoint, templates: Templates) -> Message:
    client = touchpoint.client
    if not touchpoint.template_slug:
        raise MessageError("The touchpoint has no message template.")
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
    else:
        # phones come prefetched, ordered primary first
        phones = list(client.phones.all())
        message.recipient = phones[0].number.as_e164 if phones else ""
    return message


def send(message: Message) -> str:
    """Hand the message over; returns the provider's id. Raises TemporaryError or
    PermanentError."""
    if message.channel == Channel.SMS:
        try:
            return sms.get_backend().send(message.recipient, message.text)
        except sms.TemporaryError as exc:
            raise TemporaryError(str(exc)) from exc
        except sms.PermanentError as exc:
            raise PermanentError(str(exc)) from exc
    # followup_crm.mail flattens line breaks in every header value and sorts the failures.
    return mail.email_send(
        to=message.recipient,
        subject=message.subject,
        text=message.text,
        html=message.html,
        headers=message.headers,
    )
