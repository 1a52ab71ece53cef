"""The satisfaction survey joins the after-sale cadence, and the order notifications carry the
link to the client's order page.

- A step `survey-invite` in the `after-sale` cadence: two days after delivery the system e-mails
  the invitation to the default survey (surveys' message context fills in `links.survey`).
- The `survey-invite` templates: e-mail (text and HTML, ending with the unsubscribe link) and
  SMS, in English and Russian.
- `order-thanks`, `order-ready` and `order-at-pickup` get the order page's link
  (`links.order`) when there is one. An SMS has no room for both the link and the longer text
  (three segments, 67 Cyrillic characters each), so with a link it says less; without one it is
  exactly as before.

Data, not schema, and frozen here. The template edits are made by replacing known text, so a
template a director has rewritten is left alone; reversing the migration undoes exactly these
edits, removes the new templates and the step (touchpoints planned from it stay, as history).
"""

from django.db import migrations
from django.db.models import F

CADENCE = "after-sale"
AFTER_STEP = "delivery-day-call"
STEP = {
    "slug": "survey-invite",
    "kind": "single",
    "anchor": "order_delivered",
    "anchor_stage": "",
    "offset": 2,
    "offset_unit": "days",
    "month": None,
    "day": None,
    "audience": "buyers",
    "channel": "email",
    "performer": "system",
    "purpose": "Two days after delivery: the satisfaction survey",
    "talking_points": "",
    "template_slug": "survey-invite",
    "is_active": True,
}

# --- the survey invitation ------------------------------------------------------------------

_BOX = (
    '<div style="font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.55; '
    'color: #222222; max-width: 600px;">\n'
)
_END = "</div>\n"
_FOOT = '<p style="margin-top: 28px; font-size: 12px; color: #777777;">'
_FOOTERS = {
    "en": (
        "\n\n--\nWould rather not receive our e-mails? Unsubscribe: {{ links.unsubscribe }}\n",
        _FOOT + "Would rather not receive our e-mails? "
        '<a href="{{ links.unsubscribe }}" style="color: #777777;">Unsubscribe</a>.</p>\n',
    ),
    "ru": (
        "\n\n--\nНе хотите получать наши письма? Отписаться: {{ links.unsubscribe }}\n",
        _FOOT + "Не хотите получать наши письма? "
        '<a href="{{ links.unsubscribe }}" style="color: #777777;">Отписаться</a>.</p>\n',
    ),
}
_BUTTON = (
    '<p style="margin: 24px 0;"><a href="{{ links.survey }}" style="display: inline-block; '
    "padding: 12px 22px; background: #1f6feb; color: #ffffff; text-decoration: none; "
    'border-radius: 6px; font-weight: bold;">%s</a></p>'
)


def _email(language, subject, text, html):
    footer, footer_html = _FOOTERS[language]
    return {
        "slug": "survey-invite",
        "channel": "email",
        "language": language,
        "subject": subject,
        "body_text": text.strip() + footer,
        "body_html": _BOX + html.strip() + "\n" + footer_html + _END,
    }


def _sms(language, text):
    return {
        "slug": "survey-invite",
        "channel": "sms",
        "language": language,
        "subject": "",
        "body_text": " ".join(text.split()),
        "body_html": "",
    }


