"""One call at a time: ``transcribe``, ``score`` and ``model``."""

from __future__ import annotations

from typing import Annotated

import typer

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
    ScorecardOpt,
)
from callreview.cli.run import load_rules, report, run_command
from callreview.settings import load_settings


def transcribe(
    files: Files,
    json_out: JsonOut = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    agent_channel: ChannelOpt = None,
    language: LanguageOpt = None,
    config: ConfigOpt = None,
    no_cache: NoCacheOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Transcribe recordings into role-attributed, timestamped turns.

    Example: callreview transcribe audio_samples/01_perfect.flac --json -
    """
    # imported when the command runs, so `callreview --help` does not load the speech stack
    from callreview.cli.render import render_transcript
    from callreview.review import Reviewer

    def run() -> int:
        settings = load_settings(
            config,
            model=model,
            device=device,
            agent_channel=agent_channel,
            language=language,
            cache=False if no_cache else None,
        )
        return report(Reviewer(settings).transcript_many(files), json_out, render_transcript)

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
    debug: DebugOpt = False,
) -> None:
    """Score calls against the QC checklist: greeting, customer's name, hold, forbidden phrases,
    closing.

    Accepts recordings or transcript JSONs from `callreview transcribe` (no model needed then).

    Example: callreview score audio_samples/*.flac --json results.json
    """
    # imported when the command runs, so `callreview --help` does not load the speech stack
    from callreview.cli.render import render_batch, render_review
    from callreview.review import Reviewer

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
        reviewer = Reviewer(settings)
        load_rules(reviewer)
        return report(
            reviewer.review_many(
                files, customer_name=customer_name, agent_name=agent_name, direction=direction
            ),
            json_out,
            render_review,
            render_batch,
        )

    run_command(run, debug)


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
