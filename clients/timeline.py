"""The client card's timeline is open to the apps built on `clients`.

`clients` knows nothing of touchpoints or surveys; they register a source here (in their
AppConfig.ready) that adds their items to a client's timeline. A source takes the client and
returns items: dicts with `at` (a datetime), `kind`, and `template`, the template that draws the
item (it gets the item as `item`); an item with `planned` true is something still ahead and
is drawn under "Planned", apart from the history. A source must cost a fixed number of queries.
"""

from collections.abc import Callable
from typing import Any

TimelineSource = Callable[[Any], list[dict[str, Any]]]

_sources: list[TimelineSource] = []


def register(source: TimelineSource) -> TimelineSource:
    if source not in _sources:
        _sources.append(source)
    return source


def items_from_sources(client: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for source in _sources:
        items.extend(source(client))
    return items
