"""``review_call``: the one path from a recording (or a transcript) to a scored checklist.

    recording ─load_audio─▶ channels ─Transcriber─▶ Transcript ─check_transcript─▶ CallReview

``callreview score`` and ``callreview transcribe`` go through a :class:`Reviewer`
(as a folder watcher will), which loads the model, lexicon and scorecard once
and reviews any number of calls with them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Literal, TypeVar, cast

from callreview import __version__
from callreview.asr.audio import Recording, file_digest, load_audio
from callreview.asr.channels import REVIEW_NOTE, ReadAs, agent_side, channel_note
from callreview.asr.legs import legs_digest, load_legs
from callreview.asr.model import cache_root, resolve_model
from callreview.asr.speakers import SEPARATOR_VERSION, AgentCues, SeparateOptions, separation
from callreview.asr.speakers.embed import MODEL_SHA256
from callreview.asr.transcribe import TranscribeOptions, Transcriber
from callreview.errors import CallreviewError
from callreview.files import write_output
from callreview.qc.checklist import CallInfo, check_transcript
from callreview.qc.checks.context import Finding
from callreview.qc.lexicon import Lexicon, load_lexicon
from callreview.qc.scorecard import Scorecard, load_scorecard
from callreview.results import CallReview
from callreview.settings import Settings, call_metadata
from callreview.transcript import Transcript

T = TypeVar("T")


@dataclass(frozen=True)
class Reviewed:
    """A scored call with the transcript it was scored on: what the store keeps of a call."""

    review: CallReview
    transcript: Transcript
    transcript_key: str
    """The transcript's cache key (audio, model and settings), or ``json:<sha256>`` for a
    transcript file."""


class Reviewer:
    """Reviews calls with one set of settings; heavy parts load on first use, once."""

    def __init__(self, settings: Settings = Settings()):
        self.settings = settings

    @cached_property
    def transcribe_options(self) -> TranscribeOptions:
        """How audio is transcribed under these settings (no model is touched to say so)."""
        s = self.settings
        options = TranscribeOptions(
            language=s.language or self.lexicon.language.split("-")[0],
            agent_channel="left" if s.agent_channel == "auto" else s.agent_channel,
            device=s.device,
            compute_type=s.compute_type,
            cpu_threads=s.cpu_threads,
        )
        if s.batch_size is None:
            return options
        # a batch size the user chose is the windows one decoder call takes (the default takes one)
        return replace(options, batch_size=max(1, s.batch_size), decode_batch=None)

    @cached_property
    def transcriber(self) -> Transcriber:
        return Transcriber(
            resolve_model(self.settings.model),
            self.transcribe_options,
            use_cache=self.settings.cache,
        )

    @cached_property
    def lexicon(self) -> Lexicon:
        return load_lexicon(self.settings.lexicon)

    @cached_property
    def agent_cues(self) -> AgentCues:
        """The lexicon's phrases that tell a mono call's agent from the caller."""
        return agent_cues(self.lexicon)

    @cached_property
    def scorecard(self) -> Scorecard:
        scorecard = load_scorecard(self.settings.scorecard)
        scorecard.check_lexicon(self.lexicon)
        return scorecard

    def call_info(
        self,
        customer_name: str | None = None,
        agent_name: str | None = None,
        direction: str | None = None,
    ) -> CallInfo:
        s = self.settings
        return CallInfo(
            # settings and call metadata check it against the two choices when they read it
            direction=cast(Literal["inbound", "outbound"], direction or s.direction),
            customer_name=customer_name,
            agent_name=agent_name,
            agent_names=s.agent_names,
            company_names=s.company_names,
        )

    @cached_property
    def fingerprint(self) -> str:
        """What the rules were: the lexicon and scorecard files and the settings the checks read.
        A stored review with another fingerprint was made under other rules (``rescore``)."""
        s = self.settings
        digest = hashlib.sha256()
        for source in (self.lexicon.source, self.scorecard.source):
            digest.update(Path(source).read_bytes())
        digest.update(
            json.dumps([s.company_names, s.agent_names, s.direction], ensure_ascii=False).encode()
        )
        return digest.hexdigest()[:16]

    @property
    def engine(self) -> str:
        return f"callreview {__version__}"

    def transcript(self, path: str | Path) -> Transcript:
        """A transcript JSON is read as it is (no model needed); audio is transcribed (or taken
        from the cache)."""
        return self.keyed_transcript(path)[0]

    def keyed_transcript(
        self,
        path: str | Path,
        digest: str | None = None,
        *,
        read: ReadAs = ReadAs(),
    ) -> tuple[Transcript, str]:
        """The transcript and its key; ``digest`` is the file's (or the legs') sha256 when the
        caller has it already; ``read``: how this call's audio is read (legs, agent channel)."""
        path = Path(path)
        if path.suffix.lower() == ".json" and read.legs is None:
            transcript = Transcript.load(path)
            return transcript, "json:" + (digest or file_digest(path))
        notes = [read.note] if read.note else []
        channel = read.channel or self.settings.agent_channel
        # bad audio is refused before any model work (no model needed to say so)
        if read.legs is not None:  # the agent's leg is on the left, whatever the site's channel
            both = load_legs(*read.legs)
            recording, notes = both.recording, [*notes, *both.notes]
            digest = digest or legs_digest(read.legs)
            agent_leg, customer_leg = read.legs
            sides = (_leg_name(agent_leg), _leg_name(customer_leg))
            fixed: Literal["left", "right"] | None = None if channel == "auto" else "left"
        else:
            recording = load_audio(path)
            sides = ("the left channel", "the right channel")
            fixed = "right" if channel == "right" else None if channel == "auto" else "left"
        start = fixed or "left"
        transcript, key = self.transcriber.oriented(start).transcribe_file_keyed(
            path, digest, recording
        )
        if transcript.roles == "mono-unknown":
            transcript, key = self.separated(transcript, key, recording)
        elif transcript.by_role("agent") and transcript.by_role("customer"):
            if start == "right":
                sides = (sides[1], sides[0])
            check = agent_side(transcript, self.agent_cues, read.inbound, sides)
            if fixed is None and check.verdict == "swap":
                start = "right"
                transcript, key = self.transcriber.oriented(start).transcribe_file_keyed(
                    path, digest, recording
                )
            if fixed is None or check.verdict == "swap":  # a fixed channel borne out: no note
                notes.append(channel_note(check, fixed is None))
        return (replace(transcript, notes=tuple(notes)) if notes else transcript), key

    def separated(
        self, transcript: Transcript, key: str, recording: Recording
    ) -> tuple[Transcript, str]:
        """A mono call with its voices told apart (:mod:`callreview.asr.speakers`), cached beside
        the transcript; the key names the separation too, so the store keeps both apart. A call
        that cannot be separated comes back ``mono-unknown`` under the transcript's own key."""
        lexicon_digest = hashlib.sha256(Path(self.lexicon.source).read_bytes()).hexdigest()
        sep_key = f"{key}+speakers{SEPARATOR_VERSION}"
        cache = None
        if self.settings.cache:
            name = hashlib.sha256(f"{sep_key}|{MODEL_SHA256}|{lexicon_digest}".encode()).hexdigest()
            cache = cache_root() / "separated" / f"{name}.json"
            if cache.exists():
                try:
                    cached = Transcript.load(cache)
                    return replace(cached, file=transcript.file), (
                        sep_key if cached.roles == "mono-separated" else key
                    )
                except CallreviewError:
                    pass  # a damaged cache file is made again
        result = separation(
            transcript,
            recording,
            self.agent_cues,
            SeparateOptions(threads=self.settings.cpu_threads),
        ).transcript
        if cache is not None:
            write_output(
                cache, result.to_json(indent=None), what="the speaker cache", make_parents=True
            )
        return result, (sep_key if result.roles == "mono-separated" else key)

    def review(
        self,
        path: str | Path,
        customer_name: str | None = None,
        agent_name: str | None = None,
        direction: str | None = None,
    ) -> CallReview:
        """Score one call. What is given here wins over the call's metadata file
        (``<recording>.toml``), which wins over the site settings."""
        return self.review_file(path, customer_name, agent_name, direction).review

    def review_file(
        self,
        path: str | Path,
        customer_name: str | None = None,
        agent_name: str | None = None,
        direction: str | None = None,
        digest: str | None = None,
        metadata: dict[str, str] | None = None,
        legs: tuple[Path | None, Path | None] | None = None,
        note: str | None = None,
    ) -> Reviewed:
        """:meth:`review`, keeping the transcript and its key (for the store). ``metadata``: the
        call's ``<recording>.toml`` when the caller has read it already (else it is read here).
        ``legs``: the call's two leg files (agent's, customer's), ``path`` the first of them;
        ``note``: said about the call in its transcript (a leg scored alone)."""
        meta = call_metadata(path) if metadata is None else metadata
        info = self.call_info(
            customer_name or meta.get("customer_name"),
            agent_name or meta.get("agent_name"),
            direction or meta.get("direction"),
        )
        read = ReadAs(legs, note, meta.get("agent_channel"), info.direction == "inbound")
        transcript, key = self.keyed_transcript(path, digest, read=read)
        return Reviewed(self.check(transcript, info), transcript, key)

    def check(self, transcript: Transcript, info: CallInfo | None = None) -> CallReview:
        """The rules alone on a transcript (no audio, no model): ``score`` of a JSON and
        ``rescore``. A transcript whose channels the speech contradicts is marked for review."""
        info = info or self.call_info()
        review = check_transcript(transcript, self.lexicon, self.scorecard, info)
        return channel_review(review, transcript, self.scorecard, self.agent_cues, info)

    def review_many(
        self, paths: Iterable[str | Path], **call: str | None
    ) -> Iterator[tuple[Path, CallReview | CallreviewError]]:
        """Review each path; a bad file yields its error and the batch goes on."""
        return _each(paths, lambda path: self.review(path, **call))

    def transcript_many(
        self, paths: Iterable[str | Path]
    ) -> Iterator[tuple[Path, Transcript | CallreviewError]]:
        """The transcript of each path; a bad file yields its error and the batch goes on."""
        return _each(paths, self.transcript)


