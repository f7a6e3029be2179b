"""Dialects defined by rpnn, registered with the driver as lazy factories."""

from collections.abc import Callable

from xdsl.ir import Dialect


def get_all_dialects() -> dict[str, Callable[[], Dialect]]:
    """Map each rpnn dialect name to a factory that imports and returns the dialect.

    The import happens inside the factory, so the driver only pays for a dialect the
    input actually uses (xDSL's convention for dialect registries).
    """

    def get_rpnn() -> Dialect:
        from rpnn_ir.dialects.rpnn import RPNN

        return RPNN

    return {"rpnn": get_rpnn}