TEMPLATES = [
    _email(
        "en",
        "How did we do? One minute of your time",
        """
Hello, {% firstof client.contact_person client.name %}!

{% if order %}A couple of days ago we delivered your order No. {% firstof order.external_id order.pk %}{% else %}You have recently received your order{% endif %}, and we would very much like to know how everything went.

Four short questions, one minute: {{ links.survey }}

Your answers go straight to the people who made and delivered your order. If anything is not right, we will put it right.

Kind regards,
{% if manager %}{% firstof manager.get_full_name manager.username %} and the{% else %}The{% endif %} {{ company.name }} team
""",
        """
<p>Hello, {% firstof client.contact_person client.name %}!</p>
<p>{% if order %}A couple of days ago we delivered your order No.&nbsp;{% firstof order.external_id order.pk %}{% else %}You have recently received your order{% endif %}, and we would very much like to know how everything went.</p>
<p>Four short questions, one minute:</p>
"""
        + _BUTTON % "Answer the survey"
        + """
<p>Your answers go straight to the people who made and delivered your order. If anything is not right, we will put it right.</p>
<p>Kind regards,<br>{% if manager %}{% firstof manager.get_full_name manager.username %} and the{% else %}The{% endif %} {{ company.name }} team</p>
""",
    ),
    _email(
        "ru",
        "Как мы справились? Одна минута вашего времени",
        """
Здравствуйте, {% firstof client.contact_person client.name %}!

{% if order %}Пару дней назад мы доставили ваш заказ № {% firstof order.external_id order.pk %}{% else %}Недавно вы получили свой заказ{% endif %}, и нам очень хочется узнать, всё ли прошло хорошо.

Четыре коротких вопроса, одна минута: {{ links.survey }}

Ваши ответы сразу попадут к тем, кто делал и доставлял ваш заказ. Если что-то не так, мы обязательно это исправим.

С уважением,
{% if manager %}{% firstof manager.get_full_name manager.username %} и команда{% else %}команда{% endif %} {{ company.name }}
""",
        """
<p>Здравствуйте, {% firstof client.contact_person client.name %}!</p>
<p>{% if order %}Пару дней назад мы доставили ваш заказ №&nbsp;{% firstof order.external_id order.pk %}{% else %}Недавно вы получили свой заказ{% endif %}, и нам очень хочется узнать, всё ли прошло хорошо.</p>
<p>Четыре коротких вопроса, одна минута:</p>
"""
        + _BUTTON % "Ответить на вопросы"
        + """
<p>Ваши ответы сразу попадут к тем, кто делал и доставлял ваш заказ. Если что-то не так, мы обязательно это исправим.</p>
<p>С уважением,<br>{% if manager %}{% firstof manager.get_full_name manager.username %} и команда{% else %}команда{% endif %} {{ company.name }}</p>
""",
    ),
    _sms(
        "en",
        """Thank you for your order{% if order %} {% firstof order.external_id order.pk %}{% endif %}!
        How did we do? One minute: {{ links.survey }} {{ company.name }}""",
    ),
    _sms(
        "ru",
        """Спасибо за заказ{% if order %} № {% firstof order.external_id order.pk %}{% endif %}!
        Как мы справились? Одна минута: {{ links.survey }} {{ company.name }}""",
    ),
]

# --- the order page's link in the order notifications ----------------------------------------

# E-mails: (slug, language, field, the text the link goes before, the link's lines).
EMAIL_EDITS = [
    (
        "order-thanks",
        "en",
        "body_text",
        "\n\nIf you need us, call {{ company.phone }}.",
        "{% if links.order %}\n\nFollow your order online: {{ links.order }}{% endif %}",
    ),
    (
        "order-thanks",
        "en",
        "body_html",
        "<p>If you need us, call {{ company.phone }}.</p>",
        '{% if links.order %}<p><a href="{{ links.order }}">Follow your order online</a>: its '
        "progress, the promised date and your manager's contacts.</p>{% endif %}\n",
    ),
    (
        "order-thanks",
        "ru",
        "body_text",
        "\n\nЕсли мы вам понадобимся, звоните: {{ company.phone }}.",
        "{% if links.order %}\n\nСледить за заказом можно здесь: {{ links.order }}{% endif %}",
    ),
    (
        "order-thanks",
        "ru",
        "body_html",
        "<p>Если мы вам понадобимся, звоните: {{ company.phone }}.</p>",
        '{% if links.order %}<p><a href="{{ links.order }}">Страница вашего заказа</a>: как '
        "идут дела, обещанная дата и контакты вашего менеджера.</p>{% endif %}\n",
    ),
]

_ORDER = "{% if order %} {% firstof order.external_id order.pk %}{% endif %}"
_ORDER_RU = "{% if order %} № {% firstof order.external_id order.pk %}{% endif %}"

