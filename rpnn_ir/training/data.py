"""Data sets, offline: scikit-learn's digits (embedded), MNIST and CIFAR-10 from a folder the
user names.  Nothing is downloaded.

Images are uint8 arrays [N, C, H, W] (pixel values 0..255) and labels int64 [N]; a network
sees p / 256, which its 8-bit input quantizer (scale 1/256) maps back to p exactly.

- digits: `sklearn.datasets.load_digits` (1,797 8x8 images, values 0..16 scaled to
  0..255 by p * 255 // 16), split 80/20 stratified with a fixed seed;
- MNIST: the four IDX files (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
  `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each possibly `.gz`);
- CIFAR-10: the python pickle batches (`data_batch_1` .. `data_batch_5`, `test_batch`) in the
  folder or its `cifar-10-batches-py` subfolder.  They are unpickled with an allow-list
  (numpy arrays, dtypes and plain containers only), so a crafted file cannot run code.
"""

from __future__ import annotations

import gzip
import io
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class DataError(Exception):
    """A data set that cannot be read; the message names the file and the fix."""


@dataclass
class Dataset:
    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: int

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    def subset(self, train: int | None, test: int | None) -> Dataset:
        """The first `train` / `test` frames (None: all), for quick runs."""
        return Dataset(self.name, self.x_train[:train], self.y_train[:train],
                       self.x_test[:test], self.y_test[:test], self.classes)


def as_float(images: np.ndarray) -> np.ndarray:
    """uint8 images -> the network's float32 input p / 256 (exact)."""
    return images.astype(np.float32) / np.float32(256)


def digits(seed: int = 0, test_fraction: float = 0.2) -> Dataset:
    """scikit-learn's digits, split with a fixed seed (stratified)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    images = (bunch.images.astype(np.int64) * 255 // 16).astype(np.uint8)[:, None]
    labels = bunch.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(images, labels, test_size=test_fraction,
                                              random_state=seed, stratify=labels)
    return Dataset("digits", x_tr, y_tr, x_te, y_te, 10)


# --------------------------------------------------------------------------- MNIST (IDX)

IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _find(folder: Path, names: tuple[str, ...], what: str) -> Path:
    for name in names:
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    raise DataError(f"{folder}: no {what} file (expected one of "
                    f"{', '.join(names)}, optionally .gz)")


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
        return gzip.decompress(data) if path.suffix == ".gz" else data
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise DataError(f"{path}: cannot read ({e})") from None


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (magic 0x0000TTDD: type TT, DD dimensions, big-endian sizes)."""
    data = _read_bytes(path)
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in IDX_TYPES:
        raise DataError(f"{path}: not an IDX file (bad magic number)")
    ndim = data[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(data) < header:
        raise DataError(f"{path}: truncated IDX header")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(IDX_TYPES[data[2]])
    count = int(np.prod(shape)) * dtype.itemsize
    if len(data) - header != count:
        raise DataError(f"{path}: {len(data) - header} data bytes, the header "
                        f"{list(shape)} says {count}")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)


def _images_labels(folder: Path, images: tuple[str, ...], labels: tuple[str, ...]
                   ) -> tuple[np.ndarray, np.ndarray]:
    x_path, y_path = _find(folder, images, "images"), _find(folder, labels, "labels")
    x, y = read_idx(x_path), read_idx(y_path)
    if x.ndim != 3 or x.dtype != np.uint8:
        raise DataError(f"{x_path}: expected uint8 images [N, H, W], got {x.dtype} "
                        f"{list(x.shape)}")
    if y.ndim != 1 or len(y) != len(x):
        raise DataError(f"{y_path}: expected {len(x)} labels, got shape {list(y.shape)}")
    return x[:, None].copy(), y.astype(np.int64)


def mnist(folder: str | Path) -> Dataset:
    """MNIST from its four IDX files in `folder`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder (give the folder holding the MNIST IDX files)")
    x_tr, y_tr = _images_labels(folder, ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
                                ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"))
    x_te, y_te = _images_labels(folder, ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
                                ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"))
    classes = int(max(y_tr.max(), y_te.max())) + 1
    return Dataset("mnist", x_tr, y_tr, x_te, y_te, classes)


# --------------------------------------------------------------------------- CIFAR-10 (pickle)


class _SafeUnpickler(pickle.Unpickler):
    """Only what CIFAR-10's batches contain: numpy arrays and dtypes (and `_codecs.encode`,
    with which python 3 pickles bytes at protocol 2); anything else is refused."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray",
                                                            "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed")
        return super().find_class(module, name)


def read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 python batch: a dict with b"data" [N, 3072] uint8 and b"labels"."""
    try:
        batch = _SafeUnpickler(io.BytesIO(path.read_bytes()), encoding="bytes").load()
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError) as e:
        raise DataError(f"{path}: not a CIFAR-10 python batch ({e})") from None
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        raise DataError(f"{path}: not a CIFAR-10 python batch (no data/labels entries)")
    data = np.asarray(batch[b"data"])
    labels = np.asarray(batch[b"labels"], dtype=np.int64)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072 \
            or len(labels) != len(data):
        raise DataError(f"{path}: expected uint8 data [N, 3072] and N labels, got "
                        f"{data.dtype} {list(data.shape)} and {len(labels)} labels")
    return data.reshape(-1, 3, 32, 32), labels


def cifar10(folder: str | Path) -> Dataset:
    """CIFAR-10 from its python batches in `folder` (or `folder`/cifar-10-batches-py)."""
    folder = Path(folder)
    if (folder / "cifar-10-batches-py").is_dir():
        folder = folder / "cifar-10-batches-py"
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder (give the folder holding data_batch_1 .. "
                        "test_batch)")
    train = sorted(folder.glob("data_batch_*"))
    if not train or not (folder / "test_batch").is_file():
        raise DataError(f"{folder}: expected CIFAR-10 python batches data_batch_1 .. "
                        "data_batch_5 and test_batch")
    parts = [read_cifar_batch(p) for p in train]
    x_te, y_te = read_cifar_batch(folder / "test_batch")
    return Dataset("cifar10", np.concatenate([p[0] for p in parts]),
                   np.concatenate([p[1] for p in parts]), x_te, y_te, 10)


def load(name: str, folder: str | Path | None = None) -> Dataset:
    """"digits" (embedded), "mnist" or "cifar10" (from `folder`)."""
    if name == "digits":
        return digits()
    if name in ("mnist", "cifar10"):
        if folder is None:
            raise DataError(f"data set {name!r} is read from files you have: name their "
                            "folder (--data-dir; nothing is downloaded)")
        return mnist(folder) if name == "mnist" else cifar10(folder)
    raise DataError(f"unknown data set {name!r}: expected digits, mnist or cifar10")
