"""The two places a store can live: an SQLite file (the embedded default) or a PostgreSQL database.

Each backend gives the store the same few things: a connection, a transaction that
takes the write lock up front, a streaming query, and the SQL words that differ.
Errors from sqlite3 and psycopg are translated here into one-line :class:`StoreError`
messages that say what is wrong and how to fix it, never with a password or data.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from callreview.errors import StoreError
from callreview.names import display

BUSY_TIMEOUT_S = 30.0
"""How long a writer waits for another process's transaction before giving up."""


def redact(url: str) -> str:
    """A PostgreSQL URL without its password, fit for a message or a log."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


class Backend:
    """What differs between SQLite and PostgreSQL; the store writes its SQL with ``?``
    placeholders."""

    name: str
    where: str
    """The store as named in messages: a file path or a redacted URL."""
    id_column: str
    blob: str
    real: str
    null_safe_eq: str
    """``a IS b`` that is true for two NULLs: the compare-and-set of a claim."""
    read_only = False
    """Opened for reading only (an SQLite store in a folder this process may not write)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()  # one connection per Store, shared by a server's threads

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        raise NotImplementedError

    @contextmanager
    def transaction(self) -> Iterator[None]:
        raise NotImplementedError
        yield

    def stream(self, sql: str, params: Sequence[Any] = (), size: int = 1000) -> Iterator[tuple]:
        raise NotImplementedError
        yield ()

    def close(self) -> None:
        raise NotImplementedError

    def translate(self, err: Exception) -> StoreError:
        """The driver's error as one line a user can act on."""
        raise NotImplementedError

    def ddl(self, statement: str) -> str:
        return statement.format(id=self.id_column, blob=self.blob, real=self.real)


def _params(params: Sequence[Any]) -> tuple[Any, ...]:
    """The parameters as the database can keep them: a file name that is not UTF-8 (surrogate
    escapes, which neither SQLite nor PostgreSQL accepts) as :func:`callreview.names.display`."""
    return tuple(display(p) if isinstance(p, str) and not p.isascii() else p for p in params)


def _busy(err: Exception) -> bool:
    text = str(err)
    return "locked" in text or "busy" in text


