"""The call list's rows are open to the apps built on `touchpoints`.

`touchpoints` knows nothing of telephony; an app registers a source here (in its
AppConfig.ready) that adds to the rows of one answer. A source takes the rows and the user and
returns, per row id, a list of items: dicts with `template`, the template that draws the item in
the row's actions (it gets the item as `item` and the row as `row`). A source must cost a fixed
number of queries, whatever the number of rows.
"""

from collections.abc import Callable, Sequence
from typing import Any

from .models import Touchpoint

RowExtrasSource = Callable[[Sequence[Touchpoint], Any], dict[int, list[dict[str, Any]]]]

_sources: list[RowExtrasSource] = []


def register(source: RowExtrasSource) -> RowExtrasSource:
    if source not in _sources:
        _sources.append(source)
    return source


def attach(rows: Sequence[Touchpoint], user: Any) -> None:
    """Give each row its `extras` from every source."""
    for row in rows:
        row.extras = []
    if not rows:
        return
    by_pk = {row.pk: row for row in rows}
    for source in _sources:
        for pk, items in source(rows, user).items():
            if pk in by_pk:
                by_pk[pk].extras.extend(items)
