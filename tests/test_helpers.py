"""The shared test tools (tests/helpers.py) do what they say: the query check fails when the
queries grow with the rows, and the clock stands still until it is moved."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from tests.helpers import DEFAULT_NOW, assert_queries_flat, at

_serial = iter(range(1_000_000))


def add_groups(count: int) -> None:
    Group.objects.bulk_create(Group(name=f"flat-{next(_serial)}") for _ in range(count))


def groups():
    return Group.objects.filter(name__startswith="flat-").order_by("name")


def test_the_query_check_passes_a_list_read_in_one_query(db):
    flat = assert_queries_flat(add_groups, lambda: [group.name for group in groups()])

    assert flat.queries == 1
    assert (len(flat.few), len(flat.many)) == (3, 30)


def test_the_query_check_fails_on_a_query_per_row(db):
    def one_query_per_row() -> list[int]:
        return [group.permissions.count() for group in groups()]

    with pytest.raises(AssertionError) as failure:
        assert_queries_flat(add_groups, one_query_per_row, n=2, many=5)

    message = str(failure.value)
    assert message.startswith(
        "the queries grow with the rows: 3 queries with 2 rows added, 6 with 5"
    )
    assert message.count("COUNT(*)") == 2 + 5  # the queries, listed


def test_the_query_check_counts_the_rows_at_hand_first_with_n_0(db):
    add_groups(4)
    sizes = []

    flat = assert_queries_flat(
        lambda count: (sizes.append(count), add_groups(count)),
        lambda: groups().count(),
        n=0,
        many=6,
    )

    assert sizes == [6]
    assert (flat.few, flat.many) == (4, 10)
    with pytest.raises(ValueError, match="must be more than n"):
        assert_queries_flat(add_groups, lambda: None, n=0)


def test_at_builds_moscow_times_unless_told_otherwise():
    assert at(2026, 11, 23, 12).utcoffset() == dt.timedelta(hours=3)
    assert at(2026, 11, 23, 12, tz=dt.UTC) == at(2026, 11, 23, 15)


def test_the_clock_stands_still_where_it_starts(clock):
    assert timezone.now() == DEFAULT_NOW

    clock.shift(dt.timedelta(minutes=5))
    assert timezone.now() == DEFAULT_NOW + dt.timedelta(minutes=5)
    clock.move_to(at(2027, 1, 1))
    assert timezone.now() == at(2027, 1, 1)


@pytest.mark.clock(at(2026, 11, 23, 9, 30))
def test_the_marker_freezes_the_test_at_its_moment(db):
    assert timezone.now() == at(2026, 11, 23, 9, 30)
