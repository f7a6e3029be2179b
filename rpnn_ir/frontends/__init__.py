"""Front ends: read networks written by other tools into rpnn's graph level.

- `onnx_import`: ONNX and QONNX files (Brevitas and FINN exports) -> one `func.func @main`
  of graph-level rpnn ops (docs/frontend.md).

Imported lazily: `import rpnn_ir.frontends` does not import onnx.
"""

from __future__ import annotations

from typing import Any

__all__ = ["OnnxImportError", "from_onnx", "load_onnx"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from rpnn_ir.frontends import onnx_import

        return getattr(onnx_import, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
