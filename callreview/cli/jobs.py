"""Many calls into the results store: ``batch``, ``rescore``, ``watch`` and ``status``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from callreview.cli.options import (
    ChannelOpt,
    CompanyOpt,
    ConfigOpt,
    DebugOpt,
    DeviceOpt,
    LexiconOpt,
    ModelOpt,
    ScorecardOpt,
    SinceOpt,
    StoreOpt,
)
from callreview.cli.run import echo, load_rules, run_command
from callreview.errors import SettingsError
from callreview.settings import load_settings


def batch(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Folders (searched recursively for recordings), files, or globs such as"
            " 'calls/**/*.flac'.",
            show_default=False,
        ),
    ] = None,
    db: StoreOpt = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="Worker processes, one model each. Default: 1, which keeps a batch under 1 GB;"
            " more workers trade memory for speed (docs/benchmarks.md).",
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
            help="A CSV listing the calls: file (relative to the CSV), agent, call_id, date,"
            " direction, customer_name; other columns are kept as metadata.",
        ),
    ] = None,
    name_pattern: Annotated[
        str | None,
        typer.Option(
            "--name-pattern",
            metavar="PATTERN",
            help="Read the call's fields from its file name, e.g. '{agent}_{date}_{call_id}'"
            " ({*} skips a part).",
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
    """Score many calls into the results store, exactly once: a re-run skips what is stored,
    an interrupted one resumes.

    One line per call on stderr (a progress bar on a terminal), then on stdout
    `412 scored, 1,203 already scored, 2 failed` and each failed file with its error.
    Exit 0, or 6 when some calls failed. Ctrl-C lets the calls in progress finish
    (a second Ctrl-C stops them unscored) and exits 130. Calls another batch is
    scoring are waited for at the end, never scored twice.

    Example: callreview batch /srv/recordings/2026-12-01 --db qc.db --name-pattern
    '{agent}_{date}_{call_id}'
    """

    def run() -> int:
        # imported when the command runs, so `callreview --help` does not load the job engine
        from callreview.jobs.batch import BatchOptions, discover, recording_roots, run_batch
        from callreview.jobs.legs import leg_naming
        from callreview.jobs.progress import progress_for, summary_lines
        from callreview.jobs.stop import interruptible
        from callreview.review import Reviewer
        from callreview.store import open_store, store_url

        if not paths and manifest is None:
            raise SettingsError(
                "batch: say which calls to score: folders, files, globs, or --manifest CSV"
            )
        settings = load_settings(
            config,
            model=model,
            device=device,
            agent_channel=agent_channel,
            lexicon=lexicon,
            scorecard=scorecard,
            company_names=tuple(company or ()),
        )
        reviewer = Reviewer(settings)
        load_rules(reviewer)
        # a bad path or manifest line: refused before the store is made
        legs = leg_naming(settings.leg_names, settings.leg_suffixes)  # the site's own leg tags
        jobs = discover(paths or [], manifest, name_pattern, legs=legs)
        options = BatchOptions(workers=workers, threads=threads, retry_failed=retry_failed, ray=ray)
        url = store_url(db, settings.db)
        with open_store(url) as store:
            with interruptible() as stop, progress_for(len(jobs)) as progress:
                roots = recording_roots(paths or [], manifest)
                tally = run_batch(jobs, reviewer, store, url, options, progress, stop, roots)
        for line in summary_lines(tally):
            echo(line)
        if tally.store_error is not None:
            echo(f"callreview: error: {tally.store_error}", err=True)
        if tally.stopped_now:
            echo("callreview: interrupted", err=True)
        return 130 if tally.interrupted else tally.exit_code

    run_command(run, debug)


def rescore(
    db: StoreOpt = None,
    since: SinceOpt = None,
    company: CompanyOpt = None,
    scorecard: ScorecardOpt = None,
    lexicon: LexiconOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Re-run the checklist on the stored transcripts after a lexicon or scorecard change:
    no audio, no model.

    Each call gets a new review version (the latest is current, history is kept);
    calls already scored under the same rules are skipped.

    Example: callreview rescore --db qc.db --since 2026-11-01 --lexicon site-lexicon.toml
    """

    def run() -> int:
        # imported when the command runs, so `callreview --help` does not load the rules
        from callreview.dates import parse_day
        from callreview.jobs.rescore import rescore as rescore_calls
        from callreview.review import Reviewer
        from callreview.store import open_store

        first = parse_day(since, "--since") if since else None
        settings = load_settings(
            config, lexicon=lexicon, scorecard=scorecard, company_names=tuple(company or ())
        )
        reviewer = Reviewer(settings)
        load_rules(reviewer)
        with open_store(db, settings.db) as store:
            tally = rescore_calls(store, reviewer, first)
        for line in tally.lines():
            echo(line)
        return tally.exit_code

    run_command(run, debug)


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
            help="Comma-separated file name globs. Default: '*.wav,*.flac,*.mp3,*.ogg,*.opus,"
            "*.m4a,*.amr,*.awb,*.3gp,*.gsm,*.g729'.",
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
            help="A file is complete once its size and mtime held still this long"
            " (or it was renamed into place).",
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
    """Score every new recording in a folder exactly once, as it lands: through restarts,
    partial writes and bad files.

    At start it catches up on files not yet in the store (oldest first), then scores new
    ones once they stop growing. One log line per call; SIGINT/SIGTERM stop it cleanly
    (exit 0), a call in progress is left pending for the next start.

    Example: callreview watch /srv/recordings --db /var/lib/callreview/callreview.db
    --failed-dir /srv/failed
    """
    # imported when the command runs, so `callreview --help` does not load the job engine
    from callreview.jobs.watch import DEFAULT_PATTERNS, WatchOptions, parse_patterns
    from callreview.jobs.watch import watch as run_watch
    from callreview.store import open_store, store_url

    def run() -> int:
        settings = load_settings(config, model=model, device=device)
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

    run_command(run, debug)


def status(
    db: StoreOpt = None,
    errors: Annotated[
        int, typer.Option("--errors", min=0, help="How many of the latest errors to show.")
    ] = 5,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Show the queue in the store: pending, in progress, failed, scored today, and the latest
    errors.

    Example: callreview status --db /var/lib/callreview/callreview.db
    """
    # imported when the command runs, so `callreview --help` does not load the job engine
    from callreview.jobs.watch import render_status
    from callreview.store import open_store

    def run() -> int:
        settings = load_settings(config)
        with open_store(db, settings.db) as store:
            latest = store.errors(limit=errors) if errors else []
            echo(render_status(store.where, store.counts(), latest, store.live_claims()))
        return 0

    run_command(run, debug)
