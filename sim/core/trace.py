"""The one trace format of the project.

A trace file is a zip archive (readable by ``numpy.load(allow_pickle=False)``)
with one member ``trace.json`` (the self-describing header) and one ``.npy``
member per named array. It is written deterministically (fixed member order
and timestamps) and atomically (temp file + rename), so the same kind,
parameters and seed give a byte-identical file on every run.

Header fields: format, format_version, kind, kind_version, params, seed,
package_version, command, arrays (dtype and shape of each), meta (small
JSON-able data) and content_hash (sha256 over header and array bytes).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import stat
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from .errors import ParamError, TraceError
from .files import atomic_write, npy_header
from .rng import SEED

FORMAT = "byzmw-trace"
FORMAT_VERSION = 1
HEADER = "trace.json"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
REQUIRED = (
    "format",
    "format_version",
    "kind",
    "kind_version",
    "params",
    "seed",
    "package_version",
    "command",
    "arrays",
    "meta",
    "content_hash",
)
ALLOWED_DTYPES = ("float64", "float32", "int64", "int32", "int8", "bool", "uint8")


@dataclass(frozen=True)
class ArraySpec:
    """Declared dtype and dimensions of one named array.

    ``dims`` holds symbolic names ("round", "source", ...) or fixed ints;
    a symbolic name must have the same length in every array of a trace.

    Values (checked on load, :func:`sim.core.kinds.check_values`): a float array
    holds finite numbers unless ``finite`` says otherwise (``"nan"``: NaN
    allowed, e.g. "no estimate"; ``False``: NaN and ±inf allowed); ``low`` and
    ``high`` bound every finite entry (a number, the name of a parameter, or a
    callable ``params -> number``); ``integer`` asks whole numbers of a float
    array (counts).
    """

    dtype: str
    dims: tuple = ()
    doc: str = ""
    low: Any = None
    high: Any = None
    finite: bool | str = True
    integer: bool = False


@dataclass(frozen=True)
class Trace:
    kind: str
    kind_version: int
    params: Mapping[str, Any]
    seed: int
    arrays: Mapping[str, np.ndarray]
    meta: Mapping[str, Any] = field(default_factory=dict)
    package_version: str = ""
    command: str = ""
    content_hash: str = ""

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    @property
    def header(self) -> dict:
        return _header(self)


def _canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def _header(t: Trace, with_hash: bool = True) -> dict:
    h = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": t.kind,
        "kind_version": int(t.kind_version),
        "params": dict(t.params),
        "seed": int(t.seed),
        "package_version": t.package_version,
        "command": t.command,
        "arrays": {k: {"dtype": str(a.dtype), "shape": list(a.shape)} for k, a in sorted(t.arrays.items())},
        "meta": _plain(t.meta),
    }
    if with_hash:
        h["content_hash"] = t.content_hash
    return h


def _plain(obj):
    """Deep-copy mappings/sequences into JSON types (tuples become lists)."""
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _le(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    return a


def compute_hash(header_wo_hash: dict, arrays: Mapping[str, np.ndarray]) -> str:
    h = hashlib.sha256(_canonical(header_wo_hash))
    for name in sorted(arrays):
        a = _le(arrays[name])
        h.update(name.encode() + b"\0" + a.dtype.str.encode() + repr(a.shape).encode())
        h.update(a.tobytes())
    return "sha256:" + h.hexdigest()


def _freeze(arrays: Mapping[str, np.ndarray]) -> Mapping[str, np.ndarray]:
    out = {}
    for k, a in arrays.items():
        a = np.array(a, copy=True)
        a.flags.writeable = False
        out[k] = a
    return MappingProxyType(out)


def make_trace(
    kind: str,
    kind_version: int,
    params: Mapping,
    seed: int,
    arrays: Mapping[str, np.ndarray],
    meta: Mapping | None = None,
    package_version: str | None = None,
    command: str = "",
) -> Trace:
    """Build a Trace with its content hash; arrays are copied read-only."""
    from .._version import __version__

    arrays = _freeze({k: _le(np.asarray(v)) for k, v in arrays.items()})
    for k, a in arrays.items():
        if str(a.dtype) not in ALLOWED_DTYPES:
            raise TraceError("<memory>", f"arrays.{k}", f"dtype {a.dtype} not allowed ({', '.join(ALLOWED_DTYPES)})")
    t = Trace(
        kind,
        int(kind_version),
        MappingProxyType(_plain(dict(params))),
        int(seed),
        arrays,
        MappingProxyType(_plain(dict(meta or {}))),
        package_version or __version__,
        command,
    )
    return Trace(**{**t.__dict__, "content_hash": compute_hash(_header(t, with_hash=False), arrays)})


def to_bytes(t: Trace) -> bytes:
    """The exact file content of a trace (deterministic)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        members = [(HEADER, json.dumps(_header(t), sort_keys=True, indent=1, allow_nan=False).encode() + b"\n")]
        for name in sorted(t.arrays):
            b = io.BytesIO()
            np.lib.format.write_array(b, t.arrays[name], allow_pickle=False)
            members.append((name + ".npy", b.getvalue()))
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            z.writestr(info, data, compresslevel=6)
    return buf.getvalue()


