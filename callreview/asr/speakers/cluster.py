"""Two voices from a call's speech pieces: spectral bipartition, then 2-means, over CAM++
embeddings.

The call's mean embedding is taken out first (what every piece shares: the line, the
codec, the language), so the two voices differ in direction. A Gaussian affinity of
the centred cosines is cut in two by the Fiedler vector of its normalized Laplacian,
and a few rounds of length-weighted spherical k-means on the embeddings as they came
settle the split; of the splits at three affinity widths, the one with the clearest
margins wins. A piece's margin is how much closer it is to its own voice's centre than
to the other (cosine): the raw material of its role confidence. (Why this and not plain
k-means or agglomerative clustering: ``docs/history/asr.md``.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TAU = 0.1
"""Width of the affinity exp((cos − 1) / TAU) between centred embeddings."""
TAUS = (0.05, 0.1, 0.2)
"""The widths tried; the split with the larger mean margin wins (one width alone split an
agent's own voice in two on some calls)."""


@dataclass(frozen=True)
class TwoVoices:
    labels: np.ndarray
    """0 or 1 per piece."""
    margins: np.ndarray
    """cos(piece, own centre) − cos(piece, other centre) per piece: ≥ 0, larger is surer."""
    centres: np.ndarray
    """(2, dim) unit vectors."""
    weights: tuple[float, float]
    """Seconds of speech in each voice."""

    @property
    def centre_similarity(self) -> float:
        """Cosine of the two centres: near 1 means one voice split in two."""
        return float(self.centres[0] @ self.centres[1])


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


def fiedler_split(x: np.ndarray, w: np.ndarray, tau: float = TAU) -> np.ndarray:
    """0/1 labels from the sign structure of the normalized Laplacian's second eigenvector."""
    affinity = np.exp((x @ x.T - 1.0) / tau)
    degree = affinity.sum(axis=1)
    laplacian = np.eye(len(x)) - affinity / np.sqrt(degree[:, None] * degree[None, :])
    _, vectors = np.linalg.eigh(laplacian)
    f = vectors[:, 1] / np.sqrt(degree)
    labels = (f > np.median(f)).astype(int)
    for _ in range(20):  # two means on the line
        centres = [
            np.average(f[labels == k], weights=w[labels == k]) if (labels == k).any() else 0.0
            for k in (0, 1)
        ]
        new = (np.abs(f - centres[1]) < np.abs(f - centres[0])).astype(int)
        if np.array_equal(new, labels):
            break
        labels = new
    return labels


def two_means(embeddings: np.ndarray, weights: np.ndarray, rounds: int = 10) -> TwoVoices:
    """Split ``embeddings`` (n ≥ 2 pieces, ``weights`` their seconds) into two voices."""
    raw = _unit(np.asarray(embeddings, dtype=np.float64))
    w = np.maximum(np.asarray(weights, dtype=np.float64), 1e-3)
    if len(raw) < 2:
        raise ValueError("two voices need at least two pieces")
    centred = _unit(raw - (raw * w[:, None]).sum(axis=0) / w.sum())
    best = None
    for tau in TAUS:  # the split whose pieces sit clearest in their voices (mean margin, by length)
        labels = _refine(raw, w, fiedler_split(centred, w, tau), rounds)
        centres = _centres(raw, w, labels)
        scores = raw @ centres.T
        quality = float(np.average(np.abs(scores[:, 0] - scores[:, 1]), weights=w))
        if best is None or quality > best[0] + 1e-9:
            best = (quality, labels, centres)
    assert best is not None  # TAUS is not empty
    _, labels, centres = best
    scores = raw @ centres.T
    margins = np.abs(scores[:, 0] - scores[:, 1])
    return TwoVoices(
        labels, margins, centres, (float(w[labels == 0].sum()), float(w[labels == 1].sum()))
    )


def _refine(raw: np.ndarray, w: np.ndarray, labels: np.ndarray, rounds: int) -> np.ndarray:
    """Length-weighted spherical k-means from ``labels``."""
    centres = _centres(raw, w, labels)
    for _ in range(rounds):
        new = np.argmax(raw @ centres.T, axis=1)
        if np.array_equal(new, labels) or len(set(new)) < 2:
            break
        labels = new
        centres = _centres(raw, w, labels)
    return labels


def _centres(x: np.ndarray, w: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return np.stack(
        [
            _unit((x[labels == k] * w[labels == k, None]).sum(axis=0))
            if (labels == k).any()
            else x[0]
            for k in (0, 1)
        ]
    )
