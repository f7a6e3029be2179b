"""Ties in `rpnn.label_select` / `rpnn.topk` go to the lower index, in every backend.

An 8-label ui2 stream has only four values, so almost every frame has ties, many of them at
the k-th place: the reference interpreter, the C reference and the HLS C simulation must all
return the lower index first. The expected indices come from a sort written here; every
4^8 frame is run through the interpreter and the C reference, and through the HLS testbench.
A hypothesis strategy (`tie_nets`) builds random graphs whose label_select input is a
low-precision stream, so that random graphs exercise ties too (`test_random_tie_nets`).
"""

from __future__ import annotations

import itertools
import shutil

import netgen
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rpnn_ir import dtypes, interp
from rpnn_ir.backends import dataflow, hls, hls_csim
from rpnn_ir.backends.c_reference import write_files
from rpnn_ir.backends.c_runner import CReference
from rpnn_ir.builders.ops import (
    BIPOLAR,
    FunctionBuilder,
    divisors,
    elt_of,
    shape_of,
    si,
    tensor,
    ui,
)

LABELS = 8
TIE_VARIANTS = ((2, 1), (2, 2), (2, 8), (8, 4))  # (k, pe) of each label_select


def reference_top_k(frames: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest of each row, largest first, ties to the lower index."""
    return np.array([sorted(range(row.size), key=lambda i: (-row[i], i))[:k] for row in frames])


def tie_net():
    """One ui2 input of 8 labels read by four label_selects (k, pe in TIE_VARIANTS)."""
    net = netgen.Net(0)
    s = net.input([LABELS], ui(2), 1)
    for branch, (k, pe) in zip(net.duplicate(s, len(TIE_VARIANTS)), TIE_VARIANTS, strict=True):
        net.output(net.label_select(branch, k, pe=pe))
    return net.finish()


def all_frames() -> np.ndarray:
    """Every ui2 vector of 8 labels (65536 frames)."""
    return np.array(list(itertools.product(range(4), repeat=LABELS)), dtype=np.int64)


def order_matters(frames: np.ndarray, k: int) -> np.ndarray:
    """Frames whose k indices change if ties went to the higher index."""
    low = reference_top_k(frames, k)
    high = frames.shape[1] - 1 - reference_top_k(frames[:, ::-1], k)
    return (low != high).any(axis=1)


def test_the_frames_have_deciding_ties():
    sample = all_frames()[::97]
    for k, _ in TIE_VARIANTS:
        assert order_matters(sample, k).mean() > 0.5


def test_interpreter_and_c_reference():
    module = tie_net()
    frames = all_frames()
    expected = [reference_top_k(frames, k) for k, _ in TIE_VARIANTS]
    got_interp = interp.run(module, [frames])
    with CReference.build(module, flags=("-O1", "-Werror")) as net:
        got_c = net.run([frames])
    for e, i, c in zip(expected, got_interp, got_c, strict=True):
        np.testing.assert_array_equal(i, e)
        np.testing.assert_array_equal(c.astype(np.int64), e)


def test_graph_level_topk():
    """rpnn.topk (the graph-level op) on the same frames, through the interpreter."""
    fn = FunctionBuilder(tensor([1, LABELS], ui(2)))
    module = fn.finish(*(fn.topk(fn.args[0], k, ui(3)) for k, _ in TIE_VARIANTS))
    frames = all_frames()[::7]
    for (k, _), got in zip(TIE_VARIANTS, interp.run(module, [frames]), strict=True):
        np.testing.assert_array_equal(got, reference_top_k(frames, k))


def _rewrite_golden(project, module, frames: np.ndarray, outputs: list[np.ndarray]) -> None:
    """Replace the testbench's golden vectors with `frames` and the expected `outputs`."""
    graph = dataflow.extract(module)
    for name, sid, values in [("in0", graph.inputs[0], frames),
                              *((f"out{j}", sid, out) for j, (sid, out) in
                                enumerate(zip(graph.outputs, outputs, strict=True)))]:
        path = project / "golden" / f"{name}.dat"
        _, words, bits = path.read_text().splitlines()[0].split()
        s = graph.streams[sid]
        packed = dataflow.pack_words(values, s.element_type, s.word)
        digits = (int(bits) + 3) // 4
        body = "\n".join(f"{w:0{digits}x}" for w in packed)
        path.write_text(f"{len(frames)} {words} {bits}\n{body}\n")


def test_hls_csim(tmp_path):
    if shutil.which("g++") is None:
        pytest.skip("needs g++")
    try:
        ap_types = hls_csim.ap_types_dir()
    except hls_csim.CsimError as e:
        pytest.skip(f"no ap_types headers: {e}")
    module = tie_net()
    frames = all_frames()
    write_files(tmp_path, hls.emit_hls(module, hls.HlsTarget(tb_frames=1)))
    _rewrite_golden(tmp_path, module, frames, [reference_top_k(frames, k)
                                               for k, _ in TIE_VARIANTS])
    result = hls_csim.run_csim(tmp_path, ap_types=ap_types)
    assert f"PASS: {len(frames)} frames bit-exact" in result.stdout


# --------------------------------------------------------------------------- random graphs


def tie_net_from(data, seed: int):
    """A random chain of 1-3 units (mvtu, thresholding, dwc, fifo) on a vector, ending in a
    low-precision stream (bipolar, ui1, ui2, si2) read by a label_select: ties on purpose."""
    draw = data.draw
    net = netgen.Net(seed)
    length = draw(st.integers(2, 12), label="length")
    s = net.input([length], draw(st.sampled_from([BIPOLAR, ui(2), si(3)])),
                  draw(st.sampled_from(divisors(length))))
    for _ in range(draw(st.integers(0, 2), label="units")):
        kind = draw(st.sampled_from(["mvtu", "dwc", "fifo"]), label="unit")
        n = shape_of(s)[-1]
        if kind == "mvtu":
            mh = draw(st.integers(2, 12))
            s = net.mvtu(s, mh, draw(st.sampled_from([BIPOLAR, si(2)])),
                         draw(st.sampled_from([BIPOLAR, ui(1), ui(2)])),
                         pe=draw(st.sampled_from(divisors(mh))),
                         simd=draw(st.sampled_from(divisors(n))))
        elif kind == "dwc":
            s = net.dwc(s, draw(st.sampled_from(divisors(n))))
        else:
            s = net.fifo(s, depth=draw(st.integers(1, 4)))
    low = draw(st.sampled_from([BIPOLAR, ui(1), ui(2), si(2)]), label="out")
    n = shape_of(s)[-1]
    if not dtypes.is_bipolar(elt_of(s)):  # a bipolar stream has ties already
        s = net.thresholding(s, low, pe=draw(st.sampled_from(divisors(n))))
    s, scores = net.duplicate(s)
    k = draw(st.integers(1, n), label="k")
    net.output(net.label_select(s, k, pe=draw(st.sampled_from(divisors(n)))))
    net.output(scores)  # the label_select's input, to see its ties
    return net.finish()


TIES_SEEN = {"examples": 0, "deciding": 0}


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_random_tie_nets(data, seed):
    module = tie_net_from(data, seed)
    inputs = dataflow.random_inputs(dataflow.extract(module), 64, seed)
    expected, scores = interp.run(module, inputs)
    k = expected.shape[1]
    np.testing.assert_array_equal(expected, reference_top_k(scores, k))
    TIES_SEEN["examples"] += 1
    TIES_SEEN["deciding"] += bool(order_matters(scores, k).any())
    with CReference.build(module, flags=("-O1", "-Werror")) as net:
        got = net.run(inputs)
    for e, g in zip((expected, scores), got, strict=True):
        np.testing.assert_array_equal(g.astype(np.int64), e)


def test_random_tie_nets_decide_on_ties():
    """Runs after test_random_tie_nets (file order): most of its graphs had deciding ties."""
    assert TIES_SEEN["examples"] >= 40
    assert TIES_SEEN["deciding"] >= 0.6 * TIES_SEEN["examples"], TIES_SEEN
