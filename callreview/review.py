"""``review_call``: the one path from a recording (or a transcript) to a scored checklist.

    recording ─load_audio─▶ channels ─Transcriber─▶ Transcript ─check_transcript─▶ CallReview

``callreview score`` and ``callreview transcribe`` go through a :class:`Reviewer`
(as a folder watcher will), which loads the model, lexicon and scorecard once
and reviews any number of calls with them.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, TypeVar

from callreview.errors import CallreviewError
from callreview.settings import Settings
from callreview.transcript import Transcript

if TYPE_CHECKING:
    from callreview.checklist import CallInfo
    from callreview.lexicon import Lexicon
    from callreview.results import CallReview
    from callreview.scorecard import Scorecard
    from callreview.transcribe import Transcriber

T = TypeVar("T")


class Reviewer:
    """Reviews calls with one set of settings; heavy parts load on first use, once."""

    def __init__(self, settings: Settings = Settings()):
        self.settings = settings

    @cached_property
    def transcriber(self) -> "Transcriber":
        from callreview.model import resolve_model
        from callreview.transcribe import TranscribeOptions, Transcriber

        s = self.settings
        options = TranscribeOptions(
            language=s.language or self.lexicon.language.split("-")[0],
            agent_channel=s.agent_channel,
            batch_size=max(1, s.batch_size),
            device=s.device,
            compute_type=s.compute_type,
            cpu_threads=s.cpu_threads,
        )
        return Transcriber(resolve_model(s.model), options, use_cache=s.cache)

    @cached_property
    def lexicon(self) -> "Lexicon":
        from callreview.lexicon import load_lexicon

        return load_lexicon(self.settings.lexicon)

    @cached_property
    def scorecard(self) -> "Scorecard":
        from callreview.scorecard import load_scorecard

        scorecard = load_scorecard(self.settings.scorecard)
        scorecard.check_lexicon(self.lexicon)
        return scorecard

    def call_info(self, customer_name: str | None = None, agent_name: str | None = None, direction: str | None = None) -> "CallInfo":
        from callreview.checklist import CallInfo

        s = self.settings
        return CallInfo(
            direction=direction or s.direction,
            customer_name=customer_name,
            agent_name=agent_name or (s.agent_names[0] if len(s.agent_names) == 1 else None),
            company_names=s.company_names,
        )

    def transcript(self, path: str | Path) -> Transcript:
        """A transcript JSON is read as it is (no model needed); audio is transcribed (or taken from the cache)."""
        path = Path(path)
        if path.suffix.lower() == ".json":
            return Transcript.load(path)
        return self.transcriber.transcribe_file(path)

    def review(
        self, path: str | Path, customer_name: str | None = None, agent_name: str | None = None, direction: str | None = None
    ) -> "CallReview":
        """Score one call. What is given here wins over the call's metadata file
        (``<recording>.toml``), which wins over the site settings."""
        from callreview.checklist import check_transcript
        from callreview.settings import call_metadata

        meta = call_metadata(path)
        info = self.call_info(
            customer_name or meta.get("customer_name"), agent_name or meta.get("agent_name"), direction or meta.get("direction")
        )
        transcript = self.transcript(path)
        return check_transcript(transcript, self.lexicon, self.scorecard, info)

    def review_many(self, paths: Iterable[str | Path], **call: str | None) -> Iterator[tuple[Path, "CallReview | CallreviewError"]]:
        """Review each path; a bad file yields its error and the batch goes on."""
        return _each(paths, lambda path: self.review(path, **call))

    def transcript_many(self, paths: Iterable[str | Path]) -> Iterator[tuple[Path, "Transcript | CallreviewError"]]:
        """The transcript of each path; a bad file yields its error and the batch goes on."""
        return _each(paths, self.transcript)


def _each(paths: Iterable[str | Path], do: Callable[[Path], T]) -> Iterator[tuple[Path, T | CallreviewError]]:
    for path in paths:
        try:
            yield Path(path), do(Path(path))
        except CallreviewError as err:
            yield Path(path), err


def review_call(
    recording: str | Path,
    settings: Settings = Settings(),
    customer_name: str | None = None,
    agent_name: str | None = None,
    direction: str | None = None,
) -> "CallReview":
    """Score one call (audio or transcript JSON) against the QC checklist, with evidence."""
    return Reviewer(settings).review(recording, customer_name=customer_name, agent_name=agent_name, direction=direction)
