"""The reviewer's web app: ``serve``, and ``user add`` / ``user list`` for its accounts."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from callreview.cli.options import ConfigOpt, DebugOpt, ScorecardOpt, StoreOpt
from callreview.cli.run import run_command
from callreview.settings import load_settings


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
    scorecard: ScorecardOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Serve the reviewer's web app: queue, call pages with the audio and evidence, overrides,
    appeals, agents, agreement.

    Users log in with accounts made by `callreview user add`. Ctrl-C stops it.

    Example: callreview serve --db qc.db --port 8000
    """

    def run() -> int:
        # imported when the command runs, so `callreview --help` does not load the web app
        from callreview.qc.scorecard import load_scorecard
        from callreview.store import open_store
        from callreview.team.people import People
        from callreview.web import serve as serve_app

        settings = load_settings(config, scorecard=scorecard)
        rules = load_scorecard(settings.scorecard)
        with open_store(db, settings.db) as store:
            if not People(store).users():
                typer.echo(
                    "callreview: no users yet; add one with:"
                    " callreview user add NAME --role reviewer",
                    err=True,
                )

            def ready(url: str) -> None:
                typer.echo(f"callreview: serving {store.where} at {url} (Ctrl-C stops)", err=True)

            serve_app(store, rules, host, port, secure_cookies, ready, debug)
        return 0

    run_command(run, debug)


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
    """Add a user of the web app; the password is asked for (or read from stdin) and kept as
    an argon2 hash only.

    Example: callreview user add wang --role agent --agent-id A017
    """

    def run() -> int:
        # imported when the command runs, so `callreview --help` does not load the store
        from callreview.store import open_store
        from callreview.team.people import People

        settings = load_settings(config)
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

    run_command(run, debug)


def user_list(db: StoreOpt = None, config: ConfigOpt = None, debug: DebugOpt = False) -> None:
    """List the users of the web app: name, role, agent id.

    Example: callreview user list --db qc.db
    """

    def run() -> int:
        # imported when the command runs, so `callreview --help` does not load the store
        from callreview.store import open_store
        from callreview.team.people import People

        settings = load_settings(config)
        with open_store(db, settings.db) as store:
            for user in People(store).users():
                typer.echo(f"{user.name}\t{user.role}\t{user.agent or ''}")
        return 0

    run_command(run, debug)
