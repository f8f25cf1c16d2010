"""How far the automatic checklist agrees with the people who reviewed it: per item,
over calls a person has reviewed, the share of calls where the automatic status is
the final one, Cohen's kappa, and the confusion table.

    counts {(automatic, final): calls} ─agreement─▶ Agreement(percent, kappa, count, table)

Cohen's kappa discounts the agreement two raters would reach by chance, given how
often each uses each status::

    kappa = (p_o - p_e) / (1 - p_e)
    p_o   = calls where automatic == final / calls
    p_e   = Σ_status (automatic share of status) × (final share of status)

It is undefined (``None``) when ``p_e`` is 1: both raters gave every call the same
one status, so there is nothing beyond chance to measure. QC suites show the rate
once enough calls are reviewed; :data:`MIN_REVIEWED` is that count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from callreview.results import STATUSES

MIN_REVIEWED = 20
"""Below this many reviewed calls an item's figures are shown as provisional."""


@dataclass(frozen=True)
class Agreement:
    """Automatic-vs-final agreement of one checklist item."""

    item: str
    count: int
    """Reviewed calls counted."""
    agreed: int
    """Of those, calls whose final status is the automatic one."""
    percent: float | None
    """``100 · agreed / count``; ``None`` with no reviewed call."""
    kappa: float | None
    """Cohen's kappa; ``None`` when undefined (no call, or one status only on both sides)."""
    labels: tuple[str, ...]
    """The statuses of the table's rows (automatic) and columns (final)."""
    table: tuple[tuple[int, ...], ...]
    """``table[i][j]``: calls the automation judged ``labels[i]`` and people finally
    ``labels[j]``."""

    @property
    def provisional(self) -> bool:
        return self.count < MIN_REVIEWED


def cohen_kappa(table: Iterable[Iterable[int]]) -> float | None:
    """Kappa of a square confusion table (rows: one rater, columns: the other)."""
    rows = [list(r) for r in table]
    n = sum(map(sum, rows))
    if n == 0:
        return None
    p_o = sum(rows[i][i] for i in range(len(rows))) / n
    cols = [sum(r[j] for r in rows) for j in range(len(rows))]
    p_e = sum(sum(rows[k]) * cols[k] for k in range(len(rows))) / (n * n)
    if p_e >= 1.0:
        return None
    return (p_o - p_e) / (1.0 - p_e)


def agreement(
    item: str, counts: Mapping[tuple[str, str], int], labels: tuple[str, ...] = STATUSES
) -> Agreement:
    """Figures of one item from ``{(automatic, final): calls}``; statuses outside ``labels`` are
    added to it."""
    extra = sorted({s for pair in counts for s in pair} - set(labels))
    labels = tuple(labels) + tuple(extra)
    table = tuple(tuple(int(counts.get((a, f), 0)) for f in labels) for a in labels)
    count = sum(map(sum, table))
    agreed = sum(table[i][i] for i in range(len(labels)))
    return Agreement(
        item=item,
        count=count,
        agreed=agreed,
        percent=100.0 * agreed / count if count else None,
        kappa=cohen_kappa(table),
        labels=labels,
        table=table,
    )