def save_trace(t: Trace, path) -> Path:
    """Write the trace file atomically (see atomic_write)."""
    return atomic_write(path, to_bytes(t))


# -- reading: anything read from disk is hostile until validated ------------------------------------------

MAX_HEADER_BYTES = 4 << 20  # trace.json (meta is small by contract)
MAX_TRACE_BYTES = 1 << 30  # all arrays together, uncompressed (kinds have tighter caps: their dims)
MAX_DIMS = 8
MAX_JSON_DEPTH = 64
_ARRAY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_FIELD_TYPES = (
    ("format", str),
    ("format_version", int),
    ("kind", str),
    ("kind_version", int),
    ("params", dict),
    ("seed", int),
    ("package_version", str),
    ("command", str),
    ("arrays", dict),
    ("meta", dict),
    ("content_hash", str),
)


@dataclass(frozen=True)
class DeclaredArray:
    """An array as the header declares it (dtype, shape), before any byte of it is read."""

    dtype: np.dtype
    shape: tuple

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def nbytes(self) -> int:
        return int(self.dtype.itemsize * math.prod(self.shape))


def _open_regular(path: Path):
    """Open ``path`` for reading only if it is a regular file (a FIFO or device never blocks us)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise TraceError(path, "file", f"not a readable trace file ({e.__class__.__name__}: {e.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise TraceError(path, "file", "not a regular file (directory, FIFO, socket or device)")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(s: str) -> float:
    v = float(s)
    if not math.isfinite(v):
        raise ValueError(f"number {s[:20]} out of range")
    return v


def _depth(obj, limit: int) -> int:
    """Nesting depth of a parsed JSON value (iterative; raises ValueError above ``limit``)."""
    stack, deepest = [(obj, 1)], 0
    while stack:
        o, d = stack.pop()
        if d > limit:
            raise ValueError(f"nested deeper than {limit} levels")
        deepest = max(deepest, d)
        if isinstance(o, dict):
            stack.extend((v, d + 1) for v in o.values())
        elif isinstance(o, list):
            stack.extend((v, d + 1) for v in o)
    return deepest


def _read_member(path, z: zipfile.ZipFile, info: zipfile.ZipInfo, field: str, limit: int) -> bytes:
    """The bytes of one member, at most ``limit`` (checked on the declared size first), CRC checked."""
    if info.flag_bits & 0x1:
        raise TraceError(path, field, "encrypted zip member")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise TraceError(path, field, f"unsupported zip compression method {info.compress_type}")
    if info.file_size > limit:
        raise TraceError(path, field, f"member inflates to {info.file_size} bytes, more than the {limit} expected")
    try:
        with z.open(info) as f:
            data = f.read(limit + 1)
            if len(data) <= limit:
                f.read(1)  # reach EOF: zipfile checks the CRC there
    except TraceError:
        raise
    except Exception as e:  # noqa: BLE001 - BadZipFile, zlib.error, CRC, EOF, NotImplementedError ...
        raise TraceError(path, field, f"corrupted zip member ({e.__class__.__name__}: {e})") from None
    if len(data) > limit or len(data) != info.file_size:
        raise TraceError(path, field, f"member size {len(data)} differs from its declared {info.file_size}")
    return data


def _members(path, z: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Name -> ZipInfo; a duplicated member name is an error (zipfile would silently keep the last)."""
    out: dict[str, zipfile.ZipInfo] = {}
    for info in z.infolist():
        if info.filename in out:
            raise TraceError(path, f"member {info.filename!r}", "duplicated zip member")
        out[info.filename] = info
    if HEADER not in out:
        raise TraceError(path, HEADER, "missing (not a trace file)")
    return out


