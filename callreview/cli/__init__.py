"""The ``callreview`` command: parse options, call the library, print, set the exit code.

Nothing here knows how a call is transcribed or judged; see :mod:`callreview.review`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from callreview import __version__
from callreview.errors import CallreviewError, describe

app = typer.Typer(
    help="Score recorded call-center calls against the QC checklist, offline, with evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # transcripts are personal data: never print locals
    rich_markup_mode=None,
)

INTERNAL_ERROR = 70

Files = Annotated[
    list[Path],
    typer.Argument(
        help="Recordings (wav, flac, mp3, ogg, m4a) or transcript JSONs.", show_default=False
    ),
]
JsonOut = Annotated[
    str | None,
    typer.Option(
        "--json", help="Write JSON to PATH, or '-' for standard output.", metavar="PATH|-"
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="Model: a CTranslate2 folder or a faster-whisper name. Default: $CALLREVIEW_MODEL, callreview.toml, else the bundled base model.",
    ),
]
DeviceOpt = Annotated[
    str | None,
    typer.Option("--device", help="auto | cpu | cuda (auto uses a GPU when one is present)."),
]
ChannelOpt = Annotated[
    str | None,
    typer.Option("--agent-channel", help="Which stereo channel is the agent: left | right."),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="Settings file (default: ./callreview.toml if present)."),
]
NoCacheOpt = Annotated[
    bool,
    typer.Option("--no-cache", help="Transcribe again even if this audio was transcribed before."),
]
DebugOpt = Annotated[
    bool,
    typer.Option(
        "--debug", help="Show the traceback of an unexpected error (without local variables)."
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"callreview {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """callreview: transcribe calls offline with Whisper and score them against the QC checklist."""


@app.command()
def transcribe(
    files: Files,
    json_out: JsonOut = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    agent_channel: ChannelOpt = None,
    language: Annotated[
        str | None,
        typer.Option("--language", help="Whisper language code (default: from the lexicon, zh)."),
    ] = None,
    config: ConfigOpt = None,
    no_cache: NoCacheOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Transcribe recordings into role-attributed, timestamped turns.

    Example: callreview transcribe audio_samples/01_perfect.flac --json -
    """
    from callreview.review import Reviewer

    def run() -> int:
        settings = _settings(
            config,
            model=model,
            device=device,
            agent_channel=agent_channel,
            language=language,
            cache=False if no_cache else None,
        )
        return _report(Reviewer(settings).transcript_many(files), json_out, _format_transcript)

    _run(run, debug)


