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
_OWN = object()  # Param.field: keep the declared default


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


class LiveChoices:
    """The choices of a parameter whose names can grow after import (plugins): ``fn()`` is asked at every use.

    Behaves as the tuple ``fn()`` returns for what :class:`Param` does with choices (``in``, iteration, ``len``).
    """

    def __init__(self, fn):
        self._fn = fn

    def __iter__(self):
        return iter(self._fn())

    def __contains__(self, value) -> bool:
        return value in self._fn()

    def __len__(self) -> int:
        return len(self._fn())

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"LiveChoices({tuple(self._fn())!r})"


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
        if self.type is str:
            return "a string"
        lo = "-inf" if self.low is None else _fmt(self.low)
        hi = "inf" if self.high is None else _fmt(self.high)
        left = "(" if (self.low is None or self.low_open) else "["
        right = ")" if (self.high is None or self.high_open) else "]"
        kind = "an integer" if self.type is int else "a number"
        return f"{kind} in {left}{lo}, {hi}{right}"

    def field(self, default=_OWN):
        """This parameter as a :func:`param` field of a dataclass (the field must carry the same name).

        One declaration serves a library function (``P.coerce(value)``) and every class that holds the
        same quantity; ``default`` replaces the declared default for that class.
        """
        from dataclasses import field as dc_field

        spec = {k: getattr(self, k) for k in ("doc", "low", "high", "low_open", "high_open", "choices")}
        return dc_field(
            default=self.default if default is _OWN else default, metadata={"param": spec, "name": self.name}
        )

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


# --------------------------------------------------------------------------- parameters of library classes
_FIELD_TYPES = {"int": int, "float": float, "bool": bool, "str": str}


def param(default, doc: str = "", *, low=None, high=None, low_open=False, high_open=False, choices=()):
    """A dataclass field that is also a declared :class:`Param`: its name and type are the field's.

    One declaration holds the default and the range, for the library class and for the trace kinds and
    sweeps that expose it (:func:`params_of`); the class checks itself with :func:`check_fields`::

        @dataclass(frozen=True)
        class MWConfig:
            eta: float = param(0.25, "learning rate eta", low=0.0, high=1.0, low_open=True)

            def __post_init__(self):
                check_fields(self)
    """
    from dataclasses import field as dc_field

    spec = {
        "doc": doc,
        "low": low,
        "high": high,
        "low_open": low_open,
        "high_open": high_open,
        "choices": choices if isinstance(choices, LiveChoices) else tuple(choices),
    }
    return dc_field(default=default, metadata={"param": spec})


def params_of(cls, **defaults) -> tuple[Param, ...]:
    """The :class:`Param` of every :func:`param` field of dataclass ``cls`` (``defaults`` replaces some defaults)."""
    from dataclasses import fields as dc_fields

    unknown = set(defaults) - {f.name for f in dc_fields(cls)}
    if unknown:
        raise TypeError(f"{cls.__name__}: no parameter {sorted(unknown)[0]!r}")
    out = []
    for f in dc_fields(cls):
        spec = f.metadata.get("param")
        if spec is None:
            continue
        if f.metadata.get("name", f.name) != f.name:
            raise TypeError(f"{cls.__name__}.{f.name}: declared as parameter {f.metadata['name']!r}")
        t = f.type if isinstance(f.type, type) else _FIELD_TYPES[str(f.type)]
        out.append(Param(f.name, t, defaults.get(f.name, f.default), **spec))
    return tuple(out)


def check_fields(obj) -> None:
    """Coerce and range-check every :func:`param` field of a dataclass instance (one line naming the first bad one)."""
    for p in params_of(type(obj)):
        object.__setattr__(obj, p.name, p.coerce(getattr(obj, p.name)))
