"""Fixtures of the front-end tests: Brevitas exports built once per session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def brevitas_export(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, bool], Path]:
    """`get(name, dynamo)` -> path of the QONNX export of a test network (cached per session)."""
    pytest.importorskip("brevitas")
    import brevitas_models

    directory = tmp_path_factory.mktemp("brevitas")
    cache: dict[tuple[str, bool], Path] = {}

    def get(name: str, dynamo: bool) -> Path:
        key = (name, dynamo)
        if key not in cache:
            path = directory / f"{name}_{'dynamo' if dynamo else 'torchscript'}.onnx"
            cache[key] = brevitas_models.export(name, path, dynamo=dynamo)
        return cache[key]

    return get
