"""The default cadences and their message templates (DESIGN.md, sections 4–6).

Data, not schema: directors edit all of it in the admin afterwards. Running the migration again
(or on a database that already has some of these rows) updates them in place by their codes;
reversing it removes exactly these cadences and templates.

The texts are frozen here on purpose rather than imported from the app: a migration must
produce the same rows whatever the code looks like later.
"""

from django.db import migrations

# --- cadences and steps ------------------------------------------------------------------------

CADENCES = [
    {
        "slug": "after-sale",
        "name": "After-sale follow-up",
        "description": (
            "From the day of delivery to the first anniversary and every year after: the calls "
            "and letters that keep a buyer looked after."
        ),
        "steps": [
            {
                "slug": "delivery-day-call",
                "anchor": "order_delivered",
                "offset": 0,
                "offset_unit": "days",
                "channel": "call",
                "performer": "account_manager",
                "purpose": "Delivery day: how did the first use go?",
                "talking_points": (
                    "- Thank them for choosing us; check that the delivery went as promised: on "
                    "time, complete, nothing damaged.\n"
                    "- Ask how the first use went and whether everything is clear: assembly, "
                    "adjustment, care.\n"
                    "- If something is wrong, agree what we will do and by when. Do not end the "
                    "call without a date.\n"
                    "- Agree when you will call next (in a few days)."
                ),
            },
            {
                "slug": "day-3-call",
                "anchor": "order_delivered",
                "offset": 3,
                "offset_unit": "days",
                "channel": "call",
                "performer": "account_manager",
                "purpose": "Day 3: impressions of the buyer and their family; help if needed",
                "talking_points": (
                    "- Ask how the buyer and their family like the purchase after a few days of "
                    "living with it.\n"
                    "- Listen for small disappointments (a squeak, a shade, a missing part): they "
                    "are easy to fix now and spoil everything if left.\n"
                    "- Offer help and, if needed, arrange a visit or a replacement.\n"
                    "- Remind them that you are their personal contact for anything about the "
                    "purchase, and agree the next call."
                ),
            },
            {
                "slug": "week-2-call",
                "anchor": "order_delivered",
                "offset": 2,
                "offset_unit": "weeks",
                "channel": "call",
                "performer": "account_manager",
                "purpose": "Two weeks: open questions; ask for a recommendation",
                "talking_points": (
                    "- Ask whether any questions have come up since the last call; answer them or "
                    "arrange help.\n"
                    "- If they are happy, ask whether they would recommend us to friends or "
                    "family, and mention the referral reward.\n"
                    "- If they say yes, tick “recommends us” in the client's card.\n"
                    "- Agree the next contact."
                ),
            },
            {
                "slug": "month-3-card",
                "anchor": "order_delivered",
                "offset": 3,
                "offset_unit": "months",
                "channel": "post",
                "performer": "account_manager",
                "purpose": "Three months: a card to say we remember them",
                "talking_points": (
                    "Print the card from the postal batch, sign it by hand and post it, then mark "
                    "it as sent."
                ),
                "template_slug": "month-3-card",
            },
            {
                "slug": "month-6-call",
                "anchor": "order_delivered",
                "offset": 6,
                "offset_unit": "months",
                "channel": "call",
                "performer": "account_manager",
                "purpose": "Six months: how is it going?",
                "talking_points": (
                    "- Ask how the purchase is holding up after half a year of everyday use.\n"
                    "- Offer care advice or a service visit if something needs attention.\n"
                    "- Mention what is new and fits what they bought, without pushing.\n"
                    "- Agree the next contact."
                ),
            },
            {
                "slug": "yearly-letter",
                "kind": "yearly",
                "anchor": "order_delivered",
                "offset": 1,
                "offset_unit": "years",
                "channel": "post",
                "performer": "account_manager",
                "purpose": "Every year: a letter of thanks and an invitation to come back",
                "talking_points": (
                    "Print the letter from the postal batch, sign it by hand and post it, then "
                    "mark it as sent."
                ),
                "template_slug": "yearly-letter",
            },
        ],
    },
    {
        "slug": "pre-delivery",
        "name": "Status updates before delivery",
        "description": (
            "Between the order and the promised date: status calls, more often as the date comes "
            "closer, a “ready tomorrow” notice the day before and a reminder on the day."
        ),
        "steps": [
            {
                "slug": "status-updates",
                "kind": "status_series",
                "anchor": "promised_date",
                "offset": 0,
                "offset_unit": "days",
                "channel": "call",
                "performer": "sales_manager",
                "purpose": "Status call: what stage the order is at; confirm the date",
                "talking_points": (
                    "- Tell the buyer where the order is now: in production, assembled, on its "
                    "way.\n"
                    "- Confirm the promised date. If it is at risk, say so now and give a new "
                    "date: the buyer must never find out on the day.\n"
                    "- Ask whether anything has changed on their side: address, time, who will "
                    "receive it.\n"
                    "- Agree when you will call next."
                ),
            },
            {
                "slug": "ready-tomorrow",
                "anchor": "promised_date",
                "offset": -1,
                "offset_unit": "days",
                "channel": "sms",
                "performer": "system",
                "purpose": "The day before: “your order is ready tomorrow”",
                "template_slug": "ready-tomorrow",
            },
            {
                # Counted from midnight of the promised date: the morning of the day, a few
                # hours before the buyer comes for the order.
                "slug": "pickup-reminder",
                "anchor": "promised_date",
                "offset": 9,
                "offset_unit": "hours",
                "channel": "sms",
                "performer": "system",
                "purpose": "On the day: a reminder a few hours before pickup",
                "template_slug": "pickup-reminder",
            },
        ],
    },
    {
        "slug": "order-notifications",
        "name": "Order notifications",
        "description": "Messages the system sends as the order moves: placed, ready, at the "
        "pickup point, delivered.",
        "steps": [
            {
                "slug": "order-thanks",
                "anchor": "order_placed",
                "offset": 0,
                "offset_unit": "hours",
                "channel": "email",
                "performer": "system",
                "purpose": "Thanks for the order",
                "template_slug": "order-thanks",
            },
            {
                "slug": "order-ready",
                "anchor": "order_ready",
                "offset": 0,
                "offset_unit": "hours",
                "channel": "sms",
                "performer": "system",
                "purpose": "The order is ready",
                "template_slug": "order-ready",
            },
            {
                "slug": "order-at-pickup",
                "anchor": "order_at_pickup",
                "offset": 0,
                "offset_unit": "hours",
                "channel": "sms",
                "performer": "system",
                "purpose": "The order is at the pickup point",
                "template_slug": "order-at-pickup",
            },
            {
                "slug": "director-thanks",
                "anchor": "order_delivered",
                "offset": 1,
                "offset_unit": "days",
                "channel": "email",
                "performer": "system",
                "purpose": "The director's thank-you letter with a request for feedback",
                "template_slug": "director-thanks",
            },
        ],
    },
    {
        "slug": "handoff",
        "name": "Handoff letters",
        "description": (
            "When a new buyer is handed to a personal account manager: a letter from the sales "
            "manager, then one from the account manager."
        ),
        "steps": [
            {
                "slug": "sales-letter",
                "anchor": "handoff",
                "offset": 0,
                "offset_unit": "hours",
                "channel": "email",
                "performer": "system",
                "purpose": "The sales manager thanks the buyer and introduces the account manager",
                "template_slug": "handoff-sales-letter",
            },
            {
                "slug": "manager-letter",
                "anchor": "handoff",
                "offset": 1,
                "offset_unit": "days",
                "channel": "email",
                "performer": "system",
                "purpose": "The account manager introduces themselves",
                "template_slug": "handoff-manager-letter",
            },
        ],
    },
    {
        "slug": "holidays",
        "name": "Holiday greetings",
        "description": "Greetings to every buyer on the main public holidays.",
        "steps": [
            {
                "slug": "new-year",
                "anchor": "yearly_date",
                "month": 12,
                "day": 29,
                "audience": "buyers",
                "channel": "email",
                "performer": "system",
                "purpose": "New Year greeting",
                "template_slug": "holiday-new-year",
            },
            {
                "slug": "spring-day",
                "anchor": "yearly_date",
                "month": 4,
                "day": 30,
                "audience": "buyers",
                "channel": "email",
                "performer": "system",
                "purpose": "Spring and Labour Day greeting",
                "template_slug": "holiday-spring",
            },
        ],
    },
    {
        "slug": "year-end",
        "name": "Director's year-end letter",
        "description": (
            "At the end of the year the director thanks everyone who bought from us that year "
            "and asks for their opinion."
        ),
        "steps": [
            {
                "slug": "year-end-letter",
                "anchor": "yearly_date",
                "month": 12,
                "day": 27,
                "audience": "buyers_of_year",
                "channel": "email",
                "performer": "system",
                "purpose": "The director's year-end letter to this year's buyers",
                "template_slug": "director-year-end",
            },
        ],
    },
    {
        "slug": "win-back",
        "name": "Win-back after a refusal",
        "description": "A call some months after a client refused, to see whether we can "
        "try again.",
        "steps": [
            {
                "slug": "win-back-call",
                "anchor": "refusal",
                "offset": 3,
                "offset_unit": "months",
                "channel": "call",
                "performer": "account_manager",
                "purpose": "Win-back: does the reason for the refusal still hold?",
                "talking_points": (
                    "- Read the refusal's reason and details before you call.\n"
                    "- Ask whether that reason still holds today, and listen without arguing.\n"
                    "- Tell them what has changed since (service, production, the range, prices) "
                    "that answers their reason; only what is true.\n"
                    "- If they are open to it, invite them to visit or suggest a next step; if "
                    "not, thank them and ask whether we may get in touch again later."
                ),
            },
        ],
    },
    {
        "slug": "advocates",
        "name": "Thanking advocates",
        "description": "A call to thank a client who has started recommending us.",
        "steps": [
            {
                "slug": "thank-advocate",
                "anchor": "stage_reached",
                "anchor_stage": "advocate",
                "offset": 1,
                "offset_unit": "days",
                "channel": "call",
                "performer": "account_manager",
                "purpose": "Thank them for recommending us; tell them about the referral reward",
                "talking_points": (
                    "- Thank them sincerely for recommending us: it is the best compliment a "
                    "buyer can pay.\n"
                    "- Explain the referral reward and check that any reward already earned has "
                    "reached them.\n"
                    "- Ask whether anyone else they know might need our help; never press.\n"
                    "- Agree the next contact."
                ),
            },
        ],
    },
]

