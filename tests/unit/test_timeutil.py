"""Timestamps on the wire and durations on screen."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.domain.timeutil import (
    format_duration,
    parse_optional,
    parse_rfc3339,
    show_time,
    to_rfc3339,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25T17:48:11.087Z", datetime(2026, 11, 25, 17, 48, 11, 87000, UTC)),
        ("2026-11-25T17:48:11Z", datetime(2026, 11, 25, 17, 48, 11, tzinfo=UTC)),
        # Alertmanager sends nanoseconds; they are cut to microseconds.
        ("2026-11-25T17:48:11.087654321Z", datetime(2026, 11, 25, 17, 48, 11, 87654, UTC)),
        ("2026-11-25T19:48:11.5+02:00", datetime(2026, 11, 25, 17, 48, 11, 500000, UTC)),
    ],
)
def test_parse_rfc3339(text: str, expected: datetime) -> None:
    assert parse_rfc3339(text) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "2026-11-25T17:48:11", "0001-01-01T00:00:00Z"])
def test_parse_rfc3339_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rfc3339(text)


def test_zero_time_is_no_time() -> None:
    assert parse_optional("0001-01-01T00:00:00Z") is None
    assert parse_optional(None) is None


@given(st.datetimes(timezones=st.just(UTC), min_value=datetime(1970, 1, 2)))
def test_round_trip_to_the_millisecond(moment: datetime) -> None:
    text = to_rfc3339(moment)
    assert text.endswith("Z") and len(text) == 24
    back = parse_rfc3339(text)
    assert abs(back - moment) < timedelta(milliseconds=1)


def test_to_rfc3339_converts_offsets() -> None:
    moment = datetime(2026, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    assert to_rfc3339(moment) == "2026-01-01T00:00:00.000Z"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0:00"), (75, "1:15"), (3725, "1:02:05"), (90000, "25:00:00"), (-5, "0:00")],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "up", "text"),
    [
        (75, False, "1:15"),
        (0.2, False, "0:00"),
        (0.2, True, "0:01"),
        (299.5, True, "5:00"),
        (-3, True, "0:00"),
    ],
)
def test_format_duration_countdown(seconds: float, up: bool, text: str) -> None:
    assert format_duration(seconds, round_up=up) == text


@pytest.mark.parametrize(
    ("seconds", "style", "text"),
    [
        (28, "clock", "0:28"),
        (28, "words", "28 s"),
        (28, "short", "28 s"),
        (3725, "clock", "1:02:05"),
        (3725, "words", "1 h 2 min"),
        (3725, "short", "62 min"),
        (-1, "words", "0 s"),
    ],
)
def test_one_formatter_three_styles(seconds: float, style: Any, text: str) -> None:
    assert format_duration(seconds, style) == text


NOON = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2026-11-30T12:48:10.875Z", "12:48:10 UTC"),
        ("2026-11-30T13:48:10+01:00", "12:48:10 UTC"),
        ("2026-11-29T23:59:59.000Z", "2026-11-29 23:59:59 UTC"),
        (None, ""),
        ("", ""),
        ("0001-01-01T00:00:00Z", ""),
        ("yesterday-ish", "yesterday-ish"),
    ],
)
def test_show_time_reads_as_a_time(text: str | None, shown: str) -> None:
    assert show_time(text, NOON) == shown
