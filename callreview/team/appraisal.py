"""The monthly appraisal (seed 004 绩效考核制度 7: 考核结果 = (评估成绩 + 监控成绩) / 2, with the
bands of its 绩效奖金分配表: A 95 and above, B 85 to 94, C 80 to 84, D below 80).

    evaluation CSV (agent, score) ─┐
    the month's final scores ──────┴─▶ per agent: monitoring, evaluation, appraisal, band

The monitoring score is the mean final score (:func:`callreview.team.finals.final_reviews`) of
the agent's calls dated in the month; an agent in one source only has no appraisal.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from callreview.errors import SettingsError
from callreview.qc.scorecard import Scorecard
from callreview.store import Store
from callreview.team.export.workbook import SheetSpool, write_workbook
from callreview.team.finals import final_reviews

BANDS: tuple[tuple[float, str], ...] = ((95.0, "A"), (85.0, "B"), (80.0, "C"), (0.0, "D"))
"""(lowest score, band), best first."""
COLUMNS = ("agent", "calls", "monitoring", "evaluation", "appraisal", "band")
_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class AgentAppraisal:
    agent: str
    calls: int
    """Scored calls of the month counted in the monitoring score."""
    monitoring: float | None
    evaluation: float | None
    appraisal: float | None
    band: str | None

    def row(self) -> list[Any]:
        return [self.agent, self.calls, self.monitoring, self.evaluation, self.appraisal, self.band]

    def to_dict(self) -> dict[str, Any]:
        return dict(zip(COLUMNS, self.row()))


def band(score: float | None) -> str | None:
    if score is None:
        return None
    return next(name for low, name in BANDS if score >= low)


def month_range(month: str) -> tuple[str, str]:
    """``YYYY-MM`` → its first and last day."""
    match = _MONTH.fullmatch(month)
    if not match or not 1 <= int(match[2]) <= 12:
        raise SettingsError(f"--month {month}: not a month; write it as YYYY-MM, e.g. 2026-12")
    first = date(int(match[1]), int(match[2]), 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first.isoformat(), date.fromordinal(following.toordinal() - 1).isoformat()


def read_evaluation(path: Path) -> dict[str, float]:
    """Agent → evaluation score from a CSV with the columns ``agent`` and ``score`` (0-100);
    anything else is refused naming the file and line."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as err:
        raise SettingsError(
            f"{path}: cannot read the evaluation CSV ({err.strerror or err})"
        ) from None
    except UnicodeDecodeError:
        raise SettingsError(
            f"{path}: the evaluation CSV is not UTF-8; save it as CSV UTF-8"
        ) from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    if "agent" not in header or "score" not in header:
        raise SettingsError(
            f"{path} line 1: the evaluation CSV needs the columns agent and score "
            f"(it has {', '.join(header) or 'none'})"
        )
    at_agent, at_score = header.index("agent"), header.index("score")
    scores: dict[str, float] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        agent, raw = cells[at_agent].strip(), cells[at_score].strip()
        if not agent:
            raise SettingsError(f"{path} line {line}: no agent; every row names the agent")
        try:
            score = float(raw)
        except ValueError:
            raise SettingsError(
                f"{path} line {line}: score {raw!r} of agent {agent} is not a number; "
                "write a score from 0 to 100"
            ) from None
        if not 0.0 <= score <= 100.0:
            raise SettingsError(
                f"{path} line {line}: score {raw} of agent {agent} is outside 0 to 100"
            )
        if agent in scores:
            raise SettingsError(
                f"{path} line {line}: agent {agent} has a score already; one row per agent"
            )
        scores[agent] = score
    return scores


def appraise(
    store: Store, scorecard: Scorecard, month: str, evaluation: dict[str, float]
) -> list[AgentAppraisal]:
    """Every agent with calls in the month or an evaluation score, by agent."""
    first, last = month_range(month)
    monitored: dict[str, list[float]] = defaultdict(list)
    calls = store.calls(since=first, until=last, state="scored")
    for final in final_reviews(store, calls, scorecard):
        if final.call.agent and final.score is not None:
            monitored[final.call.agent].append(final.score)
    out = []
    for agent in sorted(set(monitored) | set(evaluation)):
        scores = monitored.get(agent, [])
        monitoring = round(sum(scores) / len(scores), 2) if scores else None
        given = evaluation.get(agent)
        result = (
            round((monitoring + given) / 2, 2)
            if monitoring is not None and given is not None
            else None
        )
        out.append(AgentAppraisal(agent, len(scores), monitoring, given, result, band(result)))
    return out


def write_csv(rows: Sequence[AgentAppraisal]) -> str:
    """The appraisal as CSV text, with a BOM so Excel reads it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow(["" if v is None else v for v in r.row()])
    return "\ufeff" + buffer.getvalue()


def write_xlsx(rows: Sequence[AgentAppraisal], month: str, out: BinaryIO) -> None:
    """One sheet named for the month, written as the export's workbooks are."""
    sheet = SheetSpool(f"Appraisal {month}", COLUMNS)
    try:
        for r in rows:
            sheet.add(list(r.row()))
        write_workbook(out, [sheet])  # the archive is closed even when the disk is full
    finally:
        sheet.close()