def agent_cues(lexicon: Lexicon) -> AgentCues:
    """What the speaker separation needs of ``lexicon`` to tell the agent's voice (see
    :mod:`callreview.asr.speakers.roles`): the speech side is handed phrases, it reads no
    lexicon."""
    introduces = list(lexicon.greeting.company) + list(lexicon.greeting.agent_name)
    service = [
        lexicon.hold.permission,
        lexicon.hold.thanks,
        lexicon.closing.question,
        lexicon.closing.thanks,
    ]
    if lexicon.outbound is not None:
        introduces += list(lexicon.outbound.confirm_identity) + list(lexicon.outbound.agent_name)
        service.append(lexicon.outbound.ask_time)
    return AgentCues(
        offers_help=lexicon.phrase_set("speakers.greet", lexicon.greeting.offer_help),
        introduces=tuple(introduces),
        asks_name=lexicon.phrase_set("speakers.ask_name", lexicon.names.ask_name),
        service=tuple(
            lexicon.phrase_set(f"speakers.service.{i}", phrases)
            for i, phrases in enumerate(service)
        ),
        self_name=tuple(lexicon.names.self_name),
        slot_max=lexicon.slot_max,
    )


def channel_review(
    review: CallReview,
    transcript: Transcript,
    scorecard: Scorecard,
    cues: AgentCues,
    info: CallInfo,
) -> CallReview:
    """``review`` with every item ``review`` when the transcript's notes say its channels are in
    doubt (:data:`callreview.asr.channels.REVIEW_NOTE`): the greeting heard on each side is the
    evidence, the note the reason (as the checklist does for a call with no agent speech)."""
    reasons = [n[len(REVIEW_NOTE) :] for n in transcript.notes if n.startswith(REVIEW_NOTE)]
    if not reasons:
        return review
    check = agent_side(transcript, cues, info.direction == "inbound")
    profile = scorecard.profile(info.direction)
    evidence = check.evidence
    items = {
        name: scorecard.item_result(
            Finding(name, "review", evidence if name == "greeting" else (), {"reason": reasons[0]}),
            profile,
        )
        for name in review.items
    }
    score = scorecard.total({**items, **review.delivery})
    band = scorecard.band(score)
    return replace(
        review,
        items=items,
        score=score,
        band=band.name if band else None,
        band_label=band.label if band else None,
        needs_review=True,
    )


def _leg_name(path: Path | None) -> str:
    return f"the leg {path.name}" if path is not None else "a missing leg"


def _each(
    paths: Iterable[str | Path], do: Callable[[Path], T]
) -> Iterator[tuple[Path, T | CallreviewError]]:
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
) -> CallReview:
    """Score one call (audio or transcript JSON) against the QC checklist, with evidence."""
    return Reviewer(settings).review(
        recording, customer_name=customer_name, agent_name=agent_name, direction=direction
    )
