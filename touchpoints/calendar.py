"""When a touchpoint may happen: working days and hours for calls, daytime for messages.

Calls and postal tasks fall on working days of the configured country (weekends, public
holidays and the country's moved working days, from the `holidays` package) inside the
company's working hours, and inside the client's own daytime. Messages go out only in the
client's local daytime.
"""

import datetime as dt
import functools
import zoneinfo

import holidays
from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext

from clients.models import Channel
from followup_crm.timezones import company_zone

ZoneInfo = zoneinfo.ZoneInfo

# Channels in which a person does the work (a call, posting a card) follow the working days.
PEOPLES_WORK = (Channel.CALL, Channel.POST)


@functools.lru_cache(maxsize=64)
def _country_calendar(country: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=year)


def is_working_day(day: dt.date) -> bool:
    return _country_calendar(settings.HOLIDAYS_COUNTRY, day.year).is_working_day(day)


def _at(day: dt.date, hour: int, tz: ZoneInfo) -> dt.datetime:
    # combine() with a zoneinfo resolves the UTC offset of that very day, DST included.
    return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)


def call_window(day: dt.date, client_tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime] | None:
    """The part of `day` (the client's local date) when both the company works and it is
    daytime for the client; None when there is none."""
    company_tz = company_zone()
    start = max(
        _at(day, settings.WORK_HOURS[0], company_tz), _at(day, settings.DAYTIME_HOURS[0], client_tz)
    )
    end = min(
        _at(day, settings.WORK_HOURS[1], company_tz), _at(day, settings.DAYTIME_HOURS[1], client_tz)
    )
    return (start, end) if start < end else None


def message_window(day: dt.date, client_tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    return (
        _at(day, settings.DAYTIME_HOURS[0], client_tz),
        _at(day, settings.DAYTIME_HOURS[1], client_tz),
    )


def fit(moment: dt.datetime, *, channel: str, client_tz: ZoneInfo) -> dt.datetime:
    """The first moment at or after `moment` when a touchpoint in `channel` may happen."""
    day = moment.astimezone(client_tz).date()
    for _ in range(60):  # the longest run of non-working days is far shorter
        if channel in PEOPLES_WORK:
            window = call_window(day, client_tz) if is_working_day(day) else None
        else:
            window = message_window(day, client_tz)
        if window is not None:
            start, end = window
            if moment < end:
                return max(moment, start)
        day += dt.timedelta(days=1)
    return moment


def is_good_time_to_call(now: dt.datetime, client_tz: ZoneInfo) -> bool:
    day = now.astimezone(client_tz).date()
    window = call_window(day, client_tz) if is_working_day(day) else None
    return window is not None and window[0] <= now < window[1]


def next_working_day(day: dt.date) -> dt.date:
    """`day` itself when people work on it, else the first working day after it."""
    for _step in range(60):
        if is_working_day(day):
            return day
        day += dt.timedelta(days=1)
    return day


def not_working_day_message(day: dt.date) -> str | None:
    """Why a date picked for a call will not do, naming the working day to take instead; None
    when it is a working day. Every date picker of the call forms asks this."""
    if is_working_day(day):
        return None
    return gettext(
        "%(day)s is not a working day (a weekend or a public holiday): choose %(next)s or later."
    ) % {
        "day": formats.date_format(day, "D j M"),
        "next": formats.date_format(next_working_day(day), "D j M"),
    }
