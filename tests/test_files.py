"""Every output goes where the user points it, through the real ``callreview`` command: a new
file gets the umask's mode, an existing one keeps its own, a link's file is replaced (the link
stays), a device or a pipe is written in place, and ``-`` is standard output."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import REPO
from fixtures.qc_store import fill_team_store

from callreview.files import OutputError, open_output, write_output
from callreview.store import open_store

TRUTH = REPO / "audio_samples" / "truth" / "01_perfect.json"
OPTIONS = ("--csv", "--jsonl", "--xlsx")


def callreview(*args: str, cwd: Path, umask: int | None = None, stdout=subprocess.PIPE):
    return subprocess.run(
        [sys.executable, "-m", "callreview", *args],
        cwd=cwd,
        stdout=stdout,
        stderr=subprocess.PIPE,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
        check=False,
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("team")
    path = folder / "callreview.db"
    with open_store(path) as store:
        fill_team_store(store, folder / "calls")
    return str(path)


@pytest.fixture(scope="module")
def expected(db, tmp_path_factory) -> dict[str, bytes]:
    """What each export writes to a plain new file: the bytes every other target must get."""
    folder = tmp_path_factory.mktemp("plain")
    out = {}
    for option in OPTIONS:
        target = folder / f"calls.{option[2:]}"
        done = callreview("export", "--db", db, option, str(target), cwd=folder)
        assert done.returncode == 0, done.stderr
        out[option] = target.read_bytes()
        out["message"] = done.stdout.replace(str(target).encode(), b"-")
    done = callreview("score", str(TRUTH), "--json", str(folder / "score.json"), cwd=folder)
    assert done.returncode == 0, done.stderr
    out["score"] = (folder / "score.json").read_bytes()
    return out


def xlsx_rows(data: bytes) -> list[list[tuple]]:
    """The cells of every sheet (a workbook's bytes carry its creation time)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    return [list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets]


def same_output(option: str, got: bytes, want: bytes) -> bool:
    return xlsx_rows(got) == xlsx_rows(want) if option == "--xlsx" else got == want


@pytest.mark.parametrize("option", OPTIONS)
def test_a_new_file_gets_the_mode_the_umask_gives(db, expected, tmp_path, option):
    target = tmp_path / "new.out"
    done = callreview("export", "--db", db, option, str(target), cwd=tmp_path, umask=0o022)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert same_output(option, target.read_bytes(), expected[option])


def test_score_json_to_a_new_file_gets_the_umask_mode_not_a_private_one(expected, tmp_path):
    target = tmp_path / "score.json"
    done = callreview("score", str(TRUTH), "--json", str(target), cwd=tmp_path, umask=0o022)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert target.read_bytes() == expected["score"]


@pytest.mark.parametrize("option", [*OPTIONS, "--json"])
def test_an_existing_file_keeps_its_mode_and_gets_the_new_bytes(db, expected, tmp_path, option):
    target = tmp_path / "kept.out"
    target.write_bytes(b"last week's file\n")
    os.chmod(target, 0o640)
    args = ("score", str(TRUTH), "--json") if option == "--json" else ("export", "--db", db, option)
    done = callreview(*args, str(target), cwd=tmp_path, umask=0o077)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    want = expected["score" if option == "--json" else option]
    assert same_output(option, target.read_bytes(), want)
    assert [p.name for p in tmp_path.iterdir()] == ["kept.out"]  # no temporary file left


@pytest.mark.parametrize("option", [*OPTIONS, "--json"])
def test_a_symbolic_link_stays_and_the_file_it_names_is_replaced(db, expected, tmp_path, option):
    real = tmp_path / "reports" / "week.out"
    real.parent.mkdir()
    real.write_bytes(b"old\n")
    link = tmp_path / "latest.out"
    link.symlink_to(real)
    args = ("score", str(TRUTH), "--json") if option == "--json" else ("export", "--db", db, option)
    done = callreview(*args, str(link), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    want = expected["score" if option == "--json" else option]
    assert same_output(option, real.read_bytes(), want)
    assert sorted(p.name for p in real.parent.iterdir()) == ["week.out"]


@pytest.mark.parametrize("option", [*OPTIONS, "--json"])
def test_a_named_pipe_is_written_in_place_to_its_reader(db, expected, tmp_path, option):
    fifo = tmp_path / "calls.fifo"
    os.mkfifo(fifo, 0o600)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    args = ("score", str(TRUTH), "--json") if option == "--json" else ("export", "--db", db, option)
    done = callreview(*args, str(fifo), cwd=tmp_path)
    reader.join(60)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode) and stat.S_IMODE(fifo.stat().st_mode) == 0o600
    want = expected["score" if option == "--json" else option]
    assert got and same_output(option, got[0], want)


def private_device(tmp_path: Path, name: str, minor: int) -> Path:
    """A character device of the kernel's memory driver (1, minor) in the test's own folder."""
    path = tmp_path / name
    try:
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, minor))
        with open(path, "wb") as fh:
            fh.write(b"")
    except PermissionError as err:
        pytest.skip(f"cannot create or open a device node here ({err.strerror}): needs root")
    return path


