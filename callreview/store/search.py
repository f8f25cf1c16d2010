"""The index of every stored turn, and finding turns in it: all the search SQL, both backends.

    complete / add_review ─▶ index_call ─▶ search_turns (+ search_fts on SQLite, GIN on PostgreSQL)
    supersede / purge ─────▶ unindex_calls
    Search.search(SearchQuery) ─▶ [Hit]

The store knows no language: what a turn's words and "sounds like" keys are is handed in by an
:data:`Indexer` (:mod:`callreview.matching.index` registers one with :func:`use_indexer`), and
a query arrives as token phrases. A call stored while no indexer is registered (or before the
index existed) is kept in ``search_pending`` until :meth:`Search.build_index` fills it: the
index never holds a turn the store no longer holds, and never misses one silently.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from callreview.store.backends import Backend
from callreview.store.part import Part
from callreview.store.queue import QueueFilter, _slim
from callreview.store.sql import call_day, day_of, marks
from callreview.transcript import Transcript


@dataclass(frozen=True)
class TurnIndex:
    """One turn as the index keeps it: where it is, its text, and its tokens."""

    turn: int
    role: str
    start: float
    end: float
    text: str
    words: tuple[str, ...]
    """The tokens a word query is matched against, in order (phrases are consecutive tokens)."""
    sounds: tuple[str, ...]
    """The same for "sounds like": tokens made of pinyin keys."""


Indexer = Callable[[Transcript], Sequence[TurnIndex]]
"""What a transcript's turns are indexed as (supplied by the matching layer)."""

_indexer: list[Indexer] = []


def use_indexer(indexer: Indexer) -> None:
    """Register the indexer every store of this process writes the index with."""
    _indexer[:] = [indexer]


@dataclass(frozen=True)
class Phrase:
    """Tokens that must occur one after the other; ``prefix``: the last one is a prefix."""

    tokens: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class SearchQuery:
    """Turns holding every phrase, in ``column`` (``words`` or ``sounds``), of the calls the
    queue's ``filters`` select (scored calls only), newest call first."""

    phrases: tuple[Phrase, ...]
    column: str = "words"
    role: str | None = None
    filters: QueueFilter = field(default_factory=QueueFilter)
    limit: int | None = 50
    """``None``: every hit."""


@dataclass(frozen=True)
class Hit:
    """A turn that matched, with the call it belongs to."""

    call: int
    call_id: str | None
    file: str
    agent: str | None
    date: str | None
    role: str
    start: float
    end: float
    text: str


# --- writing the index (inside the caller's transaction) -----------------------------------


def index_call(db: Backend, call: int, transcript: Transcript | None) -> None:
    """Replace a call's turns in the index with ``transcript``'s (none: the call has none);
    with no indexer registered the call waits in ``search_pending``."""
    unindex_calls(db, [call])
    if transcript is None:
        return
    if not _indexer:
        db.execute("INSERT INTO search_pending (call) VALUES (?)", (call,))
        return
    _insert(db, call, _indexer[0](transcript))


def unindex_calls(db: Backend, calls: Sequence[int]) -> None:
    """Remove these calls' turns from the index (a purge calls this inside its transaction)."""
    for lo in range(0, len(calls), 500):
        ids = list(calls[lo : lo + 500])
        where = f"call IN ({marks(len(ids))})"
        if db.name == "sqlite":
            db.execute(
                "INSERT INTO search_fts (search_fts, rowid, words, sounds) "
                f"SELECT 'delete', id, words, sounds FROM search_turns WHERE {where}",
                ids,
            )
        db.execute(f"DELETE FROM search_turns WHERE {where}", ids)
        db.execute(f"DELETE FROM search_pending WHERE {where}", ids)


_DAY = 10**12
_CALL = 10**4
"""A turn's key is ``day · 10¹² + call · 10⁴ + (9999 - turn)``: the index's own order is the
order hits are shown in (newest day, newest call, then the call's turns in order), so the
newest hits of a common word are read first and the rest never (FTS5 streams rowids in order;
PostgreSQL walks the key's index backwards)."""


RECENT_DAYS = (1, 7, 31)
"""A search reads the index's newest day, then week, then month, then the rest, each only while
fewer hits than asked for are found: PostgreSQL's planner cannot tell how many turns a phrase
matches, and would otherwise read every match to keep the newest 50."""


def turn_key(day: str, call: int, turn: int) -> int:
    """The key of a call's ``turn`` (stored on ``day``, ``YYYY-MM-DD``) in the index."""
    return date.fromisoformat(day[:10]).toordinal() * _DAY + call * _CALL + (_CALL - 1 - turn)


def _day_keys(since: str | None, until: str | None) -> tuple[int, int]:
    first = date.fromisoformat(since).toordinal() * _DAY if since else 0
    last = (date.fromisoformat(until).toordinal() + 1) * _DAY - 1 if until else 2**63 - 1
    return first, last


