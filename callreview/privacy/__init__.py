"""Personal data kept out of what leaves the store: one way to redact, for every output.

    Transcript ─locate─▶ Found (kind, label, role, time, pieces) ─▶ Redactor
        .transcript()  the masked copy          .review(CallReview) / .value(JSON)  masked quotes
        .redactions    what was masked, where   (label, role, start, end: never the value)

The checks run on the unredacted transcript inside the process (scores do not change); every
view (``score``/``transcribe`` output, exports, the static report, the web app) asks
:func:`redactor` for a call's :class:`Redactor` and shows what it returns. Quotes are masked with
the pieces found in the turn they come from, and searched again on their own (a quote whose
transcript is gone is still masked). What is found: :mod:`.detect`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from callreview.errors import SettingsError
from callreview.privacy.detect import LABELS, Pattern, find
from callreview.privacy.mask import Found, Piece, locate, masked_segment
from callreview.results import CallReview, ItemResult
from callreview.settings import Settings
from callreview.transcript import Transcript

__all__ = [
    "LABELS",
    "Pattern",
    "Redacted",
    "Redaction",
    "Redactor",
    "Rules",
    "redact",
    "redactor",
    "rules_key",
    "rules_of",
    "site_patterns",
]


@dataclass(frozen=True, slots=True)
class Rules:
    """What a site redacts besides the built-in kinds."""

    patterns: tuple[Pattern, ...] = ()


@dataclass(frozen=True, slots=True)
class Redaction:
    """One masked stretch: what it was and when, never the value."""

    label: str
    kind: str
    role: str
    start: float
    end: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "kind": self.kind,
            "role": self.role,
            "start": round(self.start, 2),
            "end": round(self.end, 2),
        }


@dataclass(frozen=True)
class Redacted:
    """A call as it may leave the store."""

    transcript: Transcript | None
    review: CallReview | None
    redactions: tuple[Redaction, ...]

    def to_dict(self) -> dict[str, Any]:
        """The review's JSON with the redactions, else the transcript's."""
        return self.review_dict() if self.review is not None else self.transcript_dict()

    def review_dict(self) -> dict[str, Any]:
        """The review's JSON contract with the ``redactions`` list beside it."""
        assert self.review is not None
        return {**self.review.to_dict(), "redactions": [r.to_dict() for r in self.redactions]}

    def transcript_dict(self) -> dict[str, Any]:
        """The transcript's JSON contract with the ``redactions`` list beside it."""
        assert self.transcript is not None
        return {**self.transcript.to_dict(), "redactions": [r.to_dict() for r in self.redactions]}


