"""Checks xDSL's verifier leaves out: every value is defined before it is used (SSA dominance).

xDSL 0.75 accepts ``%a = arith.addf %b, %x`` above the definition of ``%b``; passes and
backends then meet a value they have not computed yet (KeyError deep inside). `verify_module`
runs xDSL's verifier and this check, and is what the parser, the pass drivers (after every
pass) and the backends call.

The check is exact for single-block regions (all of rpnn's IR); in a region with several
blocks it only checks that a value is used inside the region that defines it.
"""

from __future__ import annotations

from xdsl.ir import Block, BlockArgument, Operation, OpResult, SSAValue
from xdsl.utils.exceptions import VerifyException

__all__ = ["DominanceError", "LocatedVerifyException", "verify_dominance", "verify_module"]


class LocatedVerifyException(VerifyException):
    """A verifier error about one op (`op`), so that drivers can print where it is."""

    def __init__(self, message: str, op: Operation):
        super().__init__(message)
        self.op = op


class DominanceError(LocatedVerifyException):
    """A value used where its definition does not reach; `op` is the user."""


def verify_module(op: Operation) -> None:
    """xDSL's verifier, then `verify_dominance`: raises a `VerifyException` on bad IR."""
    op.verify()
    verify_dominance(op)


def verify_dominance(op: Operation) -> None:
    """Raise `DominanceError` for the first operand used before (or outside) its definition."""
    visible: set[SSAValue] = set()
    _check_op(op, visible)


def _check_op(op: Operation, visible: set[SSAValue]) -> None:
    stack: list[tuple[Operation, set[SSAValue]]] = [(op, visible)]
    while stack:
        current, scope = stack.pop()
        for region in current.regions:
            blocks = list(region.blocks)
            inner = set(scope)
            if len(blocks) > 1:  # no dominance tree here: everything in the region is visible
                for block in blocks:
                    inner.update(block.args)
                    for child in block.ops:
                        inner.update(child.results)
            for block in blocks:
                _check_block(block, inner, stack)


def _check_block(block: Block, scope: set[SSAValue],
                 stack: list[tuple[Operation, set[SSAValue]]]) -> None:
    defined = set(scope)
    defined.update(block.args)
    for child in block.ops:
        for index, operand in enumerate(child.operands):
            if operand not in defined:
                raise DominanceError(_message(child, index, operand), child)
        if child.regions:
            stack.append((child, set(defined)))
        defined.update(child.results)


def _message(user: Operation, index: int, value: SSAValue) -> str:
    name = f"%{value.name_hint}" if value.name_hint else f"operand #{index}"
    if isinstance(value, OpResult) and _is_later_in_same_block(user, value.op):
        where = f"before its definition by '{value.op.name}'"
    elif isinstance(value, OpResult | BlockArgument):
        where = "outside the region that defines it"
    else:
        where = "without a definition"
    return (f"'{user.name}' op: {name} (operand #{index}) is used {where}; "
            "define a value before its first use")


def _is_later_in_same_block(user: Operation, definer: Operation) -> bool:
    """Whether `definer` comes after `user` (or one of its ancestors) in a common block."""
    block = definer.parent_block()
    ancestor: Operation | None = user
    while ancestor is not None and ancestor.parent_block() is not block:
        ancestor = ancestor.parent_op()
    if ancestor is None or block is None:
        return False
    return ancestor is definer or block.get_operation_index(ancestor) < block.get_operation_index(
        definer)
