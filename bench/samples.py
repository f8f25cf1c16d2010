"""What the store benches fill a store with: the bundled sample transcripts and their real reviews."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def scored_truths(reviewer) -> list[tuple]:
    """``(transcript, review)`` for every script transcript in ``audio_samples/truth``, checked by ``reviewer``."""
    from callreview.transcript import Transcript

    out = []
    for path in sorted((REPO / "audio_samples" / "truth").glob("*.json")):
        transcript = Transcript.load(path)
        out.append((transcript, reviewer.check(transcript)))
    return out
