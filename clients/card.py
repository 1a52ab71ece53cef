"""The facts at the head of the client card are open to the apps built on `clients`.

`clients` knows nothing of touchpoints or surveys; they register a source here (in their
AppConfig.ready), as they do with the card's timeline (clients/timeline.py). A source takes the
client and returns a dict with any of these keys:

- `next_contact`: the next planned contact, a dict with `at`, `channel`, `purpose`, `assignee`
  and `overdue`;
- `last_score`: the client's newest satisfaction score, a dict with `score`, `source` (a label:
  survey, call …) and `at`;
- `issues`: a list of short texts, each an open problem (an urgent call, an open service case);
- `actions`: a list of dicts with `template`, each drawn in the card's head with the dict as
  `item` (telephony's "Call" button).

A source must cost a fixed number of queries whatever the client's history.
"""

from collections.abc import Callable
from typing import Any

CardFactsSource = Callable[[Any], dict[str, Any]]

_sources: list[CardFactsSource] = []


def register(source: CardFactsSource) -> CardFactsSource:
    if source not in _sources:
        _sources.append(source)
    return source


def card_facts(client: Any) -> dict[str, Any]:
    """What the registered sources say about the client; `issues` and `actions` from all of
    them together."""
    facts: dict[str, Any] = {"next_contact": None, "last_score": None, "issues": [], "actions": []}
    for source in _sources:
        found = dict(source(client))
        facts["issues"].extend(found.pop("issues", []))
        facts["actions"].extend(found.pop("actions", []))
        facts.update(found)
    return facts