def _insert(db: Backend, call: int, turns: Sequence[TurnIndex]) -> None:
    if not turns:
        return
    day, stored = db.execute(
        f"SELECT {call_day(db)}, {day_of(db, 'c.created_at')} FROM calls c WHERE c.id = ?", (call,)
    ).fetchone()
    try:
        turn_key(str(day), call, 0)
    except ValueError:  # a date kept as written (23.11.2026): ordered by the day it was stored
        day = stored
    keys = [turn_key(str(day), call, min(t.turn, _CALL - 1)) for t in turns]
    if db.name == "sqlite":
        rows = [
            (k, call, t.turn, t.role, t.start, t.end, t.text, " ".join(t.words), " ".join(t.sounds))
            for k, t in zip(keys, turns)
        ]
        value = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
    else:
        rows = [
            (
                k,
                call,
                t.turn,
                t.role,
                t.start,
                t.end,
                t.text,
                _tsvector(t.words),
                _tsvector(t.sounds),
            )
            for k, t in zip(keys, turns)
        ]
        value = "(?, ?, ?, ?, ?, ?, ?, ?::tsvector, ?::tsvector)"
    for lo in range(0, len(rows), 100):
        chunk = rows[lo : lo + 100]
        db.execute(
            "INSERT INTO search_turns (id, call, turn, role, start_s, end_s, text, words, sounds) "
            "VALUES " + ", ".join([value] * len(chunk)),
            [v for row in chunk for v in row],
        )
    if db.name == "sqlite":
        db.execute(
            "INSERT INTO search_fts (rowid, words, sounds) "
            "SELECT id, words, sounds FROM search_turns WHERE call = ?",
            (call,),
        )


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _tsvector(tokens: Sequence[str]) -> str:
    """A tsvector literal with each token's position (phrases need them); PostgreSQL's parser
    is bypassed, so both backends hold the same tokens."""
    return " ".join(f"{_lexeme(t)}:{min(i + 1, 16383)}" for i, t in enumerate(tokens))


# --- querying ------------------------------------------------------------------------------


def _fts_match(query: SearchQuery) -> str:
    """An FTS5 expression built from tokens only (each quoted): no user syntax reaches it."""

    def phrase(p: Phrase) -> str:
        text = '"' + " ".join(t.replace('"', '""') for t in p.tokens) + '"'
        return text + ("*" if p.prefix else "")

    return f"{query.column} : (" + " AND ".join(phrase(p) for p in query.phrases) + ")"


def _tsquery(query: SearchQuery) -> str:
    def phrase(p: Phrase) -> str:
        lexemes = [_lexeme(t) for t in p.tokens]
        if p.prefix:
            lexemes[-1] += ":*"
        return "(" + " <-> ".join(lexemes) + ")"

    return " & ".join(phrase(p) for p in query.phrases)


_JOIN = "calls c ON c.id = t.call"
"""The queue's FROM starts at the calls; here they join the matching turns."""


class Search(Part):
    def search(self, query: SearchQuery) -> list[Hit]:
        """The turns matching ``query``, newest call first, then in call order."""
        if not query.phrases or query.column not in ("words", "sounds"):
            return []
        where, params = self._where(query.filters)  # type: ignore[attr-defined]
        day = call_day(self.db)
        if self.db.name == "sqlite":
            source = "search_fts JOIN search_turns t ON t.id = search_fts.rowid"
            match, term, key = "search_fts MATCH ?", _fts_match(query), "search_fts.rowid"
        else:
            source = "search_turns t"
            match, term, key = f"t.{query.column} @@ ?::tsquery", _tsquery(query), "t.id"
        sql = (
            f"SELECT c.id, c.call_id, c.path, c.agent, {day}, t.role, t.start_s, t.end_s, t.text "
            f"FROM {source} JOIN {_slim(query.filters).replace('calls c', _JOIN, 1)} "
            f"WHERE {match} AND {key} BETWEEN ? AND ? AND {where}"
            + (" AND t.role = ?" if query.role else "")
            + f" ORDER BY {key} DESC"
            + (" LIMIT ?" if query.limit is not None else "")
        )

        def hits(first: int, last: int, limit: int | None) -> list[Hit]:
            args = [term, first, last, *params, *([query.role] if query.role else [])]
            rows = self.db.execute(sql, args + ([limit] if limit is not None else [])).fetchall()
            return [Hit(*row) for row in rows]

        first, last = _day_keys(query.filters.since, query.filters.until)
        newest = self.db.execute("SELECT MAX(id) FROM search_turns").fetchone()[0]
        if query.limit is None or newest is None:
            return hits(first, last, query.limit)
        found: list[Hit] = []
        top = last  # the newest days first: most queries end in the first window
        for days in (*RECENT_DAYS, None):
            bottom = first if days is None else max(first, (int(newest) // _DAY - days) * _DAY)
            if bottom <= top:
                found += hits(bottom, top, query.limit - len(found))
            if len(found) >= query.limit or bottom <= first:
                return found
            top = min(top, bottom - 1)
        return found

    def pending_index(self) -> int:
        """How many calls wait for their turns to be indexed."""
        return int(self.db.execute("SELECT COUNT(*) FROM search_pending").fetchone()[0])

    def build_index(
        self, indexer: Indexer, progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Index the calls waiting in ``search_pending`` (stored before the index existed, or
        while no indexer was registered), a few at a time, each batch in one transaction;
        ``progress(done, total)`` after each. Returns how many calls were indexed."""
        total = self.pending_index()
        done = 0
        while total:
            batch = [
                int(r[0])
                for r in self.db.execute(
                    "SELECT call FROM search_pending ORDER BY call LIMIT 200"
                ).fetchall()
            ]
            if not batch:
                break
            with self.db.transaction():
                for call in batch:
                    transcript = self.transcript(call)  # type: ignore[attr-defined]
                    unindex_calls(self.db, [call])
                    if transcript is not None:
                        _insert(self.db, call, indexer(transcript))
            done += len(batch)
            if progress:
                progress(min(done, total), total)
        return done

    def indexed_turns(self, call: int) -> int:
        """How many of a call's turns the index holds."""
        return int(
            self.db.execute("SELECT COUNT(*) FROM search_turns WHERE call = ?", (call,)).fetchone()[
                0
            ]
        )

    def _index_call(self, call: int, transcript: Transcript | None) -> None:
        index_call(self.db, call, transcript)
