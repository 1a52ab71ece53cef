"""The period and the manager the reports are for.

The page, its exports and the summary API read the same parameters: `from` and `to` (ISO dates,
both days included) and `manager` (a user id; empty for the whole team). One form validates
them for all three, so a bad date is refused in the same words everywhere.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clients.filters import managers
from clients.forms import UserChoiceField

from .selectors import Period

DEFAULT_DAYS = 30
# Three years and a leap day: enough for a year-on-year view, and a cap on what one request
# may ask the database to aggregate.
MAX_DAYS = 3 * 365 + 1
# Far enough from the calendar's ends that the previous period (up to three years earlier)
# and the day after the last one are still dates.
EARLIEST = dt.date(1990, 1, 1)
LATEST = dt.date(2999, 12, 31)
ISO_DATE = "%Y-%m-%d"


@dataclass(frozen=True)
class Selection:
    """What a valid form chose: the period and the manager (None for the whole team)."""

    period: Period
    manager: Any = None

    def query(self, first: dt.date | None = None, last: dt.date | None = None) -> str:
        """The query string for this choice — or for other dates with the same manager."""
        return period_query(
            first or self.period.first_day, last or self.period.last_day, self.manager
        )


def period_query(first: dt.date, last: dt.date, manager: Any = None) -> str:
    params = {"from": first.isoformat(), "to": last.isoformat()}
    if manager is not None:
        params["manager"] = str(manager.pk)
    return urlencode(params)


def default_dates(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last 30 days, today included."""
    return today - dt.timedelta(days=DEFAULT_DAYS - 1), today


def quick_periods(today: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """The shortcuts under the date fields. The current month, quarter and year run to today:
    their comparison is then with a stretch of the same length just before."""
    month_start = today.replace(day=1)
    last_month_end = month_start - dt.timedelta(days=1)
    quarter_start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    return [
        (gettext("This month"), month_start, today),
        (gettext("Last month"), last_month_end.replace(day=1), last_month_end),
        (gettext("This quarter"), quarter_start, today),
        (gettext("This year"), today.replace(month=1, day=1), today),
    ]


class ReportForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # as the other pages' labels: no colon
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so these fields cannot be class attributes.
        for name, label in (("from", _("From")), ("to", _("To"))):
            self.fields[name] = forms.DateField(
                label=label,
                # ISO dates only: what a date input sends and what the API documents; a
                # localised "01.11.2026" would mean different days in different languages.
                input_formats=[ISO_DATE],
                widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
            )
        # Evaluated per form, so that a new manager appears without a restart.
        self.fields["manager"] = UserChoiceField(
            label=_("Manager"),
            queryset=managers(),
            required=False,
            empty_label=_("Whole team"),
        )

    @classmethod
    def for_page(cls, params: QueryDict, *, today: dt.date) -> "ReportForm":
        """The page and its exports: a date left out of the address is the default's."""
        data = params.copy()
        first, last = default_dates(today)
        data.setdefault("from", first.isoformat())
        data.setdefault("to", last.isoformat())
        return cls(data)

    def _clean_day(self, name: str) -> dt.date:
        day = self.cleaned_data[name]
        if not EARLIEST <= day <= LATEST:
            raise forms.ValidationError(
                gettext("Choose a date between %(earliest)s and %(latest)s.")
                % {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
                code="out_of_range",
            )
        return day

    def clean_from(self) -> dt.date:
        return self._clean_day("from")

    def clean_to(self) -> dt.date:
        return self._clean_day("to")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        first, last = cleaned.get("from"), cleaned.get("to")
        if first is None or last is None:
            return cleaned
        # Both errors go on "from": "to" is the anchor (usually today) that people keep.
        if first > last:
            self.add_error("from", gettext("The first day is after the last one."))
        elif (last - first).days + 1 > MAX_DAYS:
            self.add_error("from", gettext("Choose at most three years."))
        return cleaned

    def selection(self) -> Selection:
        """The choice; call it on a valid form only."""
        data = self.cleaned_data
        return Selection(Period.from_dates(data["from"], data["to"]), data.get("manager"))

    def error_detail(self) -> dict[str, list[str]]:
        """The errors as the API answers them: a list of messages per parameter."""
        return {
            name: [error["message"] for error in errors]
            for name, errors in self.errors.get_json_data().items()
        }
