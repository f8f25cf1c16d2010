"""What the redaction rules found in each call's transcript, kept per set of rules: the labels and
times of :class:`callreview.privacy.Redaction` (never a value), so an export of 100,000 calls
lists their redactions without reading and searching every transcript again.

A list is kept for the transcript a call's current review was made from, under a key of the
rules that found it (:func:`callreview.privacy.rules_key`: the site's patterns and the version
of callreview); a transcript under other rules, or a newer one, is searched again. Purging a call
deletes its lists with its transcripts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from callreview.store.part import Part
from callreview.store.sql import marks


class RedactionLists(Part):
    def redaction_lists(self, reviews: Sequence[int], rules: str) -> dict[int, str]:
        """Review id → the list kept for its transcript under ``rules`` (JSON text), for those
        of ``reviews`` that have one."""
        if not reviews:
            return {}
        rows = self.db.execute(
            "SELECT r.id, l.found FROM reviews r JOIN redaction_lists l "
            "ON l.transcript = r.transcript_key "
            f"WHERE l.rules = ? AND r.id IN ({marks(len(reviews))})",
            [rules, *reviews],
        ).fetchall()
        return {int(review): str(found) for review, found in rows}

    def keep_redaction_lists(self, rules: str, found: Iterable[tuple[int, str]]) -> None:
        """Keep ``(review id, list as JSON text)`` under ``rules``, for each review whose own
        transcript is stored (the one :meth:`transcript` reads); a read-only store keeps none."""
        if self.db.read_only:
            return
        rows = list(found)
        # one statement a batch of rows: on PostgreSQL one round trip each was 25 s at 100,000
        for lo in range(0, len(rows), 500):
            chunk = rows[lo : lo + 500]
            self.db.execute(
                "INSERT INTO redaction_lists (transcript, rules, call, found) "
                "SELECT r.transcript_key, ?, r.call, v.column2 FROM (VALUES "
                + ", ".join(["(?, ?)"] * len(chunk))
                + ") v JOIN reviews r ON r.id = v.column1 "
                "JOIN transcripts t ON t.key = r.transcript_key "
                "WHERE 1 = 1 "  # SQLite reads an upsert's SELECT without a WHERE ambiguously
                "ON CONFLICT (transcript, rules) DO NOTHING",
                [rules, *(v for row in chunk for v in row)],
            )
