"""Site settings: ``callreview.toml`` merged with command-line options into one :class:`Settings`.

``callreview.toml`` (in the working folder, or given with ``--config``)::

    model = "bundled:whisper-base"      # or a CTranslate2 folder, or a faster-whisper name
    device = "auto"                     # auto | cpu | cuda
    agent_channel = "left"              # left | right | auto (decided from what is said)
    lexicon = "zh-CN"                   # a bundled name or a path to a lexicon TOML
    scorecard = "scorecards/site.toml"  # omit for the bundled default
    direction = "inbound"               # inbound | outbound
    company_names = ["天霖汽车", "天霖"]
    agent_names = ["小王"]

Options given on the command line win over the file; the file wins over defaults.

What a call system knows about one call — its direction, the customer's and the
agent's name — can sit beside the recording as ``<recording>.toml``
(``call_0412.flac`` → ``call_0412.toml``)::

    direction = "outbound"
    customer_name = "李"
    agent_name = "小张"

It wins over ``callreview.toml``; command-line options win over it.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal

from callreview.errors import SettingsError
from callreview.tomlfile import read_toml

CONFIG_NAME = "callreview.toml"
ENV_MODEL = "CALLREVIEW_MODEL"


@dataclass(frozen=True)
class Settings:
    """Everything a review needs to know besides the recording itself."""

    model: str | None = None
    """Model to transcribe with; ``None``: ``$CALLREVIEW_MODEL`` or the bundled default."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    compute_type: str | None = None
    """CTranslate2 compute type; ``None``: int8 on CPU, float16 on GPU."""
    cpu_threads: int = 0
    """0: one per core."""
    batch_size: int | None = None
    """Windows of speech decoded together; 1 turns batching off; ``None``: the transcriber's
    default (packed windows, one a decoder call:
    :attr:`callreview.asr.options.TranscribeOptions.decode_batch`)."""
    language: str | None = None
    """Whisper language; ``None``: the lexicon's ``language`` (zh-CN → zh)."""
    agent_channel: Literal["left", "right", "auto"] = "left"
    """Which stereo channel is the agent's; ``auto``: the one that sounds like the agent
    (:mod:`callreview.asr.channels`). A fixed channel that the speech contradicts marks the call
    for review."""
    leg_names: tuple[str, ...] = ("in/out", "tx/rx", "callee/caller")
    """Name presets that pair two leg files into one call (:mod:`callreview.jobs.legs`); ``[]``:
    no pairing."""
    leg_suffixes: tuple[str, ...] = ()
    """A recorder's own leg tags, ``[agent's, customer's]`` (``call-a.wav`` + ``call-b.wav``:
    ``["a", "b"]``), tried before the presets."""
    leg_wait_s: int = 60
    """``watch``: how long a leg waits for its partner before it is scored alone, with a note."""
    lexicon: str = "zh-CN"
    scorecard: str | None = None
    direction: Literal["inbound", "outbound"] = "inbound"
    company_names: tuple[str, ...] = ()
    agent_names: tuple[str, ...] = ()
    cache: bool = True
    """Reuse transcripts of audio already transcribed with the same model and settings."""
    db: str | None = None
    """The results store: an SQLite path or a ``postgresql://`` URL; ``None``: ``$CALLREVIEW_DB``,
    else ``./callreview.db``."""
    recording_roots: tuple[str, ...] = ()
    """Folders ``serve`` may play recordings from besides those the store was filled from (a
    transcript's ``file`` outside every such folder is not served)."""
    web_idle_minutes: int = 30
    """``serve``: a session unused this long is over (the user logs in again)."""
    redact_patterns: tuple[tuple[str, str], ...] = ()
    """The site's own personal data to mask in every output, as ``[redact_patterns]`` label =
    regular expression (``会员号 = "VIP\\d{6}"``), beside the built-in kinds (docs/privacy.md)."""
    web_redact_audio: bool = False
    """``serve``: play each call's recording with its masked stretches silenced (a decoded copy,
    made per request) instead of the file itself."""
    retention_days: int = 0
    """``watch`` and ``batch`` first purge calls dated more than this many days ago; 0 keeps
    every call."""
    ui_language: str | None = None
    """The web app's and the report's language where neither the user nor the browser chose one
    (``zh-CN``, ``en``); ``None``: the lexicon's language (:mod:`callreview.i18n.choose`)."""


