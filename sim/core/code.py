"""The code behind a result: which ``sim`` modules a simulation runs, and a digest of their source.

A trace (its header's ``meta.code``) and a sweep checkpoint (its key) carry :func:`code_digest` of the modules
that compute it, so a cached result made by other code is never reused as if it were current: editing a kind's
module regenerates its traces, and only the traces of kinds that import it.

:func:`closure` follows the ``import`` statements of the source (the module's top level and its functions'
bodies alike, read with :mod:`ast`, nothing executed) to every ``sim`` module they reach, parent packages
included (their ``__init__`` runs on import). Standard library only.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import os
from functools import cache

ROOT = "sim"


def _origin(name: str) -> str | None:
    """The source file of module ``name`` (None: not a module, or no .py source)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError, AttributeError):
        return None
    origin = getattr(spec, "origin", None) if spec else None
    return origin if isinstance(origin, str) and origin.endswith(".py") else None


@cache
def _parsed(path: str, stamp: tuple) -> tuple[bytes, tuple]:
    """(source bytes, imports as (level, module, names)) of one file; ``stamp`` (mtime, size) keys the cache."""
    with open(path, "rb") as f:
        src = f.read()
    found = []
    try:
        tree = ast.parse(src)
    except (SyntaxError, ValueError):
        return src, ()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((0, a.name, ()) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or "", tuple(a.name for a in node.names)))
    return src, tuple(found)


def _read(path: str) -> tuple[bytes, tuple]:
    st = os.stat(path)
    return _parsed(path, (st.st_mtime_ns, st.st_size))


def _imports(name: str, path: str) -> list[str]:
    """The ``sim`` modules one module imports (relative imports resolved; ``from p import m``: p.m if a module)."""
    package = name if os.path.basename(path) == "__init__.py" else name.rpartition(".")[0]
    out = []
    for level, module, names in _read(path)[1]:
        base = module
        if level:
            try:
                base = importlib.util.resolve_name("." * level + module, package)
            except (ImportError, ValueError):
                continue
        if base.split(".")[0] != ROOT:
            continue
        out.append(base)
        out.extend(f"{base}.{n}" for n in names if n != "*" and _origin(f"{base}.{n}"))
    return out


def closure(modules) -> tuple[str, ...]:
    """Every ``sim`` module that ``modules`` import, directly or not, with themselves and their packages; sorted."""
    seen: dict[str, str] = {}
    stack = list(modules)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        parts = name.split(".")
        stack.extend(".".join(parts[:i]) for i in range(1, len(parts)))  # parent packages run too
        path = _origin(name)
        if path is None:
            continue
        seen[name] = path
        stack.extend(d for d in _imports(name, path) if d not in seen)
    return tuple(sorted(seen))


def code_digest(modules, *, follow: bool = True) -> str:
    """sha256 (16 hex digits) of the source of ``modules`` and, when ``follow``, of every ``sim`` module they
    import (:func:`closure`). The files are read again when they change (a long-running notebook sees edits)."""
    names = closure(modules) if follow else tuple(modules)
    h = hashlib.sha256()
    for name in names:
        path = _origin(name)
        src = _read(path)[0] if path else b""
        h.update(name.encode() + b"\0" + src + b"\0")
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- one declaration's functions
def _code_names(code) -> set[str]:
    """Global names a code object and the functions, lambdas and comprehensions nested in it refer to."""
    names, stack = set(), [code]
    while stack:
        c = stack.pop()
        names.update(c.co_names)
        stack.extend(k for k in c.co_consts if hasattr(k, "co_names"))
    return names


def _import_map(module: str) -> dict[str, str]:
    """Name bound by an import in ``module`` -> the ``sim`` module it comes from (a submodule when it is one)."""
    path = _origin(module)
    if path is None:
        return {}
    package = module if os.path.basename(path) == "__init__.py" else module.rpartition(".")[0]
    out = {}
    for level, base, names in _read(path)[1]:
        if level:
            try:
                base = importlib.util.resolve_name("." * level + base, package)
            except (ImportError, ValueError):
                continue
        if base.split(".")[0] != ROOT:
            continue
        if not names:  # import sim.x.y: binds "sim"
            out.setdefault(base.split(".")[0], base)
            continue
        for n in names:
            out[n] = f"{base}.{n}" if _origin(f"{base}.{n}") else base
    return out


def _source(obj) -> str:
    import inspect

    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):  # defined at a prompt: its byte code stands in for its source
        code = getattr(obj, "__code__", None)
        return repr((code.co_code, code.co_consts)) if code is not None else repr(obj)


def _stable_repr(v, depth: int = 0) -> str:
    """repr of a module-level value that is the same in every process (set order, no addresses)."""
    if depth > 8:
        return type(v).__qualname__
    if isinstance(v, (set, frozenset)):
        return "{" + ",".join(sorted(_stable_repr(x, depth + 1) for x in v)) + "}"
    if isinstance(v, (list, tuple)):
        return type(v).__name__ + "(" + ",".join(_stable_repr(x, depth + 1) for x in v) + ")"
    if isinstance(v, dict):
        items = sorted((_stable_repr(k, depth + 1), _stable_repr(x, depth + 1)) for k, x in v.items())
        return "{" + ",".join(f"{k}:{x}" for k, x in items) + "}"
    r = repr(v)
    return type(v).__qualname__ if " at 0x" in r else r


def function_digest(functions, *, always=("sim.core.kinds",)) -> str:
    """sha256 (16 hex digits) of the code one declaration runs: the source of ``functions``, of the functions
    and classes of their own module they reach, of the module-level values they read there, and
    :func:`code_digest` of every ``sim`` module they import (plus ``always``, the machinery around them).

    Finer than the digest of the declaring module: the kinds of one subject share a module, and an edit of
    one kind's simulation, or of a module only it imports, leaves the other kinds' digests alone.
    """
    import types

    parts, modules, seen = [], set(always), set()
    stack = [f for f in functions if f is not None]
    while stack:
        fn = stack.pop()
        code = getattr(fn, "__code__", None)
        if code is None or id(code) in seen:
            continue
        seen.add(id(code))
        parts.append(f"{fn.__module__}:{fn.__qualname__}\0{_source(fn)}")
        imports = _import_map(fn.__module__)
        g = getattr(fn, "__globals__", {})
        for name in sorted(_code_names(code)):
            if name in imports:
                modules.add(imports[name])
            elif name in g:
                v = g[name]
                if isinstance(v, types.FunctionType) and v.__module__ == fn.__module__:
                    stack.append(v)
                elif isinstance(v, type) and v.__module__ == fn.__module__:
                    parts.append(f"{name}\0{_source(v)}")
                elif isinstance(v, types.ModuleType):
                    if v.__name__.split(".")[0] == ROOT:
                        modules.add(v.__name__)
                elif not callable(v):
                    parts.append(f"{name}\0{_stable_repr(v)}")  # a module-level value of the declaring module
    h = hashlib.sha256()
    for p in sorted(parts):
        h.update(p.encode() + b"\0")
    h.update(code_digest(tuple(sorted(modules))).encode())
    return h.hexdigest()[:16]
