"""Forms of the survey pages and the service cases. They validate input only: the answers of a
survey are checked by services.survey_answer_errors, the service cases by the services."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.forms import DateInput, NoSuffix, PlausibleDateField
from clients.models import Client, Order
from followup_crm.forms import SubmittedOnce

from .models import Question, ServiceCase

# Longer than any answer the service keeps (4,000 characters of free text): what is beyond is
# dropped before it is looked at.
ANSWER_MAX_LENGTH = 5000

SATISFACTION_CHOICES = [("", _("Not asked"))] + [(str(n), str(n)) for n in range(5, 0, -1)]


def survey_data(data: Mapping[str, Any], questions: list[Question]) -> dict[str, str]:
    """The answers of a posted survey form: only the questions' own fields, as bounded text
    without NUL characters (a database refuses them), ready for services.survey_answer."""
    cleaned = {}
    for question in questions:
        key = str(question.pk)
        value = data.get(key, "")
        cleaned[key] = str(value)[:ANSWER_MAX_LENGTH].replace("\x00", "")
    return cleaned


@dataclass(frozen=True)
class SurveyField:
    """One question as the page draws it, in the client's language, with what was answered."""

    question: Question
    name: str
    label: str
    kind: str
    required: bool
    options: list[tuple[str, str]]
    value: str
    error: str


def survey_fields(
    questions: list[Question],
    language: str,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, Any] | None = None,
) -> list[SurveyField]:
    values, errors = values or {}, errors or {}
    fields = []
    for question in questions:
        name = str(question.pk)
        if question.kind == Question.Kind.SCORE:
            options = [(str(n), str(n)) for n in range(1, 6)]
        elif question.kind == Question.Kind.NPS:
            options = [(str(n), str(n)) for n in range(11)]
        elif question.kind == Question.Kind.CHOICE:
            options = question.choice_list(language)
        else:
            options = []
        error = errors.get(name, "")
        if isinstance(error, list):
            error = " ".join(str(message) for message in error)
        fields.append(
            SurveyField(
                question=question,
                name=name,
                label=question.in_language(language),
                kind=question.kind,
                required=question.required,
                options=options,
                value=str(values.get(name, "")),
                error=str(error),
            )
        )
    return fields


# --- service cases -----------------------------------------------------------------------


class ClientSearchForm(NoSuffix, forms.Form):
    q = forms.CharField(label=_("Find the client"), required=False, max_length=200)


class ServiceCaseForm(NoSuffix, SubmittedOnce):
    """A service case of one client, chosen before the form is shown (the order list is that
    client's orders)."""

    order = forms.ModelChoiceField(
        label=_("Order"),
        queryset=Order.objects.none(),
        required=False,
        empty_label=_("Not about one order"),
    )
    opened_on = PlausibleDateField(label=_("Date"), widget=DateInput())
    problem = forms.CharField(
        label=_("What went wrong"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=ServiceCase.Severity.choices)
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction with the service"),
        choices=SATISFACTION_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("What the client said of how the case was handled: 1 … 5."),
    )

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"opened_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.client = client
        orders: QuerySet[Order] = client.orders.order_by("-placed_at", "-id")
        cast(forms.ModelChoiceField, self.fields["order"]).queryset = orders

    def clean_opened_on(self) -> Any:
        opened_on = self.cleaned_data["opened_on"]
        if opened_on > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return opened_on


class ServiceCaseResolveForm(NoSuffix, forms.Form):
    resolution = forms.CharField(
        label=_("How it was resolved"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction with the service"),
        choices=SATISFACTION_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("What the client said of how the case was handled: 1 … 5."),
    )


class ServiceCaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Show"),
        choices=[("", _("All")), ("open", _("Open")), ("resolved", _("Resolved"))],
        required=False,
    )
