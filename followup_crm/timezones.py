"""The one place that turns a time-zone name into a zone: the company's (settings.TIME_ZONE)
or a client's, falling back to the company's when a stored name is unknown to this machine's
tz database (a zone renamed or removed since it was saved)."""

import zoneinfo

from django.conf import settings


def company_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def zone_or_company(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return company_zone()