@app.command()
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
    company: Annotated[
        list[str] | None,
        typer.Option(
            "--company", help="A company or department name the greeting must contain (repeatable)."
        ),
    ] = None,
    scorecard: Annotated[
        str | None,
        typer.Option("--scorecard", help="Scorecard TOML (weights, thresholds, bands)."),
    ] = None,
    lexicon: Annotated[
        str | None,
        typer.Option("--lexicon", help="Lexicon: zh-CN, en-US or a path to a lexicon TOML."),
    ] = None,
    direction: Annotated[
        str | None,
        typer.Option("--direction", help="inbound | outbound (回访 follow-up calls)."),
    ] = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    agent_channel: ChannelOpt = None,
    language: Annotated[
        str | None,
        typer.Option("--language", help="Whisper language code (default: from the lexicon, zh)."),
    ] = None,
    config: ConfigOpt = None,
    no_cache: NoCacheOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Score calls against the QC checklist: greeting, customer's name, hold, forbidden phrases, closing.

    Accepts recordings or transcript JSONs from `callreview transcribe` (no model needed then).

    Example: callreview score audio_samples/*.flac --json results.json
    """
    from callreview.cli.render import render_batch, render_review
    from callreview.review import Reviewer

    def run() -> int:
        settings = _settings(
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
        (
            reviewer.lexicon,
            reviewer.scorecard,
        )  # refuse a malformed lexicon or scorecard before any audio work
        return _report(
            reviewer.review_many(
                files, customer_name=customer_name, agent_name=agent_name, direction=direction
            ),
            json_out,
            render_review,
            render_batch,
        )

    _run(run, debug)


@app.command("model")
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

    The model comes from --model, then $CALLREVIEW_MODEL, then callreview.toml, then the bundled default.

    Example: callreview model --load
    """
    from callreview.asr.model import load_model, resolve_model

    def run() -> int:
        settings = _settings(config, model=model, device=device)
        ref = resolve_model(settings.model)
        typer.echo(f"model: {ref.model_id}\nfolder: {ref.load_from}")
        if load:
            load_model(ref, settings.device, settings.compute_type, settings.cpu_threads)
            typer.echo("loads: ok")
        return 0

    _run(run, debug)


StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="The results store: an SQLite file or a postgresql:// URL. Default: $CALLREVIEW_DB, db in callreview.toml, else ./callreview.db.",
    ),
]
CompanyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--company", help="A company or department name the greeting must contain (repeatable)."
    ),
]
ScorecardOpt = Annotated[
    str | None, typer.Option("--scorecard", help="Scorecard TOML (weights, thresholds, bands).")
]
LexiconOpt = Annotated[
    str | None,
    typer.Option("--lexicon", help="Lexicon: zh-CN, en-US or a path to a lexicon TOML."),
]


@app.command()
def batch(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Folders (searched recursively for recordings), files, or globs such as 'calls/**/*.flac'.",
            show_default=False,
        ),
    ] = None,
    db: StoreOpt = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="Worker processes, one model each. Default: 1, which keeps a batch under 1 GB; 2 × --threads 1 was 1.1–1.4× faster on 2 cores at twice the memory (README, Benchmarks).",
            show_default=False,
        ),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads",
            min=1,
            help="CPU threads per worker. Default: the cores shared out between the workers.",
            show_default=False,
        ),
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(
            "--manifest",
            metavar="CSV",
            help="A CSV listing the calls: file (relative to the CSV), agent, call_id, date, direction, customer_name; other columns are kept as metadata.",
        ),
    ] = None,
    name_pattern: Annotated[
        str | None,
        typer.Option(
            "--name-pattern",
            metavar="PATTERN",
            help="Read the call's fields from its file name, e.g. '{agent}_{date}_{call_id}' ({*} skips a part).",
        ),
    ] = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Score again the calls an earlier run failed.")
    ] = False,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            metavar="ADDRESS|auto",
            help="Score on a Ray cluster (one model per actor) instead of local workers.",
        ),
    ] = None,
    company: CompanyOpt = None,
    scorecard: ScorecardOpt = None,
    lexicon: LexiconOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    agent_channel: ChannelOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Score many calls into the results store, exactly once: a re-run skips what is stored, an interrupted one resumes.

    One line per call on stderr (a progress bar on a terminal), then on stdout
    `412 scored, 1,203 already scored, 2 failed` and each failed file with its error.
    Exit 0, or 6 when some calls failed. Ctrl-C lets the calls in progress finish
    (a second Ctrl-C stops them unscored) and exits 130. Calls another batch is
    scoring are waited for at the end, never scored twice.

    Example: callreview batch /srv/recordings/2026-12-01 --db qc.db --name-pattern '{agent}_{date}_{call_id}'
    """
    from callreview.errors import SettingsError

    def run() -> int:
        from callreview.jobs.batch import BatchOptions, discover, run_batch
        from callreview.jobs.progress import progress_for, summary_lines
        from callreview.jobs.workers import interruptible
        from callreview.review import Reviewer
        from callreview.store import open_store, store_url

        if not paths and manifest is None:
            raise SettingsError(
                "batch: say which calls to score: folders, files, globs, or --manifest CSV"
            )
        settings = _settings(
            config,
            model=model,
            device=device,
            agent_channel=agent_channel,
            lexicon=lexicon,
            scorecard=scorecard,
            company_names=tuple(company or ()),
        )
        reviewer = Reviewer(settings)
        (
            reviewer.lexicon,
            reviewer.scorecard,
        )  # refuse a malformed lexicon or scorecard before any audio work
        jobs = discover(
            paths or [], manifest, name_pattern
        )  # a bad path or manifest line: refused before the store is made
        options = BatchOptions(workers=workers, threads=threads, retry_failed=retry_failed, ray=ray)
        url = store_url(db, settings.db)
        with open_store(url) as store:
            with interruptible() as stop, progress_for(len(jobs)) as progress:
                tally = run_batch(jobs, reviewer, store, url, options, progress, stop)
        for line in summary_lines(tally):
            typer.echo(line)
        return 130 if tally.interrupted else tally.exit_code

    _run(run, debug)


@app.command()
def rescore(
    db: StoreOpt = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="YYYY-MM-DD",
            help="Only calls on or after this day (the call's date, else the day it was stored).",
        ),
    ] = None,
    company: CompanyOpt = None,
    scorecard: ScorecardOpt = None,
    lexicon: LexiconOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Re-run the checklist on the stored transcripts after a lexicon or scorecard change: no audio, no model.

    Each call gets a new review version (the latest is current, history is kept);
    calls already scored under the same rules are skipped.

    Example: callreview rescore --db qc.db --since 2026-11-01 --lexicon site-lexicon.toml
    """

    def run() -> int:
        from callreview.dates import parse_day
        from callreview.jobs.rescore import rescore as rescore_calls
        from callreview.review import Reviewer
        from callreview.store import open_store

        first = parse_day(since, "--since") if since else None
        settings = _settings(
            config, lexicon=lexicon, scorecard=scorecard, company_names=tuple(company or ())
        )
        reviewer = Reviewer(settings)
        (
            reviewer.lexicon,
            reviewer.scorecard,
        )  # a malformed lexicon or scorecard is refused before the store is touched
        with open_store(db, settings.db) as store:
            tally = rescore_calls(store, reviewer, first)
        for line in tally.lines():
            typer.echo(line)
        return tally.exit_code

    _run(run, debug)


