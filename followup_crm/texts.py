"""Texts the program stores in English and shows in the reader's language.

A stage change's reason, a touchpoint's purpose from the default cadences: written once, read
by a Russian director and an English manager alike. They are saved as the catalogue's English
(marked with gettext_noop, so that `makemessages` finds them) and translated when shown; a text
a person typed passes unchanged.
"""

import re
from functools import cache

from django.utils.translation import gettext, gettext_noop

# The stored texts with a value in them, the most specific first: "Order 7 placed" is this
# one's, not the next's.
STORED_PATTERNS = (
    gettext_noop("Order %(order)s placed"),
    gettext_noop("Order %(order)s %(status)s"),
    gettext_noop("A referred client's purchases changed: %(name)s"),
    gettext_noop("Referred %(name)s"),
)


@cache
def _matcher(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"%\((\w+)\)s", pattern)
    # re.split alternates text and names: text, name, text, name, ..., text.
    regex = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
        for index, part in enumerate(parts)
    )
    return re.compile(rf"\A{regex}\Z", re.DOTALL)


def _value(value: str) -> str:
    """A value in a stored text: an order's status in lower case ("delivered") or a name."""
    translated = gettext(value.capitalize())
    return translated.lower() if translated != value.capitalize() else value


def stored_text(text: str) -> str:
    """The stored English `text` in the active language, or `text` as it is."""
    if not text:
        return text
    translated = gettext(text)
    if translated != text:
        return translated
    for pattern in STORED_PATTERNS:
        found = _matcher(pattern).match(text)
        if found:
            values = {name: _value(value) for name, value in found.groupdict().items()}
            return gettext(pattern) % values
    return text
