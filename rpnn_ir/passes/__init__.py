"""Module passes of rpnn.

Every pass registers here as a lazy factory: a name (the pass's ``name``, as used in
``rpnn-opt -p``) mapped to a function that imports the pass module and returns the pass
class, so that ``rpnn-opt`` only imports the passes it runs.
"""

from collections.abc import Callable

from xdsl.passes import ModulePass


def get_all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Map each rpnn pass name to a factory returning its ``ModulePass`` class."""
    return {}
