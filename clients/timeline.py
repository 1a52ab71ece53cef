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


# --- the same items for the API ----------------------------------------------------------
#
# GET /api/v1/clients/{id}/timeline/ serves the card's items as JSON. Each app registers, for
# every kind of item its source makes, a function that turns the item into an entry: a dict with
# `id` (unique within the client's timeline), `order` (an order id or None), `by` (a user id or
# None: the system) and `details` (JSON-ready). `at` and `kind` are the item's own.

TimelineEntry = Callable[[dict[str, Any]], dict[str, Any]]

_entries: dict[str, TimelineEntry] = {}


def register_entry(kind: str, entry: TimelineEntry) -> TimelineEntry:
    _entries[kind] = entry
    return entry


def entry_of(item: dict[str, Any]) -> dict[str, Any] | None:
    """The item as an API entry, or None for a kind no app described."""
    describe = _entries.get(item["kind"])
    if describe is None:
        return None
    return {"at": item["at"], "kind": item["kind"], **describe(item)}
