"""The web app's accounts: ``user add``, ``list``, ``remove``, ``passwd``, ``role`` and
``revoke`` (each change kept in the audit trail, by ``cli:<login>``)."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from callreview.cli.options import ConfigOpt, DebugOpt, StoreOpt
from callreview.cli.run import run_command
from callreview.settings import load_settings

if TYPE_CHECKING:  # the store loads when a command runs, not for `callreview --help`
    from callreview.store import Store
    from callreview.team.accounts import Accounts

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


def _with_accounts(
    db: str | None, config: Path | None, debug: bool, change: Callable[[Accounts, Store], str]
) -> None:
    """Run one account change on the store and print the line it returns."""

    def run() -> int:
        # imported when the command runs, so `callreview --help` does not load the store
        from callreview.store import open_store
        from callreview.team.accounts import Accounts

        settings = load_settings(config)
        with open_store(db, settings.db) as store:
            typer.echo(change(Accounts(store, cli_actor()), store))
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

    def remove(accounts: Accounts, store: Store) -> str:
        ended = accounts.remove(name)
        return f"removed {name} from {store.where} ({_sessions(ended)} ended)"

    _with_accounts(db, config, debug, remove)


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

    def passwd(accounts: Accounts, store: Store) -> str:
        accounts.existing(name)  # an unknown name is refused before the prompt
        ended = accounts.set_password(name, _password(name, password_stdin))
        return f"new password for {name} ({_sessions(ended)} ended)"

    _with_accounts(db, config, debug, passwd)


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

    def give_role(accounts: Accounts, store: Store) -> str:
        user = accounts.set_role(name, role, agent_id)
        return f"{user.name} is now {user.role}" + (f" (agent {user.agent})" if user.agent else "")

    _with_accounts(db, config, debug, give_role)


def user_revoke(
    name: NameArg, db: StoreOpt = None, config: ConfigOpt = None, debug: DebugOpt = False
) -> None:
    """Log a user out everywhere: every session of theirs ends (a copied cookie included).

    Example: callreview user revoke rita
    """

    def revoke(accounts: Accounts, store: Store) -> str:
        return f"ended {_sessions(accounts.revoke(name))} of {name}"

    _with_accounts(db, config, debug, revoke)
