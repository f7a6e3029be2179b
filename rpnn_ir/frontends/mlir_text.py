"""The `.mlir` text frontend: xDSL's parser, bounded and with every failure located.

Used by `rpnn_ir.parse`/`rpnn_ir.load` and by `rpnn-opt`. On top of xDSL's parser it

- lexes string literals in linear time: xDSL 0.75's regex backtracks exponentially on a
  string with no closing quote (``"abc...`` with 40 characters takes forever; see
  docs/frontend.md for the reproducer);
- refuses a tensor, vector, memref or stream type with more than `limits.max_elements()`
  elements before anything is allocated, regions nested deeper than `limits.MAX_NESTING`
  and integer types wider than MLIR's 2^24 - 1 bits;
- turns every exception xDSL raises on odd input (``OverflowError`` for ``dense<1e8> :
  tensor<f16>``, ``struct.error`` for an out-of-range array element, ``ValueError``...) into a
  `ParseError` at the op being parsed;
- records where each op starts (`op_location`), for verifier messages;
- checks that every value is defined before it is used (`rpnn_ir.verify.verify_dominance`).
"""

from __future__ import annotations

import dataclasses
import re
import struct
import weakref
from typing import Any

from xdsl.context import Context
from xdsl.dialects.builtin import FileLineColLoc, ModuleOp
from xdsl.ir import Attribute, Operation, Region
from xdsl.parser import Parser
from xdsl.parser.generic_parser import ParserState
from xdsl.utils.exceptions import DiagnosticException, ParseError, VerifyException
from xdsl.utils.lexer import Input, Span
from xdsl.utils.mlir_lexer import MLIRLexer

from rpnn_ir import limits
from rpnn_ir.verify import verify_dominance

__all__ = ["PARSE_SPAN_ATTR", "RpnnParser", "op_location", "parse_module", "span_location"]

_OP_SPANS: weakref.WeakKeyDictionary[Operation, Span[Any]] = weakref.WeakKeyDictionary()
"""Source span of the first token of every op parsed by `RpnnParser`."""

PARSE_SPAN_ATTR = "_rpnn_op_span"
"""Set on a VerifyException raised while parsing an op: the span where that op starts."""


MAX_INTEGER_BITS = (1 << 24) - 1
"""MLIR's limit on integer widths; xDSL has none, and computes value ranges of any width
(``i2147483648`` took 7 s and 1 GB)."""
_INTEGER_TYPE = re.compile(r"[su]?i(\d+)")


class _LinearLexer(MLIRLexer):
    """xDSL's lexer with a string-literal regex that cannot backtrack.

    Same language as xDSL's ``"(?:[^"\\\\\\n\\v\\f]+|\\\\(?:["nt\\\\]|[0-9A-Fa-f]{2}))*"``;
    the possessive quantifiers stop the nested ``(x+)*`` from retrying every split of an
    unterminated literal.
    """

    _unescaped_characters_regex = re.compile(
        r'"(?:[^"\\\n\v\f]++|\\(?:["nt\\]|[0-9A-Fa-f]{2}))*+"'
    )


class RpnnParser(Parser):
    """xDSL's `Parser` with the bounds and error mapping described in the module docstring."""

    def __init__(self, ctx: Context, text: str, name: str = "<unknown>") -> None:
        super().__init__(ctx, "", name)
        self._parser_state = ParserState(_LinearLexer(Input(text, name)))
        self._depth = 0

    def parse_module(self, allow_implicit_module: bool = True) -> ModuleOp:
        try:
            module = super().parse_module(allow_implicit_module)
        except RecursionError:
            self.raise_error(f"input nested too deeply (attributes or types nested beyond "
                             f"what the parser can follow; ops: at most {limits.MAX_NESTING} "
                             "regions deep)")
        return module

    def parse_operation(self) -> Operation:
        start = self._current_token.span
        try:
            op = super().parse_operation()
        except VerifyException as e:  # an attribute or type failed its verifier
            if not hasattr(e, PARSE_SPAN_ATTR):  # the innermost op is the most precise
                setattr(e, PARSE_SPAN_ATTR, start)
            raise
        except (DiagnosticException, ParseError, RecursionError):
            raise
        except Exception as e:  # xDSL raises ValueError, OverflowError, struct.error...
            self.raise_error(_one_line(e), start)
        _OP_SPANS[op] = start
        return op

    def parse_optional_region(self, arguments: Any = None) -> Region | None:
        if self._depth >= limits.MAX_NESTING:
            self.raise_error(f"regions nested more than {limits.MAX_NESTING} deep; rpnn "
                             "accepts no deeper nesting")
        self._depth += 1
        try:
            return super().parse_optional_region(arguments)
        finally:
            self._depth -= 1

    def _parse_optional_integer_or_float_type(self) -> Any:
        match = _INTEGER_TYPE.fullmatch(self._current_token.text)
        if match is not None and int(match.group(1)) > MAX_INTEGER_BITS:
            self.raise_error(f"integer types have at most {MAX_INTEGER_BITS} bits (MLIR's "
                             "limit)")
        return super()._parse_optional_integer_or_float_type()

    def parse_ranked_shape(self) -> tuple[list[int], Attribute]:
        start = self._current_token.span.start
        dims, element_type = super().parse_ranked_shape()
        try:
            limits.check_elements(dims, "this type")
        except limits.LimitError as e:
            self.raise_error(str(e), start, self._current_token.span.start)
        return dims, element_type


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, OverflowError | struct.error):  # packing a literal into its type
        return f"a value is out of range for its type ({text})"
    return text


def parse_module(ctx: Context, text: str, name: str = "<string>",
                 allow_implicit_module: bool = True) -> ModuleOp:
    """Parse `text` with `RpnnParser` and check SSA dominance (not xDSL's verifier)."""
    module = RpnnParser(ctx, text, name).parse_module(allow_implicit_module)
    verify_dominance(module)
    return module


def op_location(op: Operation, line_offset: int = 0) -> str | None:
    """``file:line:col`` of `op`: its explicit ``loc(...)``, else where it was parsed."""
    loc = op.location
    if isinstance(loc, FileLineColLoc):
        return f"{loc.filename.data}:{loc.line.data}:{loc.column.data}"
    span = _OP_SPANS.get(op)
    if span is None:
        return None
    return span_location(span, line_offset)


def span_location(span: Span[Any], line_offset: int = 0) -> str:
    """``file:line:col`` of `span`, shifted by `line_offset` lines (--split-input-file)."""
    return str(dataclasses.replace(span, line_offset=line_offset).get_location())