# --- message templates ----------------------------------------------------------------------
#
# Context: see touchpoints/messaging.py. Text versions are rendered without HTML escaping, the
# HTML versions with it. SMS texts are joined into one line and must fit in three segments
# (Cyrillic: 67 characters a segment), so they stay short and skip the client's name.

_BOX = (
    '<div style="font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.55; '
    'color: #222222; max-width: 600px;">\n'
)
_END = "</div>\n"
_FOOT = '<p style="margin-top: 28px; font-size: 12px; color: #777777;">'

_EMAIL_FOOTER_EN = (
    "\n\n--\nWould rather not receive our e-mails? Unsubscribe: {{ links.unsubscribe }}\n"
)
_EMAIL_FOOTER_EN_HTML = (
    _FOOT + "Would rather not receive our e-mails? "
    '<a href="{{ links.unsubscribe }}" style="color: #777777;">Unsubscribe</a>.</p>\n'
)
_EMAIL_FOOTER_RU = "\n\n--\nНе хотите получать наши письма? Отписаться: {{ links.unsubscribe }}\n"
_EMAIL_FOOTER_RU_HTML = (
    _FOOT + "Не хотите получать наши письма? "
    '<a href="{{ links.unsubscribe }}" style="color: #777777;">Отписаться</a>.</p>\n'
)

