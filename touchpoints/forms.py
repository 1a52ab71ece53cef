import datetime as dt
from dataclasses import fields
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from clients.forms import PlausibleDateField, PlausibleDateTimeField, UserChoiceField
from clients.models import Channel, Refusal, Stage
from clients.services import phone_normalize
from followup_crm.roles import ACCOUNT_MANAGER, SALES_MANAGER
from followup_crm.timezones import company_zone

from .calls import CallReport
from .models import Cadence, CallOutcome, OfferAnswer
from .selectors import CallListFilters
from .unplanned import INBOUND_OUTCOMES, TASK_TEXT_MAX


class IdListField(forms.Field):
    """Ids picked on a list (checkboxes of one name), as integers. Which of them the user may
    see or act on is the view's to decide, object by object, so that it can say how many it
    refused rather than refuse the whole selection."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": _("Select at least one letter."),
        "too_many": _("Select at most %(limit)d at once."),
    }
    LIMIT = 500

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        # A line of the postal list stands for one letter owed to a client, perhaps several
        # tasks: its box carries their ids joined by commas.
        values = [part for item in values for part in str(item).split(",")]
        if len(values) > self.LIMIT:
            raise ValidationError(
                self.error_messages["too_many"], code="too_many", params={"limit": self.LIMIT}
            )
        try:
            ids = [int(str(item).strip()) for item in values]
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        # Beyond a database id: never a row, and it would overflow the query.
        return sorted({pk for pk in ids if 0 < pk < 2**63})


class TouchpointSelectionForm(forms.Form):
    """Postal tasks picked on the list, for printing or for confirming as posted."""

    id = IdListField(error_messages={"required": _("Select at least one letter.")})


class PostalFilterForm(forms.Form):
    """How far ahead the postal list looks: letters due up to a day (a week ahead unless
    chosen)."""

    DEFAULT_DAYS = 7
    HORIZON = dt.timedelta(days=2 * 366)

    until = forms.DateField(
        label=_("Due up to"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date such as 2026-05-31.")},
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.today = today
        self.default = today + dt.timedelta(days=self.DEFAULT_DAYS)
        self.fields["until"].initial = self.default

    def clean_until(self) -> dt.date:
        until = self.cleaned_data["until"] or self.default
        if until > self.today + self.HORIZON:
            raise ValidationError(_("Choose a day within two years."), code="too_far")
        return until

    def due_before(self) -> dt.datetime:
        """The end of the chosen day (the default's, when the form has errors) in the
        company's time zone."""
        until = self.cleaned_data["until"] if self.is_valid() else self.default
        return dt.datetime.combine(until + dt.timedelta(days=1), dt.time(0), tzinfo=company_zone())


# --- the call list ---------------------------------------------------------------------------


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def manager_queryset(*, active_only: bool) -> QuerySet[Any]:
    """Sales and account managers; someone who left is still a manager to take work from."""
    users = get_user_model().objects.filter(groups__name__in=[SALES_MANAGER, ACCOUNT_MANAGER])
    if active_only:
        users = users.filter(is_active=True)
    return users.distinct().order_by("first_name", "last_name", "username")


class CallListFilterForm(forms.Form):
    """The call list's section and filters, read from the query string. A value that does not
    fit is dropped rather than shown as an error: the list is still worth showing."""

    section = forms.ChoiceField(
        choices=[
            ("today", _("Today")),
            ("week", _("This week")),
            ("next_week", _("Next week")),
        ],
        required=False,
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    stage = forms.ChoiceField(
        label=_("Stage"), choices=[("", _("Any stage")), *Stage.choices], required=False
    )
    cadence = forms.ChoiceField(label=_("Cadence"), required=False)
    manager = UserChoiceField(
        label=_("Manager"), queryset=get_user_model().objects.none(), required=False
    )

    def __init__(self, *args: Any, is_director: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Cards and letters have their own list; the call list shows what a person does.
        self.fields["channel"].choices = [("", _("Any channel"))] + [
            choice for choice in Channel.choices if choice[0] != Channel.POST
        ]
        cadences = Cadence.objects.order_by("name").values_list("slug", "name")
        self.fields["cadence"].choices = [("", _("Any cadence")), *cadences]
        if is_director:
            self.fields["manager"].queryset = manager_queryset(active_only=False)
            self.fields["manager"].empty_label = _("My own calls")
        else:
            del self.fields["manager"]

    def value(self, name: str) -> Any:
        """A cleaned value, or the field's empty value when it did not validate."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name) or self.fields[name].to_python(None)

    @property
    def chosen_section(self) -> str:
        return self.value("section") or "today"

    def filters(self) -> CallListFilters:
        return CallListFilters(
            overdue=bool(self.value("overdue")),
            channel=self.value("channel"),
            stage=self.value("stage"),
            cadence=self.value("cadence"),
        )

    @property
    def is_filtering(self) -> bool:
        return self.filters() != CallListFilters()


class CallReportForm(forms.Form):
    """What the manager records about a call; the rules of a complete report (a reached call
    needs the next date, and so on) are the service's, and its errors come back on these
    fields, whose names are CallReport's."""

    outcome = forms.ChoiceField(
        label=_("How did the call go?"),
        choices=CallOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the call went.")},
    )
    next_contact_on = PlausibleDateField(
        label=_("Next contact on"),
        required=False,
        widget=_date_input(),
        help_text=_("The date you agreed with the client."),
    )
    no_further_contact = forms.CharField(
        label=_("Or: no further contact, because"), max_length=255, required=False
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction the client expressed"),
        choices=[(score, str(score)) for score in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("1 very dissatisfied … 5 very satisfied"),
    )
    upsell = forms.ChoiceField(label=_("Upsell"), choices=OfferAnswer.choices, required=False)
    cross_sell = forms.ChoiceField(
        label=_("Cross-sell"), choices=OfferAnswer.choices, required=False
    )
    referral_name = forms.CharField(
        label=_("Recommended us to (name)"), max_length=200, required=False
    )
    referral_phone = forms.CharField(label=_("Their phone"), max_length=40, required=False)
    complaint = forms.CharField(
        label=_("Complaint"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Plans an urgent recovery call and alerts the director."),
    )
    callback_at = PlausibleDateTimeField(
        label=_("Call back at"), required=False, widget=_datetime_input()
    )
    refusal_reason = forms.ChoiceField(
        label=_("Reason of the refusal"),
        choices=[("", "—"), *Refusal.Reason.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_referral_phone(self) -> str:
        raw = self.cleaned_data["referral_phone"].strip()
        if not raw:
            return ""
        try:
            return phone_normalize(raw)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc

    def report(self) -> CallReport:
        return CallReport(
            **{field.name: self.cleaned_data[field.name] for field in fields(CallReport)}
        )


class RescheduleForm(forms.Form):
    due_at = PlausibleDateTimeField(label=_("Move to"), widget=_datetime_input())
    reason = forms.CharField(label=_("Why"), max_length=255, required=False)


class SkipForm(forms.Form):
    reason = forms.CharField(label=_("Why skip it"), max_length=255, required=False)


class ReassignForm(forms.Form):
    """Whose open touchpoints move to whom, optionally only those due in a range of dates."""

    from_user = UserChoiceField(
        label=_("From"), queryset=get_user_model().objects.none(), empty_label="—"
    )
    to_user = UserChoiceField(
        label=_("To"), queryset=get_user_model().objects.none(), empty_label="—"
    )
    start = PlausibleDateField(label=_("Due from"), required=False, widget=_date_input())
    end = PlausibleDateField(label=_("Due until (inclusive)"), required=False, widget=_date_input())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_user"].queryset = manager_queryset(active_only=False)
        self.fields["to_user"].queryset = manager_queryset(active_only=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("from_user") and data.get("from_user") == data.get("to_user"):
            self.add_error("to_user", _("Choose someone else than the manager they come from."))
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end of the range is before its start."))
        return data

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The dates as moments of the company's time zone: from the start of the first day to
        the end of the last."""
        tz = company_zone()
        start, end = self.cleaned_data.get("start"), self.cleaned_data.get("end")
        return (
            dt.datetime.combine(start, dt.time(0), tzinfo=tz) if start else None,
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=tz) if end else None,
        )


# --- logging what happened anyway (touchpoints.unplanned) -----------------------------------


class InboundCallForm(CallReportForm):
    """A call the client made: the call report without what only an outgoing call has, and
    the outcomes an answered call can have."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("upsell", "cross_sell", "referral_name", "referral_phone"):
            del self.fields[name]
        self.fields["outcome"].choices = [
            (value, label) for value, label in CallOutcome.choices if value in INBOUND_OUTCOMES
        ]
        self.fields["outcome"].label = _("What came of it?")
        self.fields["next_contact_on"].help_text = _("Optional: the date you agreed, if any.")

    def report(self) -> CallReport:
        names = {field.name for field in fields(CallReport)}
        return CallReport(
            **{name: value for name, value in self.cleaned_data.items() if name in names}
        )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )


class TaskForm(forms.Form):
    text = forms.CharField(label=_("What is to be done"), max_length=TASK_TEXT_MAX)
    due_on = forms.DateField(
        label=_("Due on"),
        widget=_date_input(),
        help_text=_("A day off moves to the next working day."),
    )
    assignee = UserChoiceField(
        label=_("Who does it"), queryset=get_user_model().objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, assignees: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees


# --- the team board (directors) ----------------------------------------------------------------


class SelectedIdsField(forms.Field):
    """The ids of the rows ticked on a list, as whole numbers (which of them may be acted on is
    the page's and the services' question, answered row by row)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Select at least one call."),
        "invalid": _("Select calls from the list."),
    }

    def to_python(self, value: Any) -> list[int]:
        try:
            return sorted({int(item) for item in value or []})
        except (TypeError, ValueError) as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc


class TeamBulkForm(forms.Form):
    """Reschedule or reassign the calls ticked on a figure of the team board."""

    RESCHEDULE = "reschedule"
    REASSIGN = "reassign"

    action = forms.ChoiceField(
        choices=[(RESCHEDULE, _("Reschedule")), (REASSIGN, _("Reassign"))],
        error_messages={"required": _("Choose what to do with the selected calls.")},
    )
    id = SelectedIdsField()
    due_at = forms.DateTimeField(label=_("Move to"), required=False, widget=_datetime_input())
    reason = forms.CharField(label=_("Why"), max_length=255, required=False)
    to_user = UserChoiceField(
        label=_("Hand to"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="—",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # as the other pages' labels: no colon
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = manager_queryset(active_only=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        needed = {
            self.RESCHEDULE: ("due_at", _("Choose when the selected calls move to.")),
            self.REASSIGN: ("to_user", _("Choose the manager who takes the selected calls.")),
        }.get(data.get("action"))
        if needed and not data.get(needed[0]) and needed[0] not in self.errors:
            self.add_error(*needed)
        return data
