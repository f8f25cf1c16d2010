"""Dates as the QC team writes them: days (``2026-11-23``) and ISO weeks (``2026-W48``).

A bad value is a :class:`SettingsError` (exit 4) naming the option and the form it takes.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from callreview.errors import SettingsError

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")


def parse_day(text: str, option: str = "--since") -> str:
    """``YYYY-MM-DD``, checked; returned as given (dates compare as text in the store)."""
    if not _DAY.fullmatch(text):
        raise SettingsError(f"{option} {text}: not a date; write it as YYYY-MM-DD, e.g. 2026-11-23")
    try:
        date.fromisoformat(text)
    except ValueError:
        raise SettingsError(
            f"{option} {text}: no such day; write a real date as YYYY-MM-DD, e.g. 2026-11-23"
        ) from None
    return text


def day_range(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """``--since``/``--until``, checked, and in order."""
    since = parse_day(since, "--since") if since else None
    until = parse_day(until, "--until") if until else None
    if since and until and since > until:
        raise SettingsError(f"--since {since} is after --until {until}; swap them")
    return since, until


def parse_week(text: str, option: str = "--week") -> tuple[str, str]:
    """An ISO week ``YYYY-Www`` → its Monday and Sunday as ``YYYY-MM-DD``."""
    match = _WEEK.fullmatch(text)
    if not match:
        raise SettingsError(
            f"{option} {text}: not an ISO week; write it as YYYY-Www, e.g. 2026-W48"
        )
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise SettingsError(
            f"{option} {text}: {match[1]} has no week {int(match[2])}; "
            "ISO weeks run from W01 to W52 or W53"
        ) from None
    return monday.isoformat(), (monday + timedelta(days=6)).isoformat()


def iso_week(day: str) -> str:
    """The ISO week of a ``YYYY-MM-DD`` day, as ``YYYY-Www``."""
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"
