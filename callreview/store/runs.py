"""Runs and samples: what each ``batch``/``watch``/``rescore`` did, and the named picks of calls
``callreview sample`` makes for human QC."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Mapping, Sequence
from typing import Any

from callreview.store.calls import _alive, worker_id
from callreview.store.part import Part
from callreview.store.records import Run


class Runs(Part):
    def start_run(self, kind: str, args: Mapping[str, Any]) -> int:
        """Record a run of this process; earlier runs on this host whose process is gone (killed:
        they never finished) are marked finished first, ``"killed": true`` in their args."""
        host, pid = worker_id().rsplit(":", 1)
        self._end_killed_runs(host)
        cur = self.db.execute(
            "INSERT INTO runs (kind, host, pid, args, started_at) VALUES (?, ?, ?, ?, ?) "
            "RETURNING id",
            (
                kind,
                host,
                int(pid),
                json.dumps(dict(args), ensure_ascii=False, default=str),
                time.time(),
            ),
        )
        try:
            row = cur.fetchone()
        except sqlite3.Error as err:  # SQLite runs the INSERT … RETURNING as its row is fetched
            raise self.db.translate(err) from None
        return int(row[0])

    def _end_killed_runs(self, host: str) -> None:
        rows = self.db.execute(
            "SELECT id, pid, args FROM runs WHERE finished_at IS NULL AND host = ?", (host,)
        ).fetchall()
        for run, pid, args in rows:
            if _alive(f"{host}:{pid}"):
                continue
            ended = {**(json.loads(args) if args else {}), "killed": True}
            self.db.execute(
                "UPDATE runs SET finished_at = ?, args = ? WHERE id = ? AND finished_at IS NULL",
                (time.time(), json.dumps(ended, ensure_ascii=False, default=str), run),
            )

    def finish_run(self, run: int, scored: int, skipped: int, failed: int) -> None:
        self.db.execute(
            "UPDATE runs SET finished_at = ?, scored = ?, skipped = ?, failed = ? WHERE id = ?",
            (time.time(), scored, skipped, failed, run),
        )

    def runs(self) -> list[Run]:
        """Every run recorded, oldest first."""
        rows = self.db.execute(
            "SELECT id, kind, host, pid, args, started_at, finished_at, scored, skipped, failed "
            "FROM runs ORDER BY id"
        ).fetchall()
        return [Run(r[0], r[1], r[2], r[3], json.loads(r[4]) if r[4] else {}, *r[5:]) for r in rows]

    def recording_folders(self) -> list[str]:
        """The folders (or files) ``batch`` and ``watch`` runs recorded as where they read
        recordings (their args' ``recordings``), each once, first seen first: where the web
        app may serve audio from."""
        rows = self.db.execute(
            "SELECT args FROM runs WHERE kind IN ('batch', 'watch') ORDER BY id"
        ).fetchall()
        found: dict[str, None] = {}
        for (args,) in rows:
            given = (json.loads(args) if args else {}).get("recordings") or []
            for path in given if isinstance(given, list) else []:
                if isinstance(path, str) and path:
                    found.setdefault(path, None)
        return list(found)

    # --- samples for human QC -----------------------------------------------------------

    def save_sample(self, name: str, calls: Sequence[int], params: Mapping[str, Any]) -> int:
        """Record a named pick of calls (replacing one of the same name)."""
        with self.db.transaction():
            old = self.db.execute("SELECT id FROM samples WHERE name = ?", (name,)).fetchone()
            if old:
                self.db.execute("DELETE FROM sample_calls WHERE sample = ?", (old[0],))
                self.db.execute("DELETE FROM samples WHERE id = ?", (old[0],))
            sample = int(
                self.db.execute(
                    "INSERT INTO samples (name, params, created_at) VALUES (?, ?, ?) RETURNING id",
                    (name, json.dumps(dict(params), ensure_ascii=False, default=str), time.time()),
                ).fetchone()[0]
            )
            for call in calls:
                self.db.execute(
                    "INSERT INTO sample_calls (sample, call) VALUES (?, ?)", (sample, call)
                )
        return sample

    def sample(self, name: str) -> list[int]:
        """The calls of a named sample, in call order ([] if there is none)."""
        rows = self.db.execute(
            "SELECT sc.call FROM sample_calls sc JOIN samples s ON s.id = sc.sample "
            "WHERE s.name = ? ORDER BY sc.call",
            (name,),
        ).fetchall()
        return [r[0] for r in rows]

    def samples(self) -> list[str]:
        return [
            r[0]
            for r in self.db.execute("SELECT name FROM samples ORDER BY created_at, id").fetchall()
        ]
