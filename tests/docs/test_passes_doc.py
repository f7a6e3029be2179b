"""docs/passes.md documents every rpnn pass and target, rpnn-pipeline first, each with all
its options (the option names come from the pass and target classes themselves)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from rpnn_ir.backends import get_all_targets
from rpnn_ir.passes import get_all_passes

DOC = Path(__file__).resolve().parents[2] / "docs" / "passes.md"


def sections() -> dict[str, str]:
    """Heading name -> text of each ``### `name` `` section of docs/passes.md, in order."""
    text = DOC.read_text()
    parts = re.split(r"^### `([^`]+)`.*$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_pass_and_target_has_a_section_with_its_options() -> None:
    found = sections()
    assert next(iter(found)) == "rpnn-pipeline"
    missing = []
    for name, factory in [*get_all_passes().items(), *get_all_targets().items()]:
        if name not in found:
            missing.append(name)
            continue
        body = re.split(r"^## ", found[name], flags=re.M)[0]  # up to the next chapter
        for field in dataclasses.fields(factory()):
            option = field.name.replace("_", "-")
            if field.init and field.name != "name" and not re.search(
                    rf"[`{{\s]{re.escape(option)}[`=]", body):
                missing.append(f"{name}: {option}")
    assert missing == []
