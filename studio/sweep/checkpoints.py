"""Checkpoints: one file per finished cell, written atomically, trusted only after validation.

``cells/cell_IIIII.npz`` is an uncompressed zip of ``.npy`` members: ``__header__``
(JSON: format, sweep, cell index, key) and one member per record field. A file
read back is hostile until proven otherwise: its size is capped before it is
read, every member's size and ``.npy`` header (dtype, shape) are checked before
its data is, nothing is unpickled, the data must match the sha256 in the
header (bytes changed after the write), and the record must pass
:func:`sim.core.sweeps.validate_record` for the cell it claims to be. Anything
else makes :func:`load` return a reason, and the engine recomputes the cell.
(The digest catches damage, not forgery: a file rewritten on purpose with a
fresh digest and numbers that pass every check is taken as written -- the
sweeps folder is as trustworthy as whoever can write to it.)
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import stat
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from sim.core.files import atomic_write, npy_header
from sim.core.sweeps import Cell, SweepKind, validate_record

FORMAT = "byzmw-sweep-cell"
FORMAT_VERSION = 1
HEADER = "__header__"
_HEADER_MAX = 1 << 16  # bytes of JSON in the header member
_NPY_SLACK = 1 << 12  # room for a .npy header in a member
_ZIP_SLACK = 1 << 12  # zip directory per member


def cell_path(cells_dir: Path, index: int) -> Path:
    return Path(cells_dir) / f"cell_{index:05d}.npz"


def _member_bytes(sw: SweepKind, p: Mapping) -> dict[str, int]:
    """Exact data size of every record field of this cell."""
    out = {}
    for name, f in sw.record.items():
        out[name] = math.prod(f.resolved_shape(p)) * np.dtype(f.dtype).itemsize
    return out


def max_size(sw: SweepKind, cell: Cell) -> int:
    """The most bytes a valid checkpoint of this cell can have."""
    sizes = _member_bytes(sw, cell.params)
    return sum(sizes.values()) + _HEADER_MAX * 4 + (len(sizes) + 1) * (_NPY_SLACK + _ZIP_SLACK)


def record_digest(sw: SweepKind, rec: Mapping[str, np.ndarray]) -> str:
    """sha256 of the record's fields (name, dtype, shape, bytes): catches bytes changed after the write."""
    h = hashlib.sha256()
    for name in sw.record:
        a = np.asarray(rec[name])
        h.update(f"{name}\0{a.dtype.str}\0{a.shape}\0".encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def _clear_path(path: Path) -> None:
    """Make room for a checkpoint where something that is not a regular file sits (a link, FIFO, folder...)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISREG(st.st_mode):
        return
    if stat.S_ISDIR(st.st_mode):
        os.rename(path, path.with_name(f".{path.name}.{os.getpid()}.{st.st_ino}.invalid"))
    else:
        os.unlink(path)


def save(path: Path, sw: SweepKind, cell: Cell, key: str, rec: Mapping[str, np.ndarray]) -> Path:
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "sweep": sw.name,
        "index": cell.index,
        "key": key,
        "digest": record_digest(sw, rec),
    }
    _clear_path(Path(path))
    buf = io.BytesIO()
    np.savez(buf, **{HEADER: np.array(json.dumps(header, sort_keys=True))}, **{k: rec[k] for k in sw.record})
    return atomic_write(path, buf.getvalue())


def _read_capped(path: Path, cap: int) -> bytes | str:
    """The file's bytes, or why not: missing is "", anything but a regular file or over ``cap`` is refused."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return ""
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    if st.st_size > cap:
        return f"{st.st_size} bytes, more than the {cap} a checkpoint of this cell can have"
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return "not a regular file"
        data = f.read(cap + 1)
    if len(data) > cap:
        return f"more than the {cap} bytes a checkpoint of this cell can have"
    return data


def _npy(raw: bytes, dtype: np.dtype, shape: tuple) -> np.ndarray | str:
    """A .npy member with exactly this dtype and shape (checked before the data is read), or why not."""
    f = io.BytesIO(raw)
    try:
        got_shape, fortran, got_dtype = npy_header(f)
    except ValueError as e:
        return str(e)
    if got_dtype != dtype or str(got_dtype) != str(dtype):
        return f"dtype {got_dtype}, expected {dtype}"
    if tuple(got_shape) != tuple(shape):
        return f"shape {tuple(got_shape)}, expected {tuple(shape)}"
    if got_dtype.hasobject:
        return "object array"
    f.seek(0)
    a = np.lib.format.read_array(f, allow_pickle=False)
    if f.read(1):
        return "trailing bytes"
    return a


def _parse(data: bytes, sw: SweepKind, cell: Cell, key: str) -> dict | str:
    p = dict(cell.params)
    sizes = _member_bytes(sw, p)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        names = [i.filename for i in infos]
        want = {f"{HEADER}.npy", *(f"{n}.npy" for n in sw.record)}
        if len(set(names)) != len(names):
            return "duplicate member"
        extra = sorted(set(names) - want)
        if extra:
            return f"unexpected member {extra[0]!r}"
        missing = sorted(want - set(names))
        if missing:
            return f"member {missing[0]!r} missing"
        by_name = {i.filename: i for i in infos}
        for name, info in by_name.items():
            cap = (_HEADER_MAX * 4 if name == f"{HEADER}.npy" else sizes[name[:-4]]) + _NPY_SLACK
            if info.compress_type != zipfile.ZIP_STORED:
                return f"member {name!r} is compressed"
            if info.file_size > cap or info.compress_size > cap:
                return f"member {name!r}: {info.file_size} bytes, more than {cap}"
        raw = z.read(f"{HEADER}.npy")
        hdr = np.lib.format.read_array(io.BytesIO(raw), allow_pickle=False)
        if hdr.dtype.kind != "U" or hdr.shape != ():
            return "header is not a string"
        text = str(hdr[()])
        if len(text) > _HEADER_MAX:
            return "header too long"
        h = json.loads(text)
        if not isinstance(h, dict):
            return "header is not a JSON object"
        if (
            h.get("format") != FORMAT
            or type(h.get("format_version")) is not int
            or h["format_version"] != FORMAT_VERSION
        ):
            return "not a checkpoint of this format version"
        if h.get("sweep") != sw.name or type(h.get("index")) is not int or h["index"] != cell.index:
            return "checkpoint of another cell"
        if h.get("key") != key:
            return "made for other settings or code (key differs)"
        rec = {}
        for name, f in sw.record.items():
            a = _npy(z.read(f"{name}.npy"), np.dtype(f.dtype), f.resolved_shape(p))
            if isinstance(a, str):
                return f"field {name!r}: {a}"
            rec[name] = a
    if h.get("digest") != record_digest(sw, rec):
        return "contents do not match their digest"
    why = validate_record(sw, p, rec)
    return rec if why is None else why


def load(path: Path, sw: SweepKind, cell: Cell, key: str) -> tuple[dict | None, str | None]:
    """(record, None) for a valid checkpoint of this cell; (None, None) if there is none; (None, why) otherwise."""
    try:
        data = _read_capped(path, max_size(sw, cell))
        if data == "":
            return None, None
        if isinstance(data, str):
            return None, data
        rec = _parse(data, sw, cell, key)
    except Exception as e:  # hostile bytes: any failure to parse or validate means "recompute"
        return None, f"unreadable ({type(e).__name__}: {str(e)[:80]})"
    if isinstance(rec, str):
        return None, rec
    return rec, None