# SMS: (slug, language, the shorter text with the link) put before the text as it is.
SMS_EDITS = [
    (
        "order-ready",
        "en",
        f"Your order{_ORDER} is ready! We will call you about delivery. "
        "Details: {{ links.order }} {{ company.name }}",
    ),
    (
        "order-ready",
        "ru",
        f"Ваш заказ{_ORDER_RU} готов! Скоро позвоним насчёт доставки. "
        "Подробнее: {{ links.order }} {{ company.name }}",
    ),
    (
        "order-at-pickup",
        "en",
        f"Your order{_ORDER} is waiting for you at the pickup point. "
        "Details: {{ links.order }} {{ company.name }}",
    ),
    (
        "order-at-pickup",
        "ru",
        f"Ваш заказ{_ORDER_RU} ждёт вас в пункте выдачи. "
        "Подробнее: {{ links.order }} {{ company.name }}",
    ),
]


def _sms_parts(short):
    return "{% if links.order %}" + short + "{% else %}", "{% endif %}"


# --- the operations --------------------------------------------------------------------------


def forward(apps, schema_editor):
    Cadence = apps.get_model("touchpoints", "Cadence")
    CadenceStep = apps.get_model("touchpoints", "CadenceStep")
    MessageTemplate = apps.get_model("touchpoints", "MessageTemplate")

    cadence = Cadence.objects.filter(slug=CADENCE).first()
    if cadence is not None:
        fields = dict(STEP)
        slug = fields.pop("slug")
        steps = CadenceStep.objects.filter(cadence=cadence)
        existing = steps.filter(slug=slug).first()
        if existing is None:
            # Right after the delivery-day call, in the order the steps happen.
            after = steps.filter(slug=AFTER_STEP).first()
            last = steps.order_by("-position").first()
            position = (after.position if after else (last.position if last else 0)) + 1
            steps.filter(position__gte=position).update(position=F("position") + 1)
            CadenceStep.objects.create(cadence=cadence, slug=slug, position=position, **fields)
        else:
            steps.filter(pk=existing.pk).update(**fields)

    for template in TEMPLATES:
        MessageTemplate.objects.update_or_create(
            slug=template["slug"],
            channel=template["channel"],
            language=template["language"],
            defaults={
                "subject": template["subject"],
                "body_text": template["body_text"],
                "body_html": template["body_html"],
            },
        )

    for slug, language, field, anchor, lines in EMAIL_EDITS:
        for template in MessageTemplate.objects.filter(
            slug=slug, channel="email", language=language
        ):
            body = getattr(template, field)
            if anchor in body and lines not in body:
                setattr(template, field, body.replace(anchor, lines + anchor, 1))
                template.save(update_fields=[field])

    for slug, language, short in SMS_EDITS:
        head, tail = _sms_parts(short)
        for template in MessageTemplate.objects.filter(slug=slug, channel="sms", language=language):
            if "links.order" not in template.body_text:
                template.body_text = head + template.body_text + tail
                template.save(update_fields=["body_text"])


def backward(apps, schema_editor):
    CadenceStep = apps.get_model("touchpoints", "CadenceStep")
    MessageTemplate = apps.get_model("touchpoints", "MessageTemplate")
    Touchpoint = apps.get_model("touchpoints", "Touchpoint")

    step = CadenceStep.objects.filter(cadence__slug=CADENCE, slug=STEP["slug"]).first()
    if step is not None:
        # Touchpoints protect their step; keep them (they are history) and let go of the step.
        Touchpoint.objects.filter(step=step).update(step=None)
        cadence_id, position = step.cadence_id, step.position
        step.delete()
        CadenceStep.objects.filter(cadence_id=cadence_id, position__gt=position).update(
            position=F("position") - 1
        )

    for template in TEMPLATES:
        MessageTemplate.objects.filter(
            slug=template["slug"], channel=template["channel"], language=template["language"]
        ).delete()

    for slug, language, field, anchor, lines in EMAIL_EDITS:
        for template in MessageTemplate.objects.filter(
            slug=slug, channel="email", language=language
        ):
            body = getattr(template, field)
            if lines + anchor in body:
                setattr(template, field, body.replace(lines + anchor, anchor, 1))
                template.save(update_fields=[field])

    for slug, language, short in SMS_EDITS:
        head, tail = _sms_parts(short)
        for template in MessageTemplate.objects.filter(slug=slug, channel="sms", language=language):
            body = template.body_text
            if body.startswith(head) and body.endswith(tail):
                template.body_text = body[len(head) : -len(tail)]
                template.save(update_fields=["body_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("touchpoints", "0003_call_attempts"),
        ("surveys", "0002_default_survey"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
