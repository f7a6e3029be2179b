"""rpnn-infer-precision: the narrowest sound types from an exact integer interval analysis.

The analysis (`rpnn_ir.ranges`) gives every integer-like value an interval [lo, hi] per
element, from the function's argument types, integer quantizer results, bipolar values and
the actual values of constants (see that module for the transfer functions).  This pass
then retypes every integer result to the narrowest type holding its range (uiN when it is
non-negative), respecting the ops that demand equal element types (the tensor/stream shape
ops, partitions): those values form classes that share one type, the narrowest holding the
union of their ranges.  Function arguments keep their types; function result types follow.
Thresholds are clipped to the reachable range of what they are compared with, and those
crossed by every channel or by none are removed (the always-crossed ones folded into
out_bias).  Threshold constants get the narrowest type that holds the clipped values and
every value of the accumulator type they are compared with.  Weight constants are retyped to
their actual values (bipolar stays bipolar) unless `weights=worst-case` (runtime-writable
weights keep their type, and the analysis assumes any value of it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    BytesAttr,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    FunctionType,
    IntegerAttr,
    ModuleOp,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import Attribute, Operation, OpResult, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter
from xdsl.traits import Pure
from xdsl.utils.exceptions import PassFailedException

from rpnn_ir import dtypes
from rpnn_ir.dialects import rpnn
from rpnn_ir.ranges import (
    Analysis,
    ThresholdPlan,
    analyse,
    bits_needed,
    element_type,
    fail,
)

WEIGHT_MODES = ("actual", "worst-case")


def _with_elt(typ: Attribute, elt: Attribute) -> Attribute:
    if isinstance(typ, rpnn.StreamType):
        return rpnn.StreamType(typ.get_shape(), elt, typ.word.data)
    assert isinstance(typ, TensorType)
    return TensorType(elt, list(typ.get_shape()))


# --------------------------------------------------------------------------- the rewrite


def _retyped_dense(attr: DenseIntOrFPElementsAttr, elt: Attribute) -> DenseIntOrFPElementsAttr:
    """The same integer values as a dense attribute of `elt` (a splat stays a splat)."""
    shape = tuple(attr.type.get_shape())
    values = dtypes.dense_to_numpy(attr)
    flat = np.frombuffer(attr.data.data, dtype=dtypes.storage_dtype(attr.get_element_type()))
    if flat.size == 1 and int(np.prod(shape, dtype=np.int64)) != 1:
        data = np.asarray(flat, dtype=dtypes.storage_dtype(elt))
        return DenseIntOrFPElementsAttr(TensorType(elt, list(shape)), BytesAttr(data.tobytes()))
    return dtypes.numpy_to_dense(np.asarray(values, dtype=np.int64), elt)


def _erase_if_dead(value: SSAValue, erased: set[Operation]) -> None:
    """Erase the pure rpnn op defining `value` (and its operands' definitions) once unused."""
    if not isinstance(value, OpResult):
        return
    op = value.op
    if op in erased or any(r.uses for r in op.results) or op.parent_block() is None:
        return
    if op.dialect_name() != "rpnn" or not op.has_trait(Pure) or op.regions:
        return
    operands = list(op.operands)
    Rewriter.erase_op(op)
    erased.add(op)
    for operand in operands:
        _erase_if_dead(operand, erased)


def _threshold_type(values: np.ndarray, acc: tuple[int, int]) -> Attribute:
    """Narrowest type holding the thresholds and every value of the accumulator type."""
    lo = min(int(values.min(initial=acc[0])), acc[0])
    hi = max(int(values.max(initial=acc[1])), acc[1])
    return dtypes.narrowest_int_type(lo, hi)


def _plan_type(analysis: Analysis, plan: ThresholdPlan) -> Attribute:
    elt = _threshold_type(plan.values, analysis.compared_type_bounds(plan.op))
    lo, hi = dtypes.element_range(elt)
    if bits_needed(lo, hi) > dtypes.MAX_INT_BITS:
        raise fail(plan.op, f"thresholds and compared values in [{lo}, {hi}] need "
                    f"{bits_needed(lo, hi)} bits; integer types hold at most "
                    f"{dtypes.MAX_INT_BITS}")
    return elt


def _apply_plan(plan: ThresholdPlan, elt: Attribute, erased: set[Operation]) -> None:
    op = plan.op
    old = op.operands[plan.operand_index]
    constant = rpnn.ConstantOp(dtypes.numpy_to_dense(plan.values, elt))
    block = op.parent_block()
    assert block is not None
    block.insert_op_before(constant, op)
    op.operands[plan.operand_index] = constant.output
    _erase_if_dead(old, erased)
    constant.output.name_hint = old.name_hint
    if plan.changed_bias:
        if plan.bias == 0:  # the default
            op.properties.pop("out_bias", None)
        elif isinstance(op, rpnn.MultiThresholdOp):
            attr_type = op.out_bias.type if op.out_bias is not None else f32
            op.properties["out_bias"] = FloatAttr(float(plan.bias), attr_type)
        else:
            op.properties["out_bias"] = IntegerAttr(plan.bias, i64)


def _functions_called(module: ModuleOp) -> set[str]:
    return {op.callee.root_reference.data for op in module.walk() if isinstance(op, func.CallOp)}


def infer_precision(module: ModuleOp, worst_case: bool = False) -> None:
    """Run the analysis on every function of `module` and retype it in place.

    BLAS runs single-threaded meanwhile: the bound products are many moderate matrix
    products, and multithreaded OpenBLAS made the pass 7x slower on a busy 2-core machine
    (its threads wait actively for each other; CNV-W2A2's pipeline 9.1 s -> 1.3 s)."""
    with threadpool_limits(limits=1, user_api="blas"):
        _infer_precision(module, worst_case)


def _infer_precision(module: ModuleOp, worst_case: bool) -> None:
    analysis, functions = analyse(module, worst_case)
    called = _functions_called(module)
    for function in functions:
        if function.sym_name.data in called:  # callers see the result types
            for op in function.walk():
                if isinstance(op, func.ReturnOp):
                    for v in op.operands:
                        analysis.pin(v, f"the calls of @{function.sym_name.data}")
    for op in module.walk():  # ops outside any analysed block keep the types they use
        if op is module or op in analysis.handled or isinstance(op, func.FuncOp):
            continue
        if op.parent_op() is module or isinstance(op.parent_op(), func.FuncOp | rpnn.PartitionOp):
            continue
        for value in (*op.operands, *op.results):
            analysis.pin(value, f"{op.name} (an op this pass does not know)")
    if worst_case:  # runtime-writable weights keep their types
        for op in module.walk():
            if isinstance(op, rpnn.MatMulOp | rpnn.Conv2dOp | rpnn.MVTUOp | rpnn.DepthwiseOp):
                analysis.pin(op.operands[1], "weights=worst-case (runtime-writable weights)")
    analysis.finish_classes()

    # Decide every type before changing anything (errors leave the module untouched).
    new_types: list[tuple[SSAValue, Attribute]] = []
    for value in analysis.values:
        elt = analysis.new_element_type(value)
        if elt != element_type(value):
            new_types.append((value, elt))
    acc_types = {op: dtypes.narrowest_int_type(*bounds)
                 for op, bounds in analysis.acc_ranges.items() if op.thresholds is not None}
    for op in analysis.acc_ranges:
        if op.thresholds is None:
            acc_types[op] = analysis.new_element_type(op.output)
    plan_types = [_plan_type(analysis, plan) for plan in analysis.plans]

    erased: set[Operation] = set()
    for plan, elt in zip(analysis.plans, plan_types, strict=True):
        _apply_plan(plan, elt, erased)
    for value, elt in new_types:
        if isinstance(value, OpResult) and value.op in erased:
            continue
        if isinstance(value, OpResult) and isinstance(value.op, rpnn.ConstantOp):
            value.op.properties["value"] = _retyped_dense(value.op.value, elt)
        Rewriter.replace_value_with_new_type(value, _with_elt(value.type, elt))
    for op, elt in acc_types.items():
        op.properties["acc_type"] = elt
    for function in functions:
        returns = [op for op in function.walk() if isinstance(op, func.ReturnOp)]
        if returns:
            outputs = [v.type for v in returns[0].operands]
            inputs = list(function.function_type.inputs.data)
            if outputs != list(function.function_type.outputs.data):
                function.function_type = FunctionType.from_lists(inputs, outputs)


@dataclass(frozen=True)
class InferPrecisionPass(ModulePass):
    """Narrowest sound integer types from an exact interval analysis (docs/passes.md)."""

    name = "rpnn-infer-precision"

    weights: str = "actual"
    """`actual`: weight constants are known (and retyped to their values); `worst-case`:
    weights are runtime-writable, any value of their type."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.weights not in WEIGHT_MODES:
            raise PassFailedException(
                f"option weights={self.weights} must be one of "
                f"{', '.join(WEIGHT_MODES)}"
            )
        infer_precision(op, worst_case=self.weights == "worst-case")

