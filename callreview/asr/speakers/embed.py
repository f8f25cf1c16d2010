"""CAM++ speaker embeddings on onnxruntime, from the ONNX file shipped in ``callreview/data``.

The model is 3D-Speaker's CAM++ zh/en (``speech_campplus_sv_zh_en_16k-common_advanced``,
Apache-2.0; see ``callreview/data/CAMPPLUS_NOTICE``), exported by
``tools/export_campplus.py``. The file is checked against :data:`MODEL_SHA256` when it
is loaded: a damaged or swapped file is refused with one line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import cast

import numpy as np

from callreview.asr.speakers.fbank import normalized
from callreview.cpu import cores
from callreview.errors import ModelUnavailableError as ModelError

MODEL_FILE = "campplus_cn_en_common.onnx"
MODEL_SHA256 = "eee93e4489666862bc5ed0f4460d063842eebcff0b41add86502ff7e5ab70a19"
"""sha256 of the ONNX export (``tools/export_campplus.py`` prints it)."""
DEFAULT_SESSIONS = 4
"""Sessions for ``threads=0``: CTranslate2's own default thread count, so an unset ``cpu_threads``
does not load one model copy per core on a large machine."""
MIN_FRAMES = 20
"""Pieces shorter than this many 10 ms frames (plus the 25 ms window) are padded by repetition."""


def model_path() -> Path:
    return Path(str(resources.files("callreview") / "data" / MODEL_FILE))


def check_model(path: Path, expected: str = MODEL_SHA256) -> bytes:
    """The model file's bytes, refused (:class:`ModelError`, one line) when missing or not the
    shipped export."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ModelError(
            f"{path}: the speaker model cannot be read ({err.strerror or err}); "
            "reinstall callreview"
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected:
        raise ModelError(
            f"{path}: the speaker model's sha256 is {digest[:12]}…, not the shipped "
            f"{expected[:12]}…; "
            "reinstall callreview or re-run tools/export_campplus.py"
        )
    return data


class Embedder:
    """Loaded CAM++ sessions: 192-dim, L2-normalized embeddings of 16 kHz audio pieces.

    ``threads`` sessions of one onnxruntime thread each (0: :data:`DEFAULT_SESSIONS`, or the
    cores this process may use if fewer), whose pieces run side by side in as many Python
    threads (onnxruntime lets go of the GIL while it runs). A call's pieces are short (about
    130 frames), too short for one session's threads to share the work well."""

    def __init__(self, path: Path | None = None, threads: int = 0):
        import onnxruntime as ort  # late: only a mono call needs it

        data = check_model(path or model_path())
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        if threads > 0:
            count = threads
        else:
            count = min(DEFAULT_SESSIONS, cores())
        self.sessions = [
            ort.InferenceSession(data, sess_options=options, providers=["CPUExecutionProvider"])
            for _ in range(count)
        ]
        self.input = self.session.get_inputs()[0].name

    @property
    def session(self):
        """The first session (the one a single piece runs on)."""
        return self.sessions[0]

    def features(self, wave: np.ndarray) -> np.ndarray:
        if wave.size < 400 + 160 * MIN_FRAMES:
            reps = int(np.ceil((400 + 160 * MIN_FRAMES) / max(wave.size, 1)))
            wave = np.tile(wave, reps)
        return normalized(wave)

    def embed(self, wave: np.ndarray, session: int = 0) -> np.ndarray:
        """The unit-length embedding of one piece of speech."""
        feats = self.features(wave)
        out = self.sessions[session].run(None, {self.input: feats[None]})[0][0]
        return out / max(float(np.linalg.norm(out)), 1e-9)

    def embed_many(self, waves: Sequence[np.ndarray]) -> np.ndarray:
        """(n, 192) unit-length embeddings, one per piece, each run on its own: CAM++'s pooling
        reads every frame, so padding pieces to one length for a batch would change them. With
        more than one session the pieces are shared out among them, in order."""
        if not waves:
            return np.zeros((0, 192), dtype=np.float32)
        if len(self.sessions) == 1 or len(waves) == 1:
            return np.stack([self.embed(w) for w in waves])
        lanes = len(self.sessions)
        out: list[np.ndarray | None] = [None] * len(waves)

        def lane(k: int) -> None:
            for i in range(k, len(waves), lanes):
                out[i] = self.embed(waves[i], k)

        with ThreadPoolExecutor(lanes, thread_name_prefix="campplus") as pool:
            for done in [pool.submit(lane, k) for k in range(lanes)]:
                done.result()
        return np.stack(cast(list[np.ndarray], out))  # every lane filled its pieces
