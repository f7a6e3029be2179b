"""The fuzz harness (tests/fuzz/harness.py) on a fixed budget: the README's promise holds.

Every mutant (of the .mlir examples at each level, of small ONNX models, of pass and target
options, of Python API arguments) must end accepted or with a documented clean error; never
with a traceback, a hang past 30 s, more than 2 GB or a file outside its folder. Hypothesis
draws the mutations (derandomized under CI: the same cases every run, about a minute in all);
`python benchmarks/fuzz.py` runs thousands and compares C with the interpreter on accepted
ones.
"""

from __future__ import annotations

import itertools
import random
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/ (for fuzz)

from fuzz import harness  # noqa: E402

PROMISE = ("accepted", "clean-error")


def budget(n: int) -> settings:
    return settings(max_examples=n, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    return harness.seed_texts()


@pytest.fixture(scope="module")
def models() -> list:
    return harness.seed_models()


@pytest.fixture(scope="module")
def case_dirs(tmp_path_factory: pytest.TempPathFactory):
    """A fresh folder per case, all in one parent that the harness watches for strays."""
    root = tmp_path_factory.mktemp("fuzz")
    counter = itertools.count()
    return lambda: root / f"case{next(counter)}"


def check(outcome: harness.Outcome, what: object) -> None:
    assert outcome.kind in PROMISE, f"{outcome.kind}: {outcome.detail}\n--- input:\n{what!r}"


@budget(300)
@given(level=st.sampled_from(["graph", "integer", "dataflow"]),
       rng=st.randoms(use_true_random=False))
def test_mlir_mutants(seeds, case_dirs, level: str, rng: random.Random) -> None:
    text = harness.mutate_text(rng, seeds[level])
    check(harness.run_isolated(harness.mlir_case(text, level, False), case_dirs()), text)


@budget(130)
@given(index=st.integers(0, 1), rng=st.randoms(use_true_random=False))
def test_onnx_mutants(models, case_dirs, index: int, rng: random.Random) -> None:
    data = harness.mutate_model(rng, models[index])
    check(harness.run_isolated(harness.onnx_case(data), case_dirs()), data[:200])


@budget(80)
@given(rng=st.randoms(use_true_random=False))
def test_pass_and_target_options(seeds, case_dirs, tmp_path_factory, rng: random.Random):
    source = tmp_path_factory.getbasetemp() / "fuzz_seed.mlir"
    if not source.exists():
        source.write_text(seeds["graph"])
    pipeline, target = harness.option_pipeline(rng)
    check(harness.run_isolated(harness.options_case(source, pipeline, target), case_dirs()),
          (pipeline, target))


@budget(80)
@given(rng=st.randoms(use_true_random=False))
def test_api_arguments(case_dirs, rng: random.Random) -> None:
    name, args, kwargs = harness.api_arguments(rng)
    check(harness.run_isolated(harness.api_case(name, args, kwargs), case_dirs()),
          (name, args, kwargs))


def test_c_equals_the_interpreter_on_each_level(seeds, case_dirs) -> None:
    """The C check of the long run, on the unmutated example at each level."""
    for level, text in seeds.items():
        outcome = harness.run_isolated(harness.mlir_case(text, level, True), case_dirs(),
                                       timeout=120)
        assert outcome.kind == "accepted", (level, outcome)


def test_the_harness_sees_what_it_must_report(case_dirs) -> None:
    """A traceback, a hang, a memory hog and a stray file are each classified as such."""
    def stray() -> str:
        Path("../stray.txt").write_text("outside")
        return "accepted"

    def hog() -> str:
        return str(len(bytearray(3 << 30)))

    def loop() -> str:
        while True:
            pass

    assert harness.run_isolated(lambda: str(1 // 0), case_dirs()).kind == "traceback"
    assert harness.run_isolated(loop, case_dirs(), timeout=1).kind == "hang"
    assert harness.run_isolated(hog, case_dirs()).kind == "memory"
    assert harness.run_isolated(stray, case_dirs()).kind == "stray-file"
