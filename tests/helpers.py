"""Tools the tests share: the time (Moscow, aware datetimes, a frozen clock) and the check that
a page or a job runs as many queries for many rows as for few.

The clock: `pytestmark = pytest.mark.clock(NOW)` freezes every test of a module at NOW; a test
that asks for the `clock` fixture gets the `Clock`, to move it (`clock.move_to(...)`,
`clock.shift(...)`). Without the marker the fixture freezes at DEFAULT_NOW. Both live in
tests/conftest.py.
"""

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

MSK = zoneinfo.ZoneInfo("Europe/Moscow")


def at(*parts: int, tz: dt.tzinfo = MSK) -> dt.datetime:
    """An aware moment: at(2026, 11, 23, 12) is noon on 23 November 2026 in Moscow."""
    return dt.datetime(*parts, tzinfo=tz)


# Tuesday 24 November 2026, noon in Moscow (09:00 UTC): a working day, inside working hours.
DEFAULT_NOW = at(2026, 11, 24, 12)


class Clock:
    """Time stands still (time-machine's travel with tick=False) until the test moves it."""

    def __init__(self, moment: dt.datetime) -> None:
        self._travel = time_machine.travel(moment, tick=False)
        self._traveller: time_machine.Traveller | None = None

    def __enter__(self) -> Self:
        self._traveller = self._travel.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._travel.stop()
        self._traveller = None

    def move_to(self, moment: dt.datetime) -> None:
        """Jump to `moment`; time stands still there."""
        assert self._traveller is not None, "the clock is not running"
        self._traveller.move_to(moment, tick=False)

    def shift(self, delta: dt.timedelta) -> None:
        """Move the time on by `delta` (or back, if negative)."""
        assert self._traveller is not None, "the clock is not running"
        self._traveller.shift(delta)


# --- queries -------------------------------------------------------------------------------


def count_queries(run: Callable[[], Any]) -> tuple[int, list[str], Any]:
    """The number of queries `run()` makes, their SQL, and what it returned."""
    # CaptureQueriesContext keeps a request from clearing the log while it counts; read the
    # log before anything else runs, as the next request clears it.
    with CaptureQueriesContext(connection) as captured:
        result = run()
    return len(captured), [query["sql"] for query in captured.captured_queries], result


@dataclass(frozen=True)
class FlatQueries:
    queries: int  # the same at both sizes
    few: Any  # what run() returned with the few rows
    many: Any  # and with the many


def _listing(sql: list[str], limit: int = 40) -> str:
    lines = [f"    {number}. {text[:200]}" for number, text in enumerate(sql[:limit], 1)]
    if len(sql) > limit:
        lines.append(f"    ... and {len(sql) - limit} more")
    return "\n".join(lines)


def assert_queries_flat(
    make_rows: Callable[[int], object],
    run: Callable[[], Any],
    n: int = 3,
    *,
    many: int | None = None,
) -> FlatQueries:
    """Fail unless `run()` makes as many queries with `many` rows as with `n`.

    `make_rows(count)` adds `count` rows: it is called with `n`, then `run()` is counted, then
    with the rest up to `many` (10 × n unless given), and `run()` is counted again. With n=0
    the first count is of the rows already there (a fixture's), and `many` must be given.
    Returns the count and what `run()` returned each time, for the test's own assertions.
    """
    many = 10 * n if many is None else many
    if many <= n:
        raise ValueError(f"many ({many}) must be more than n ({n})")
    if n:
        make_rows(n)
    few_count, few_sql, few_result = count_queries(run)
    make_rows(many - n)
    many_count, many_sql, many_result = count_queries(run)
    if few_count != many_count:
        raise AssertionError(
            f"the queries grow with the rows: {few_count} queries with {n} rows added, "
            f"{many_count} with {many}\n"
            f"  with {n}:\n{_listing(few_sql)}\n  with {many}:\n{_listing(many_sql)}"
        )
    return FlatQueries(queries=few_count, few=few_result, many=many_result)