_CHOICES = {
    "device": ("auto", "cpu", "cuda"),
    "agent_channel": ("left", "right", "auto"),
    "direction": ("inbound", "outbound"),
    "ui_language": ("zh-CN", "zh_CN", "en", "en-US", "en_US"),
}
_TYPES: dict[str, type | tuple[type, ...]] = {f.name: str for f in fields(Settings)}
_TYPES.update(cpu_threads=int, batch_size=int, cache=bool, company_names=list, agent_names=list)
_TYPES.update(recording_roots=list)
_TYPES.update(leg_names=list, leg_suffixes=list, leg_wait_s=int)
_TYPES.update(web_idle_minutes=int, retention_days=int, redact_patterns=dict)
_TYPES.update(web_redact_audio=bool)


def load_settings(config: str | Path | None = None, **overrides: Any) -> Settings:
    """Defaults ← ``callreview.toml`` (``config``, else the working folder's) ← non-None
    ``overrides``."""
    path = Path(config) if config else Path.cwd() / CONFIG_NAME
    values: dict[str, Any] = {}
    if config and not path.is_file():
        raise SettingsError(f"{path}: no such settings file; check the --config path")
    if path.is_file():
        values.update(_read(path))
    if os.environ.get(ENV_MODEL) and overrides.get("model") is None:
        values["model"] = os.environ[ENV_MODEL]  # --model, then $CALLREVIEW_MODEL, then the file
    values.update({k: v for k, v in overrides.items() if v is not None and v != ()})
    return _validate(Settings(), values, str(path) if path.is_file() else "option")


def _toml(path: Path) -> dict[str, Any]:
    return read_toml(path, SettingsError, "settings")


def _read(path: Path) -> dict[str, Any]:
    data = _toml(path)
    data = data.get("callreview", data)
    base = path.parent
    for key in (
        "lexicon",
        "scorecard",
        "model",
        "db",
    ):  # relative paths in the file are relative to the file
        value = data.get(key)
        if (
            isinstance(value, str)
            and "://" not in value
            and (os.sep in value or value.endswith(".toml"))
            and not Path(value).is_absolute()
        ):
            data[key] = str(base / value)
    return data


def _validate(settings: Settings, values: dict[str, Any], source: str) -> Settings:
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key not in _TYPES:
            known = ", ".join(sorted(_TYPES))
            raise SettingsError(f"{source}: unknown setting {key!r}; known settings: {known}")
        expected = _TYPES[key]
        if expected is dict:
            if isinstance(value, (list, tuple)):  # already checked (a Settings value)
                value = dict(value)
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()
            ):
                raise SettingsError(
                    f'{source}: {key!r} must be a table of label = "regular expression", '
                    f"not {value!r}"
                )
            value = tuple(value.items())
        elif expected is list:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise SettingsError(f"{source}: {key!r} must be a list of names, not {value!r}")
            value = tuple(value)
        elif expected is int and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise SettingsError(f"{source}: {key!r} must be a whole number ≥ 0, not {value!r}")
        elif expected is bool and not isinstance(value, bool):
            raise SettingsError(f"{source}: {key!r} must be true or false, not {value!r}")
        elif expected is str and not isinstance(value, str):
            raise SettingsError(f"{source}: {key!r} must be a string, not {value!r}")
        if key in _CHOICES and value not in _CHOICES[key]:
            raise SettingsError(
                f"{source}: {key!r} must be one of {', '.join(_CHOICES[key])}, not {value!r}"
            )
        clean[key] = value
    return replace(settings, **clean)


CALL_KEYS = (
    *("direction", "customer_name", "agent_name", "agent", "call_id", "date"),
    "agent_channel",
)
"""``agent``: the agent's id in the call system (who the call is filed under); ``agent_name``: how
they introduce themself in the greeting; ``date``: ``YYYY-MM-DD``; ``agent_channel``: this call's
own (``left``, ``right``, ``auto``) over the site's."""


def call_metadata(recording: str | Path) -> dict[str, str]:
    """The metadata file beside ``recording`` (same name, ``.toml``), checked; ``{}`` if none."""
    path = Path(recording).with_suffix(".toml")
    if path.name == CONFIG_NAME or not path.is_file():
        return {}
    data = _toml(path)
    for key, value in data.items():
        if key not in CALL_KEYS:
            raise SettingsError(
                f"{path}: unknown call metadata {key!r}; known: {', '.join(CALL_KEYS)}"
            )
        if not isinstance(value, str) or not value.strip():
            raise SettingsError(f"{path}: {key!r} must be non-empty text, not {value!r}")
        if key in _CHOICES and value not in _CHOICES[key]:
            raise SettingsError(
                f"{path}: {key!r} must be one of {', '.join(_CHOICES[key])}, not {value!r}"
            )
        if key == "date":
            check_date(value, str(path))
    return data


def check_date(value: str, source: str) -> str:
    """``YYYY-MM-DD`` or a one-line :class:`SettingsError` naming ``source``."""
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise SettingsError(
            f"{source}: date {value!r} is not YYYY-MM-DD; write it like 2026-12-01"
        ) from None
