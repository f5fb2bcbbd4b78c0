"""Reading a trace never raises anything but TraceError, names the field, and inflates nothing it did not expect.

Every case below was a traceback, a hang, a 2 GB allocation or a silent acceptance before issue 8.
"""

from __future__ import annotations

import json
import os
import threading
import zipfile

import _hostile as H
import numpy as np
import pytest

from sim.core.errors import TraceError
from sim.core.kinds import load_trace, simulate
from sim.core.trace import HEADER, read_header, read_trace, to_bytes

KIND = "mw_sources"


@pytest.fixture(scope="module")
def good():
    t = simulate(KIND, 7, {"rounds": 4, "n_sources": 5})
    return t, to_bytes(t)


def _fails(tmp_path, data: bytes, field: str | None = None) -> TraceError:
    """load_trace and read_trace refuse ``data`` with a TraceError; read_header refuses or returns (never raises
    anything else: it does not read arrays)."""
    p = tmp_path / "t.npz"
    p.write_bytes(data)
    errors = []
    for read in (load_trace, read_trace):
        with pytest.raises(TraceError) as e:
            read(p)
        errors.append(e.value)
    try:
        read_header(p)
    except TraceError:
        pass
    if field is not None:
        assert errors[0].field == field, (errors[0].field, str(errors[0]))
    assert str(p) in str(errors[0])
    return errors[0]


@pytest.mark.parametrize("value", [True, 1.0, "1", None, [1]])
def test_format_version_must_be_the_integer_1(tmp_path, good, value):
    _fails(tmp_path, H.edit_header(good[1], lambda h: {**h, "format_version": value}), "format_version")


@pytest.mark.parametrize("value", [-1, 2**63, 10**30, True, 1.5])
def test_seed_out_of_range(tmp_path, good, value):
    _fails(tmp_path, H.edit_header(good[1], lambda h: {**h, "seed": value}), "seed")


def test_deeply_nested_json(tmp_path, good):
    deep = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    _fails(tmp_path, H.edit_header(good[1], lambda h: deep), HEADER)
    nested = json.loads("[" * 200 + "]" * 200)
    _fails(tmp_path, H.edit_header(good[1], lambda h: {**h, "meta": {"x": nested}}), HEADER)


@pytest.mark.parametrize("text", [b'{"format": NaN}', b"\xff\xfe", b"[]", b'{"seed": 1e999}'])
def test_header_not_strict_json_object(tmp_path, good, text):
    _fails(tmp_path, H.edit_header(good[1], lambda h: text), HEADER)


@pytest.mark.parametrize(
    "entry",
    [
        1,
        "float64",
        [6, 5],
        None,
        {"dtype": "float64"},
        {"dtype": "object", "shape": [5]},
        {"dtype": "float64", "shape": [-1]},
        {"dtype": "float64", "shape": [True]},
        {"dtype": "float64", "shape": [1] * 9},
        {"dtype": "float64", "shape": [5], "evil": 1},
    ],
)
def test_non_object_or_malformed_arrays_entries(tmp_path, good, entry):
    _fails(
        tmp_path, H.edit_header(good[1], lambda h: {**h, "arrays": {**h["arrays"], "mu_hat": entry}}), "arrays.mu_hat"
    )


def test_unknown_header_field(tmp_path, good):
    _fails(tmp_path, H.edit_header(good[1], lambda h: {**h, "evil": 1}), "evil")


@pytest.mark.parametrize("name", ["evil.txt", "../../evil.txt", "/abs.npy", "sub/x.npy", "trace.json/"])
def test_members_not_part_of_the_format(tmp_path, good, name):
    e = _fails(tmp_path, H.zip_of(H.members_of(good[1]) + [(name, b"hi")]))
    assert e.field == f"member {name!r}"


def test_array_name_that_is_a_path(tmp_path, good):
    def fn(h):
        h["arrays"]["../../evil"] = {"dtype": "uint8", "shape": [2]}
        return h

    data = H.edit_header(good[1], fn)
    data = H.zip_of(H.members_of(data) + [("../../evil.npy", b"x")])
    _fails(tmp_path, data, "arrays.../../evil")


