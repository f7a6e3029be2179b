"""Backends of rpnn: xDSL targets selected with ``rpnn-opt -t <name>``.

Every target registers here as a lazy factory: a name (the target's ``name``) mapped to
a function that imports the backend module and returns the ``Target`` subclass. This is
the "new-style" entry type of ``xDSLOptMain.available_targets`` in xDSL 0.75
(``Callable[[], type[Target]]``); the legacy ``(ModuleOp, IO[str]) -> None`` functions
are not used here.
"""

from collections.abc import Callable

from xdsl.utils.target import Target


def get_all_targets() -> dict[str, Callable[[], type[Target]]]:
    """Map each rpnn target name to a factory returning its ``Target`` class."""

    def c_reference() -> type[Target]:
        from rpnn_ir.backends.c_reference import CReferenceTarget

        return CReferenceTarget

    def hls() -> type[Target]:
        from rpnn_ir.backends.hls import HlsTarget

        return HlsTarget

    def rtl() -> type[Target]:
        from rpnn_ir.backends.rtl import RtlTarget

        return RtlTarget

    return {"rpnn-c": c_reference, "rpnn-hls": hls, "rpnn-rtl": rtl}