# A one-page printed letter: a larger, calmer type and generous margins.
_PAGE = (
    '<div style="font-family: Georgia, \'Times New Roman\', serif; font-size: 16px; '
    'line-height: 1.6; color: #222222; max-width: 640px; padding: 24px 0;">\n'
)


def _email(text, html, lang):
    """Every e-mail ends with the unsubscribe link, in the text and in the HTML."""
    footer, footer_html = {
        "en": (_EMAIL_FOOTER_EN, _EMAIL_FOOTER_EN_HTML),
        "ru": (_EMAIL_FOOTER_RU, _EMAIL_FOOTER_RU_HTML),
    }[lang]
    return text.strip() + footer, _BOX + html.strip() + "\n" + footer_html + _END


def _letter(text, html):
    return text.strip() + "\n", _PAGE + html.strip() + "\n" + _END


TEMPLATES = []


def _add_email(slug, lang, subject, text, html):
    body_text, body_html = _email(text, html, lang)
    TEMPLATES.append(
        {
            "slug": slug,
            "channel": "email",
            "language": lang,
            "subject": subject,
            "body_text": body_text,
            "body_html": body_html,
        }
    )


def _add_sms(slug, lang, text):
    TEMPLATES.append(
        {
            "slug": slug,
            "channel": "sms",
            "language": lang,
            "subject": "",
            "body_text": " ".join(text.split()),
            "body_html": "",
        }
    )


def _add_post(slug, lang, subject, text, html):
    body_text, body_html = _letter(text, html)
    TEMPLATES.append(
        {
            "slug": slug,
            "channel": "post",
            "language": lang,
            "subject": subject,
            "body_text": body_text,
            "body_html": body_html,
        }
    )


# Thanks for the order ---------------------------------------------------------------------------

_add_email(
    "order-thanks",
    "en",
    "Thank you for your order",
    """
Hello, {% firstof client.contact_person client.name %}!

Thank you for your order{% if order %} No. {% firstof order.external_id order.pk %}{% endif %}. We have it, and work on it has already begun.{% if order.promised_date %} It will be ready by {{ order.promised_date|date:"j F Y" }}, and until then we will keep you posted on how it is going.{% endif %}{% if manager %}

Your manager is {% firstof manager.get_full_name manager.username %}{% if manager.email %} ({{ manager.email }}){% endif %}: feel free to ask them anything about the order.{% endif %}

If you need us, call {{ company.phone }}.

Kind regards,
The {{ company.name }} team
""",
    """
<p>Hello, {% firstof client.contact_person client.name %}!</p>
<p>Thank you for your order{% if order %} No.&nbsp;{% firstof order.external_id order.pk %}{% endif %}. We have it, and work on it has already begun.{% if order.promised_date %} It will be ready by <strong>{{ order.promised_date|date:"j F Y" }}</strong>, and until then we will keep you posted on how it is going.{% endif %}</p>
{% if manager %}<p>Your manager is {% firstof manager.get_full_name manager.username %}{% if manager.email %} (<a href="mailto:{{ manager.email }}">{{ manager.email }}</a>){% endif %}: feel free to ask them anything about the order.</p>{% endif %}
<p>If you need us, call {{ company.phone }}.</p>
<p>Kind regards,<br>The {{ company.name }} team</p>
""",
)
_add_email(
    "order-thanks",
    "ru",
    "Спасибо за заказ",
    """
Здравствуйте, {% firstof client.contact_person client.name %}!

Спасибо за ваш заказ{% if order %} № {% firstof order.external_id order.pk %}{% endif %}. Мы его получили и уже взялись за работу.{% if order.promised_date %} Всё будет готово к {{ order.promised_date|date:"j E Y" }} года, а до тех пор мы будем рассказывать вам, как идут дела.{% endif %}{% if manager %}

Ваш менеджер — {% firstof manager.get_full_name manager.username %}{% if manager.email %} ({{ manager.email }}){% endif %}. С любым вопросом о заказе смело пишите или звоните.{% endif %}

Если мы вам понадобимся, звоните: {{ company.phone }}.

С уважением,
команда {{ company.name }}
""",
    """
<p>Здравствуйте, {% firstof client.contact_person client.name %}!</p>
<p>Спасибо за ваш заказ{% if order %} №&nbsp;{% firstof order.external_id order.pk %}{% endif %}. Мы его получили и уже взялись за работу.{% if order.promised_date %} Всё будет готово к <strong>{{ order.promised_date|date:"j E Y" }} года</strong>, а до тех пор мы будем рассказывать вам, как идут дела.{% endif %}</p>
{% if manager %}<p>Ваш менеджер — {% firstof manager.get_full_name manager.username %}{% if manager.email %} (<a href="mailto:{{ manager.email }}">{{ manager.email }}</a>){% endif %}. С любым вопросом о заказе смело пишите или звоните.</p>{% endif %}
<p>Если мы вам понадобимся, звоните: {{ company.phone }}.</p>
<p>С уважением,<br>команда {{ company.name }}</p>
""",
)

# SMS: ready, at the pickup point, ready tomorrow, today ----------------------------------------