@app.command()
def watch(
    folders: Annotated[
        list[Path],
        typer.Argument(help="Folders the call recorder writes into.", show_default=False),
    ],
    db: StoreOpt = None,
    recursive: Annotated[
        bool, typer.Option("--recursive", help="Also watch the folders inside them.")
    ] = False,
    pattern: Annotated[
        str | None,
        typer.Option(
            "--pattern",
            help="Comma-separated file name globs. Default: '*.wav,*.flac,*.mp3,*.ogg,*.opus,*.m4a'.",
            show_default=False,
        ),
    ] = None,
    poll: Annotated[
        float | None,
        typer.Option(
            "--poll",
            metavar="SECONDS",
            min=0.1,
            help="Look every SECONDS instead of waiting for filesystem events (network shares).",
        ),
    ] = None,
    settle: Annotated[
        float,
        typer.Option(
            "--settle",
            metavar="SECONDS",
            min=0.0,
            help="A file is complete once its size and mtime held still this long (or it was renamed into place).",
        ),
    ] = 3.0,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Worker processes, one model each.")
    ] = 1,
    once: Annotated[
        bool,
        typer.Option(
            "--once", help="Score the backlog and exit (cron, CI): 0, or 6 when some file failed."
        ),
    ] = False,
    failed_dir: Annotated[
        Path | None,
        typer.Option(
            "--failed-dir",
            help="Move files that cannot be scored here (their error stays in the store).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Also write each result as <recording>.review.json under this folder."
        ),
    ] = None,
    json_beside: Annotated[
        bool,
        typer.Option(
            "--json-beside",
            help="Also write each result as <recording>.review.json next to the recording.",
        ),
    ] = False,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Score every new recording in a folder exactly once, as it lands: through restarts, partial writes and bad files.

    At start it catches up on files not yet in the store (oldest first), then scores new
    ones once they stop growing. One log line per call; SIGINT/SIGTERM stop it cleanly
    (exit 0), a call in progress is left pending for the next start.

    Example: callreview watch /srv/recordings --db /var/lib/callreview/callreview.db --failed-dir /srv/failed
    """
    from callreview.jobs.watch import DEFAULT_PATTERNS, WatchOptions, parse_patterns
    from callreview.jobs.watch import watch as run_watch
    from callreview.store import open_store, store_url

    def run() -> int:
        settings = _settings(config, model=model, device=device)
        options = WatchOptions(
            folders=tuple(folders),
            patterns=parse_patterns(pattern) if pattern is not None else DEFAULT_PATTERNS,
            recursive=recursive,
            poll_s=poll,
            settle_s=settle,
            workers=workers,
            once=once,
            failed_dir=failed_dir,
            out_dir=out,
            json_beside=json_beside,
        )
        url = store_url(db, settings.db)
        with open_store(url) as store:
            summary = run_watch(options, settings, store, url)
        return summary.exit_code if once and not summary.stopped_by else 0

    _run(run, debug)


@app.command()
def status(
    db: StoreOpt = None,
    errors: Annotated[
        int, typer.Option("--errors", min=0, help="How many of the latest errors to show.")
    ] = 5,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Show the queue in the store: pending, in progress, failed, scored today, and the latest errors.

    Example: callreview status --db /var/lib/callreview/callreview.db
    """
    from callreview.jobs.watch import render_status
    from callreview.store import open_store

    def run() -> int:
        settings = _settings(config)
        with open_store(db, settings.db) as store:
            latest = store.errors(limit=errors) if errors else []
            typer.echo(render_status(store.where, store.counts(), latest))
        return 0

    _run(run, debug)


