"""``rescore``: after a lexicon or scorecard change, the rules again on the stored transcripts.

    store.calls(scored) ─transcript─▶ Reviewer.check (no audio, no model)
        ─▶ store.add_review (a new version)

A call whose current review was made under the same rules (the same
:attr:`Reviewer.fingerprint`) is skipped; history keeps every earlier version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from callreview.errors import CallreviewError
from callreview.jobs.batch import SOME_FAILED

if TYPE_CHECKING:
    from callreview.review import Reviewer
    from callreview.store import Store


@dataclass
class RescoreTally:
    rescored: int = 0
    changed: int = 0
    """Of the rescored calls, those whose score or band changed."""
    same_rules: int = 0
    """Skipped: the current review already has these rules' fingerprint."""
    failed: list[str] = field(default_factory=list)
    """One line per call that could not be rescored (no stored transcript, an unreadable one)."""

    def lines(self) -> list[str]:
        head = (
            f"{self.rescored:,} rescored ({self.changed:,} with a new score or band), "
            f"{self.same_rules:,} skipped: already scored with these rules"
        )
        if self.failed:
            head += f", {len(self.failed):,} failed"
        return [head] + ["  " + line for line in self.failed]

    @property
    def exit_code(self) -> int:
        return SOME_FAILED if self.failed else 0


def rescore(store: Store, reviewer: Reviewer, since: str | None = None) -> RescoreTally:
    """Add a review version to every scored call (on or after ``since``) not yet scored under
    ``reviewer``'s rules, from its stored transcript and its stored direction and customer name."""
    fingerprint = reviewer.fingerprint
    tally = RescoreTally()
    run = store.start_run("rescore", {"since": since, "fingerprint": fingerprint})
    for call in store.calls(since=since, state="scored"):
        current = store.review_version(call.review_id) if call.review_id is not None else None
        if current is not None and current.fingerprint == fingerprint:
            tally.same_rules += 1
            continue
        try:
            transcript = store.transcript(call.id)
        except CallreviewError as err:
            tally.failed.append(
                f"{call.path}: the stored transcript cannot be read ({err}); "
                "its earlier reviews are kept"
            )
            continue
        if transcript is None:
            tally.failed.append(
                f"{call.path}: no transcript is stored for this call; its earlier reviews are kept"
            )
            continue
        info = reviewer.call_info(customer_name=call.customer_name, direction=call.direction)
        review = reviewer.check(transcript, info)
        store.add_review(
            call.id,
            review,
            current.transcript_key if current else None,
            reviewer.engine,
            fingerprint,
        )
        tally.rescored += 1
        if (review.to_dict()["score"], review.band) != (call.score, call.band):
            tally.changed += 1
    store.finish_run(run, tally.rescored, tally.same_rules, len(tally.failed))
    return tally