_add_sms(
    "order-ready",
    "en",
    """Good news: your order{% if order %} {% firstof order.external_id order.pk %}{% endif %}
    is ready! We will be in touch to agree on delivery or pickup. {{ company.name }},
    {{ company.phone }}""",
)
_add_sms(
    "order-ready",
    "ru",
    """Ваш заказ{% if order %} № {% firstof order.external_id order.pk %}{% endif %} готов!
    Скоро свяжемся, чтобы договориться о доставке. {{ company.name }}, {{ company.phone }}""",
)
_add_sms(
    "order-at-pickup",
    "en",
    """Your order{% if order %} {% firstof order.external_id order.pk %}{% endif %} is waiting
    for you at the pickup point. Just give the order number when you come. {{ company.name }},
    {{ company.phone }}""",
)
_add_sms(
    "order-at-pickup",
    "ru",
    """Ваш заказ{% if order %} № {% firstof order.external_id order.pk %}{% endif %} ждёт вас
    в пункте выдачи. При получении назовите номер заказа. {{ company.name }},
    {{ company.phone }}""",
)
_add_sms(
    "ready-tomorrow",
    "en",
    """Your order{% if order %} {% firstof order.external_id order.pk %}{% endif %} will be ready
    for you tomorrow{% if order.promised_date %}, {{ order.promised_date|date:"j F" }}{% endif %}.
    If your plans have changed, please call {{ company.phone }}. {{ company.name }}""",
)
_add_sms(
    "ready-tomorrow",
    "ru",
    """Завтра{% if order.promised_date %}, {{ order.promised_date|date:"j E" }},{% endif %} ваш
    заказ{% if order %} № {% firstof order.external_id order.pk %}{% endif %} будет готов. Если
    планы изменились, позвоните: {{ company.phone }}. {{ company.name }}""",
)
_add_sms(
    "pickup-reminder",
    "en",
    """A reminder: your order{% if order %} {% firstof order.external_id order.pk %}{% endif %}
    is ready for you today. If anything has changed, please call {{ company.phone }}.
    {{ company.name }}""",
)
_add_sms(
    "pickup-reminder",
    "ru",
    """Напоминаем: сегодня ждём вас за заказом{% if order %} №
    {% firstof order.external_id order.pk %}{% endif %}. Если что-то изменилось, позвоните:
    {{ company.phone }}. {{ company.name }}""",
)

# The director's thanks after delivery -------------------------------------------------------

_add_email(
    "director-thanks",
    "en",
    "Thank you for choosing {{ company.name }}",
    """
Hello, {% firstof client.contact_person client.name %}!

You have recently received your order{% if order %} No. {% firstof order.external_id order.pk %}{% endif %}, and I would like to thank you personally for choosing {{ company.name }} and trusting us with it.

We care about the whole way from your order to your home. Was everything on time? Were our people attentive? Is the purchase what you expected? Please reply with a few words, about the good and the bad alike. I read every answer myself, and it is exactly what helps us get better.

With gratitude,
{% if director %}{% firstof director.get_full_name director.username %}
Director, {{ company.name }}{% if director.email %}
{{ director.email }}{% endif %}{% else %}The {{ company.name }} team{% endif %}
""",
    """
<p>Hello, {% firstof client.contact_person client.name %}!</p>
<p>You have recently received your order{% if order %} No.&nbsp;{% firstof order.external_id order.pk %}{% endif %}, and I would like to thank you personally for choosing {{ company.name }} and trusting us with it.</p>
<p>We care about the whole way from your order to your home. Was everything on time? Were our people attentive? Is the purchase what you expected? Please reply with a few words, about the good and the bad alike. I read every answer myself, and it is exactly what helps us get better.</p>
<p>With gratitude,<br>
{% if director %}{% firstof director.get_full_name director.username %}<br>Director, {{ company.name }}{% if director.email %}<br><a href="mailto:{{ director.email }}">{{ director.email }}</a>{% endif %}{% else %}The {{ company.name }} team{% endif %}</p>
""",
)
_add_email(
    "director-thanks",
    "ru",
    "Спасибо, что выбрали {{ company.name }}",
    """
Здравствуйте, {% firstof client.contact_person client.name %}!

Недавно вы получили свой заказ{% if order %} № {% firstof order.external_id order.pk %}{% endif %}, и мне хочется лично поблагодарить вас за то, что выбрали {{ company.name }} и доверили нам эту покупку.

Нам важен весь путь — от заказа до вашего дома. Всё ли было вовремя? Внимательны ли были наши сотрудники? Оправдала ли покупка ваши ожидания? Ответьте, пожалуйста, на это письмо хотя бы парой слов — и о хорошем, и о плохом. Каждый ответ я читаю лично: именно такие отзывы помогают нам становиться лучше.

С благодарностью,
{% if director %}{% firstof director.get_full_name director.username %}
директор {{ company.name }}{% if director.email %}
{{ director.email }}{% endif %}{% else %}команда {{ company.name }}{% endif %}
""",
    """
<p>Здравствуйте, {% firstof client.contact_person client.name %}!</p>
<p>Недавно вы получили свой заказ{% if order %} №&nbsp;{% firstof order.external_id order.pk %}{% endif %}, и мне хочется лично поблагодарить вас за то, что выбрали {{ company.name }} и доверили нам эту покупку.</p>
<p>Нам важен весь путь — от заказа до вашего дома. Всё ли было вовремя? Внимательны ли были наши сотрудники? Оправдала ли покупка ваши ожидания? Ответьте, пожалуйста, на это письмо хотя бы парой слов — и о хорошем, и о плохом. Каждый ответ я читаю лично: именно такие отзывы помогают нам становиться лучше.</p>
<p>С благодарностью,<br>
{% if director %}{% firstof director.get_full_name director.username %}<br>директор {{ company.name }}{% if director.email %}<br><a href="mailto:{{ director.email }}">{{ director.email }}</a>{% endif %}{% else %}команда {{ company.name }}{% endif %}</p>
""",
)

# Handoff: the sales manager's letter, then the account manager's ------------------------------