def _parse_header(path, z: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]) -> dict:
    raw = _read_member(path, z, members[HEADER], HEADER, MAX_HEADER_BYTES)
    try:
        h = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite_float)
        _depth(h, MAX_JSON_DEPTH)
    except (ValueError, RecursionError, UnicodeDecodeError) as e:
        raise TraceError(path, HEADER, f"invalid JSON ({e.__class__.__name__}: {str(e)[:200]})") from None
    if not isinstance(h, dict):
        raise TraceError(path, HEADER, "must be a JSON object")
    for f in REQUIRED:
        if f not in h:
            raise TraceError(path, f, "missing")
    extra = sorted(set(h) - set(REQUIRED))
    if extra:
        raise TraceError(path, extra[0], "not a field of the trace format")
    for f, typ in _FIELD_TYPES:
        if not isinstance(h[f], typ) or (typ is int and isinstance(h[f], bool)):
            raise TraceError(path, f, f"must be of type {typ.__name__}, got {type(h[f]).__name__} {_short(h[f])}")
    if h["format"] != FORMAT:
        raise TraceError(path, "format", f"expected {FORMAT!r}, got {_short(h['format'])}")
    if h["format_version"] != FORMAT_VERSION:
        raise TraceError(
            path, "format_version", f"unknown schema version {h['format_version']!r}; this build reads {FORMAT_VERSION}"
        )
    try:
        SEED.coerce(h["seed"])
    except ParamError:
        raise TraceError(path, "seed", f"must be {SEED.range_text()}, got {_short(h['seed'])}") from None
    _declared(path, h)
    expected = {HEADER} | {n + ".npy" for n in h["arrays"]}
    for name in members:
        if name not in expected:
            raise TraceError(
                path, f"member {name!r}", "not part of the trace format (not the header nor a listed array)"
            )
    for name in h["arrays"]:
        if name + ".npy" not in members:
            raise TraceError(path, f"arrays.{name}", "listed in header but missing from file")
    return h


def _short(v) -> str:
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."


def _declared(path, h: dict) -> dict[str, DeclaredArray]:
    """The header's array declarations, checked: names, dtypes, shapes and the total size cap."""
    out, total = {}, 0
    for name, info in h["arrays"].items():
        field = f"arrays.{name}"
        if not _ARRAY_NAME.match(name):
            raise TraceError(path, field, "array names are identifiers of at most 64 characters")
        if not isinstance(info, dict) or set(info) != {"dtype", "shape"}:
            raise TraceError(path, field, "must be an object with exactly the fields dtype and shape")
        dt, shape = info["dtype"], info["shape"]
        if not isinstance(dt, str) or dt not in ALLOWED_DTYPES:
            raise TraceError(path, field, f"dtype must be one of {', '.join(ALLOWED_DTYPES)}, got {_short(dt)}")
        if (
            not isinstance(shape, list)
            or len(shape) > MAX_DIMS
            or not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= MAX_TRACE_BYTES for n in shape)
        ):
            raise TraceError(
                path, field, f"shape must be a list of at most {MAX_DIMS} non-negative integers, got {_short(shape)}"
            )
        d = DeclaredArray(np.dtype(dt), tuple(shape))
        total += d.nbytes
        if total > MAX_TRACE_BYTES:
            raise TraceError(
                path, field, f"arrays would take more than {MAX_TRACE_BYTES} bytes (declared shape {shape})"
            )
        out[name] = d
    return out


