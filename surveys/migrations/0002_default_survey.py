"""The default survey sent after delivery (settings.DEFAULT_SURVEY), in English and Russian.

Data, not schema: directors edit it in the admin afterwards. Running it again updates the survey
and its questions in place by their codes and positions; reversing it removes the survey unless
invitations to it exist (they are history, and protect it). The texts are frozen here on purpose.
"""

from django.db import migrations

SURVEY = {
    "slug": "after-delivery",
    "title": "How did we do?",
    "title_ru": "Как мы справились?",
    "intro": (
        "Thank you for choosing us. Four short questions, one minute: your answers go straight "
        "to the people who made and delivered your order."
    ),
    "intro_ru": (
        "Спасибо, что выбрали нас. Четыре коротких вопроса, одна минута: ваши ответы сразу "
        "попадут к тем, кто делал и доставлял ваш заказ."
    ),
    "days_valid": 30,
    "is_active": True,
}

QUESTIONS = [
    {
        "position": 1,
        "kind": "score",
        "text": "How satisfied are you with your purchase and with our service?",
        "text_ru": "Насколько вы довольны покупкой и нашим обслуживанием?",
        "choices": "",
        "required": True,
    },
    {
        "position": 2,
        "kind": "nps",
        "text": "How likely are you to recommend us to your friends or family?",
        "text_ru": "Насколько вероятно, что вы порекомендуете нас друзьям или близким?",
        "choices": "",
        "required": False,
    },
    {
        "position": 3,
        "kind": "choice",
        "text": "What mattered most to you?",
        "text_ru": "Что было для вас самым важным?",
        "choices": "Quality | Качество\nDelivery | Доставка\nService | Обслуживание\nPrice | Цена",
        "required": False,
    },
    {
        "position": 4,
        "kind": "text",
        "text": "Is there anything you would like to tell us?",
        "text_ru": "Хотите что-нибудь нам сказать?",
        "choices": "",
        "required": False,
    },
]


def create_survey(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    Question = apps.get_model("surveys", "Question")
    fields = dict(SURVEY)
    survey, _ = Survey.objects.update_or_create(slug=fields.pop("slug"), defaults=fields)
    for question in QUESTIONS:
        fields = dict(question)
        Question.objects.update_or_create(
            survey=survey, position=fields.pop("position"), defaults=fields
        )


def delete_survey(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    Invitation = apps.get_model("surveys", "Invitation")
    survey = Survey.objects.filter(slug=SURVEY["slug"]).first()
    if survey is not None and not Invitation.objects.filter(survey=survey).exists():
        survey.delete()  # its questions go with it


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_survey, delete_survey),
    ]