_add_email(
    "handoff-sales-letter",
    "en",
    "Your personal manager at {{ company.name }}",
    """
Hello, {% firstof client.contact_person client.name %}!

Thank you once more for your purchase: it was a real pleasure to work with you.

From now on you have a personal manager{% if account_manager %}, {% firstof account_manager.get_full_name account_manager.username %},{% endif %} who will look after you: answer your questions about the purchase, help if anything is needed, and tell you about anything that may interest you.{% if account_manager %}

How to reach them:{% if account_manager.email %}
e-mail: {{ account_manager.email }}{% endif %}
phone: {{ company.phone }}{% endif %}

I am not going anywhere, though: if you would like to talk to me, just write{% if sales_manager.email %} to {{ sales_manager.email }}{% endif %}.

Best regards,
{% if sales_manager %}{% firstof sales_manager.get_full_name sales_manager.username %}
{{ company.name }}{% else %}The {{ company.name }} team{% endif %}
""",
    """
<p>Hello, {% firstof client.contact_person client.name %}!</p>
<p>Thank you once more for your purchase: it was a real pleasure to work with you.</p>
<p>From now on you have a personal manager{% if account_manager %}, <strong>{% firstof account_manager.get_full_name account_manager.username %}</strong>,{% endif %} who will look after you: answer your questions about the purchase, help if anything is needed, and tell you about anything that may interest you.</p>
{% if account_manager %}<p>How to reach them:<br>{% if account_manager.email %}e-mail: <a href="mailto:{{ account_manager.email }}">{{ account_manager.email }}</a><br>{% endif %}phone: {{ company.phone }}</p>{% endif %}
<p>I am not going anywhere, though: if you would like to talk to me, just write{% if sales_manager.email %} to <a href="mailto:{{ sales_manager.email }}">{{ sales_manager.email }}</a>{% endif %}.</p>
<p>Best regards,<br>{% if sales_manager %}{% firstof sales_manager.get_full_name sales_manager.username %}<br>{{ company.name }}{% else %}The {{ company.name }} team{% endif %}</p>
""",
)
_add_email(
    "handoff-sales-letter",
    "ru",
    "Ваш персональный менеджер в {{ company.name }}",
    """
Здравствуйте, {% firstof client.contact_person client.name %}!

Ещё раз спасибо за покупку — с вами было по-настоящему приятно работать.

Теперь о вас будет заботиться персональный менеджер{% if account_manager %} — {% firstof account_manager.get_full_name account_manager.username %}{% endif %}: ответит на вопросы о покупке, поможет, если что-то понадобится, и расскажет о том, что может быть вам интересно.{% if account_manager %}

Как связаться:{% if account_manager.email %}
эл. почта: {{ account_manager.email }}{% endif %}
телефон: {{ company.phone }}{% endif %}

При этом я никуда не пропадаю: если захотите поговорить со мной, просто напишите{% if sales_manager.email %} на {{ sales_manager.email }}{% endif %}.

С уважением,
{% if sales_manager %}{% firstof sales_manager.get_full_name sales_manager.username %}
{{ company.name }}{% else %}команда {{ company.name }}{% endif %}
""",
    """
<p>Здравствуйте, {% firstof client.contact_person client.name %}!</p>
<p>Ещё раз спасибо за покупку — с вами было по-настоящему приятно работать.</p>
<p>Теперь о вас будет заботиться персональный менеджер{% if account_manager %} — <strong>{% firstof account_manager.get_full_name account_manager.username %}</strong>{% endif %}: ответит на вопросы о покупке, поможет, если что-то понадобится, и расскажет о том, что может быть вам интересно.</p>
{% if account_manager %}<p>Как связаться:<br>{% if account_manager.email %}эл. почта: <a href="mailto:{{ account_manager.email }}">{{ account_manager.email }}</a><br>{% endif %}телефон: {{ company.phone }}</p>{% endif %}
<p>При этом я никуда не пропадаю: если захотите поговорить со мной, просто напишите{% if sales_manager.email %} на <a href="mailto:{{ sales_manager.email }}">{{ sales_manager.email }}</a>{% endif %}.</p>
<p>С уважением,<br>{% if sales_manager %}{% firstof sales_manager.get_full_name sales_manager.username %}<br>{{ company.name }}{% else %}команда {{ company.name }}{% endif %}</p>
""",
)
_add_email(
    "handoff-manager-letter",
    "en",
    "Let me introduce myself: your manager at {{ company.name }}",
    """
Hello, {% firstof client.contact_person client.name %}!

{% if account_manager %}My name is {% firstof account_manager.get_full_name account_manager.username %}, and I am your personal manager at {{ company.name }}.{% else %}We are the {{ company.name }} client care team, and from now on we are looking after you.{% endif %}

What that means for you: any question about your purchase or its care comes straight to me, and if something goes wrong, I will sort it out. Now and then I will call to ask how you are getting on; I hope you don't mind.

Write to me{% if account_manager.email %} at {{ account_manager.email }}{% endif %} or call {{ company.phone }}: I will be glad to hear from you.

Speak soon,
{% if account_manager %}{% firstof account_manager.get_full_name account_manager.username %}
{{ company.name }}{% else %}The {{ company.name }} team{% endif %}
""",
    """
<p>Hello, {% firstof client.contact_person client.name %}!</p>
<p>{% if account_manager %}My name is <strong>{% firstof account_manager.get_full_name account_manager.username %}</strong>, and I am your personal manager at {{ company.name }}.{% else %}We are the {{ company.name }} client care team, and from now on we are looking after you.{% endif %}</p>
<p>What that means for you: any question about your purchase or its care comes straight to me, and if something goes wrong, I will sort it out. Now and then I will call to ask how you are getting on; I hope you don't mind.</p>
<p>Write to me{% if account_manager.email %} at <a href="mailto:{{ account_manager.email }}">{{ account_manager.email }}</a>{% endif %} or call {{ company.phone }}: I will be glad to hear from you.</p>
<p>Speak soon,<br>{% if account_manager %}{% firstof account_manager.get_full_name account_manager.username %}<br>{{ company.name }}{% else %}The {{ company.name }} team{% endif %}</p>
""",
)
_add_email(
    "handoff-manager-letter",
    "ru",
    "Давайте знакомиться: ваш менеджер в {{ company.name }}",
    """
Здравствуйте, {% firstof client.contact_person client.name %}!

{% if account_manager %}Меня зовут {% firstof account_manager.get_full_name account_manager.username %}, я ваш персональный менеджер в {{ company.name }}.{% else %}Мы — служба заботы о клиентах {{ company.name }}, и теперь вы с нами на связи.{% endif %}

Что это значит для вас: с любым вопросом о покупке или уходе за ней можно сразу обращаться ко мне, а если что-то пойдёт не так, я во всём разберусь. Время от времени я буду звонить и спрашивать, как у вас дела, — надеюсь, вы не против.

Пишите мне{% if account_manager.email %} на {{ account_manager.email }}{% endif %} или звоните по телефону {{ company.phone }} — я всегда на связи.

До связи,
{% if account_manager %}{% firstof account_manager.get_full_name account_manager.username %}
{{ company.name }}{% else %}команда {{ company.name }}{% endif %}
""",
    """
<p>Здравствуйте, {% firstof client.contact_person client.name %}!</p>
<p>{% if account_manager %}Меня зовут <strong>{% firstof account_manager.get_full_name account_manager.username %}</strong>, я ваш персональный менеджер в {{ company.name }}.{% else %}Мы — служба заботы о клиентах {{ company.name }}, и теперь вы с нами на связи.{% endif %}</p>
<p>Что это значит для вас: с любым вопросом о покупке или уходе за ней можно сразу обращаться ко мне, а если что-то пойдёт не так, я во всём разберусь. Время от времени я буду звонить и спрашивать, как у вас дела, — надеюсь, вы не против.</p>
<p>Пишите мне{% if account_manager.email %} на <a href="mailto:{{ account_manager.email }}">{{ account_manager.email }}</a>{% endif %} или звоните по телефону {{ company.phone }} — я всегда на связи.</p>
<p>До связи,<br>{% if account_manager %}{% firstof account_manager.get_full_name account_manager.username %}<br>{{ company.name }}{% else %}команда {{ company.name }}{% endif %}</p>
""",
)

