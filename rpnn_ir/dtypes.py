"""Element types of rpnn tensors and streams, and their numpy counterparts.

One place answers "which values can an element of this type hold" and "how is a dense
attribute of this type laid out in bytes", so that the dialect's verifiers, the reference
interpreter and the backends agree.  Dense constants are converted to and from numpy arrays
through raw bytes: building them from Python lists is about 1000x slower (see
docs/semantics.md, "Constants").
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import (
    BytesAttr,
    DenseIntOrFPElementsAttr,
    Float32Type,
    Float64Type,
    IntegerType,
    Signedness,
    TensorType,
)
from xdsl.ir import Attribute

MAX_INT_BITS = 32
"""Widest integer element type the dialect accepts (accumulators included)."""


def is_bipolar(element_type: Attribute) -> bool:
    """True for `!rpnn.bipolar` (imported lazily: the dialect imports this module)."""
    return getattr(element_type, "name", None) == "rpnn.bipolar"


def is_int(element_type: Attribute) -> bool:
    """A signed (`siN`) or unsigned (`uiN`) integer type; signless `iN` is not a data type."""
    return (
        isinstance(element_type, IntegerType)
        and element_type.signedness.data != Signedness.SIGNLESS
    )


def is_integer_like(element_type: Attribute) -> bool:
    """Integer-valued element: `siN`, `uiN` or `!rpnn.bipolar`."""
    return is_int(element_type) or is_bipolar(element_type)


def is_float(element_type: Attribute) -> bool:
    """Float element types the dialect accepts for data (f32)."""
    return isinstance(element_type, Float32Type)


def is_data_type(element_type: Attribute) -> bool:
    """Element types that tensors and streams of rpnn ops may carry."""
    if is_int(element_type):
        assert isinstance(element_type, IntegerType)
        return 1 <= element_type.width.data <= MAX_INT_BITS
    return is_bipolar(element_type) or is_float(element_type)


def element_range(element_type: Attribute) -> tuple[int, int]:
    """Inclusive [min, max] of an integer-like element type."""
    if is_bipolar(element_type):
        return -1, 1
    assert isinstance(element_type, IntegerType) and is_int(element_type)
    width = element_type.width.data
    if element_type.signedness.data == Signedness.SIGNED:
        return -(1 << (width - 1)), (1 << (width - 1)) - 1
    return 0, (1 << width) - 1


def contains(element_type: Attribute, lo: int, hi: int) -> bool:
    """True when every integer in [lo, hi] is a value of `element_type`."""
    tmin, tmax = element_range(element_type)
    return tmin <= lo and hi <= tmax


def fits(element_type: Attribute, values: np.ndarray) -> bool:
    """True when all `values` are values of the integer-like `element_type`."""
    if values.size == 0:
        return True
    if is_bipolar(element_type):
        return bool(np.all(np.abs(values) == 1))
    return contains(element_type, int(values.min()), int(values.max()))


def int_type(width: int, signed: bool) -> IntegerType:
    """`siN` or `uiN`."""
    return IntegerType(width, Signedness.SIGNED if signed else Signedness.UNSIGNED)


def narrowest_int_type(lo: int, hi: int) -> IntegerType:
    """The narrowest `uiN` (preferred when lo >= 0) or `siN` that holds [lo, hi]."""
    if lo >= 0:
        return int_type(max(1, int(hi).bit_length()), signed=False)
    width = max((-lo - 1).bit_length(), max(hi, 0).bit_length()) + 1
    return int_type(width, signed=True)


def type_str(element_type: Attribute) -> str:
    """Short spelling of an element type as in the IR (`si4`, `!rpnn.bipolar`, `f32`)."""
    if is_bipolar(element_type):
        return "!rpnn.bipolar"
    if isinstance(element_type, IntegerType):
        prefix = {Signedness.SIGNED: "si", Signedness.UNSIGNED: "ui"}.get(
            element_type.signedness.data, "i"
        )
        return f"{prefix}{element_type.width.data}"
    if isinstance(element_type, Float32Type):
        return "f32"
    if isinstance(element_type, Float64Type):
        return "f64"
    return str(element_type)


def storage_dtype(element_type: Attribute) -> np.dtype:
    """numpy dtype of one element of a dense attribute in xDSL's byte layout."""
    if isinstance(element_type, IntegerType | Float32Type | Float64Type):
        return np.dtype(element_type.format)
    raise TypeError(f"no dense storage for element type {type_str(element_type)}")


def dense_to_numpy(attr: DenseIntOrFPElementsAttr) -> np.ndarray:
    """The values of a dense attribute as a numpy array of its shape (no copy of the data)."""
    tensor_type = attr.type
    shape = tuple(tensor_type.get_shape()) if isinstance(tensor_type, TensorType) else ()
    flat = np.frombuffer(attr.data.data, dtype=storage_dtype(attr.get_element_type()))
    if flat.size == 1 and int(np.prod(shape, dtype=np.int64)) != 1:
        return np.broadcast_to(flat[0], shape)  # splat
    return flat.reshape(shape)


def numpy_to_dense(values: np.ndarray, element_type: Attribute) -> DenseIntOrFPElementsAttr:
    """A dense attribute of `element_type` holding `values`, built from raw bytes."""
    dtype = storage_dtype(element_type)
    data = np.ascontiguousarray(values, dtype=dtype)
    return DenseIntOrFPElementsAttr(
        TensorType(element_type, list(values.shape)), BytesAttr(data.tobytes())
    )
