"""Declared simulation parameters: type, default, allowed range, coercion."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ParamError

# Strict number syntax for strings (CLI, sweep axes): ASCII digits only -- no "1_0", no other scripts'
# digits ("\u0661"), no surrounding junk; Python's int()/float() accept all of those.
INT_RE = re.compile(r"[+-]?[0-9]{1,30}")
FLOAT_RE = re.compile(r"[+-]?(?:[0-9]{1,400}(?:\.[0-9]{0,400})?|\.[0-9]{1,400})(?:[eE][+-]?[0-9]{1,4})?")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def parse_int(text: str) -> int:
    """An int from ASCII digits with an optional sign; ValueError otherwise."""
    if not isinstance(text, str) or not INT_RE.fullmatch(text):
        raise ValueError(f"not an integer: {text!r}")
    return int(text)


def parse_float(text: str) -> float:
    """A float from ASCII decimal/scientific notation; ValueError for anything else (inf, nan, 1_0, ...)."""
    if not isinstance(text, str) or not FLOAT_RE.fullmatch(text):
        raise ValueError(f"not a number: {text!r}")
    return float(text)


def _fmt(v) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v)) if abs(v) >= 1 or v == 0 else repr(v)
    return repr(v) if not isinstance(v, str) else v


@dataclass(frozen=True)
class Param:
    """One parameter of a trace kind.

    ``type`` is int, float, bool or str. Numeric parameters have bounds
    ``low``/``high`` (``None`` = unbounded), each open or closed; str
    parameters may list ``choices``.
    """

    name: str
    type: type
    default: Any
    doc: str = ""
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple = field(default=())

    def range_text(self) -> str:
        if self.type is bool:
            return "true or false"
        if self.choices:
            return "one of " + ", ".join(str(c) for c in self.choices)
        lo = "-inf" if self.low is None else _fmt(self.low)
        hi = "inf" if self.high is None else _fmt(self.high)
        left = "(" if (self.low is None or self.low_open) else "["
        right = ")" if (self.high is None or self.high_open) else "]"
        kind = "an integer" if self.type is int else "a number"
        return f"{kind} in {left}{lo}, {hi}{right}"

    def _fail(self, value) -> ParamError:
        r = repr(value)
        return ParamError(f"{self.name}: must be {self.range_text()}, got {r if len(r) <= 80 else r[:77] + '...'}")

    def coerce(self, value):
        """Parse (from a CLI string) and range-check ``value``."""
        t = self.type
        if t is bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
                return value.strip().lower() in _TRUE
            raise self._fail(value)
        if t is str:
            if not isinstance(value, str):
                raise self._fail(value)
            if self.choices and value not in self.choices:
                raise self._fail(value)
            return value
        if isinstance(value, bool):
            raise self._fail(value)
        try:
            if t is int:
                if isinstance(value, float):
                    if not value.is_integer():
                        raise ValueError
                    v = int(value)
                elif isinstance(value, str):
                    v = parse_int(value)
                elif isinstance(value, (int, np.integer)):
                    v = int(value)
                else:
                    raise TypeError
            else:
                if isinstance(value, str):
                    v = parse_float(value)
                elif isinstance(value, (int, float, np.integer, np.floating)):
                    v = float(value)
                else:
                    raise TypeError
        except (TypeError, ValueError, OverflowError):
            raise self._fail(value) from None
        if t is float and not math.isfinite(v):
            raise self._fail(value)
        if self.low is not None and (v < self.low or (self.low_open and v == self.low)):
            raise self._fail(value)
        if self.high is not None and (v > self.high or (self.high_open and v == self.high)):
            raise self._fail(value)
        return v


def resolve(params: tuple[Param, ...], overrides: Mapping[str, Any] | None, where: str) -> dict:
    """Defaults updated by ``overrides``, each coerced; unknown names rejected."""
    spec = {p.name: p for p in params}
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(spec))
    if unknown:
        allowed = ", ".join(spec) or "(none)"
        raise ParamError(f"{unknown[0]}: unknown parameter of {where}; allowed: {allowed}")
    return {name: p.coerce(overrides.get(name, p.default)) for name, p in spec.items()}
