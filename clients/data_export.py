"""A client's data export ("everything held about them") is open to the apps built on `clients`.

`clients` knows nothing of touchpoints or surveys; they register their sections here (in their
AppConfig.ready), as they do with the card's timeline (clients/timeline.py). A section has a
key in the exported JSON, a sentence for the file's "what this file holds" part, and a function
that takes the client and returns JSON-ready data (dicts, lists, strings, numbers, dates). A
section must cost a fixed number of queries whatever the client's history.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class Section:
    key: str
    description: str | Promise
    build: Callable[[Any], Any]


_sections: dict[str, Section] = {}


def register(*, key: str, description: str | Promise, build: Callable[[Any], Any]) -> None:
    # Keyed by name: registering again (a second ready()) replaces, never duplicates.
    _sections[key] = Section(key=key, description=description, build=build)


def registered_sections() -> list[Section]:
    return list(_sections.values())