# Holidays -----------------------------------------------------------------------------------

_add_email(
    "holiday-new-year",
    "en",
    "Happy New Year from {{ company.name }}!",
    """
Hello, {% firstof client.contact_person client.name %}!

The year is nearly over, and we would like to thank you for being with us. We wish you a warm, unhurried New Year's Eve with the people you love, and a new year full of good news, good health and comfort at home.

Happy New Year!
{% if manager %}{% firstof manager.get_full_name manager.username %} and the{% else %}The{% endif %} {{ company.name }} team
""",
    """
<p>Hello, {% firstof client.contact_person client.name %}!</p>
<p>The year is nearly over, and we would like to thank you for being with us. We wish you a warm, unhurried New Year's Eve with the people you love, and a new year full of good news, good health and comfort at home.</p>
<p style="font-size: 18px;"><strong>Happy New Year!</strong></p>
<p>{% if manager %}{% firstof manager.get_full_name manager.username %} and the{% else %}The{% endif %} {{ company.name }} team</p>
""",
)
_add_email(
    "holiday-new-year",
    "ru",
    "С наступающим Новым годом!",
    """
Здравствуйте, {% firstof client.contact_person client.name %}!

Год подходит к концу, и нам хочется сказать вам спасибо за то, что вы с нами. Желаем тёплого, неспешного новогоднего вечера в кругу близких, а в новом году — здоровья, хороших новостей и уюта в доме.

С наступающим!
{% if manager %}{% firstof manager.get_full_name manager.username %} и вся команда{% else %}Команда{% endif %} {{ company.name }}
""",
    """
<p>Здравствуйте, {% firstof client.contact_person client.name %}!</p>
<p>Год подходит к концу, и нам хочется сказать вам спасибо за то, что вы с нами. Желаем тёплого, неспешного новогоднего вечера в кругу близких, а в новом году — здоровья, хороших новостей и уюта в доме.</p>
<p style="font-size: 18px;"><strong>С наступающим!</strong></p>
<p>{% if manager %}{% firstof manager.get_full_name manager.username %} и вся команда{% else %}Команда{% endif %} {{ company.name }}</p>
""",
)
_add_email(
    "holiday-spring",
    "en",
    "Happy Spring and Labour Day!",
    """
Hello, {% firstof client.contact_person client.name %}!

The May holidays are almost here: long light evenings, the first picnics, trips out of town. We wish you a good rest, sunny weather and a fine mood all through the holidays.

Happy Spring and Labour Day!
{% if manager %}{% firstof manager.get_full_name manager.username %} and the{% else %}The{% endif %} {{ company.name }} team
""",
    """
<p>Hello, {% firstof client.contact_person client.name %}!</p>
<p>The May holidays are almost here: long light evenings, the first picnics, trips out of town. We wish you a good rest, sunny weather and a fine mood all through the holidays.</p>
<p style="font-size: 18px;"><strong>Happy Spring and Labour Day!</strong></p>
<p>{% if manager %}{% firstof manager.get_full_name manager.username %} and the{% else %}The{% endif %} {{ company.name }} team</p>
""",
)
_add_email(
    "holiday-spring",
    "ru",
    "С Праздником Весны и Труда!",
    """
Здравствуйте, {% firstof client.contact_person client.name %}!

Впереди майские праздники: долгие светлые вечера, первые пикники и поездки за город. Желаем вам как следует отдохнуть, солнечной погоды и отличного настроения.

С Первомаем!
{% if manager %}{% firstof manager.get_full_name manager.username %} и вся команда{% else %}Команда{% endif %} {{ company.name }}
""",
    """
<p>Здравствуйте, {% firstof client.contact_person client.name %}!</p>
<p>Впереди майские праздники: долгие светлые вечера, первые пикники и поездки за город. Желаем вам как следует отдохнуть, солнечной погоды и отличного настроения.</p>
<p style="font-size: 18px;"><strong>С Первомаем!</strong></p>
<p>{% if manager %}{% firstof manager.get_full_name manager.username %} и вся команда{% else %}Команда{% endif %} {{ company.name }}</p>
""",
)

