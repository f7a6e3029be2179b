"""Import errors: one line naming node and op; unreadable, malformed and unsafe files refused."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from onnx_builders import (
    QONNX,
    f32,
    init,
    make_model,
    quant_node,
    quant_params,
    tensor_info,
)

from rpnn_ir.frontends.onnx_import import OnnxImportError, from_onnx, load_onnx


def import_error(model) -> str:
    with pytest.raises(OnnxImportError) as info:
        from_onnx(model)
    message = str(info.value)
    assert "\n" not in message, message
    return message


def single(node: onnx.NodeProto, x_shape=(1, 4), y_shape=(1, 4), inits=(), *,
           domains=(QONNX,), inputs=None, outputs=None) -> onnx.ModelProto:
    return make_model([node], inputs or [tensor_info("x", x_shape)],
                      outputs or [tensor_info("y", y_shape)], list(inits), domains=domains)


# --------------------------------------------------------------------------- unsupported


def test_unsupported_op_names_node_op_and_supported_list():
    message = import_error(single(helper.make_node("Softmax", ["x"], ["y"], name="probs")))
    assert "node 'probs' (Softmax)" in message
    assert "unsupported op 'Softmax'" in message
    assert "supported ONNX ops:" in message and "Gemm" in message and "Quant" in message


def test_unnamed_node_is_named_by_position_and_output():
    nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Sigmoid", ["r"], ["y"])]
    model = make_model(nodes, [tensor_info("x", (1, 4))], [tensor_info("y", (1, 4))])
    assert "node #1 (Sigmoid, output 'y')" in import_error(model)


def trunc_model(inputs, inits, opset: int = 1, **attrs) -> onnx.ModelProto:
    node = helper.make_node("Trunc", inputs, ["y"], domain=QONNX, name="trunc0", **attrs)
    model = single(node, inits=inits)
    for opset_id in model.opset_import:
        if opset_id.domain == QONNX:
            opset_id.version = opset
    return model


V1_INITS = [init("s", f32(1.0)), init("z", f32(0.0)), init("ib", f32(8.0)), init("ob", f32(4.0))]


@pytest.mark.parametrize("inputs,inits,opset,attrs,expected", [
    (["x", "s", "z", "ib", "ob"], V1_INITS, 2, {},
     "Trunc takes 6 inputs and 1 output, got 5 inputs and 1 outputs"),
    (["x", "s", "z", "ib", "ob"], V1_INITS, 1, {"signed": 1},
     "attributes signed and narrow belong to Trunc v2"),
    (["x", "s", "z", "ob", "ib"], V1_INITS, 1, {},
     "output bit width 8 exceeds the input bit width 4"),
    (["x", "s", "z", "ib", "ob"], V1_INITS, 1, {"rounding_mode": "NEAREST"},
     "rounding_mode 'NEAREST' is not supported"),
    (["x", "s", "z", "ib", "os", "ob"], [*V1_INITS, init("os", f32([1.0, 2.0, 4.0, 8.0]))], 2,
     {}, "output scale / scale must round to one power of two 2^s with s >= 0 for all "
     "channels (round(log2) gives [0.0, 1.0, 2.0, 3.0])"),
    (["x", "s", "z", "ib", "os", "ob"], [*V1_INITS, init("os", f32(0.25))], 1, {},
     "output scale / scale must round to one power of two 2^s with s >= 0"),
    (["x", "s", "z", "ib", "os", "w"], [*V1_INITS, init("os", f32(2.0)), init("w", f32(40.0))],
     2, {}, "output bit width 40 is not supported (1 to 32)"),
])
def test_trunc_errors(inputs, inits, opset, attrs, expected):
    message = import_error(trunc_model(inputs, inits, opset, **attrs))
    assert "node 'trunc0' (Trunc)" in message and expected in message, message


def test_unknown_domain():
    node = helper.make_node("FusedGemm", ["x"], ["y"], domain="com.microsoft", name="fg")
    message = import_error(single(node, domains=(QONNX, "com.microsoft")))
    assert "node 'fg' (FusedGemm)" in message and "domain 'com.microsoft'" in message


def test_fpgadataflow_op_in_a_finn_domain_is_unsupported():
    node = helper.make_node("MVAU", ["x"], ["y"], domain="finn.custom_op.fpgadataflow",
                            name="mvau0")
    message = import_error(single(node, domains=("finn.custom_op.fpgadataflow",)))
    assert "node 'mvau0' (MVAU)" in message


@pytest.mark.parametrize("node,inits,x_shape,y_shape,expected", [
    (helper.make_node("MaxPool", ["x"], ["y"], name="p", kernel_shape=[2, 2], strides=[2, 2],
                      ceil_mode=1), [], (1, 1, 5, 5), (1, 1, 3, 3), "ceil_mode=1 is not supported"),
    (helper.make_node("MaxPool", ["x"], ["y"], name="p", kernel_shape=[2, 2], dilations=[2, 2]),
     [], (1, 1, 5, 5), (1, 1, 3, 3), "dilations [2, 2] are not supported"),
    (helper.make_node("Conv", ["x", "w"], ["y"], name="c"), [init("w", f32(np.ones((2, 1, 3))))],
     (1, 1, 5), (1, 2, 3), "only 2-D convolutions"),
    (helper.make_node("ArgMax", ["x"], ["y"], name="a", axis=0),
     [], (2, 4), (1, 4), "ArgMax over axis 0 is not supported"),
    (helper.make_node("ArgMax", ["x"], ["y"], name="a", axis=1, select_last_index=1),
     [], (1, 4), (1, 1), "select_last_index=1"),
    (helper.make_node("Div", ["k", "x"], ["y"], name="d"), [init("k", f32(2.0))],
     (1, 4), (1, 4), "constant divisor"),
    (helper.make_node("BatchNormalization", ["x", "s", "s", "s", "s"], ["y", "m", "v"],
                      name="bn", training_mode=1), [init("s", f32(np.ones(4)))], (1, 4), (1, 4),
     "training_mode=1"),
    (helper.make_node("MatMul", ["x", "w"], ["y"], name="mm"),
     [init("w", f32(np.ones((2, 4, 3))))], (2, 1, 4), (2, 1, 3), "2-D right operand"),
    (helper.make_node("Gather", ["x", "i"], ["y"], name="g", axis=1),
     [init("i", np.array([0, 1], np.int64))], (1, 4), (1, 2), "only on constant inputs"),
])
def test_unsupported_attribute_or_form(node, inits, x_shape, y_shape, expected):
    elem = TensorProto.INT64 if node.op_type == "ArgMax" else TensorProto.FLOAT
    message = import_error(single(node, x_shape, y_shape, inits,
                                  outputs=[tensor_info("y", y_shape, elem)]))
    assert f"({node.op_type})" in message and f"'{node.name}'" in message
    assert expected in message, message


def test_topk_values_output_used_and_largest_zero():
    nodes = [helper.make_node("TopK", ["x", "k"], ["v", "i"], name="tk"),
             helper.make_node("Relu", ["v"], ["y"])]
    model = make_model(nodes, [tensor_info("x", (1, 5))], [tensor_info("y", (1, 2))],
                       [init("k", np.array([2], np.int64))])
    assert "Values output of TopK is used" in import_error(model)
    node = helper.make_node("TopK", ["x", "k"], ["v", "y"], name="tk", largest=0)
    model = make_model([node], [tensor_info("x", (1, 5))],
                       [tensor_info("y", (1, 2), TensorProto.INT64)],
                       [init("k", np.array([2], np.int64))])
    assert "largest=0 is not supported" in import_error(model)


def test_unknown_attribute_on_a_custom_op():
    node = helper.make_node("MultiThreshold", ["x", "t"], ["y"], domain=QONNX, name="mt",
                            out_dtype="UINT2", bogus=3)
    message = import_error(single(node, inits=[init("t", f32([[0.0, 1.0, 2.0]]))]))
    assert "attribute 'bogus' is not supported" in message and "out_scale" in message


@pytest.mark.parametrize("attrs,params,expected", [
    ({"signed": 1}, (0.5, 0.0, 4.0), "attribute 'narrow' is missing"),
    ({"signed": 1, "narrow": 0, "rounding_mode": "STOCHASTIC"}, (0.5, 0.0, 4.0),
     "rounding_mode 'STOCHASTIC' is not supported"),
    ({"signed": 1, "narrow": 0}, (0.5, 0.0, 2.5), "bit width must be one integer"),
    ({"signed": 1, "narrow": 0}, (0.5, 0.0, 40.0), "bit width 40 is not supported"),
    ({"signed": 1, "narrow": 0}, (-0.5, 0.0, 4.0), "scale must be positive"),
    ({"signed": 1, "narrow": 0}, (np.ones((1, 3)), 0.0, 4.0), "does not broadcast"),
    ({"signed": 0, "narrow": 1}, (0.5, 0.0, 1.0), "unsigned narrow 1-bit"),
    ({"signed": 2, "narrow": 0}, (0.5, 0.0, 4.0), "signed=2 is not supported"),
])
def test_quant_attribute_errors(attrs, params, expected):
    node = helper.make_node("Quant", ["x", "s", "z", "b"], ["y"], domain=QONNX, name="q0",
                            **attrs)
    scale, zp, bits = params
    inits = [init("s", f32(scale)), init("z", f32(zp)), init("b", f32(bits))]
    message = import_error(single(node, inits=inits))
    assert "node 'q0' (Quant)" in message and expected in message, message


def test_quant_scale_must_be_constant():
    node = quant_node("x", "y", "q")
    model = make_model([node], [tensor_info("x", (1, 4)), tensor_info("q_scale", ())],
                       [tensor_info("y", (1, 4))],
                       [init("q_zp", f32(0.0)), init("q_bw", f32(4.0))])
    assert "scale (input 1, 'q_scale') must be a constant" in import_error(model)


def test_graph_input_types_and_symbolic_dims():
    node = helper.make_node("Relu", ["x"], ["y"])
    model = make_model([node], [tensor_info("x", (1, 4), TensorProto.INT64)],
                       [tensor_info("y", (1, 4), TensorProto.INT64)])
    assert "only FLOAT inputs are supported" in import_error(model)
    model = make_model([node], [tensor_info("x", (1, "W"))], [tensor_info("y", (1, "W"))])
    assert "symbolic dimension 'W' on axis 1" in import_error(model)


def test_old_opset_is_refused():
    model = make_model([helper.make_node("Relu", ["x"], ["y"])], [tensor_info("x", (1, 4))],
                       [tensor_info("y", (1, 4))], opset=6)
    assert "opset 6 is not supported" in import_error(model)


def test_shape_inference_disagreement_is_reported():
    """A wrong declared output shape is caught (by ONNX's checker, inference or the importer)."""
    model = make_model([helper.make_node("Relu", ["x"], ["y"])], [tensor_info("x", (1, 4))],
                       [tensor_info("y", (1, 5))])
    message = import_error(model)
    assert "y" in message and ("[1, 5]" in message or "5" in message)


# --------------------------------------------------------------------------- unreadable files


def good_model() -> onnx.ModelProto:
    return make_model([quant_node("x", "y", "q", signed=1, narrow=0)],
                      [tensor_info("x", (1, 4))], [tensor_info("y", (1, 4))],
                      quant_params("q", 0.5, 0.0, 4.0))


@pytest.mark.parametrize("content,expected", [
    (b"", "not an ONNX model"),
    (b"hello, this is not a model\n", "not an ONNX model"),
    (b'{"ir_version": 8, "graph": {}}', "not an ONNX model"),
    (bytes(range(256)) * 8, "not an ONNX model"),
])
def test_files_that_are_not_onnx(tmp_path: Path, content: bytes, expected: str):
    path = tmp_path / "bad.onnx"
    path.write_bytes(content)
    message = import_error(path)
    assert expected in message and "bad.onnx" in message


def test_truncated_and_other_protobuf_files(tmp_path: Path):
    data = good_model().SerializeToString()
    truncated = tmp_path / "truncated.onnx"
    truncated.write_bytes(data[: len(data) // 2])
    assert "truncated.onnx" in import_error(truncated)
    tensor = tmp_path / "tensor.pb"
    tensor.write_bytes(onnx.numpy_helper.from_array(f32(np.ones((3, 3)))).SerializeToString())
    assert "tensor.pb" in import_error(tensor)


def test_missing_file_and_directory(tmp_path: Path):
    assert "not found" in import_error(tmp_path / "missing.onnx")
    assert "is a directory" in import_error(tmp_path)


def test_malformed_graph_is_refused():
    """A node reading a tensor nobody defines: refused by onnx.checker, before conversion."""
    model = make_model([helper.make_node("Relu", ["nowhere"], ["y"], name="r")],
                       [tensor_info("x", (1, 4))], [tensor_info("y", (1, 4))])
    assert "malformed ONNX model" in import_error(model)


def test_from_onnx_rejects_other_python_objects():
    with pytest.raises(TypeError):
        from_onnx(b"bytes are not a path")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- external data


def external_model(tmp_path: Path) -> tuple[Path, onnx.ModelProto]:
    """A model whose weights lie in `weights.bin` next to it (saved by onnx)."""
    w = f32(np.random.default_rng(0).normal(0, 1, (16, 8)))
    model = make_model([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")],
                       [tensor_info("x", (1, 16))], [tensor_info("y", (1, 8))], [init("w", w)])
    folder = tmp_path / "model"
    folder.mkdir(parents=True)
    path = folder / "model.onnx"
    saved = onnx.ModelProto()
    saved.CopyFrom(model)  # save_model moves the data of the model it is given
    onnx.save_model(saved, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="weights.bin", size_threshold=0)
    return path, model


def relocate(path: Path, location: str, **extra: str) -> None:
    """Point every external tensor of the file at `location` (file data left untouched)."""
    model = onnx.load(str(path), load_external_data=False)
    for tensor in model.graph.initializer:
        for entry in tensor.external_data:
            if entry.key == "location":
                entry.value = location
            elif entry.key in extra:
                entry.value = extra[entry.key]
    path.write_bytes(model.SerializeToString())


def test_external_data_inside_the_folder_is_loaded(tmp_path: Path):
    path, model = external_model(tmp_path)
    x = f32(np.ones((1, 16)))
    from rpnn_ir import interp

    np.testing.assert_array_equal(interp.run(from_onnx(path), [x])[0],
                                  interp.run(from_onnx(model), [x])[0])
    assert load_onnx(path).graph.initializer[0].raw_data


def test_external_data_outside_the_folder_is_refused(tmp_path: Path):
    path, _ = external_model(tmp_path)
    (tmp_path / "outside.bin").write_bytes((path.parent / "weights.bin").read_bytes())
    relocate(path, "../outside.bin")
    message = import_error(path)
    assert "points outside the model's folder" in message and "../outside.bin" in message


def test_external_data_absolute_path_is_refused(tmp_path: Path):
    path, _ = external_model(tmp_path)
    relocate(path, str(path.parent / "weights.bin"))
    assert "is an absolute path" in import_error(path)


def test_external_data_symlink_escaping_the_folder_is_refused(tmp_path: Path):
    path, _ = external_model(tmp_path)
    secret = tmp_path / "secret.bin"
    secret.write_bytes((path.parent / "weights.bin").read_bytes())
    os.symlink(secret, path.parent / "link.bin")
    relocate(path, "link.bin")
    assert "points outside the model's folder" in import_error(path)


def test_external_data_missing_or_out_of_range(tmp_path: Path):
    path, _ = external_model(tmp_path)
    relocate(path, "nothere.bin")
    assert "not found" in import_error(path)
    path, _ = external_model(tmp_path / "again")
    relocate(path, "weights.bin", offset="1000000")
    assert "lies outside" in import_error(path)


def test_external_data_in_memory_model_is_refused(tmp_path: Path):
    path, _ = external_model(tmp_path)
    model = onnx.load(str(path), load_external_data=False)
    assert "external files" in import_error(model)


def test_qonnx_op_arity_and_hostile_folding():
    node = helper.make_node("Quant", ["x", "s", "z"], ["y"], domain=QONNX, name="q3",
                            signed=1, narrow=0)
    message = import_error(single(node, inits=[init("s", f32(1.0)), init("z", f32(0.0))]))
    assert "node 'q3' (Quant): Quant takes 4 inputs and 1 output, got 3 inputs" in message
    nodes = [helper.make_node("ConstantOfShape", ["shape"], ["big"], name="huge"),
             helper.make_node("Add", ["x", "big"], ["y"])]
    model = make_model(nodes, [tensor_info("x", (1, 1 << 20))],
                       [tensor_info("y", (1 << 20, 1 << 20))],
                       [init("shape", np.array([1 << 20, 1 << 20], np.int64))])
    message = import_error(model)
    assert "node 'huge' (ConstantOfShape)" in message and "refusing" in message


def test_a_long_path_keeps_its_file_name(tmp_path: Path):
    """A deep folder shortens the middle of the path in the message, not its file name."""
    folder = tmp_path / ("deep_" * 20) / ("deeper_" * 20)
    folder.mkdir(parents=True)
    missing = folder / "the_model.onnx"
    message = import_error(missing)
    assert "not found" in message and message.count("the_model.onnx") == 1
    assert "..." in message and len(message) < 200
    broken = folder / "half.onnx"
    broken.write_bytes(good_model().SerializeToString()[:40])
    assert "half.onnx" in import_error(broken)