@pytest.mark.parametrize("option", [*OPTIONS, "--json"])
def test_a_character_device_is_written_in_place_never_replaced(db, tmp_path, option):
    null = private_device(tmp_path, "null", 3)
    args = ("score", str(TRUTH), "--json") if option == "--json" else ("export", "--db", db, option)
    done = callreview(*args, str(null), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    mode = null.stat().st_mode
    assert stat.S_ISCHR(mode) and stat.S_IMODE(mode) == 0o600
    assert os.major(null.stat().st_rdev) == 1 and os.minor(null.stat().st_rdev) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_a_full_device_is_one_line_naming_it_and_exit_1(db, tmp_path):
    full = private_device(tmp_path, "full", 7)  # every write: ENOSPC
    done = callreview("export", "--db", db, "--csv", str(full), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.decode() == (
        f"callreview: error: {full}: cannot write the export (No space left on device); "
        "free some space or write it elsewhere\n"
    )
    assert stat.S_ISCHR(full.stat().st_mode)


@pytest.mark.parametrize("option", OPTIONS)
def test_dash_writes_the_export_to_standard_output_and_the_message_to_standard_error(
    db, expected, tmp_path, option
):
    done = callreview("export", "--db", db, option, "-", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert same_output(option, done.stdout, expected[option])
    assert done.stderr == expected["message"]  # "wrote N calls to -": stdout stays the data
    assert list(tmp_path.iterdir()) == []  # no file named '-'


def test_dash_writes_score_json_to_standard_output(expected, tmp_path):
    done = callreview("score", str(TRUTH), "--json", "-", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(expected["score"])


def test_xlsx_to_a_terminal_is_refused_in_one_line(db, tmp_path):
    main, terminal = os.openpty()
    try:
        done = callreview("export", "--db", db, "--xlsx", "-", cwd=tmp_path, stdout=terminal)
    finally:
        os.close(terminal)
        os.close(main)
    assert done.returncode == 1
    assert done.stderr.decode() == (
        "callreview: error: -: will not write the export to a terminal; "
        "redirect it (> file) or give a file name\n"
    )


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.mkdir() or p, "{p}: is a folder; give a file name for the export"),
        (
            lambda p: p / "week.csv",
            "{p}/week.csv: the folder {p} does not exist; create it or write the export elsewhere",
        ),
    ],
    ids=["a folder", "a missing folder"],
)
def test_a_target_that_cannot_be_a_file_is_one_line_and_exit_1(db, tmp_path, make, message):
    where = tmp_path / "out"
    target = make(where)
    done = callreview("export", "--db", db, "--csv", str(target), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.decode() == f"callreview: error: {message.format(p=where)}\n"


def test_a_failed_write_leaves_the_previous_file_and_no_temporary_one(tmp_path):
    target = tmp_path / "week.csv"
    target.write_text("last week\n")
    with pytest.raises(RuntimeError), open_output(target) as fh:
        fh.write(b"half of this wee")
        raise RuntimeError("the writer failed")
    assert target.read_text() == "last week\n"
    assert [p.name for p in tmp_path.iterdir()] == ["week.csv"]


def test_a_read_only_folder_is_one_line_naming_the_path(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError, match=r"locked/x.json: cannot write the output .*; check"):
            write_output(folder / "x.json", "{}")
    finally:
        folder.chmod(0o700)


def test_html_to_dash_is_refused_in_one_line(db, tmp_path):
    done = callreview("export", "--db", db, "--html", "-", cwd=tmp_path)
    assert done.returncode == 4
    assert done.stderr.decode() == (
        "callreview: error: --html -: the static report is a folder of pages, not a stream; "
        "give a folder, e.g. --html week48-report\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.model
def test_dash_writes_transcribe_json_to_standard_output_and_nothing_else(bundled_model, tmp_path):
    call = REPO / "audio_samples" / "03_bare_wei.flac"
    env = {**os.environ, "CALLREVIEW_MODEL": bundled_model.load_from}
    done = subprocess.run(
        [sys.executable, "-m", "callreview", "transcribe", str(call), "--json", "-"],
        cwd=tmp_path,
        capture_output=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    transcript = json.loads(done.stdout)  # only the JSON: no report before or after it
    assert transcript["file"] == str(call) and transcript["segments"]
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_keeps_its_owner_where_the_process_may_set_it(db, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("only root may give a file to another user")
    target = tmp_path / "shared.csv"
    target.write_bytes(b"old\n")
    os.chown(target, 1234, 5678)
    done = callreview("export", "--db", db, "--csv", str(target), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (target.stat().st_uid, target.stat().st_gid) == (1234, 5678)
    assert target.read_bytes().startswith("\ufefffile,".encode())
