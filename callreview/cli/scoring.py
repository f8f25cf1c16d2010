"""One call at a time: ``transcribe``, ``score`` and ``model``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from callreview.cli.app import speak
from callreview.cli.options import (
    ChannelOpt,
    CompanyOpt,
    ConfigOpt,
    DebugOpt,
    DeviceOpt,
    Files,
    JsonOut,
    LanguageOpt,
    LexiconOpt,
    ModelOpt,
    NoCacheOpt,
    NoRedactOpt,
    ScorecardOpt,
)
from callreview.cli.run import echo, load_rules, report, run_command
from callreview.cli.startup import beside_model
from callreview.errors import CallreviewError
from callreview.settings import Settings, load_settings

if TYPE_CHECKING:
    from callreview.privacy import Redacted, Rules
    from callreview.results import CallReview
    from callreview.review import Reviewer
    from callreview.transcript import Transcript


def transcribe(
    files: Files,
    json_out: JsonOut = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    agent_channel: ChannelOpt = None,
    language: LanguageOpt = None,
    config: ConfigOpt = None,
    no_cache: NoCacheOpt = False,
    no_redact: NoRedactOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Transcribe recordings into role-attributed, timestamped turns.

    Example: callreview transcribe audio_samples/01_perfect.flac --json -
    """

    def run() -> int:
        settings = load_settings(
            config,
            model=model,
            device=device,
            agent_channel=agent_channel,
            language=language,
            cache=False if no_cache else None,
        )
        speak(settings)
        reviewer = beside_model(settings, files, partial(_reviewer, settings))
        # imported when the command runs (by now, in _reviewer), so `--help` loads none of it
        from callreview.cli.render import render_redactions, render_transcript

        transcripts = reviewer.transcript_many(files)
        if no_redact:
            _warn_unredacted()
            return report(transcripts, json_out, render_transcript)
        from callreview.privacy import rules_of

        rules = rules_of(settings)

        def render(shown: Redacted) -> str:
            assert shown.transcript is not None
            lines = [render_transcript(shown.transcript)]
            if shown.redactions:
                lines.append(render_redactions(r.to_dict() for r in shown.redactions))
            return "\n".join(lines)

        return report(_masked_transcripts(transcripts, rules), json_out, render)

    run_command(run, debug)


def score(
    files: Files,
    json_out: JsonOut = None,
    customer_name: Annotated[
        str | None,
        typer.Option(
            "--customer-name",
            help="The customer's name (e.g. 王 or 王先生); inferred from the call if omitted.",
        ),
    ] = None,
    agent_name: Annotated[
        str | None,
        typer.Option(
            "--agent-name", help="The agent's name or staff number as they introduce themself."
        ),
    ] = None,
    company: CompanyOpt = None,
    scorecard: ScorecardOpt = None,
    lexicon: LexiconOpt = None,
    direction: Annotated[
        str | None,
        typer.Option("--direction", help="inbound | outbound (回访 follow-up calls)."),
    ] = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    agent_channel: ChannelOpt = None,
    language: LanguageOpt = None,
    config: ConfigOpt = None,
    no_cache: NoCacheOpt = False,
    no_redact: NoRedactOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Score calls against the QC checklist: greeting, customer's name, hold, forbidden phrases,
    closing.

    Accepts recordings or transcript JSONs from `callreview transcribe` (no model needed then).

    Example: callreview score audio_samples/*.flac --json results.json
    """

    def run() -> int:
        settings = load_settings(
            config,
            model=model,
            device=device,
            agent_channel=agent_channel,
            lexicon=lexicon,
            scorecard=scorecard,
            direction=direction,
            company_names=tuple(company or ()),
            cache=False if no_cache else None,
            language=language,
        )
        speak(settings)
        reviewer = beside_model(settings, files, partial(_reviewer, settings, rules=True))
        # imported when the command runs (by now, in _reviewer), so `--help` loads none of it
        from callreview.cli.render import render_batch, render_review
        from callreview.privacy import rules_of

        call = {"customer_name": customer_name, "agent_name": agent_name, "direction": direction}
        if no_redact:
            _warn_unredacted()
        return report(
            _shown_reviews(reviewer, files, None if no_redact else rules_of(settings), call),
            json_out,
            partial(render_review, scorecard=reviewer.scorecard),
            render_batch,
        )

    run_command(run, debug)


def _reviewer(settings: Settings, rules: bool = False) -> Reviewer:
    """A reviewer with, ``rules``: the lexicon and scorecard loaded, so a malformed one is refused
    before any audio; else its transcription options worked out (the lexicon read for them)."""
    # imported when the command runs, so `callreview --help` does not load the speech stack
    from callreview.cli.render import render_review  # noqa: F401 - imported beside the model
    from callreview.privacy import rules_of  # noqa: F401 - as above: what the output masks with
    from callreview.review import Reviewer

    reviewer = Reviewer(settings)
    if rules:
        load_rules(reviewer)
    else:
        try:
            _ = reviewer.transcribe_options
        except CallreviewError:
            pass  # a bad lexicon is refused where transcribe always refused it: after the audio
    return reviewer


def _shown_reviews(
    reviewer: Reviewer, files: Iterable[Path], rules: Rules | None, call: dict[str, str | None]
) -> Iterator[tuple[Path, CallReview | CallreviewError]]:
    """Each file's review, its quotes masked by ``rules`` (``None``: as said); a bad file yields
    its error and the batch goes on."""
    from callreview.privacy import redactor  # loaded with the rules, beside the model

    for path in files:
        try:
            done = reviewer.review_file(
                path,
                customer_name=call["customer_name"],
                agent_name=call["agent_name"],
                direction=call["direction"],
            )
        except CallreviewError as err:
            yield Path(path), err
            continue
        shown = (
            done.review if rules is None else redactor(done.transcript, rules).review(done.review)
        )
        yield Path(path), shown


def _masked_transcripts(
    outcomes: Iterable[tuple[Path, Transcript | CallreviewError]], rules: Rules
) -> Iterator[tuple[Path, Redacted | CallreviewError]]:
    from callreview.privacy import redact  # loaded with the rules, beside the model

    for path, outcome in outcomes:
        yield (
            path,
            outcome if isinstance(outcome, CallreviewError) else redact(outcome, rules=rules),
        )


def _warn_unredacted() -> None:
    echo("callreview: warning: --no-redact: personal data is shown as said", err=True)


def model_info(
    model: ModelOpt = None,
    load: Annotated[
        bool, typer.Option("--load", help="Also load the model once, to check it works here.")
    ] = False,
    device: DeviceOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Show which Whisper model would be used (assembling the bundled one on first use).

    The model comes from --model, then $CALLREVIEW_MODEL, then callreview.toml, then the
    bundled default.

    Example: callreview model --load
    """
    # imported when the command runs, so `callreview --help` does not load the speech stack
    from callreview.asr.model import load_model, resolve_model

    def run() -> int:
        settings = load_settings(config, model=model, device=device)
        ref = resolve_model(settings.model)
        typer.echo(f"model: {ref.model_id}\nfolder: {ref.load_from}")
        if load:
            load_model(ref, settings.device, settings.compute_type, settings.cpu_threads)
            typer.echo("loads: ok")
        return 0

    run_command(run, debug)
