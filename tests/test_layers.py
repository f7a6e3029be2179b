"""The import direction of rpnn_ir (docs/architecture.md): lower layers never import higher ones.

Every module of the package is parsed with `ast` (imports inside functions included, since a
lazy import is still a dependency) and each `rpnn_ir` import is checked against LAYERS.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rpnn_ir"

LAYERS: tuple[tuple[str, ...], ...] = (
    # package root, type helpers, file I/O, size bounds, SSA dominance (no rpnn_ir imports)
    ("rpnn_ir", "dtypes", "files", "limits", "progress", "verify"),
    ("dialects",),  # the rpnn dialect: types, ops, verifiers
    ("interp",),  # reference semantics of every op
    ("ranges",),  # exact integer interval analysis (rpnn-infer-precision, backends' checks)
    ("hw", "builders"),  # the hardware model; module builders (examples, test networks)
    ("passes",),  # module passes (thin wrappers over hw where they cost or fold)
    ("backends",),  # xDSL targets
    ("frontends",),  # ONNX/QONNX importers
    ("api",),  # load / parse / run
    ("compiler",),  # compile(): passes then a target
    ("training",),  # torch training, QONNX export, deployment and the exploration sweep
    ("tools",),  # console scripts
)
"""Layers from the bottom up.  A module may import its own layer's package and the layers
of the rows below it; names on one row do not import each other."""

RANK = {name: rank for rank, row in enumerate(LAYERS) for name in row}


def layer_of(parts: tuple[str, ...]) -> str:
    """The layer of the module `rpnn_ir.<parts>` (a subpackage or a top-level module)."""
    if not parts or parts[0] == "__init__":
        return "rpnn_ir"
    return parts[0]


def imported_layers(module: tuple[str, ...], is_package: bool,
                    tree: ast.AST) -> list[tuple[int, str, str]]:
    """(line, imported module, its layer) for every rpnn_ir import in `tree`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "rpnn_ir":
                    found.append((node.lineno, alias.name, layer_of(tuple(parts[1:]))))
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing module's package
                base = module if is_package else module[:-1]
                base = base[:len(base) - (node.level - 1)]
                parts = ("rpnn_ir", *base, *(node.module or "").split(".")) if node.module \
                    else ("rpnn_ir", *base)
            else:
                parts = tuple((node.module or "").split("."))
            if parts[0] != "rpnn_ir":
                continue
            if len(parts) == 1:  # from rpnn_ir import dtypes, __version__
                for alias in node.names:
                    target = alias.name if alias.name in RANK else "rpnn_ir"
                    found.append((node.lineno, f"rpnn_ir.{alias.name}", target))
            else:
                found.append((node.lineno, ".".join(parts), layer_of(parts[1:])))
    return found


def violations(path: Path, source: str) -> list[str]:
    """The upward (or sideways) imports of the module at `path` inside rpnn_ir/."""
    rel = path.relative_to(PACKAGE).with_suffix("")
    module = rel.parts
    is_package = module[-1] == "__init__"
    if is_package:
        module = module[:-1]
    own = layer_of(module)
    if own not in RANK:
        return [f"{path}: layer {own!r} is not in LAYERS of tests/test_layers.py: add it at "
                "its place (and to docs/architecture.md)"]
    found = []
    for line, name, target in imported_layers(module, is_package, ast.parse(source)):
        if target == own:
            continue
        if target not in RANK:
            found.append(f"{path}:{line}: imports {name}, whose layer {target!r} is not in "
                         "LAYERS of tests/test_layers.py")
        elif RANK[target] >= RANK[own]:
            found.append(f"{path}:{line}: {own} imports {name} ({target} is not below {own}; "
                         "see docs/architecture.md)")
    return found


def package_modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_import_goes_down():
    modules = package_modules()
    assert len(modules) > 30  # the whole package is read
    found = [v for path in modules for v in violations(path, path.read_text())]
    assert not found, "imports against the layering:\n" + "\n".join(found)


@pytest.mark.parametrize("where, source, expected", [
    ("hw/cost.py", "from rpnn_ir.passes import fold\n", "hw imports rpnn_ir.passes"),
    ("dialects/rpnn.py", "def f():\n    import rpnn_ir.interp\n",
     "dialects imports rpnn_ir.interp"),
    ("interp.py", "from rpnn_ir import compiler\n", "interp imports rpnn_ir.compiler"),
    ("hw/folding.py", "from ..builders import ops\n", "hw imports rpnn_ir.builders"),
    ("passes/fold.py", "from rpnn_ir.tools.rpnn_opt import main\n", "passes imports rpnn_ir.tools"),
])
def test_an_upward_import_is_named(where, source, expected):
    (message,) = violations(PACKAGE / where, source)
    assert expected in message and where in message


def test_downward_and_own_layer_imports_pass():
    source = ("from rpnn_ir import dtypes, __version__\nfrom rpnn_ir.hw import cost\n"
              "from rpnn_ir.passes.fold import FoldPass\nfrom . import dataflow\n")
    assert violations(PACKAGE / "backends" / "hls.py", source) == []


def test_a_new_layer_must_be_placed():
    (message,) = violations(PACKAGE / "newthing" / "x.py", "")
    assert "'newthing' is not in LAYERS" in message
