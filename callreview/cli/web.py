"""The reviewer's web app: ``serve`` (its accounts: :mod:`callreview.cli.users`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from callreview.cli.options import ConfigOpt, DebugOpt, ScorecardOpt, StoreOpt
from callreview.cli.run import run_command
from callreview.cpu import cores
from callreview.errors import SettingsError
from callreview.i18n.choose import site_language
from callreview.settings import load_settings

MAX_DEFAULT_WORKERS = 8


def serve(
    db: StoreOpt = None,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on. The default is this machine only; to serve a team,"
            " put it behind an HTTPS proxy.",
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
    proxy_headers: Annotated[
        bool,
        typer.Option(
            "--proxy-headers",
            help="Behind a proxy: take the client's address from its X-Forwarded-For"
            " (from --forwarded-allow-ips only). Off, the header is ignored.",
        ),
    ] = False,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            metavar="IPS",
            help="With --proxy-headers: the proxies trusted with X-Forwarded-For,"
            " comma-separated (default 127.0.0.1).",
        ),
    ] = None,
    idle_minutes: Annotated[
        int | None,
        typer.Option(
            "--idle-minutes",
            min=1,
            help="Log a session out after this many minutes unused."
            " Default: web_idle_minutes in callreview.toml, else 30.",
        ),
    ] = None,
    access_log: Annotated[
        Path | None,
        typer.Option(
            "--access-log",
            metavar="FILE",
            help="Append one line per request to FILE: time, address, user, method, path,"
            " status (no query strings, no transcript text).",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            metavar="N",
            min=1,
            max=64,
            help="Worker processes answering requests (each with its own store connection)."
            f" Default: the cores this process may use, at most {MAX_DEFAULT_WORKERS}.",
        ),
    ] = None,
    scorecard: ScorecardOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Serve the reviewer's web app: queue, call pages with the audio and evidence, overrides,
    appeals, agents, agreement.

    Users log in with accounts made by `callreview user add`. Ctrl-C stops it.

    Example: callreview serve --db qc.db --port 8000 --workers 4
    """

    def run() -> int:
        # imported when the command runs, so `callreview --help` does not load the web app
        from callreview.qc.scorecard import load_scorecard
        from callreview.store import open_store
        from callreview.team.people import People
        from callreview.web import ServeOptions
        from callreview.web import serve as serve_app
        from callreview.web.workers import serve_workers

        if forwarded_allow_ips is not None and not proxy_headers:
            raise SettingsError(
                "--forwarded-allow-ips: trusted only with --proxy-headers; add it, "
                "or drop --forwarded-allow-ips"
            )
        settings = load_settings(config, scorecard=scorecard)
        idle = idle_minutes or settings.web_idle_minutes
        if idle < 1:
            raise SettingsError(
                "callreview.toml: web_idle_minutes must be 1 or more; "
                "fix it there or pass --idle-minutes"
            )
        from callreview.privacy import rules_of  # the CLI's lazy start-up: only for serve

        options = ServeOptions(
            secure_cookies=secure_cookies,
            proxy_headers=proxy_headers,
            forwarded_allow_ips=forwarded_allow_ips or "127.0.0.1",
            idle_minutes=idle,
            access_log=access_log,
            recording_roots=tuple(settings.recording_roots),
            redaction=rules_of(settings),
            redact_audio=settings.web_redact_audio,
            language=site_language(settings.ui_language, settings.lexicon),
        )
        rules = load_scorecard(settings.scorecard)
        count = workers or min(cores(), MAX_DEFAULT_WORKERS)
        with open_store(db, settings.db) as store:
            people = People(store)
            if not people.users():
                typer.echo(
                    "callreview: no users yet; add one with:"
                    " callreview user add NAME --role reviewer",
                    err=True,
                )
            people.sync()  # the item index, once here rather than in each worker's first page
            where = store.where

            def ready(url: str) -> None:
                many = f" with {count} workers" if count > 1 else ""
                typer.echo(f"callreview: serving {where}{many} at {url} (Ctrl-C stops)", err=True)

            if count == 1:
                serve_app(store, rules, host, port, options, ready, debug)
                return 0
        serve_workers(
            lambda: open_store(db, settings.db), rules, host, port, options, count, ready, debug
        )
        return 0

    run_command(run, debug)
