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
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

from .errors import TraceError
from .files import atomic_write

FORMAT = "byzmw-trace"
FORMAT_VERSION = 1
HEADER = "trace.json"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
REQUIRED = ("format", "format_version", "kind", "kind_version", "params", "seed",
            "package_version", "command", "arrays", "meta", "content_hash")
ALLOWED_DTYPES = ("float64", "float32", "int64", "int32", "int8", "bool", "uint8")


@dataclass(frozen=True)
class ArraySpec:
    """Declared dtype and dimensions of one named array.

    ``dims`` holds symbolic names ("round", "source", ...) or fixed ints;
    a symbolic name must have the same length in every array of a trace.
    """

    dtype: str
    dims: tuple = ()
    doc: str = ""


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


def make_trace(kind: str, kind_version: int, params: Mapping, seed: int,
               arrays: Mapping[str, np.ndarray], meta: Mapping | None = None,
               package_version: str | None = None, command: str = "") -> Trace:
    """Build a Trace with its content hash; arrays are copied read-only."""
    from .. import __version__

    arrays = _freeze({k: _le(np.asarray(v)) for k, v in arrays.items()})
    for k, a in arrays.items():
        if str(a.dtype) not in ALLOWED_DTYPES:
            raise TraceError("<memory>", f"arrays.{k}", f"dtype {a.dtype} not allowed ({', '.join(ALLOWED_DTYPES)})")
    t = Trace(kind, int(kind_version), MappingProxyType(_plain(dict(params))), int(seed), arrays,
              MappingProxyType(_plain(dict(meta or {}))), package_version or __version__, command)
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


def read_header(path) -> dict:
    """Header only (cheap): used to decide whether a cached trace is stale."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as z:
            return _parse_header(path, z)
    except (OSError, zipfile.BadZipFile) as e:
        raise TraceError(path, "file", f"not a readable trace file ({e.__class__.__name__}: {e})") from None


def _parse_header(path, z: zipfile.ZipFile) -> dict:
    try:
        raw = z.read(HEADER)
    except KeyError:
        raise TraceError(path, HEADER, "missing (not a trace file)") from None
    try:
        h = json.loads(raw)
    except ValueError as e:
        raise TraceError(path, HEADER, f"invalid JSON ({e})") from None
    if not isinstance(h, dict):
        raise TraceError(path, HEADER, "must be a JSON object")
    for f in REQUIRED:
        if f not in h:
            raise TraceError(path, f, "missing")
    if h["format"] != FORMAT:
        raise TraceError(path, "format", f"expected {FORMAT!r}, got {h['format']!r}")
    if h["format_version"] != FORMAT_VERSION:
        raise TraceError(path, "format_version", f"unknown schema version {h['format_version']!r}; this build reads {FORMAT_VERSION}")
    for f, typ in (("kind", str), ("kind_version", int), ("params", dict), ("seed", int),
                   ("package_version", str), ("command", str), ("arrays", dict), ("meta", dict), ("content_hash", str)):
        if not isinstance(h[f], typ) or (typ is int and isinstance(h[f], bool)):
            raise TraceError(path, f, f"must be of type {typ.__name__}")
    return h


def read_trace(path, kind: str | None = None, *, validate=None) -> Trace:
    """Read a trace file and validate its format; ``validate(path, header, arrays)`` checks it against its kind.

    :func:`sim.core.kinds.load_trace` passes the kind registry's validation; this module knows no kinds.

    Raises TraceError naming the file and the field for: unreadable file,
    wrong format or schema version, missing field, wrong kind (when ``kind``
    is given), unknown kind or kind version, missing/unexpected array, wrong
    dtype or shape, and a content hash that does not match.
    """
    path = Path(path)
    try:
        z = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as e:
        raise TraceError(path, "file", f"not a readable trace file ({e.__class__.__name__}: {e})") from None
    with z:
        h = _parse_header(path, z)
        if kind is not None and h["kind"] != kind:
            raise TraceError(path, "kind", f"expected {kind!r}, got {h['kind']!r}")
        arrays = {}
        names = {n[:-4] for n in z.namelist() if n.endswith(".npy")}
        for name, info in h["arrays"].items():
            if name not in names:
                raise TraceError(path, f"arrays.{name}", "listed in header but missing from file")
            try:
                with z.open(name + ".npy") as f:
                    a = np.lib.format.read_array(f, allow_pickle=False)
            except Exception as e:  # noqa: BLE001 - any decode problem is a TraceError
                raise TraceError(path, f"arrays.{name}", f"unreadable array ({e})") from None
            if str(a.dtype) != info.get("dtype") or list(a.shape) != info.get("shape"):
                raise TraceError(path, f"arrays.{name}", f"header says {info}, file has dtype {a.dtype} shape {list(a.shape)}")
            arrays[name] = a
        extra = sorted(names - set(h["arrays"]))
        if extra:
            raise TraceError(path, f"arrays.{extra[0]}", "present in file but not listed in header")
    if validate is not None:
        validate(path, h, arrays)
    t = Trace(h["kind"], h["kind_version"], MappingProxyType(h["params"]), h["seed"], _freeze(arrays),
              MappingProxyType(h["meta"]), h["package_version"], h["command"], h["content_hash"])
    expect = compute_hash(_header(t, with_hash=False), t.arrays)
    if expect != h["content_hash"]:
        raise TraceError(path, "content_hash", f"does not match content (expected {expect})")
    return t
