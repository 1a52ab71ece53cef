import datetime as dt
from dataclasses import fields
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from clients.forms import PlausibleDateField, PlausibleDateTimeField, UserChoiceField
from clients.models import Channel, Refusal, Stage
from clients.services import phone_normalize
from followup_crm.roles import ACCOUNT_MANAGER, SALES_MANAGER
from followup_crm.texts import stored_text
from followup_crm.timezones import company_zone

from . import calendar
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
    sort = forms.ChoiceField(
        label=_("Order by"),
        choices=[
            ("", _("Priority")),
            ("due", _("Due time")),
            ("amount", _("Amount")),
            ("stage", _("Stage")),
        ],
        required=False,
    )

    def __init__(self, *args: Any, is_director: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Cards and letters have their own list; the call list shows what a person does.
        cast(forms.ChoiceField, self.fields["channel"]).choices = [("", _("Any channel"))] + [
            choice for choice in Channel.choices if choice[0] != Channel.POST
        ]
        cadences = Cadence.objects.order_by("name").values_list("slug", "name")
        cast(forms.ChoiceField, self.fields["cadence"]).choices = [
            ("", _("Any cadence")),
            *((slug, stored_text(name)) for slug, name in cadences),
        ]
        if is_director:
            cast(forms.ModelChoiceField, self.fields["manager"]).queryset = manager_queryset(
                active_only=False
            )
            cast(forms.ModelChoiceField, self.fields["manager"]).empty_label = _("My own calls")
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
    def chosen_sort(self) -> str:
        return self.value("sort")

    @property
    def is_filtering(self) -> bool:
        return self.filters() != CallListFilters()


def working_day_errors(day: dt.date | None) -> None:
    """The one rule of every date picked in the call forms: calls are made on working days."""
    if day is None:
        return
    problem = calendar.not_working_day_message(day)
    if problem:
        raise ValidationError(problem)


def _company_day(moment: dt.datetime | None) -> dt.date | None:
    return moment.astimezone(company_zone()).date() if moment is not None else None


class TogetherMixin:
    """The other calls of the same client the row records, moves or skips with the first
    (ids given by the view: the client's other open calls the user may work)."""

    def add_together(self, together: list[tuple[int, str]]) -> None:
        """`together`: the other calls (id, purpose) that may go with this one; a fresh form
        has them all ticked."""
        field = forms.TypedMultipleChoiceField(
            label=_("Also for"),
            coerce=int,
            required=False,
            choices=together,
            initial=[pk for pk, _purpose in together],
            widget=forms.CheckboxSelectMultiple,
            error_messages={"invalid_choice": _("That call is no longer open for this client.")},
        )
        self.fields["also"] = field  # type: ignore[attr-defined]

    def also_ids(self) -> list[int]:
        return list(self.cleaned_data.get("also") or [])  # type: ignore[attr-defined]


def next_contact_picks(today: dt.date) -> list[tuple[str, dt.date]]:
    """The next-contact quick picks of the reached form, each on a working day."""
    picks = [
        (_("+1 week"), today + dt.timedelta(weeks=1)),
        (_("+2 weeks"), today + dt.timedelta(weeks=2)),
        (_("+1 month"), _add_months(today, 1)),
        (_("+3 months"), _add_months(today, 3)),
    ]
    return [(str(label), calendar.next_working_day(day)) for label, day in picks]


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    return day


RESCHEDULE_PRESETS = {
    "later_today": _("Later today"),
    "tomorrow": _("Tomorrow"),
    "next_working_day": _("Next working day"),
    "next_week": _("Next week"),
}


def reschedule_presets(now: dt.datetime) -> dict[str, dt.datetime]:
    """When each reschedule preset moves a call, on working days in working hours (the
    company's): later today (in two hours, if the day has them), tomorrow (if it is a working
    day), the next working day, Monday next week or the working day after it."""
    tz = company_zone()
    local = now.astimezone(tz)
    today = local.date()

    def morning(day: dt.date) -> dt.datetime:
        return calendar.fit(
            dt.datetime.combine(calendar.next_working_day(day), dt.time(0), tzinfo=tz),
            channel=Channel.CALL,
            client_tz=tz,
        )

    found: dict[str, dt.datetime] = {}
    later = local + dt.timedelta(hours=2)
    later = later.replace(minute=later.minute - later.minute % 15, second=0, microsecond=0)
    fitted = calendar.fit(later, channel=Channel.CALL, client_tz=tz)
    if fitted.astimezone(tz).date() == today:
        found["later_today"] = fitted
    tomorrow = today + dt.timedelta(days=1)
    if calendar.is_working_day(tomorrow):
        found["tomorrow"] = morning(tomorrow)
    found["next_working_day"] = morning(tomorrow)
    found["next_week"] = morning(today + dt.timedelta(days=7 - today.weekday()))
    return found


def preset_label(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{formats.date_format(local, 'D j M')}, {local:%H:%M}"


class CallReportForm(TogetherMixin, forms.Form):
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

    def clean_next_contact_on(self) -> dt.date | None:
        day = self.cleaned_data["next_contact_on"]
        working_day_errors(day)
        return day

    def clean_callback_at(self) -> dt.datetime | None:
        moment = self.cleaned_data["callback_at"]
        working_day_errors(_company_day(moment))
        return moment

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


class CallRescheduleForm(TogetherMixin, forms.Form):
    """Move a call of the call list to a time typed in or to a preset (the button pressed:
    `preset`), on a working day."""

    reason = forms.CharField(label=_("Why"), max_length=255, required=False)
    due_at = PlausibleDateTimeField(label=_("Move to"), required=False, widget=_datetime_input())
    preset = forms.ChoiceField(choices=list(RESCHEDULE_PRESETS.items()), required=False)

    def clean_due_at(self) -> dt.datetime | None:
        moment = self.cleaned_data["due_at"]
        working_day_errors(_company_day(moment))
        return moment

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        preset = data.get("preset")
        if preset:
            moment = reschedule_presets(timezone.now()).get(preset)
            if moment is None:
                self.add_error("preset", _("This preset is not available now; pick a time."))
            else:
                data["due_at"] = moment
        elif not data.get("due_at") and "due_at" not in self.errors:
            self.add_error("due_at", _("Choose when the call moves, or press a preset."))
        return data


class SkipForm(TogetherMixin, forms.Form):
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
        cast(forms.ModelChoiceField, self.fields["from_user"]).queryset = manager_queryset(
            active_only=False
        )
        cast(forms.ModelChoiceField, self.fields["to_user"]).queryset = manager_queryset(
            active_only=True
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
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
        cast(forms.ChoiceField, self.fields["outcome"]).choices = [
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
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = assignees


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
    due_at = PlausibleDateTimeField(label=_("Move to"), required=False, widget=_datetime_input())
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
        cast(forms.ModelChoiceField, self.fields["to_user"]).queryset = manager_queryset(
            active_only=True
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        needed = {
            self.RESCHEDULE: ("due_at", _("Choose when the selected calls move to.")),
            self.REASSIGN: ("to_user", _("Choose the manager who takes the selected calls.")),
        }.get(data.get("action", ""))
        if needed and not data.get(needed[0]) and needed[0] not in self.errors:
            self.add_error(*needed)
        return data
