"""The five checklist items, one module each: its check and its details.

A check reads a :class:`~callreview.qc.checks.context.CallContext` and returns a
:class:`~callreview.qc.checks.context.Finding`: it judges (status, evidence, details) and never
counts points — the scorecard turns findings into points (:mod:`callreview.qc.scorecard`). Its
details (an :class:`~callreview.qc.checks.base.ItemDetails`) say what the item earns, its gist
and its advice. This package's own module is the registry of both, by item name.

    base ── context ── parts, roles ── greeting · customer_name · hold · forbidden · closing
                                          └── this registry: CHECKS, DETAILS, as_details
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from callreview.qc.checks.base import ItemDetails
from callreview.qc.checks.closing import ClosingDetails, check_closing
from callreview.qc.checks.context import CallContext, Finding
from callreview.qc.checks.customer_name import NameDetails, check_customer_name
from callreview.qc.checks.forbidden import ForbiddenDetails, check_forbidden
from callreview.qc.checks.greeting import GreetingDetails, check_greeting
from callreview.qc.checks.hold import HoldDetails, check_hold
from callreview.results import ITEMS

CHECKS: dict[str, Callable[[CallContext], Finding]] = {
    "greeting": check_greeting,
    "customer_name": check_customer_name,
    "hold": check_hold,
    "forbidden": check_forbidden,
    "closing": check_closing,
}
"""Each checklist item's check, in the checklist's order."""
assert tuple(CHECKS) == ITEMS

DETAILS: dict[str, type[ItemDetails]] = {
    "greeting": GreetingDetails,
    "customer_name": NameDetails,
    "hold": HoldDetails,
    "forbidden": ForbiddenDetails,
    "closing": ClosingDetails,
}
"""Each checklist item's details type."""


def as_details(name: str, details: Mapping[str, Any]) -> ItemDetails | None:
    """An item's details typed: as they are when the check made them, read from a stored review's
    JSON otherwise; ``None`` for an item that was never judged (no agent speech: only a ``reason``)
    or that is no checklist item (a delivery metric)."""
    if isinstance(details, ItemDetails):
        return details
    kind = DETAILS.get(name)
    if kind is None or any(k not in details for k in kind.REQUIRED):
        return None
    return kind.from_dict(details)