# The director's year-end letter ----------------------------------------------------------------

_add_email(
    "director-year-end",
    "en",
    "Thank you for this year: a letter from the director of {{ company.name }}",
    """
Hello, {% firstof client.contact_person client.name %}!

This year you chose {{ company.name }}, and I want to thank you for it personally. Every order is an act of trust, and we have done our best to deserve it.

Your opinion matters a great deal to me. What did you like about dealing with us? What should we do better next year? Every answer will be read, by me personally, even if it is a single line.

You can write or call me directly:{% if director.email %}
e-mail: {{ director.email }}{% endif %}
phone: {{ company.phone }}

Happy holidays, and all the best in the new year!

{% if director %}{% firstof director.get_full_name director.username %}
Director, {{ company.name }}{% else %}The {{ company.name }} team{% endif %}
""",
    """
<p>Hello, {% firstof client.contact_person client.name %}!</p>
<p>This year you chose {{ company.name }}, and I want to thank you for it personally. Every order is an act of trust, and we have done our best to deserve it.</p>
<p>Your opinion matters a great deal to me. What did you like about dealing with us? What should we do better next year? Every answer will be read, by me personally, even if it is a single line.</p>
<p>You can write or call me directly:<br>{% if director.email %}e-mail: <a href="mailto:{{ director.email }}">{{ director.email }}</a><br>{% endif %}phone: {{ company.phone }}</p>
<p>Happy holidays, and all the best in the new year!</p>
<p>{% if director %}{% firstof director.get_full_name director.username %}<br>Director, {{ company.name }}{% else %}The {{ company.name }} team{% endif %}</p>
""",
)
_add_email(
    "director-year-end",
    "ru",
    "Спасибо за этот год: письмо директора {{ company.name }}",
    """
Здравствуйте, {% firstof client.contact_person client.name %}!

В этом году вы выбрали {{ company.name }}, и я хочу лично поблагодарить вас за это. Каждый заказ — это доверие, и мы старались его оправдать.

Мне очень важно ваше мнение. Что вам понравилось в работе с нами? Что нам стоит сделать лучше в следующем году? Я лично прочитаю каждый ответ, даже если в нём будет всего одна строчка.

Написать или позвонить мне можно напрямую:{% if director.email %}
эл. почта: {{ director.email }}{% endif %}
телефон: {{ company.phone }}

С наступающими праздниками и всего самого доброго в новом году!

{% if director %}{% firstof director.get_full_name director.username %}
директор {{ company.name }}{% else %}команда {{ company.name }}{% endif %}
""",
    """
<p>Здравствуйте, {% firstof client.contact_person client.name %}!</p>
<p>В этом году вы выбрали {{ company.name }}, и я хочу лично поблагодарить вас за это. Каждый заказ — это доверие, и мы старались его оправдать.</p>
<p>Мне очень важно ваше мнение. Что вам понравилось в работе с нами? Что нам стоит сделать лучше в следующем году? Я лично прочитаю каждый ответ, даже если в нём будет всего одна строчка.</p>
<p>Написать или позвонить мне можно напрямую:<br>{% if director.email %}эл. почта: <a href="mailto:{{ director.email }}">{{ director.email }}</a><br>{% endif %}телефон: {{ company.phone }}</p>
<p>С наступающими праздниками и всего самого доброго в новом году!</p>
<p>{% if director %}{% firstof director.get_full_name director.username %}<br>директор {{ company.name }}{% else %}команда {{ company.name }}{% endif %}</p>
""",
)

# Printed: the three-month card and the yearly letter ------------------------------------------

