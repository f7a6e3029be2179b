"""The hypothesis strategies of tests/strategies/ report a failing example briefly: hypothesis
prints an example as its one-line `__repr__` (the description of the network), never the
module inside it (millions of characters: a failing property test would take minutes)."""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis.vendor.pretty import pretty

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/: the strategies package

from strategies.dataflow_nets import lowerable_nets  # noqa: E402
from strategies.graph_nets import graph_nets  # noqa: E402
from strategies.integer_nets import integer_nets  # noqa: E402

QUICK = settings(max_examples=5, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def check_short(example) -> None:
    # without the hook, pretty() itself would walk the module for minutes: fail first
    assert callable(getattr(example, "_repr_pretty_", None)), type(example)
    text = pretty(example)
    assert text == repr(example)
    assert len(text) < 2000 and "builtin.module" not in text


@QUICK
@given(graph_nets())
def test_graph_nets_print_short(net):
    check_short(net)


@QUICK
@given(integer_nets())
def test_integer_nets_print_short(net):
    check_short(net)


@QUICK
@given(lowerable_nets())
def test_lowerable_nets_print_short(net):
    check_short(net)
