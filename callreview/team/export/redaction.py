"""A stored call as it may leave the store: its review's quotes and its transcript masked by
:mod:`callreview.privacy`, the one redaction every view and export goes through.

The web app's pages, the static report and every export read calls through :func:`shown_call`
(or :func:`shown_calls`, streaming) and compute the final result from what it returns: the
statuses and scores are the stored ones, only text is masked.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import islice
from typing import TYPE_CHECKING

from callreview.privacy import Redaction, Rules, redactor, rules_key

if TYPE_CHECKING:
    from callreview.store import Hit, Store, StoredCall
    from callreview.transcript import Transcript


@dataclass(frozen=True)
class ShownCall:
    """A call with its review and transcript as shown (masked unless asked otherwise)."""

    call: StoredCall
    transcript: Transcript | None
    redactions: tuple[Redaction, ...]


def shown_call(
    store: Store, call: StoredCall, rules: Rules = Rules(), *, redacted: bool = True
) -> ShownCall:
    """``call`` with its stored transcript, both masked (``redacted=False``: as stored, for a
    user allowed to see them, whose asking is in the audit trail)."""
    transcript = store.transcript(call.id)
    if not redacted:
        return ShownCall(call, transcript, ())
    r = redactor(transcript, rules)
    review = None if call.review is None else r.review_json(call.review)
    return ShownCall(replace(call, review=review), r.transcript(), r.redactions)


def shown_calls(
    store: Store, calls: Iterable[StoredCall], rules: Rules = Rules(), *, redacted: bool = True
) -> Iterator[StoredCall]:
    """:func:`shown_call`'s ``call`` of each, as they stream (transcripts read one at a time)."""
    for call in calls:
        yield shown_call(store, call, rules, redacted=redacted).call if redacted else call


def listed_calls(
    store: Store, calls: Iterable[StoredCall], rules: Rules = Rules(), batch: int = 500
) -> Iterator[StoredCall]:
    """Each call with the ``redactions`` list of its review and nothing else masked: for an
    export whose rows hold no words of the call (CSV, XLSX: statuses, counts, times, the
    lexicon's phrases), only what was found and where. The lists are the store's where it kept
    them for these rules (:mod:`callreview.store.redactions`); the others are found in the
    transcripts, read ``batch`` calls at a time, and kept."""
    key = rules_key(rules)
    stream = iter(calls)
    while chunk := list(islice(stream, batch)):
        reviewed = {c.review_id: c for c in chunk if c.review is not None and c.review_id}
        kept = store.redaction_lists(list(reviewed), key)
        missing = [c.id for review, c in reviewed.items() if review not in kept]
        transcripts = store.transcripts(missing) if missing else {}
        found: list[tuple[int, str]] = []
        for call in chunk:
            if call.review is None or call.review_id not in reviewed:
                yield call
                continue
            text = kept.get(call.review_id)
            if text is None:
                listed = [r.to_dict() for r in redactor(transcripts[call.id], rules).redactions]
                found.append((call.review_id, json.dumps(listed, ensure_ascii=False)))
            else:
                listed = json.loads(text)
            yield replace(call, review={**call.review, "redactions": listed})
        store.keep_redaction_lists(key, found)


def shown_hits(store: Store, hits: Iterable[Hit], rules: Rules = Rules()) -> list[Hit]:
    """Search hits with their turn's text masked as the call page masks it (a number split
    across turns too): the calls' transcripts are read in one query."""
    hits = list(hits)
    transcripts = store.transcripts(sorted({h.call for h in hits}))
    redactors = {call: redactor(t, rules) for call, t in transcripts.items()}
    return [replace(h, text=redactors[h.call].text(h.text, h.start, h.role)) for h in hits]
