"""rpnn: a compiler on xDSL for reduced-precision neural networks to FPGA dataflow.

Subpackages: ``dialects`` (the ``rpnn`` dialect), ``passes`` (module passes),
``backends`` (xDSL targets) and ``tools`` (``rpnn-opt`` and other command-line tools).
"""

__version__ = "0.1.0"

# Lazy exports: `import rpnn_ir` stays cheap (no xDSL, numpy or onnx until first use).
_EXPORTS = {
    "load": "rpnn_ir.api",
    "parse": "rpnn_ir.api",
    "run": "rpnn_ir.api",
    "compile": "rpnn_ir.compiler",
    "from_onnx": "rpnn_ir.frontends.onnx_import",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