# --- QC reviewers: export, summary, sample (callreview.team.export, .summary, .sampling) ---

SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        metavar="YYYY-MM-DD",
        help="Only calls on or after this day (the call's date, else the day it was stored).",
    ),
]
UntilOpt = Annotated[
    str | None,
    typer.Option("--until", metavar="YYYY-MM-DD", help="Only calls on or before this day."),
]


@app.command("export")
def export_calls(
    csv_out: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            metavar="FILE",
            help="Write a CSV: UTF-8 with a BOM (Excel shows Chinese), one row per call.",
        ),
    ] = None,
    xlsx_out: Annotated[
        Path | None,
        typer.Option(
            "--xlsx",
            metavar="FILE",
            help="Write an Excel workbook: a Calls sheet and an Agents summary sheet.",
        ),
    ] = None,
    jsonl_out: Annotated[
        Path | None,
        typer.Option(
            "--jsonl",
            metavar="FILE",
            help="Write JSON Lines: one stored call with its current review per line.",
        ),
    ] = None,
    html_out: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="DIR",
            help="Write a static report into DIR: the web app's call pages and an index, openable without a server.",
        ),
    ] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    agent: Annotated[str | None, typer.Option("--agent", help="Only this agent's calls.")] = None,
    db: StoreOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Export the scored calls with their current reviews: CSV, XLSX or JSON Lines (streamed, written atomically).

    Example: callreview export --since 2026-11-23 --until 2026-11-29 --xlsx week48.xlsx
    """
    from callreview.dates import day_range
    from callreview.errors import SettingsError
    from callreview.store import open_store
    from callreview.team.export import ExportFilter, export

    def run() -> int:
        targets = [
            (fmt, path)
            for fmt, path in (("csv", csv_out), ("xlsx", xlsx_out), ("jsonl", jsonl_out))
            if path is not None
        ]
        if not targets and html_out is None:
            raise SettingsError(
                "export: say where to write it: --csv FILE, --xlsx FILE, --jsonl FILE or --html DIR"
            )
        first, last = day_range(since, until)
        settings = _settings(config)
        with open_store(db, settings.db) as store:
            for fmt, path in targets:
                written = export(store, fmt, path, ExportFilter(first, last, agent))
                typer.echo(f"wrote {written:,} calls to {path}")
            if html_out is not None:
                from callreview.qc.scorecard import load_scorecard
                from callreview.team.people import QueueFilter
                from callreview.web.report import write_report

                written = write_report(
                    store,
                    load_scorecard(settings.scorecard),
                    html_out,
                    QueueFilter(agent=agent, since=first, until=last),
                )
                typer.echo(f"wrote {written:,} call pages and an index to {html_out}")
        return 0

    _run(run, debug)


@app.command("summary")
def summary_cmd(
    by: Annotated[
        str, typer.Option("--by", help="Group the figures: agent | week | item.")
    ] = "agent",
    since: SinceOpt = None,
    until: UntilOpt = None,
    json_flag: Annotated[
        bool, typer.Option("--json", help="Print the figures as JSON instead of tables.")
    ] = False,
    db: StoreOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Figures for the QC meeting: calls, mean and minimum score, bands, failure rate per item and part, forbidden phrases, calls waiting for a person.

    Example: callreview summary --by agent --since 2026-11-23 --until 2026-11-29
    """
    from callreview.dates import day_range
    from callreview.errors import SettingsError
    from callreview.store import open_store
    from callreview.team.summary import BY, render_summary, summarize

    def run() -> int:
        if by not in BY:
            raise SettingsError(f"--by {by}: group by one of {', '.join(BY)}")
        first, last = day_range(since, until)
        settings = _settings(config)
        with open_store(db, settings.db) as store:
            figures = summarize(
                store.calls(since=first, until=last, state="scored"), by, first, last
            )  # type: ignore[arg-type]
        if json_flag:
            typer.echo(json.dumps(figures.to_dict(), ensure_ascii=False, indent=2))
        else:
            typer.echo(render_summary(figures), nl=False)
        return 0

    _run(run, debug)


