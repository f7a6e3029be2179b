"""rpnn: a compiler on xDSL for reduced-precision neural networks to FPGA dataflow.

Subpackages: ``dialects`` (the ``rpnn`` dialect), ``passes`` (module passes),
``backends`` (xDSL targets) and ``tools`` (``rpnn-opt`` and other command-line tools).
"""

__version__ = "0.1.0"
