"""What the apps built on `touchpoints` add to the call list about a client.

`touchpoints` knows nothing of surveys; surveys registers providers here (in its
AppConfig.ready), as it does for the client card's timeline (clients/timeline.py).

- A *reason* provider takes the ids of the clients on a page of the list and returns, by
  client id, why the client needs care now (an open service case, say): a list of
  CallReason. It must cost a fixed number of queries whatever the number of clients.
- A *context* provider takes one client and returns items drawn when a call's row is opened
  (the last survey answer, the open service cases): CallContext entries.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CallReason:
    """One cause of care, shown in the row: a short text and where it is recorded."""

    label: str
    text: str
    url: str = ""


@dataclass(frozen=True)
class CallContext:
    """One block of what is known about the client, shown under an opened row."""

    title: str
    lines: list[CallReason]


ReasonProvider = Callable[[Iterable[int]], dict[int, list[CallReason]]]
ContextProvider = Callable[[Any], list[CallContext]]

_reasons: list[ReasonProvider] = []
_contexts: list[ContextProvider] = []


def register_reasons(provider: ReasonProvider) -> ReasonProvider:
    if provider not in _reasons:
        _reasons.append(provider)
    return provider


def register_context(provider: ContextProvider) -> ContextProvider:
    if provider not in _contexts:
        _contexts.append(provider)
    return provider


def reasons_for(client_ids: Iterable[int]) -> dict[int, list[CallReason]]:
    ids = list(client_ids)
    found: dict[int, list[CallReason]] = {}
    if not ids:
        return found
    for provider in _reasons:
        for client_id, reasons in provider(ids).items():
            found.setdefault(client_id, []).extend(reasons)
    return found


def context_for(client: Any) -> list[CallContext]:
    blocks: list[CallContext] = []
    for provider in _contexts:
        blocks.extend(provider(client))
    return blocks