@app.command("sample")
def sample_cmd(
    rate: Annotated[
        float,
        typer.Option(
            "--rate", help="Share of each agent's calls to pick, 0.05-0.15 (seed 004: 5-15 %)."
        ),
    ] = 0.1,
    min_per_agent: Annotated[
        int,
        typer.Option("--min-per-agent", help="Calls per agent at least (all of them when fewer)."),
    ] = 3,
    week: Annotated[
        str | None,
        typer.Option(
            "--week",
            metavar="YYYY-Www",
            help="ISO week of the calls' dates. Default: the latest week with scored calls.",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            help="Repeat a pick: the same seed and calls give the same picks. Default: a random seed, printed.",
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            help="Save the sample under this name (default: the week); one of the same name is replaced.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Allow a rate outside 0.05-0.15.")] = False,
    json_flag: Annotated[
        bool, typer.Option("--json", help="Print the sample as JSON instead of tables.")
    ] = False,
    db: StoreOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Pick a week's calls for human QC: stratified by agent, at least N per agent, spread over the day; saved as a named sample.

    Example: callreview sample --rate 0.1 --min-per-agent 3 --week 2026-W48 --seed 7
    """
    from callreview.store import open_store
    from callreview.team.sampling import SampleOptions, render_sample, take_sample

    def run() -> int:
        options = SampleOptions(
            rate=rate, min_per_agent=min_per_agent, week=week, seed=seed, name=name, force=force
        )
        options.check()  # a bad option is refused before the store is opened
        if week:
            from callreview.dates import parse_week

            parse_week(week)
        settings = _settings(config)
        with open_store(db, settings.db) as store:
            picked = take_sample(store, options)
        if json_flag:
            typer.echo(json.dumps(picked.to_dict(), ensure_ascii=False, indent=2))
        else:
            typer.echo(render_sample(picked), nl=False)
        return 0

    _run(run, debug)


# --- the reviewer's web app (callreview.web, callreview.team.people) ---


@app.command()
def serve(
    db: StoreOpt = None,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on. The default is this machine only; to serve a team, put it behind an HTTPS proxy.",
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            "--port", min=0, max=65535, help="Port to listen on (0: any free port, printed)."
        ),
    ] = 8000,
    secure_cookies: Annotated[
        bool,
        typer.Option(
            "--secure-cookies",
            help="Mark the session cookie Secure: when users reach the app over HTTPS (a proxy).",
        ),
    ] = False,
    scorecard: ScorecardOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Serve the reviewer's web app: queue, call pages with the audio and evidence, overrides, appeals, agents, agreement.

    Users log in with accounts made by `callreview user add`. Ctrl-C stops it.

    Example: callreview serve --db qc.db --port 8000
    """

    def run() -> int:
        from callreview.qc.scorecard import load_scorecard
        from callreview.store import open_store
        from callreview.team.people import People
        from callreview.web import serve as serve_app

        settings = _settings(config, scorecard=scorecard)
        rules = load_scorecard(settings.scorecard)
        with open_store(db, settings.db) as store:
            if not People(store).users():
                typer.echo(
                    "callreview: no users yet; add one with: callreview user add NAME --role reviewer",
                    err=True,
                )

            def ready(url: str) -> None:
                typer.echo(f"callreview: serving {store.where} at {url} (Ctrl-C stops)", err=True)

            serve_app(store, rules, host, port, secure_cookies, ready, debug)
        return 0

    _run(run, debug)


user_app = typer.Typer(
    help="Users of the web app (callreview serve): reviewers, supervisors, agents, admins.\n\nExample: callreview user add rita --role reviewer",
    no_args_is_help=True,
)
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(
    name: Annotated[
        str, typer.Argument(help="The log-in name (letters, digits, . _ @ -).", show_default=False)
    ],
    role: Annotated[
        str,
        typer.Option("--role", help="reviewer | supervisor | agent | admin.", show_default=False),
    ],
    agent_id: Annotated[
        str | None,
        typer.Option(
            "--agent-id", help="For an agent: the agent id their calls carry in the store."
        ),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from the first line of standard input instead of a prompt.",
        ),
    ] = False,
    db: StoreOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Add a user of the web app; the password is asked for (or read from stdin) and kept as an argon2 hash only.

    Example: callreview user add wang --role agent --agent-id A017
    """

    def run() -> int:
        from callreview.store import open_store
        from callreview.team.people import People

        settings = _settings(config)
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = typer.prompt(
                f"Password for {name}", hide_input=True, confirmation_prompt=True
            )
        with open_store(db, settings.db) as store:
            user = People(store).add_user(name, role, password, agent_id)
            typer.echo(
                f"added {user.role} {user.name}"
                + (f" (agent {user.agent})" if user.agent else "")
                + f" to {store.where}"
            )
        return 0

    _run(run, debug)


@user_app.command("list")
def user_list(db: StoreOpt = None, config: ConfigOpt = None, debug: DebugOpt = False) -> None:
    """List the users of the web app: name, role, agent id.

    Example: callreview user list --db qc.db
    """

    def run() -> int:
        from callreview.store import open_store
        from callreview.team.people import People

        settings = _settings(config)
        with open_store(db, settings.db) as store:
            for user in People(store).users():
                typer.echo(f"{user.name}\t{user.role}\t{user.agent or ''}")
        return 0

    _run(run, debug)


# --- helpers ----------------------------------------------------------------


def _settings(config: Path | None, **options: Any):
    from callreview.settings import load_settings

    return load_settings(config, **options)


def _report(
    outcomes: Iterable[tuple[Path, Any]],
    json_out: str | None,
    render: Callable[[Any], str],
    summary: Callable[[list[tuple[str, Any]]], str] | None = None,
) -> int:
    """Print each result (or its one-line error) as it comes, then a summary of a batch,
    then write the JSON; one bad file never stops the batch, and the exit code is the
    first error's."""
    results: list[dict[str, Any]] = []
    failed: list[CallreviewError] = []
    seen: list[tuple[str, Any]] = []
    for path, outcome in outcomes:
        seen.append((str(path), outcome))
        if isinstance(outcome, CallreviewError):
            _error(outcome)
            failed.append(outcome)
            results.append({"file": str(path), "error": str(outcome)})
            continue
        results.append(outcome.to_dict())
        if json_out != "-":
            typer.echo(("\n" if len(results) > 1 else "") + render(outcome))
    if summary and len(seen) > 1 and json_out != "-":
        typer.echo("\n" + summary(seen))
    _write_json(json_out, results)
    return failed[0].exit_code if failed else 0


def _run(body: Callable[[], int], debug: bool) -> None:
    """Run a command body: user errors → one line and their exit code; anything else → one line and 70."""
    global _debug
    _debug = debug
    try:
        code = body()
    except CallreviewError as err:
        _error(err)
        raise typer.Exit(err.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("callreview: interrupted", err=True)
        raise typer.Exit(130) from None
    except Exception as err:  # a bug, not a user error: still one line unless --debug
        if debug:
            import traceback

            traceback.print_exc()
        typer.echo(
            f"callreview: internal error: {describe(err)} "
            "(rerun with --debug for the traceback, and report it)",
            err=True,
        )
        raise typer.Exit(INTERNAL_ERROR) from None
    raise typer.Exit(code)


_debug = False
"""The running command's --debug: a file's error then also shows what caused it."""


def _error(err: CallreviewError) -> None:
    if _debug and err.__cause__ is not None:
        import traceback

        traceback.print_exception(err.__cause__)
    typer.echo(f"callreview: error: {err}", err=True)


def _write_json(target: str | None, results: list[dict[str, Any]]) -> None:
    """One object for one file, an array for several; written atomically so a crash never leaves half a file."""
    if target is None:
        return
    payload = results[0] if len(results) == 1 else results
    text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from callreview.asr.transcribe import write_atomic

    try:
        write_atomic(Path(target), text)
    except OSError as err:
        raise CallreviewError(
            f"{target}: cannot write the JSON output ({err.strerror}); check the folder exists and is writable"
        ) from None


def _format_transcript(transcript) -> str:
    head = f"# {transcript.file}  {transcript.duration_s:.1f} s  {transcript.roles}  model {transcript.model}"
    if transcript.roles == "mono-unknown":
        head += "  (mono: speakers are not separated, every turn is 'unknown')"
    lines = [head]
    for seg in transcript.segments:
        lines.append(f"[{_clock(seg.start)}–{_clock(seg.end)}] {seg.role:>8}: {seg.text}")
    return "\n".join(lines)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(seconds, 60)
    return f"{int(minutes):02d}:{secs:04.1f}"


def main() -> None:
    app()


if __name__ == "__main__":
    main()