_add_post(
    "month-3-card",
    "en",
    "We remember you",
    """
Dear {% firstof client.contact_person client.name %},

Three months have passed since you received your purchase, and we simply wanted to write to you. We hope it still brings you joy every day.

If anything needs attention (an adjustment, advice on care, or just a question), call us on {{ company.phone }}. We are always glad to help.

Warmly,
{% if manager %}{% firstof manager.get_full_name manager.username %} and the whole{% else %}The whole{% endif %} {{ company.name }} team
""",
    """
<p>Dear {% firstof client.contact_person client.name %},</p>
<p>Three months have passed since you received your purchase, and we simply wanted to write to you. We hope it still brings you joy every day.</p>
<p>If anything needs attention (an adjustment, advice on care, or just a question), call us on {{ company.phone }}. We are always glad to help.</p>
<p>Warmly,<br>{% if manager %}{% firstof manager.get_full_name manager.username %} and the whole{% else %}The whole{% endif %} {{ company.name }} team</p>
""",
)
_add_post(
    "month-3-card",
    "ru",
    "Мы о вас помним",
    """
Здравствуйте, {% firstof client.contact_person client.name %}!

Прошло три месяца с тех пор, как вы получили свою покупку, и нам просто захотелось вам написать. Надеемся, она по-прежнему радует вас каждый день.

Если что-то понадобится — подрегулировать, подсказать с уходом или просто ответить на вопрос, — звоните по телефону {{ company.phone }}. Мы всегда рады помочь.

С теплом,
{% if manager %}{% firstof manager.get_full_name manager.username %} и вся команда{% else %}вся команда{% endif %} {{ company.name }}
""",
    """
<p>Здравствуйте, {% firstof client.contact_person client.name %}!</p>
<p>Прошло три месяца с тех пор, как вы получили свою покупку, и нам просто захотелось вам написать. Надеемся, она по-прежнему радует вас каждый день.</p>
<p>Если что-то понадобится — подрегулировать, подсказать с уходом или просто ответить на вопрос, — звоните по телефону {{ company.phone }}. Мы всегда рады помочь.</p>
<p>С теплом,<br>{% if manager %}{% firstof manager.get_full_name manager.username %} и вся команда{% else %}вся команда{% endif %} {{ company.name }}</p>
""",
)
_add_post(
    "yearly-letter",
    "en",
    "Thank you for being with us",
    """
Dear {% firstof client.contact_person client.name %},

{% if order.delivered_at %}On {{ order.delivered_at|date:"j F Y" }} you received your order.{% else %}Some time ago you chose us for your home.{% endif %} We remember that day and are grateful for your trust. We hope the purchase serves you well and your home is a pleasure to come back to.

We would be glad to see you again: come and see what is new, ask our advice about your next purchase, or simply drop in and tell us how you are doing. You will find our news at {{ company.site }}, and you can always call us on {{ company.phone }}.

With gratitude,
{% if manager %}{% firstof manager.get_full_name manager.username %} and the{% else %}The{% endif %} {{ company.name }} team
""",
    """
<p>Dear {% firstof client.contact_person client.name %},</p>
<p>{% if order.delivered_at %}On {{ order.delivered_at|date:"j F Y" }} you received your order.{% else %}Some time ago you chose us for your home.{% endif %} We remember that day and are grateful for your trust. We hope the purchase serves you well and your home is a pleasure to come back to.</p>
<p>We would be glad to see you again: come and see what is new, ask our advice about your next purchase, or simply drop in and tell us how you are doing. You will find our news at {{ company.site }}, and you can always call us on {{ company.phone }}.</p>
<p>With gratitude,<br>{% if manager %}{% firstof manager.get_full_name manager.username %} and the{% else %}The{% endif %} {{ company.name }} team</p>
""",
)
_add_post(
    "yearly-letter",
    "ru",
    "Спасибо, что вы с нами",
    """
Здравствуйте, {% firstof client.contact_person client.name %}!

{% if order.delivered_at %}{{ order.delivered_at|date:"j E Y" }} года вы получили свой заказ.{% else %}Когда-то вы выбрали нас для своего дома.{% endif %} Мы помним этот день и благодарны вам за доверие. Надеемся, покупка служит вам верно, а в ваш дом по-прежнему приятно возвращаться.

Будем рады видеть вас снова: приходите посмотреть на новинки, посоветоваться о следующей покупке или просто рассказать, как у вас дела. Наши новости — на сайте {{ company.site }}, а позвонить нам можно в любой день по телефону {{ company.phone }}.

С благодарностью,
{% if manager %}{% firstof manager.get_full_name manager.username %} и вся команда{% else %}команда{% endif %} {{ company.name }}
""",
    """
<p>Здравствуйте, {% firstof client.contact_person client.name %}!</p>
<p>{% if order.delivered_at %}{{ order.delivered_at|date:"j E Y" }} года вы получили свой заказ.{% else %}Когда-то вы выбрали нас для своего дома.{% endif %} Мы помним этот день и благодарны вам за доверие. Надеемся, покупка служит вам верно, а в ваш дом по-прежнему приятно возвращаться.</p>
<p>Будем рады видеть вас снова: приходите посмотреть на новинки, посоветоваться о следующей покупке или просто рассказать, как у вас дела. Наши новости — на сайте {{ company.site }}, а позвонить нам можно в любой день по телефону {{ company.phone }}.</p>
<p>С благодарностью,<br>{% if manager %}{% firstof manager.get_full_name manager.username %} и вся команда{% else %}команда{% endif %} {{ company.name }}</p>
""",
)


# --- the operations --------------------------------------------------------------------------

STEP_DEFAULTS = {
    "kind": "single",
    "anchor_stage": "",
    "offset": 0,
    "offset_unit": "days",
    "month": None,
    "day": None,
    "audience": "buyers",
    "talking_points": "",
    "template_slug": "",
    "is_active": True,
}


def create_defaults(apps, schema_editor):
    Cadence = apps.get_model("touchpoints", "Cadence")
    CadenceStep = apps.get_model("touchpoints", "CadenceStep")
    MessageTemplate = apps.get_model("touchpoints", "MessageTemplate")
    for data in CADENCES:
        cadence, _ = Cadence.objects.update_or_create(
            slug=data["slug"],
            defaults={"name": data["name"], "description": data["description"], "is_active": True},
        )
        for position, step in enumerate(data["steps"], start=1):
            fields = {**STEP_DEFAULTS, **step, "position": position}
            slug = fields.pop("slug")
            CadenceStep.objects.update_or_create(cadence=cadence, slug=slug, defaults=fields)
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


def delete_defaults(apps, schema_editor):
    Cadence = apps.get_model("touchpoints", "Cadence")
    MessageTemplate = apps.get_model("touchpoints", "MessageTemplate")
    Touchpoint = apps.get_model("touchpoints", "Touchpoint")
    cadences = Cadence.objects.filter(slug__in=[data["slug"] for data in CADENCES])
    # Touchpoints protect their step; keep them (they are history) and let go of the step.
    Touchpoint.objects.filter(step__cadence__in=cadences).update(step=None)
    cadences.delete()
    for template in TEMPLATES:
        MessageTemplate.objects.filter(
            slug=template["slug"], channel=template["channel"], language=template["language"]
        ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("touchpoints", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_defaults, delete_defaults),
    ]
