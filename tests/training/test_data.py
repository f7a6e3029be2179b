"""The data loaders on small files written here in the MNIST IDX and CIFAR-10 pickle
formats (nothing is downloaded), and their errors."""

from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest

from rpnn_ir.training import data


def write_idx(path: Path, array: np.ndarray, compress: bool = False) -> None:
    """IDX: two zero bytes, type 0x08 (ubyte), rank, big-endian sizes, then the data."""
    raw = bytes([0, 0, 0x08, array.ndim]) + b"".join(struct.pack(">I", n) for n in array.shape)
    raw += array.astype(np.uint8).tobytes()
    if compress:
        path = path.with_name(path.name + ".gz")
        raw = gzip.compress(raw)
    path.write_bytes(raw)


def make_mnist(folder: Path, train: int = 12, test: int = 5, compress: bool = False):
    rng = np.random.default_rng(0)
    x_tr = rng.integers(0, 256, size=(train, 28, 28), dtype=np.uint8)
    x_te = rng.integers(0, 256, size=(test, 28, 28), dtype=np.uint8)
    y_tr, y_te = rng.integers(0, 10, train), rng.integers(0, 10, test)
    write_idx(folder / "train-images-idx3-ubyte", x_tr, compress)
    write_idx(folder / "train-labels-idx1-ubyte", y_tr, compress)
    write_idx(folder / "t10k-images-idx3-ubyte", x_te, compress)
    write_idx(folder / "t10k-labels-idx1-ubyte", y_te, compress)
    return x_tr, y_tr, x_te, y_te


@pytest.mark.parametrize("compress", [False, True])
def test_mnist_idx(tmp_path: Path, compress: bool) -> None:
    x_tr, y_tr, x_te, y_te = make_mnist(tmp_path, compress=compress)
    ds = data.load("mnist", tmp_path)
    assert ds.input_shape == (1, 28, 28) and ds.classes == int(max(y_tr.max(), y_te.max())) + 1
    assert np.array_equal(ds.x_train[:, 0], x_tr) and np.array_equal(ds.y_train, y_tr)
    assert np.array_equal(ds.x_test[:, 0], x_te) and np.array_equal(ds.y_test, y_te)


def test_mnist_errors(tmp_path: Path) -> None:
    with pytest.raises(data.DataError, match="name their folder"):
        data.load("mnist")
    with pytest.raises(data.DataError, match="no images file"):
        data.mnist(tmp_path)
    make_mnist(tmp_path)
    labels = tmp_path / "t10k-labels-idx1-ubyte"
    labels.write_bytes(labels.read_bytes()[:-1])
    with pytest.raises(data.DataError, match="data bytes, the header"):
        data.mnist(tmp_path)
    labels.write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(data.DataError, match="bad magic"):
        data.mnist(tmp_path)


def write_cifar(folder: Path, batches: int = 2, frames: int = 4) -> tuple[np.ndarray, ...]:
    """CIFAR-10 python batches: pickled dicts of b"data" [N, 3072] uint8 and b"labels"."""
    rng = np.random.default_rng(1)
    xs, ys = [], []
    for k in range(batches + 1):
        x = rng.integers(0, 256, size=(frames, 3072), dtype=np.uint8)
        y = [int(v) for v in rng.integers(0, 10, frames)]
        name = "test_batch" if k == batches else f"data_batch_{k + 1}"
        (folder / name).write_bytes(pickle.dumps({b"data": x, b"labels": y,
                                                  b"batch_label": b"x"}, protocol=2))
        xs.append(x)
        ys.append(np.array(y))
    return np.concatenate(xs[:-1]), np.concatenate(ys[:-1]), xs[-1], ys[-1]


def test_cifar10_batches(tmp_path: Path) -> None:
    inner = tmp_path / "cifar-10-batches-py"
    inner.mkdir()
    x_tr, y_tr, x_te, y_te = write_cifar(inner)
    ds = data.load("cifar10", tmp_path)
    assert ds.input_shape == (3, 32, 32) and len(ds.x_train) == 8
    assert np.array_equal(ds.x_train.reshape(8, -1), x_tr) and np.array_equal(ds.y_train, y_tr)
    assert np.array_equal(ds.x_test.reshape(4, -1), x_te) and np.array_equal(ds.y_test, y_te)
    # channel-major rows: the first 1024 bytes are the red plane
    assert np.array_equal(ds.x_test[0, 0].reshape(-1), x_te[0, :1024])


class _Boom:
    def __reduce__(self):
        return (print, ("code ran",))


def test_cifar10_refuses_code_and_bad_files(tmp_path: Path, capsys) -> None:
    write_cifar(tmp_path)
    (tmp_path / "data_batch_1").write_bytes(pickle.dumps({b"data": _Boom(), b"labels": []}))
    with pytest.raises(data.DataError, match="print is not allowed"):
        data.cifar10(tmp_path)
    assert "code ran" not in capsys.readouterr().out
    (tmp_path / "data_batch_1").write_bytes(pickle.dumps({b"data": np.zeros((2, 5), np.uint8),
                                                          b"labels": [0, 1]}))
    with pytest.raises(data.DataError, match=r"expected uint8 data \[N, 3072\]"):
        data.cifar10(tmp_path)
    with pytest.raises(data.DataError, match="not a folder"):
        data.cifar10(tmp_path / "data_batch_2")
    (tmp_path / "test_batch").unlink()
    with pytest.raises(data.DataError, match="expected CIFAR-10 python batches"):
        data.cifar10(tmp_path)


def test_digits_split_is_fixed_and_images_are_8_bit() -> None:
    a, b = data.digits(), data.digits()
    assert np.array_equal(a.y_test, b.y_test) and len(a.x_test) == 360
    assert a.x_train.dtype == np.uint8 and a.x_train.max() == 255
    assert np.array_equal(data.as_float(a.x_train) * 256, a.x_train)  # exact
