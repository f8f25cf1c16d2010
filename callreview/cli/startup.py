"""The start-up of a command that transcribes: the model loads while the rest gets ready.

Loading the Whisper model is C++ work that releases the GIL; importing the rules' modules and
reading the lexicon is Python. When every recording will be transcribed (no cache to answer
from), the model loads on this thread while the rules load in another, so a one-call process
pays for the longer of the two, not their sum. The model stays on the main thread: CTranslate2's
OpenMP workers belong to the thread that loaded it, and a model loaded in a helper thread ran
many times slower.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from callreview.asr import clock
from callreview.errors import CallreviewError
from callreview.settings import Settings

T = TypeVar("T")


def beside_model(settings: Settings, files: Iterable[Path], prepare: Callable[[], T]) -> T:
    """``prepare()``, in a thread while this one loads the model when the model will be needed
    for certain (no cache, a recording among ``files``, a model folder); else just ``prepare()``."""
    if settings.cache or all(Path(f).suffix.lower() == ".json" for f in files):
        return prepare()
    with ThreadPoolExecutor(1) as pool:
        ready = pool.submit(_timed, prepare)
        _load_model(settings)
        return ready.result()


def _timed(prepare: Callable[[], T]) -> T:
    with clock.timed("rules and imports (beside the model)"):
        return prepare()


def _load_model(settings: Settings) -> None:
    """Load the model as the transcriber will (one load per process: it is kept). A model that
    is not there is refused later, where it always was: after the audio is checked."""
    # late: the speech stack is heavy, and only a command that transcribes needs it
    from callreview.asr.model import load_model, resolve_model

    try:
        ref = resolve_model(settings.model)
        if Path(ref.load_from).is_dir():  # a named model may need the network: not ahead of time
            load_model(ref, settings.device, settings.compute_type, settings.cpu_threads)
    except CallreviewError:
        pass
