"""Dates, times and numbers as the current language writes them (Babel's CLDR data)."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_time
from babel.numbers import format_decimal

from callreview.i18n import current


def when(at: float | None) -> str:
    """A stored timestamp as a local date and time (``2026年3月2日 14:05``, ``Mar 2, 2026 2:05
    PM``)."""
    if at is None:
        return ""
    moment = dt.datetime.fromtimestamp(at)
    language = current()
    day = format_date(moment, "medium", locale=language)
    return f"{day} {format_time(moment, 'short', locale=language)}"


def number(value: float, decimals: int = 0) -> str:
    """A number with the current language's separators (``1,234.5``)."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=current())
