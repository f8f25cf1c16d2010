"""Review versions and transcripts: a scored call's automatic results, every version kept.

Each version's item statuses are indexed in ``review_items`` (automatic and final) as it is
written, so the queue's filters and the agreement and agent figures are SQL.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from callreview.store.aggregates import Aggregates
from callreview.store.records import ReviewVersion
from callreview.store.search import index_call
from callreview.store.sql import marks
from callreview.transcript import Transcript

if TYPE_CHECKING:
    from callreview.results import CallReview

_VERSION_COLUMNS = (
    "id, call, version, engine, fingerprint, score, band, needs_review, body, transcript_key, "
    "created_at"
)


class FinalMarks(NamedTuple):
    """What people did to one review version: the latest override of each item, and who marked
    it reviewed (``None`` while nobody has)."""

    statuses: dict[str, str]
    reviewed_by: str | None
    reviewed_at: float | None


class Reviews(Aggregates):
    _indexed: tuple[Any, ...] | None = None
    """(count, newest id) of ``reviews`` when :meth:`index_items` last ran."""

    def add_review(
        self,
        call: int,
        review: CallReview,
        transcript_key: str | None,
        engine: str,
        fingerprint: str,
    ) -> int:
        """A new review version of a scored call (``rescore``): the latest becomes current, history
        stays."""
        with self.db.transaction():
            added = self._add_review(call, review, transcript_key, engine, fingerprint, time.time())
            index_call(self.db, call, self.transcript(call))  # the current review's transcript
            return added

    def _add_review(
        self,
        call: int,
        review: CallReview,
        transcript_key: str | None,
        engine: str,
        fingerprint: str,
        now: float,
    ) -> int:
        version = int(
            self.db.execute(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM reviews WHERE call = ?", (call,)
            ).fetchone()[0]
        )
        body = review.to_dict()
        row = self.db.execute(
            "INSERT INTO reviews (call, version, transcript_key, engine, fingerprint, score, band, "
            "needs_review, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                call,
                version,
                transcript_key,
                engine,
                fingerprint,
                body["score"],
                review.band,
                int(review.needs_review),
                json.dumps(body, ensure_ascii=False),
                now,
            ),
        ).fetchone()
        self.db.execute(
            "UPDATE calls SET current_review = ?, updated_at = ? WHERE id = ?", (row[0], now, call)
        )
        items = [
            (row[0], call, name, item["status"], item["status"])
            for name, item in body["items"].items()
        ]
        if items:  # the item index (schema 3), kept as reviews are written
            self.db.execute(
                "INSERT INTO review_items (review, call, item, auto, final) VALUES "
                + ", ".join(["(?, ?, ?, ?, ?)"] * len(items)),
                [v for item in items for v in item],
            )
        # the summary's index (schema 8), in the same transaction
        self.add_facts(row[0], call, body["score"], review.band, review.needs_review, body)
        return int(row[0])

    def history(self, call: int) -> list[ReviewVersion]:
        """Every automatic review of a call, oldest first."""
        rows = self.db.execute(
            f"SELECT {_VERSION_COLUMNS} FROM reviews WHERE call = ? ORDER BY version", (call,)
        ).fetchall()
        return [_version(r) for r in rows]

    def review_version(self, review: int) -> ReviewVersion | None:
        """One review version by its id (a call's current one: :attr:`StoredCall.review_id`)."""
        row = self.db.execute(
            f"SELECT {_VERSION_COLUMNS} FROM reviews WHERE id = ?", (review,)
        ).fetchone()
        return _version(row) if row else None

    def transcript(self, call: int) -> Transcript | None:
        """The transcript the current review was made from (else the newest one stored)."""
        row = self.db.execute(
            "SELECT t.body FROM transcripts t JOIN calls c ON c.id = t.call "
            "LEFT JOIN reviews r ON r.id = c.current_review WHERE t.call = ? "
            "ORDER BY CASE WHEN t.key = r.transcript_key THEN 0 ELSE 1 END, t.created_at DESC "
            "LIMIT 1",
            (call,),
        ).fetchone()
        return (
            Transcript.from_dict(json.loads(row[0]), f"{self.where}: call {call}") if row else None
        )

    def transcripts(self, calls: Sequence[int]) -> dict[int, Transcript | None]:
        """:meth:`transcript` of each call, in one query (a page of search hits)."""
        found: dict[int, Transcript | None] = dict.fromkeys(calls)
        if not found:
            return found
        ids = list(found)
        rows = self.db.execute(
            "SELECT t.call, t.body FROM transcripts t JOIN calls c ON c.id = t.call "
            f"LEFT JOIN reviews r ON r.id = c.current_review WHERE t.call IN ({marks(len(ids))}) "
            "ORDER BY t.call, CASE WHEN t.key = r.transcript_key THEN 0 ELSE 1 END, "
            "t.created_at DESC",
            ids,
        ).fetchall()
        for call, body in rows:
            if found[int(call)] is None:  # the first row of a call is the one transcript() reads
                found[int(call)] = Transcript.from_dict(
                    json.loads(body), f"{self.where}: call {call}"
                )
        return found

    def final_marks(self, reviews: Sequence[int]) -> dict[int, FinalMarks]:
        """:class:`FinalMarks` of each review version (two queries however many): what an export
        or the summary needs to compute each call's final result."""
        found = {review: FinalMarks({}, None, None) for review in reviews}
        if not found:
            return found
        ids = list(found)
        for review, item, status in self.db.execute(
            f"SELECT review, item, to_status FROM overrides WHERE review IN ({marks(len(ids))}) "
            "ORDER BY at, id",
            ids,
        ).fetchall():
            found[review].statuses[item] = status
        for review, by, at in self.db.execute(
            "SELECT review, reviewed_by, reviewed_at FROM review_finals "
            f"WHERE review IN ({marks(len(ids))})",
            ids,
        ).fetchall():
            found[review] = found[review]._replace(reviewed_by=by, reviewed_at=at)
        return found

    # --- the item index -----------------------------------------------------------------

    def index_items(self) -> int:
        """Index the item statuses of reviews stored before the index existed (schema 3); returns
        how many reviews were added. Cheap when nothing changed since the last call."""
        mark = tuple(self.db.execute("SELECT COUNT(*), MAX(id) FROM reviews").fetchone())
        if self._indexed == mark:
            return 0
        added = 0
        # the ids first: SQLite finds them in an index, without reading the rows that hold bodies
        missing = [
            int(r[0])
            for r in self.db.execute(
                "SELECT r.id FROM reviews r "
                "WHERE NOT EXISTS (SELECT 1 FROM review_items ri WHERE ri.review = r.id)"
            ).fetchall()
        ]
        for lo in range(0, len(missing), 500):
            ids = missing[lo : lo + 500]
            batch = self.db.execute(
                f"SELECT id, call, body FROM reviews WHERE id IN ({marks(len(ids))})", ids
            ).fetchall()
            added += self._index(batch)
        self.index_facts()  # the summary's index (schema 8), filled on the same first use
        self._indexed = mark
        return added

    def _index(self, reviews: Sequence[tuple[int, int, str]]) -> int:
        rows = [
            (review, call, name, item.get("status", "review"), item.get("status", "review"))
            for review, call, body in reviews
            for name, item in json.loads(body).get("items", {}).items()
        ]
        with self.db.transaction():
            # a few multi-row INSERTs: one round trip each on PostgreSQL
            for lo in range(0, len(rows), 200):
                chunk = rows[lo : lo + 200]
                self.db.execute(
                    "INSERT INTO review_items (review, call, item, auto, final) VALUES "
                    + ", ".join(["(?, ?, ?, ?, ?)"] * len(chunk))
                    + " ON CONFLICT (review, item) DO NOTHING",
                    [v for row in chunk for v in row],
                )
        return len(reviews)

    def index_review(self, review: int, call: int, items: Mapping[str, Any]) -> None:
        """Index one review version's items (from its stored body) if they are not yet."""
        for name, item in items.items():
            status = item.get("status", "review")
            self.db.execute(
                "INSERT INTO review_items (review, call, item, auto, final) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (review, item) DO NOTHING",
                (review, call, name, status, status),
            )


def _version(r: Sequence[Any]) -> ReviewVersion:
    return ReviewVersion(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), json.loads(r[8]), r[9], r[10]
    )
