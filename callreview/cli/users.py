"""The web app's accounts: ``user add``, ``list``, ``remove``, ``passwd``, ``role`` and
``revoke`` (each change kept in the audit trail, by ``cli:<login>``)."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer

from callreview.cli.options import ConfigOpt, DebugOpt, StoreOpt
from callreview.cli.run import run_command
from callreview.settings import load_settings

NameArg = Annotated[str, typer.Argument(help="The user's log-in name.", show_default=False)]
AgentIdOpt = Annotated[
    str | None,
    typer.Option("--agent-id", help="For an agent: the agent id their calls carry in the store."),
]
PasswordStdinOpt = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input instead of a prompt.",
    ),
]


def cli_actor() -> str:
    """Who runs this command, as the audit trail names them: ``cli:<login>``."""
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return "cli:?"


def _password(name: str, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)


def _sessions(count: int) -> str:
    return f"{count} session{'' if count == 1 else 's'}"


def user_add(
    name: Annotated[
        str, typer.Argument(help="The log-in name (letters, digits, . _ @ -).", show_default=False)
    ],
    role: Annotated[
        str,
        typer.Option("--role", help="reviewer | supervisor | agent | admin.", show_default=False),
    ],
    agent_id: AgentIdOpt = None,
    password_stdin: PasswordStdinOpt = False,
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
        from callreview.team.accounts import Accounts

        settings = load_settings(config)
        password = _password(name, password_stdin)
        with open_store(db, settings.db) as store:
            user = Accounts(store, cli_actor()).add(name, role, password, agent_id)
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


def user_remove(
    name: NameArg, db: StoreOpt = None, config: ConfigOpt = None, debug: DebugOpt = False
) -> None:
    """Remove a user: they are logged out at once and cannot log in again. Their overrides,
    appeals and decisions stay, under their name.

    Example: callreview user remove wang
    """

    def run() -> int:
        # imported when the command runs, so `callreview --help` does not load the store
        from callreview.store import open_store
        from callreview.team.accounts import Accounts

        settings = load_settings(config)
        with open_store(db, settings.db) as store:
            ended = Accounts(store, cli_actor()).remove(name)
            typer.echo(f"removed {name} from {store.where} ({_sessions(ended)} ended)")
        return 0

    run_command(run, debug)


def user_passwd(
    name: NameArg,
    password_stdin: PasswordStdinOpt = False,
    db: StoreOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Set a user's password (asked for, or read from stdin); every session of theirs ends.

    Example: callreview user passwd rita
    """

    def run() -> int:
        # imported when the command runs, so `callreview --help` does not load the store
        from callreview.store import open_store
        from callreview.team.accounts import Accounts

        settings = load_settings(config)
        with open_store(db, settings.db) as store:
            accounts = Accounts(store, cli_actor())
            accounts.existing(name)  # an unknown name is refused before the prompt
            ended = accounts.set_password(name, _password(name, password_stdin))
            typer.echo(f"new password for {name} ({_sessions(ended)} ended)")
        return 0

    run_command(run, debug)


def user_role(
    name: NameArg,
    role: Annotated[
        str,
        typer.Argument(help="reviewer | supervisor | agent | admin.", show_default=False),
    ],
    agent_id: AgentIdOpt = None,
    db: StoreOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Give a user another role; it takes effect on their next request.

    Example: callreview user role wang agent --agent-id A017
    """

    def run() -> int:
        # imported when the command runs, so `callreview --help` does not load the store
        from callreview.store import open_store
        from callreview.team.accounts import Accounts

        settings = load_settings(config)
        with open_store(db, settings.db) as store:
            user = Accounts(store, cli_actor()).set_role(name, role, agent_id)
            typer.echo(
                f"{user.name} is now {user.role}" + (f" (agent {user.agent})" if user.agent else "")
            )
        return 0

    run_command(run, debug)


def user_revoke(
    name: NameArg, db: StoreOpt = None, config: ConfigOpt = None, debug: DebugOpt = False
) -> None:
    """Log a user out everywhere: every session of theirs ends (a copied cookie included).

    Example: callreview user revoke rita
    """

    def run() -> int:
        # imported when the command runs, so `callreview --help` does not load the store
        from callreview.store import open_store
        from callreview.team.accounts import Accounts

        settings = load_settings(config)
        with open_store(db, settings.db) as store:
            ended = Accounts(store, cli_actor()).revoke(name)
            typer.echo(f"ended {_sessions(ended)} of {name}")
        return 0

    run_command(run, debug)
