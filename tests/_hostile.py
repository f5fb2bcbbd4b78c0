"""Builders of hostile trace files for the hardening tests and the fuzz suite (not a test module)."""

from __future__ import annotations

import contextlib
import io
import json
import struct
import warnings
import zipfile
import zlib

from sim.core.trace import HEADER


@contextlib.contextmanager
def counting_zip_reads():
    """Count the bytes zipfile hands out (inflated) while the block runs: yields {"bytes": n}."""
    seen = {"bytes": 0}
    orig = zipfile.ZipExtFile.read

    def read(self, n=-1):
        b = orig(self, n)
        seen["bytes"] += len(b)
        return b

    zipfile.ZipExtFile.read = read
    try:
        yield seen
    finally:
        zipfile.ZipExtFile.read = orig


def members_of(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def zip_of(members, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of (name, bytes) members in order; duplicated names allowed (zipfile only warns)."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(buf, "w", compression=compression) as z:
            for name, data in members:
                z.writestr(name, data)
    return buf.getvalue()


def edit_header(data: bytes, fn) -> bytes:
    """The trace with its header JSON edited by ``fn(header) -> header`` (other members unchanged)."""
    out = []
    for name, b in members_of(data):
        if name == HEADER:
            b = fn(json.loads(b))
            b = b if isinstance(b, bytes) else json.dumps(b).encode()
        out.append((name, b))
    return zip_of(out)


def deflate_zeros(total: int, chunk: int = 1 << 20) -> bytes:
    """A raw deflate stream of ``total`` zero bytes (total a multiple of chunk), built in a blink.

    After a full flush deflate forgets its window, so every further chunk of
    zeros compresses to the same bytes: compress one chunk, repeat it.
    """
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    c.compress(bytes(chunk))
    c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(bytes(chunk)) + c.flush(zlib.Z_FULL_FLUSH)
    return block * (total // chunk) + zlib.compressobj(9, zlib.DEFLATED, -15).flush()


def raw_zip(entries) -> bytes:
    """A zip written by hand: entries are (name, stored_bytes, method, crc, file_size) -- sizes may lie."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, payload, method, crc, size in entries:
        n = name.encode()
        off = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(payload), size, len(n), 0))
        out.write(n)
        out.write(payload)
        central.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                method,
                0,
                0x21,
                crc,
                len(payload),
                size,
                len(n),
                0,
                0,
                0,
                0,
                0,
                off,
            )
        )
        central.write(n)
    cd = central.getvalue()
    start = out.tell()
    out.write(cd)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(cd), start, 0))
    return out.getvalue()


def npy_header(dtype: str, shape) -> bytes:
    import numpy as np

    b = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        b, {"descr": np.dtype(dtype).str, "fortran_order": False, "shape": tuple(shape)}
    )
    return b.getvalue()


def bomb_trace(trace_bytes: bytes, array: str, inflated: int, declare: str) -> bytes:
    """Replace member ``array`` by a deflate bomb of ``inflated`` bytes.

    declare="honest": header and zip both declare the huge size (shape (n,) of uint8 in the header);
    "zip_lies": header keeps the true shape, the zip's sizes claim the true size but the data inflates on;
    "zip_huge": header keeps the true shape, the zip's file_size claims ``inflated``.
    """
    members = members_of(trace_bytes)
    h = json.loads(dict(members)[HEADER])
    entries = []
    for name, b in members:
        if name == HEADER and declare == "honest":
            n = inflated - len(npy_header("uint8", (inflated,)))
            h["arrays"][array] = {"dtype": "uint8", "shape": [n]}
            b = json.dumps(h).encode()
        if name == array + ".npy":
            true_size = len(b)
            head = npy_header("uint8", (inflated - len(npy_header("uint8", (1,))),)) if declare == "honest" else b[:128]
            stream = zlib.compressobj(9, zlib.DEFLATED, -15)
            payload = stream.compress(head) + stream.flush(zlib.Z_FULL_FLUSH)
            payload += deflate_zeros(inflated)
            size = {"honest": inflated, "zip_lies": true_size, "zip_huge": inflated}[declare]
            entries.append((name, payload, zipfile.ZIP_DEFLATED, 0, size))
            continue
        entries.append((name, zlib.compress(b)[2:-4], zipfile.ZIP_DEFLATED, zlib.crc32(b), len(b)))
    return raw_zip(entries)