def _read_npy(path, z: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, want: DeclaredArray) -> np.ndarray:
    """One array member: its .npy header must match the declaration and its size the expected size, before reading."""
    field = f"arrays.{name}"
    limit = want.nbytes + 64 * 1024  # .npy headers are < 64 KiB
    if info.file_size > limit or info.file_size < want.nbytes:
        raise TraceError(
            path,
            field,
            f"member inflates to {info.file_size} bytes; shape {list(want.shape)} of "
            f"{want.dtype} needs {want.nbytes} plus a .npy header",
        )
    data = _read_member(path, z, info, field, limit)
    try:
        f = io.BytesIO(data)
        shape, fortran, dtype = npy_header(f)
    except Exception as e:  # noqa: BLE001 - any malformed .npy header
        raise TraceError(path, field, f"unreadable array ({e.__class__.__name__}: {str(e)[:200]})") from None
    if dtype != want.dtype or tuple(shape) != want.shape or fortran:
        raise TraceError(
            path,
            field,
            f"header says dtype {want.dtype} shape {list(want.shape)}, file has dtype "
            f"{dtype} shape {list(shape)}{' (Fortran order)' if fortran else ''}",
        )
    body = data[f.tell() :]
    if len(body) != want.nbytes:
        raise TraceError(path, field, f"array data is {len(body)} bytes, shape {list(want.shape)} needs {want.nbytes}")
    return np.frombuffer(body, dtype=want.dtype).reshape(want.shape)


def _open_zip(path: Path):
    f = _open_regular(path)
    try:
        return zipfile.ZipFile(f)
    except Exception as e:  # noqa: BLE001 - BadZipFile, OSError, ValueError, EOFError, struct errors ...
        f.close()
        raise TraceError(path, "file", f"not a readable trace file ({e.__class__.__name__}: {str(e)[:200]})") from None


def _guard(path, fn):
    """Run ``fn``; anything but TraceError becomes a TraceError naming the file (the last line of defence)."""
    try:
        return fn()
    except TraceError:
        raise
    except Exception as e:  # noqa: BLE001
        raise TraceError(path, "file", f"not a readable trace file ({e.__class__.__name__}: {str(e)[:200]})") from None


def read_header(path) -> dict:
    """Header only (cheap): used to decide whether a cached trace is stale. Validated like read_trace's."""
    path = Path(path)

    def go():
        with _open_zip(path) as z:
            return _parse_header(path, z, _members(path, z))

    return _guard(path, go)


def read_trace(path, kind: str | None = None, *, validate=None, precheck=None) -> Trace:
    """Read a trace file and validate its format; raises TraceError (and nothing else) naming file and field.

    ``precheck(path, header, declared)`` runs after the header is parsed and
    before any array is read; ``declared`` maps array names to
    :class:`DeclaredArray` (dtype, shape, ndim): :func:`sim.core.kinds.load_trace`
    checks them against the kind's declared dimensions there, so an oversize
    array is refused before it is inflated. ``validate(path, header, arrays)``
    runs on the arrays read. This module knows no kinds.

    Checks, in order: the path is a regular file (a FIFO never blocks); a zip
    archive; no duplicated member; ``trace.json`` at most 4 MiB of strict JSON
    (no NaN/Infinity, nesting at most 64 deep) with exactly the format's
    fields and their types (``format_version`` an integer, not ``true`` nor
    ``1.0``; ``seed`` in [0, 2**63 - 1]); array declarations (identifier
    names, allowed dtypes, at most 8 dimensions, 1 GiB in all); no member that
    is not the header or a declared array; ``kind`` (when given); the
    precheck; each member's inflated size equals its .npy size before it is
    read, its .npy header agrees with the declaration, CRC; the content hash.
    """
    path = Path(path)

    def go():
        with _open_zip(path) as z:
            members = _members(path, z)
            h = _parse_header(path, z, members)
            if kind is not None and h["kind"] != kind:
                raise TraceError(path, "kind", f"expected {kind!r}, got {_short(h['kind'])}")
            declared = _declared(path, h)
            if precheck is not None:
                precheck(path, h, declared)
            arrays = {name: _read_npy(path, z, members[name + ".npy"], name, want) for name, want in declared.items()}
        if validate is not None:
            validate(path, h, arrays)
        t = Trace(
            h["kind"],
            h["kind_version"],
            MappingProxyType(h["params"]),
            h["seed"],
            _freeze(arrays),
            MappingProxyType(h["meta"]),
            h["package_version"],
            h["command"],
            h["content_hash"],
        )
        expect = compute_hash(_header(t, with_hash=False), t.arrays)
        if expect != h["content_hash"]:
            raise TraceError(path, "content_hash", f"does not match content (expected {expect})")
        return t

    return _guard(path, go)
