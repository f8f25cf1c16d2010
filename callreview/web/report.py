"""``callreview export --html DIR``: the web app's call pages and an index, as files.

    DIR/index.html            every selected call (the queue's table)
    DIR/call-<id>.html        each call: player, transcript, checklist, evidence, say instead,
                              history
    DIR/static/app.css, app.js

Written with the app's own templates (:mod:`callreview.web.views`, autoescape on), read-only
(no forms), openable from the disk without a server: the player's source is the recording's
path relative to ``DIR``, so keep the report beside the recordings (or copy both together).
The report is written into a hidden folder inside ``DIR`` and its files are renamed into
place only once all are written: a failure (a full disk) leaves the previous report as it was,
or no folder where there was none.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from callreview.errors import CallreviewError
from callreview.files import OutputError, write_output
from callreview.privacy import Rules
from callreview.team.export.redaction import shown_call
from callreview.team.people import People, QueueFilter, QueuePage
from callreview.web import views
from callreview.web.masked_audio import masked_wav
from callreview.web.query import Query
from callreview.web.recordings import recording
from callreview.web.words import item_words

if TYPE_CHECKING:
    from callreview.qc.scorecard import Scorecard
    from callreview.store import Store


@dataclass
class ReportLinks:
    """Relative URLs inside the report folder."""

    folder: Path
    audio_paths: dict[int, str] = field(default_factory=dict)
    static_report: bool = True

    def call(self, call: int) -> str:
        return f"call-{call}.html"

    def audio(self, call: int) -> str:
        return self.audio_paths.get(call, "")

    def asset(self, name: str) -> str:
        return f"static/{name}"

    def index(self) -> str:
        return "index.html"


def write_report(
    store: Store,
    scorecard: Scorecard,
    folder: str | Path,
    filters: QueueFilter | None = None,
    rules: Rules = Rules(),
    redacted: bool = True,
    redact_audio: bool = False,
) -> int:
    """Write the report of the scored calls ``filters`` selects into ``folder``, personal data
    masked by ``rules`` unless not ``redacted``; ``redact_audio``: each call's player plays a
    copy in ``folder/audio/`` with the masked stretches silenced. Returns how many calls."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise CallreviewError(
            f"{folder}: is a file; --html takes a folder to write the report into"
        )
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".report-", suffix=".part", dir=folder))
    except OSError as err:
        raise CallreviewError(
            f"{folder}: cannot create the report folder ({err.strerror}); "
            "check the path and permissions"
        ) from None
    try:
        written = _write_all(
            store, scorecard, folder, work, filters, (rules, redacted, redact_audio)
        )
        _move_in(work, folder)
    except BaseException:
        shutil.rmtree(folder if created else work, ignore_errors=True)
        raise
    return written


def _write_all(
    store: Store,
    scorecard: Scorecard,
    folder: Path,
    work: Path,
    filters: QueueFilter | None,
    redaction: tuple[Rules, bool, bool],
) -> int:
    """Every page of the report into ``work``, with links as they will be inside ``folder``."""
    (work / "static").mkdir()
    (work / "audio").mkdir()
    people = People(store, scorecard)
    env = views.environment()
    links = ReportLinks(folder)
    labels = {b.name: b.label for b in scorecard.bands}
    common = dict(
        user=None,
        csrf="",
        flash=None,
        links=links,
        static_report=True,
        band_labels=labels,
        **item_words(scorecard),
    )
    rows = list(people.queue_rows(filters or QueueFilter()))
    for name in ("app.css", "app.js"):
        _copy(views.STATIC / name, work / "static" / name, folder)
    for row in rows:
        stored = store.call(row.id)
        if stored is None or stored.review is None:
            continue
        shown = shown_call(store, stored, redaction[0], redacted=redaction[1])
        stored = shown.call
        final = people.final(stored)
        items = views.item_views(final, scorecard)
        path = recording(store, stored)
        if path is not None and redaction[2]:
            name = f"audio/call-{stored.id}.wav"
            _write(work / name, masked_wav(path, shown.redactions), folder)
            links.audio_paths[stored.id] = name
        elif path is not None:
            links.audio_paths[stored.id] = _relative(path, folder)
        delivery = views.delivery_views(stored.review)
        html = env.get_template("call.html").render(
            **common,
            call=stored,
            final=final,
            items=items,
            delivery=delivery,
            lines=views.transcript_lines(shown.transcript, items, delivery),
            redactions=shown.redactions,
            history=people.history(stored.id),
            appeals=people.appeals(stored.id),
            versions=store.history(stored.id),
            has_audio=path is not None,
            statuses=(),
            can_override=False,
            can_decide=False,
            can_appeal=False,
        )
        _write(work / links.call(stored.id), html, folder)
    page = QueuePage(rows, len(rows), 1, max(1, len(rows)))
    html = env.get_template("queue.html").render(
        **common,
        page=page,
        query=Query("index.html", {}),
        raw={},
        sort="date",
        descending=False,
        agents=[],
        samples=[],
        bands=scorecard.bands,
        items=(),
        mine=False,
    )
    _write(work / "index.html", html, folder)
    return len(rows)


def _move_in(work: Path, folder: Path) -> None:
    """Rename the finished report's files over the folder's (the index last), then drop
    ``work``."""
    (folder / "static").mkdir(exist_ok=True)
    names = sorted(p.relative_to(work) for p in work.rglob("*") if p.is_file())
    for name in sorted(names, key=lambda n: n == Path("index.html")):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        os.replace(work / name, folder / name)
    shutil.rmtree(work)


def _relative(path: Path, folder: Path) -> str:
    try:
        rel = os.path.relpath(path.resolve(), folder.resolve())
    except ValueError:  # another drive (Windows): an absolute file URL
        return path.resolve().as_uri()
    return quote(Path(rel).as_posix())


def _write(target: Path, data: str | bytes, folder: Path) -> None:
    """``data`` at ``target`` in the unfinished report; an error names the report's folder."""
    try:
        write_output(target, data, what="the report")
    except OutputError as err:
        raise OutputError(f"{folder}: {str(err)[len(str(target)) + 2 :]}") from None


def _copy(source: Path, target: Path, folder: Path) -> None:
    _write(target, source.read_bytes(), folder)