@pytest.mark.parametrize("which", [HEADER, "x.npy"])
def test_duplicated_members(tmp_path, good, which):
    m = H.members_of(good[1])
    dup = [(n, b) for n, b in m if n == which]
    e = _fails(tmp_path, H.zip_of(m + dup))
    assert e.field == f"member {which!r}" and "duplicated" in e.problem


def test_corrupted_entries_crc_and_zlib(tmp_path, good):
    data = bytearray(good[1])
    z = zipfile.ZipFile(__import__("io").BytesIO(good[1]))
    info = z.getinfo("weights.npy")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for pos in (start + 3, start + info.compress_size // 2, start + info.compress_size - 2):
        bad = bytearray(data)
        bad[pos] ^= 0x55
        e = _fails(tmp_path, bytes(bad))
        assert e.field in ("arrays.weights", "file")
    stored = H.zip_of(H.members_of(good[1]), compression=zipfile.ZIP_STORED)
    z = zipfile.ZipFile(__import__("io").BytesIO(stored))
    info = z.getinfo("weights.npy")
    bad = bytearray(stored)
    bad[info.header_offset + 30 + len(info.filename) + info.file_size - 1] ^= 0x01  # last data byte: CRC
    e = _fails(tmp_path, bytes(bad), "arrays.weights")
    assert "CRC" in e.problem


@pytest.mark.parametrize("declare", ["honest", "zip_lies", "zip_huge"])
def test_zip_bomb_2gb_fails_at_once(tmp_path, good, declare):
    data = H.bomb_trace(good[1], "x", 2 << 30, declare)
    assert len(data) < 2_500_000  # a ~2 MB file that inflates to 2 GB
    with H.counting_zip_reads() as seen:
        e = _fails(tmp_path, data)
    assert e.field in ("arrays.x", "file")
    assert seen["bytes"] < 1 << 20, f"inflated {seen['bytes']} bytes before refusing"


def test_shape_beyond_the_kind_is_refused_before_reading(tmp_path, good):
    def fn(h):
        h["arrays"]["x"]["shape"] = [4000, 4000]  # 128 MB, consistent dtype, wrong for rounds=4, n=5
        return h

    p = tmp_path / "t.npz"
    p.write_bytes(H.edit_header(good[1], fn))
    with H.counting_zip_reads() as seen, pytest.raises(TraceError) as e:
        load_trace(p)
    assert e.value.field == "arrays.x" and seen["bytes"] < 1 << 16


def test_member_size_must_match_declared_shape(tmp_path, good):
    def fn(h):
        h["arrays"]["mu_hat"]["shape"] = [40]
        return h

    _fails(tmp_path, H.edit_header(good[1], fn), "arrays.mu_hat")


def test_npy_header_disagrees_with_trace_header(tmp_path, good):
    t = good[0]
    m = dict(H.members_of(good[1]))
    import io

    b = io.BytesIO()
    np.lib.format.write_array(b, np.asarray(t["mu_hat"]).astype(">f8"))
    m["mu_hat.npy"] = b.getvalue()
    _fails(tmp_path, H.zip_of(list(m.items())), "arrays.mu_hat")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_fifo_and_directory_do_not_hang(tmp_path):
    fifo = tmp_path / "f.npz"
    os.mkfifo(fifo)
    result = {}

    def go():
        for name, fn in (("load", load_trace), ("header", read_header)):
            try:
                fn(fifo)
            except TraceError as e:
                result[name] = e

    th = threading.Thread(target=go, daemon=True)
    th.start()
    th.join(10)
    if th.is_alive():  # unblock the reader before failing
        with open(fifo, "wb"):
            pass
        pytest.fail("reading a FIFO hangs")
    assert result["load"].field == "file" and "regular" in result["load"].problem
    assert result["header"].field == "file"
    with pytest.raises(TraceError) as e:
        load_trace(tmp_path)
    assert e.value.field == "file"


def test_round_trip_still_exact(tmp_path, good):
    t, data = good
    p = tmp_path / "t.npz"
    p.write_bytes(data)
    back = load_trace(p, KIND)
    assert back.content_hash == t.content_hash
    for k in t.arrays:
        assert back[k].dtype == t[k].dtype and np.array_equal(back[k], t[k])
