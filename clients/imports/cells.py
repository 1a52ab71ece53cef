"""Reading one cell of a file: text, dates, dates with times, amounts, ids and yes/no.

A cell comes as the file gives it: text from a CSV file, or a number, date, time or boolean
from an XLSX one. The `parse_*` functions return the value, or raise ValueError with a message
for the person who sent the file (`parse_id` returns None instead). Nothing here reads the
database.
"""

import datetime as dt
import re
from decimal import Decimal
from typing import cast

from django.utils import timezone
from django.utils.translation import gettext as _

from followup_crm.timezones import company_zone

from ..services import EARLIEST_TIME, LATEST_TIME

Cell = str | int | float | Decimal | dt.datetime | dt.date | dt.time | bool | None

# A cell that a spreadsheet would read as a formula starts with one of these; exports add an
# apostrophe in front, which the import takes off again.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _is_blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shorten(value: object, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cell_text(value: Cell) -> str:
    """A cell as text; numbers typed into Excel (a phone as 79123456789.0) lose the ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    text = str(value).strip()
    # Undo the apostrophe an export puts in front of a cell that looks like a formula.
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        text = text[1:]
    return text


DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")
DATETIME_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S")


def parse_date(value: Cell) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    for date_format in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    raise ValueError(
        _("“%(value)s” is not a date: write 2024-03-31 or 31.03.2024.") % {"value": _shorten(text)}
    )


def parse_moment(value: Cell) -> dt.datetime:
    """A date or a date and time; a time without an offset is the company's local time."""
    moment: dt.datetime | None = None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        text = cell_text(value)
        try:
            moment = dt.datetime.fromisoformat(text.replace(" ", "T", 1)) if text else None
        except ValueError:
            for moment_format in DATETIME_FORMATS + DATE_FORMATS:
                try:
                    moment = dt.datetime.strptime(text, moment_format)
                    break
                except ValueError:
                    continue
        if moment is None:
            raise ValueError(
                _("“%(value)s” is not a date and time: write 2024-03-31 14:30 or 31.03.2024 14:30.")
                % {"value": _shorten(text)}
            )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, company_zone())
    if not EARLIEST_TIME <= moment < LATEST_TIME:
        raise ValueError(_("Give a time between 1970 and 2999."))
    return moment


AMOUNT_PATTERN = re.compile(r"\d+(\.\d+)?")
AMOUNT_LIMIT = Decimal(10) ** 12  # Order.amount: 14 digits, 2 of them decimals


def parse_amount(value: Cell) -> Decimal:
    """1234.50, "1234.50", "1 234,50", "1,234.50" or "1.234,50"; never a float."""
    if isinstance(value, bool):
        raise ValueError(_("“%(value)s” is not an amount.") % {"value": value})
    if isinstance(value, int | Decimal):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
        # A sum computed in Excel carries binary noise such as 1234.5600000000002. Infinity,
        # NaN and 1e300 cannot be rounded: they are refused below.
        if amount.is_finite() and abs(amount) < AMOUNT_LIMIT:
            rounded = amount.quantize(Decimal("0.01"))
            if abs(amount - rounded) < Decimal("0.000001"):
                amount = rounded
    else:
        text = cell_text(value)
        compact = re.sub(r"[\s\u00a0\u202f\u2009']", "", text)
        negative = compact.startswith("-")
        compact = compact.lstrip("-")
        if "," in compact and "." in compact:
            # Whichever comes last separates the decimals; the other groups the thousands.
            last_comma = compact.rfind(",") > compact.rfind(".")
            compact = compact.replace("." if last_comma else ",", "").replace(",", ".")
        elif compact.count(",") > 1 or compact.count(".") > 1:
            compact = compact.replace(",", "").replace(".", "")  # only thousands separators
        else:
            compact = compact.replace(",", ".")  # a single comma is the Russian decimal point
        if not AMOUNT_PATTERN.fullmatch(compact):
            raise ValueError(
                _("“%(value)s” is not an amount: write 1234.50 or 1 234,50.")
                % {"value": _shorten(text)}
            )
        amount = Decimal(compact)
        if negative:
            amount = -amount
    if not amount.is_finite():
        raise ValueError(_("“%(value)s” is not an amount.") % {"value": value})
    if amount < 0:
        raise ValueError(_("The amount cannot be negative."))
    if cast(int, amount.as_tuple().exponent) < -2:  # finite: a number's exponent
        raise ValueError(_("“%(value)s” has more than two decimals.") % {"value": _shorten(value)})
    if amount >= AMOUNT_LIMIT:
        raise ValueError(_("The amount is too large."))
    return amount


def parse_id(text: str) -> int | None:
    """This CRM's id of a row, written as 123 or #123; None for anything else. Only ASCII
    digits ("²" is a digit to str.isdigit but not to int), and few enough of them for the
    database's integer."""
    digits = text.lstrip("#")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 18 or int(digits) == 0:
        return None
    return int(digits)


YES = {"yes", "y", "true", "1", "да", "д", "+"}
NO = {"no", "n", "false", "0", "нет", "н", "-"}


def parse_flag(value: Cell) -> bool:
    if isinstance(value, bool):
        return value
    text = cell_text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(_("“%(value)s” is neither yes nor no.") % {"value": _shorten(text)})
