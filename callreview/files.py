"""Every file a command writes goes through here, by one set of rules for where the user points it.

* a regular file or a new path: written to a temporary file in the same folder, then renamed over
  it, so a reader sees the old file or the new one, never half. A new file gets the mode the umask
  gives; a file that existed keeps its mode (and its owner, where the process may set it);
* a symbolic link: followed; the file it names is replaced, the link stays;
* a character device or a named pipe (``/dev/null``, ``/dev/stdout``, a FIFO): opened and written
  in place, never renamed over;
* ``-``: standard output.

Anything that stops the write (a folder, a missing parent, no space, no permission) is one
:class:`OutputError` naming the path and what to do, and the previous file stays as it was.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from callreview.errors import CallreviewError
from callreview.names import ERRORS

STDOUT = "-"
"""The target that means standard output."""


class OutputError(CallreviewError):
    """An output file that cannot be written where the user pointed it."""

    exit_code = 1


def write_output(
    target: str | os.PathLike[str],
    data: str | bytes,
    *,
    what: str = "the output",
    make_parents: bool = False,
) -> None:
    """Write ``data`` (text is UTF-8; a file name's undecodable bytes as U+FFFD) to ``target`` by
    the rules of this module."""
    with open_output(target, what=what, make_parents=make_parents) as fh:
        fh.write(data.encode("utf-8", ERRORS) if isinstance(data, str) else data)


@contextmanager
def open_output(
    target: str | os.PathLike[str],
    *,
    what: str = "the output",
    make_parents: bool = False,
    binary_to_terminal: bool = True,
) -> Iterator[BinaryIO]:
    """A binary file to write ``what`` into; it lands at ``target`` when the block ends without
    error (an error or an interrupt leaves the previous file as it was).

    ``what`` names the content in messages ("the export"); ``make_parents`` creates missing
    folders (for callreview's own files, such as its cache); ``binary_to_terminal=False`` refuses
    ``-`` when standard output is a terminal (a workbook's bytes would garble it)."""
    if os.fspath(target) == STDOUT:
        with _stdout(what, binary_to_terminal) as fh:
            yield fh
        return
    path = Path(target)
    real = Path(os.path.realpath(path))  # a link's file is replaced; the link stays a link
    try:
        mode = real.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as err:
        raise OutputError(_cannot(path, what, err)) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputError(f"{path}: is a folder; give a file name for {what}")
    if mode is not None and not stat.S_ISREG(mode):
        with _in_place(real, path, what) as fh:
            yield fh
        return
    with _atomic(real, path, what, make_parents) as fh:
        yield fh


@contextmanager
def _stdout(what: str, binary_to_terminal: bool) -> Iterator[BinaryIO]:
    stream = sys.stdout.buffer
    if not binary_to_terminal and stream.isatty():
        raise OutputError(
            f"-: will not write {what} to a terminal; redirect it (> file) or give a file name"
        )
    sys.stdout.flush()  # text printed before stays before the bytes
    try:
        yield stream
        stream.flush()
    except BrokenPipeError:
        raise OutputError(f"-: the program reading {what} closed the pipe before the end") from None
    except OSError as err:
        raise OutputError(_cannot(Path(STDOUT), what, err)) from None


@contextmanager
def _in_place(real: Path, path: Path, what: str) -> Iterator[BinaryIO]:
    """A device or a pipe: written as it is, as a shell's ``>`` would (a FIFO waits for its
    reader)."""
    try:
        with open(real, "wb") as fh:
            yield fh
    except OSError as err:
        raise OutputError(_cannot(path, what, err)) from None


@contextmanager
def _atomic(real: Path, path: Path, what: str, make_parents: bool) -> Iterator[BinaryIO]:
    folder = real.parent
    if make_parents:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OutputError(_cannot(path, what, err)) from None
    elif not folder.is_dir():
        raise OutputError(
            f"{path}: the folder {path.parent} does not exist; create it or write {what} elsewhere"
        )
    try:
        fd, name = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".part", dir=folder)
    except OSError as err:
        raise OutputError(_cannot(path, what, err)) from None
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        _take_over(temp, real)
        os.replace(temp, real)
        _sync_folder(folder)
    except OSError as err:
        raise OutputError(_cannot(path, what, err)) from None
    finally:
        temp.unlink(missing_ok=True)


def _take_over(temp: Path, real: Path) -> None:
    """Give the new file the mode (and owner) of the one it replaces, else what the umask
    allows: a temporary file is private, the output is not."""
    try:
        old = real.stat()
    except FileNotFoundError:
        os.chmod(temp, 0o666 & ~_umask())
        return
    os.chmod(temp, stat.S_IMODE(old.st_mode))
    if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
        try:
            os.chown(temp, old.st_uid, old.st_gid)
        except PermissionError:
            pass  # only root may give a file away; the content still lands


def _umask() -> int:
    """The process's umask, read without changing it where the system says it."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; a system that cannot open folders skips it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _cannot(path: Path, what: str, err: OSError) -> str:
    reason = err.strerror or str(err)
    if err.errno == errno.ENOSPC:
        fix = "free some space or write it elsewhere"
    elif err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = f"check that you may write to {path.parent}"
    else:
        fix = "check the disk and the folder"
    return f"{path}: cannot write {what} ({reason}); {fix}"
