"""Read-only looks at the claiming ledger itself: how each call stands, how often it was
claimed, what is stored, and whether the file is sound. What checks and tests assert on."""

from __future__ import annotations

import time

from callreview.store.calls import _alive
from callreview.store.part import Part
from callreview.store.records import LedgerRow


class Ledger(Part):
    def ledger(self) -> list[LedgerRow]:
        """Every call's state, claim and claim count, in id order."""
        rows = self.db.execute(
            "SELECT id, sha256, path, state, claim_token, claimed_by, lease_until, attempts "
            "FROM calls ORDER BY id"
        ).fetchall()
        return [LedgerRow(*r) for r in rows]

    def held_claims(self) -> int:
        """How many calls still hold a claim token (0 once every worker finished or gave back)."""
        return int(
            self.db.execute("SELECT COUNT(*) FROM calls WHERE claim_token IS NOT NULL").fetchone()[
                0
            ]
        )

    def live_claims(self) -> int:
        """How many claimed calls a worker may still be scoring: its lease has not run out and
        its process is not gone from this host (what claiming takes over at once is not)."""
        rows = self.db.execute(
            "SELECT claimed_by FROM calls WHERE state = 'claimed' AND claim_token IS NOT NULL "
            "AND lease_until > ?",
            (time.time(),),
        ).fetchall()
        return sum(1 for (holder,) in rows if _alive(holder))

    def transcript_count(self) -> int:
        """How many transcripts are stored (one per audio and model, however often scored)."""
        return int(self.db.execute("SELECT COUNT(*) FROM transcripts").fetchone()[0])

    def integrity_problems(self) -> list[str]:
        """What SQLite's ``PRAGMA integrity_check`` finds wrong with the file ([] when sound);
        PostgreSQL keeps its own integrity: always []."""
        if self.db.name != "sqlite":
            return []
        rows = [str(r[0]) for r in self.db.execute("PRAGMA integrity_check").fetchall()]
        return [] if rows == ["ok"] else rows