class Redactor:
    """The personal data of one call, found once, to mask its transcript and every quote."""

    def __init__(self, transcript: Transcript | None, rules: Rules = Rules()) -> None:
        self.rules = rules
        self.source = transcript
        self.found: list[Found] = [] if transcript is None else locate(transcript, rules.patterns)
        self.redactions = tuple(
            Redaction(f.label, f.kind, f.role, f.start, f.end) for f in self.found
        )

    def transcript(self) -> Transcript | None:
        """The masked copy of the transcript (hallucinations dropped at transcription are left
        out: nobody reads them as the call)."""
        t = self.source
        if t is None:
            return None
        pieces: dict[int, list[tuple[Piece, str]]] = {}
        for f in self.found:
            for p in f.pieces:
                pieces.setdefault(p.segment, []).append((p, f.label))
        segments = tuple(
            masked_segment(s, [p for p, _ in pieces.get(i, [])], [b for _, b in pieces.get(i, [])])
            for i, s in enumerate(t.segments)
        )
        return replace(t, segments=segments, dropped=())

    def text(self, text: str, start: float | None = None, role: str | None = None) -> str:
        """A quote masked: with the pieces of the turn spoken at ``start`` (by ``role``), then
        searched on its own."""
        cuts: list[tuple[str, str]] = []
        if start is not None and self.source is not None:
            segs = self.source.segments
            for f in self.found:
                for p in f.pieces:
                    seg = segs[p.segment]
                    if (role is None or role == seg.role) and seg.start - 0.5 <= start <= seg.end:
                        cuts.append((p.raw, f.label))
        for raw, label in sorted(cuts, key=lambda c: -len(c[0])):
            text = text.replace(raw, label)
        out, at = [], 0
        for hit in find(text, self.rules.patterns):
            out += [text[at : hit.start], hit.label]
            at = hit.end
        return "".join(out) + text[at:]

    def review(self, review: CallReview) -> CallReview:
        """``review`` with every evidence quote masked (scores and statuses untouched)."""
        return replace(
            review,
            items={k: self._item(v) for k, v in review.items.items()},
            delivery={k: self._item(v) for k, v in review.delivery.items()},
            redactions=tuple(r.to_dict() for r in self.redactions),
        )

    def review_json(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """A stored review (the JSON of :meth:`CallReview.to_dict`) masked, with the
        ``redactions`` list."""
        return {**self.value(data), "redactions": [r.to_dict() for r in self.redactions]}

    def value(self, data: Any) -> Any:
        """A JSON value (a stored review, a final result) with every quote masked: an object
        with a ``text`` and a ``start`` is a quote; any other text is searched on its own."""
        if isinstance(data, Mapping):
            quote = isinstance(data.get("text"), str) and isinstance(data.get("start"), int | float)
            out = {}
            for key, value in data.items():
                if quote and key == "text":
                    out[key] = self.text(value, float(data["start"]), data.get("role"))
                else:
                    out[key] = self.value(value)
            return out
        if isinstance(data, list | tuple):
            return [self.value(v) for v in data]
        if isinstance(data, str):
            return self.text(data)
        return data

    def _item(self, item: ItemResult) -> ItemResult:
        evidence = tuple(replace(e, text=self.text(e.text, e.start, e.role)) for e in item.evidence)
        plain = {k: v for k, v in item.to_dict().items() if k in item.details}
        masked = self.value(plain)
        # typed details stay typed where nothing in them was masked (their JSON is what shows)
        return replace(item, evidence=evidence, details=item.details if masked == plain else masked)


def redactor(transcript: Transcript | None, rules: Rules = Rules()) -> Redactor:
    """The :class:`Redactor` of one call (``None``: quotes are searched on their own)."""
    return Redactor(transcript, rules)


def redact(
    transcript: Transcript | None, review: CallReview | None = None, rules: Rules = Rules()
) -> Redacted:
    """A call's transcript and review as they may leave the store, with the redactions."""
    r = Redactor(transcript, rules)
    return Redacted(r.transcript(), None if review is None else r.review(review), r.redactions)


def rules_key(rules: Rules) -> str:
    """A short key of what finds personal data: the site's patterns and this callreview's
    version (its detectors), so a list of redactions found under other rules or by another
    version is never taken for this one's."""
    from callreview import __version__

    spec = [__version__, *((p.label, p.regex.pattern, int(p.regex.flags)) for p in rules.patterns)]
    return hashlib.sha256(json.dumps(spec, ensure_ascii=False).encode()).hexdigest()[:32]


def rules_of(settings: Settings) -> Rules:
    """The redaction rules of a site's settings (``redact_patterns``)."""
    return site_patterns(dict(settings.redact_patterns))


def site_patterns(patterns: Mapping[str, str], source: str = "settings") -> Rules:
    """``redact_patterns`` of the settings (label → regular expression) as :class:`Rules`."""
    compiled = []
    for label, regex in patterns.items():
        try:
            compiled.append(Pattern(f"[{label.strip('[]')}]", re.compile(regex)))
        except re.error as err:
            raise SettingsError(
                f"{source}: redact_patterns.{label} is not a regular expression ({err}); fix it"
            ) from None
    return Rules(tuple(compiled))
