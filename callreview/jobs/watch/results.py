"""What ``watch`` leaves for a finished file: its log line, its result JSON, a bad file moved aside.

    scored   calls/0412.flac · 81.2 needs_improvement · failed: customer_name
             · 4.1 s after complete (1.0 s scoring)

A line names the file, its score and band, and the items that failed: never what was said
(transcripts are personal data).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from callreview.errors import StoreError
from callreview.files import OutputError, write_output
from callreview.jobs.engine import Outcome
from callreview.jobs.watch.events import RESULT_SUFFIX
from callreview.jobs.watch.settling import Pending
from callreview.names import display
from callreview.store import Store


def call_line(status: str, outcome: Outcome, latency: float) -> str:
    """``batch``'s line, plus the seconds from the file's last write or rename to its stored
    result, and the worker's share of them."""
    score = "–" if outcome.score is None else f"{outcome.score:.1f}"
    parts = [
        f"{status:<8} {display(outcome.path)}",
        f"{score} {outcome.band or '–'}",
        f"failed: {', '.join(outcome.failed_items) or '–'}",
    ]
    if outcome.needs_review:
        parts.append("needs review")
    parts.append(f"{latency:.1f} s after complete ({outcome.seconds:.1f} s scoring)")
    return " · ".join(parts)


def one_line(error: str | None, path: Path) -> str:
    """An error as one line that starts with the file's path."""
    text = error or "failed"
    return display(text if text.startswith(str(path)) else f"{path}: {text}")


def write_result(
    store: Store,
    f: Pending,
    outcome: Outcome,
    targets: list[Path],
    overwrite: bool,
    warn: Callable[[str], None],
) -> None:
    """The stored review of ``outcome``'s call as JSON at each target (those not there yet
    unless ``overwrite``)."""
    targets = [t for t in targets if overwrite or not t.exists()]
    if outcome.call is None or not targets:
        return
    try:
        stored = store.call(outcome.call)
    except StoreError as err:
        warn(
            f"callreview: warning: {f.path}: the result JSON was not written ({err}); "
            "the result is in the store"
        )
        return
    if stored is None or stored.review is None:
        return
    text = json.dumps({**stored.review, "file": str(f.path)}, ensure_ascii=False, indent=2) + "\n"
    for target in targets:
        try:
            write_output(target, text, what="the result JSON", make_parents=True)
        except OutputError as err:
            warn(f"callreview: warning: {err}; the result is in the store")


def result_targets(f: Pending, beside: bool, out_dir: Path | None) -> list[Path]:
    """Where ``f``'s result JSON goes: next to it, and under ``out_dir`` mirroring the folder."""
    targets = []
    if beside:
        targets.append(f.path.with_name(f.path.name + RESULT_SUFFIX))
    if out_dir:
        rel = f.path.relative_to(f.root)
        targets.append(out_dir / rel.parent / (rel.name + RESULT_SUFFIX))
    return targets


def move_failed(
    f: Pending, folder: Path | None, log: Callable[[str], None], warn: Callable[[str], None]
) -> None:
    """Move a file that cannot be scored under ``folder`` (its error stays in the store)."""
    if folder is None or not f.path.exists() or f.sig[0] == 0:
        return  # an empty file may be a recorder's placeholder still open: moving it loses the call
    rel = f.path.relative_to(f.root)
    target = folder / rel
    n = 1
    while target.exists():
        target = folder / rel.parent / f"{rel.stem}-{n}{rel.suffix}"
        n += 1
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(f.path, target)  # a rename, or a copy and delete onto another filesystem
    except OSError as err:
        warn(
            f"callreview: warning: {f.path}: cannot move it to {folder} ({err.strerror}); "
            "it stays in place"
        )
        return
    log(f"moved    {f.path} → {target}")