class _Rows:
    """A statement's rows, read to the end under the connection's lock: a thread sharing the
    connection (the web app's) never runs a statement while another's is half-read, which
    left a write uncommitted (the store locked for others) or failed ("another row available")."""

    def __init__(self, cur: sqlite3.Cursor) -> None:
        self.rows = cur.fetchall() if cur.description is not None else []
        self.rowcount = cur.rowcount
        self.description = cur.description
        self._next = 0

    def fetchone(self) -> Any:
        if self._next >= len(self.rows):
            return None
        self._next += 1
        return self.rows[self._next - 1]

    def fetchall(self) -> list[Any]:
        rest, self._next = self.rows[self._next :], len(self.rows)
        return rest

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class SQLiteBackend(Backend):
    """An SQLite file in WAL mode: readers never block the writer; writers wait up to the busy
    timeout."""

    name = "sqlite"
    id_column = "INTEGER PRIMARY KEY AUTOINCREMENT"
    blob = "TEXT"
    real = "REAL"
    null_safe_eq = "IS"

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.where = str(path)
        if path.is_dir():
            raise StoreError(
                f"{path}: is a folder, not a store file; "
                f"pass a file path such as {path / 'callreview.db'}"
            )
        if not path.parent.is_dir():
            raise StoreError(
                f"{path}: the folder {path.parent} does not exist; "
                "create it or choose another --db path"
            )
        # A store this process may not write (a read-only folder or disk) is still read: opened
        # read-only, it serves status, exports and the web app; a write is refused in one line.
        self.read_only = path.exists() and not (
            os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        )
        try:
            if self.read_only:
                self.conn = self._read_only()
                return
            self.conn = sqlite3.connect(
                str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            self._enter_wal()
            self.conn.execute(
                "PRAGMA synchronous=NORMAL"
            )  # WAL + NORMAL: a commit survives a killed process
            self.conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as err:
            raise self.translate(err) from None

    def _read_only(self) -> sqlite3.Connection:
        """A read-only connection; a WAL file no one may write (no ``-shm`` can be made beside
        it) is read as immutable: nobody can change it meanwhile."""
        uri = self.path.resolve().as_uri()
        conn = self._connect_uri(f"{uri}?mode=ro")
        try:
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:
            conn.close()
        return self._connect_uri(f"{uri}?immutable=1")

    def _connect_uri(self, uri: str) -> sqlite3.Connection:
        return sqlite3.connect(
            uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )

    def _enter_wal(self) -> None:
        """Put the file in WAL mode, once for its life: the mode is kept in the file.

        Converting needs the file to itself, and SQLite runs no busy handler for
        ``PRAGMA journal_mode=WAL``: two processes opening a new store at the same
        instant got "database is locked" at once, whatever the timeout. So the mode
        is read first (no lock once the file is WAL) and the conversion retried with
        backoff within the busy timeout; another process converting it first is success.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        pause = 0.005
        while True:
            try:
                if self.conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                    return
                self.conn.execute(
                    "PRAGMA journal_mode=WAL"
                )  # a file system without WAL keeps its mode: fine
                return
            except sqlite3.OperationalError as err:
                if not _busy(err) or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)

    def translate(self, err: Exception) -> StoreError:
        text = str(err)
        if isinstance(err, sqlite3.DatabaseError) and "not a database" in text:
            return StoreError(
                f"{self.where}: is not a callreview store (not an SQLite database); "
                "choose another --db path"
            )
        if _busy(err):
            return StoreError(
                f"{self.where}: the store is locked by another process "
                f"(waited up to {BUSY_TIMEOUT_S:.0f} s); "
                "wait for it to finish, or check no process hangs holding it"
            )
        if "readonly" in text or "read-only" in text:
            return StoreError(
                f"{self.where}: the store is read-only; "
                "check the permissions of the file and its folder"
            )
        if "unable to open" in text:
            return StoreError(
                f"{self.where}: cannot open the store file; "
                "check the path and the folder's permissions"
            )
        if "full" in text:
            return StoreError(
                f"{self.where}: the disk is full; free space on it and run again "
                "(the calls stored so far are kept)"
            )
        if "disk" in text and "I/O" in text:
            return StoreError(
                f"{self.where}: the disk failed or is full ({text}); free space and run again"
            )
        return StoreError(
            f"{self.where}: store error ({text}); check the file, or report it if it persists"
        )

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self.lock:  # another thread (a lease heartbeat) waits for a transaction to end
            try:
                return _Rows(self.conn.execute(sql, _params(params)))
            except sqlite3.Error as err:
                raise self.translate(err) from None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock:
            self.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._rollback()
                raise
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as err:
                self._rollback()
                raise self.translate(err) from None

    def _rollback(self) -> None:
        """Undo the open transaction, if SQLite has not already (a full disk rolls it back)."""
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the error that got us here is the one to report

    def stream(self, sql: str, params: Sequence[Any] = (), size: int = 1000) -> Iterator[tuple]:
        # Own connection: a long export never holds the shared one, and WAL gives it one snapshot.
        try:
            if self.read_only:
                conn = self._read_only()
            else:
                conn = sqlite3.connect(
                    str(self.path), timeout=BUSY_TIMEOUT_S, check_same_thread=False
                )
        except sqlite3.Error as err:
            raise self.translate(err) from None
        try:
            cur = conn.execute(sql, _params(params))
            while rows := cur.fetchmany(size):
                yield from rows
        except sqlite3.Error as err:
            raise self.translate(err) from None
        finally:
            conn.close()

    def close(self) -> None:
        self.conn.close()


class PostgresBackend(Backend):
    """A PostgreSQL database through psycopg 3: for a team, the web app and a cluster of workers."""

    name = "postgresql"
    id_column = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    blob = "TEXT"
    real = "DOUBLE PRECISION"
    null_safe_eq = "IS NOT DISTINCT FROM"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.where = redact(url)
        try:
            import psycopg  # only for a PostgreSQL store: an SQLite one never loads it
        except ImportError:
            raise StoreError(
                f"{self.where}: PostgreSQL needs psycopg; "
                "reinstall callreview, which requires it: "
                "pip install --force-reinstall 'psycopg[binary]'"
            ) from None
        self.psycopg = psycopg
        self.conn = self._connect()
        self._in_tx = False

    def _connect(self):
        try:
            conn = self.psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            # The planner's cost of the summary's and the queue's counts over 100,000 calls
            # starts the JIT compiler, which took a second to compile what then ran in a third
            # of one: off for this connection, where the server has it (PostgreSQL 11 on)
            conn.execute(
                "SELECT set_config('jit', 'off', false) FROM pg_settings WHERE name = 'jit'"
            )
            return conn
        except self.psycopg.Error as err:
            raise self.translate(err) from None

    def translate(self, err: Exception) -> StoreError:
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        first = first.replace(self.url, self.where)
        if isinstance(err, self.psycopg.OperationalError):
            return StoreError(
                f"{self.where}: cannot reach the PostgreSQL store ({first}); "
                "check the server is running and the URL"
            )
        return StoreError(
            f"{self.where}: store error ({first}); check the database, or report it if it persists"
        )

    def _sql(self, sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self.lock:
            if self.conn.closed or (self.conn.broken and not self._in_tx):
                self.conn = (
                    self._connect()
                )  # a restarted server: reconnect once, outside a transaction
            try:
                return self.conn.execute(self._sql(sql), _params(params))
            except self.psycopg.Error as err:
                raise self.translate(err) from None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock:
            if self.conn.closed or self.conn.broken:
                self.conn = self._connect()
            try:
                with self.conn.transaction():
                    self._in_tx = True
                    try:
                        yield
                    finally:
                        self._in_tx = False
            except self.psycopg.Error as err:
                raise self.translate(err) from None

    def stream(self, sql: str, params: Sequence[Any] = (), size: int = 1000) -> Iterator[tuple]:
        # A server-side cursor on its own connection: memory stays flat for any number of rows.
        conn = self._connect()
        try:
            with conn.transaction():
                with conn.cursor(name="callreview_stream") as cur:
                    cur.itersize = size
                    cur.execute(self._sql(sql), _params(params))
                    yield from cur
        except self.psycopg.Error as err:
            raise self.translate(err) from None
        finally:
            conn.close()

    def close(self) -> None:
        self.conn.close()


def connect(where: str | Path) -> Backend:
    """``postgresql://…`` (or ``postgres://…``) opens PostgreSQL; anything else is an SQLite
    file path."""
    text = str(where)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgresBackend(text)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]  # sqlite:///rel.db, sqlite:////abs.db
    return SQLiteBackend(Path(text).expanduser())
