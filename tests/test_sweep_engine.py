"""The sweep engine on EVERY declared sweep (its ``smoke`` grid): serial = local processes = a Dask LocalCluster,
and corrupted checkpoints (hypothesis) always end in a recompute with the same final CSVs, never an exception."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.core.sweeps import all_sweeps, cell_key, get_sweep, make_grid, run_serial
from studio.sweep import run
from studio.sweep.checkpoints import FORMAT, HEADER, cell_path, load, record_digest

SWEEPS = sorted(all_sweeps())
FUZZ_EXAMPLES = int(os.environ.get("BYZMW_FUZZ_EXAMPLES", "30"))


def _smoke(name):
    sw = get_sweep(name)
    assert sw.smoke, f"sweep {name} declares no smoke grid"
    g = make_grid(sw, dict(sw.smoke))
    assert g.n_cells <= 4, f"smoke grid of {name} has {g.n_cells} cells (at most 4)"
    return sw, g


def _same_records(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.keys() == y.keys()
        for k in x:
            assert x[k].dtype == y[k].dtype and x[k].shape == y[k].shape, k
            assert np.array_equal(x[k], y[k], equal_nan=x[k].dtype.kind in "fc"), k


def _data_lines(d: Path) -> dict:
    return {
        p.name: [line for line in p.read_text().splitlines() if not line.startswith("#")]
        for p in sorted(d.glob("*.csv"))
    }


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c:
        with Client(c) as client:  # the workers are other processes and import this checkout
            here = str(Path(__file__).resolve().parents[1])
            assert all(f.startswith(here) for f in client.run(lambda: __import__("sim").__file__).values())
        yield c


@pytest.mark.parametrize("name", SWEEPS)
def test_serial_processes_and_dask_cluster_agree(name, tmp_path, cluster):
    sw, g = _smoke(name)
    ref = run_serial(sw, g)  # no engine: the cell function in a loop
    serial = run(sw, g, "s", root=tmp_path, workers=1, progress=False)
    local = run(sw, g, "p", root=tmp_path, workers=2, progress=False)
    dask = run(sw, g, "d", root=tmp_path, scheduler=cluster.scheduler_address, progress=False)
    for res in (serial, local, dask):
        assert res.computed == g.n_cells and res.reused == 0
        _same_records(ref.records, res.records)
    lines = _data_lines(tmp_path / "s")
    assert "cells.csv" in lines and len(lines["cells.csv"]) == g.n_cells + 1
    assert lines == _data_lines(tmp_path / "p") == _data_lines(tmp_path / "d")
    # a rerun reuses every checkpoint and changes nothing
    again = run(sw, g, "s", root=tmp_path, workers=1, progress=False)
    assert again.reused == g.n_cells and again.computed == 0
    _same_records(ref.records, again.records)
    assert _data_lines(tmp_path / "s") == lines


# --------------------------------------------------------------------------- checkpoint corruption
def _unpack(blob: bytes) -> tuple[dict, dict]:
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        arrays = {n[:-4]: np.load(io.BytesIO(z.read(n)), allow_pickle=False) for n in z.namelist()}
    return json.loads(str(arrays.pop(HEADER)[()])), arrays


def _pack(header, arrays: dict, extra: dict | None = None) -> bytes:
    buf = io.BytesIO()
    hdr = header if isinstance(header, str) else json.dumps(header)
    np.savez(buf, **{HEADER: np.array(hdr)}, **arrays)
    if extra:
        with zipfile.ZipFile(buf, "a") as z:
            for name, data in extra.items():
                z.writestr(name, data)
    return buf.getvalue()


def _edit_value(data, a: np.ndarray, f, p) -> np.ndarray:
    """The same array with one element set to a value its Field forbids (out of range, NaN, inf), or, for a field
    that forbids no value of its dtype, a wrong shape."""
    lo, hi = f._bound(f.low, p), f._bound(f.high, p)
    if a.dtype.kind == "f":
        bad = (
            [np.inf, -np.inf]
            + ([] if f.allow_nan else [np.nan])
            + ([lo - 1.0, -1e300] if lo is not None else [])
            + ([hi + 1.0, 1e300] if hi is not None else [])
        )
    elif a.dtype.kind in "iu":
        info = np.iinfo(a.dtype)
        bad = ([v for v in (info.min, int(lo) - 1) if info.min <= v < lo] if lo is not None else []) + (
            [v for v in (info.max, int(hi) + 1) if hi < v <= info.max] if hi is not None else []
        )
    else:
        bad = []
    if not bad or a.size == 0:
        return np.append(a.reshape(-1), a.reshape(-1)[:1]).astype(a.dtype)
    a = a.copy()
    a.reshape(-1)[data.draw(st.integers(0, a.size - 1))] = data.draw(st.sampled_from(bad))
    return a


CORRUPTIONS = [
    "flip",
    "truncate",
    "key",
    "index",
    "format_version",
    "header_type",
    "nested",
    "dtype",
    "shape",
    "value",
    "extra_member",
    "evil_path",
    "missing_member",
    "object",
    "empty",
    "huge",
    "other_cell",
    "symlink",
    "directory",
    "fifo",
    "digest",
]


def _corrupt(kind, data, blob, path: Path, sw, cell, other: bytes) -> None:
    header, arrays = _unpack(blob)
    fields = sorted(arrays)
    if kind == "flip":
        b = bytearray(blob)
        for _ in range(data.draw(st.integers(1, 4))):
            b[data.draw(st.integers(0, len(b) - 1))] ^= data.draw(st.integers(1, 255))
        out = bytes(b)
    elif kind == "truncate":
        out = blob[: data.draw(st.integers(0, len(blob) - 1))]
    elif kind in ("key", "index", "format_version", "header_type", "nested", "digest"):
        h = dict(header)
        if kind == "key":
            h["key"] = data.draw(st.sampled_from(["", "0" * 24, h["key"][::-1], None, 7]))
        elif kind == "index":
            h["index"] = data.draw(st.sampled_from([h["index"] + 1, -1, str(h["index"]), float(h["index"]), True]))
        elif kind == "format_version":
            h["format_version"] = data.draw(st.sampled_from([True, 1.0, "1", 2, None]))
        elif kind == "digest":
            h["digest"] = data.draw(st.sampled_from(["", "0" * 64, None]))
        out = _pack(
            h
            if kind not in ("header_type", "nested")
            else ("[1, 2]" if kind == "header_type" else "[" * 100_000 + "]" * 100_000),
            arrays,
        )
    else:
        name = data.draw(st.sampled_from(fields))
        a = dict(arrays)
        extra = None
        if kind == "dtype":
            a[name] = a[name].astype(data.draw(st.sampled_from(["float32", "int32", ">i8", ">f8", "int8", "U3"])))
        elif kind == "shape":
            a[name] = data.draw(
                st.sampled_from(
                    [
                        np.append(a[name].reshape(-1), a[name].reshape(-1)[:1]),
                        a[name].reshape(-1)[:-1],
                        a[name].reshape(1, -1),
                    ]
                )
            )
        elif kind == "value":
            a[name] = _edit_value(data, a[name], sw.record[name], dict(cell.params))
        elif kind == "extra_member":
            a["evil"] = np.zeros(3)
        elif kind == "evil_path":
            extra = {data.draw(st.sampled_from(["evil.txt", "../../evil.txt", "/tmp/evil.npy"])): b"x"}
        elif kind == "missing_member":
            del a[name]
        elif kind == "object":
            a[name] = np.array([{"__reduce__": 1}, None], dtype=object)
        h = dict(header)
        if kind in ("dtype", "shape", "value"):  # a consistent digest, so that validate_record decides
            h["digest"] = record_digest(sw, {**arrays, **a}) if set(a) == set(arrays) else h["digest"]
        if kind == "huge":  # a sparse 2 GiB file: refused before reading
            path.write_bytes(blob)
            os.truncate(path, 2 << 30)
            return
        if kind in ("empty", "other_cell", "symlink", "directory", "fifo"):
            out = None
        else:
            out = _pack(h, a, extra)
        if kind == "empty":
            out = b""
        elif kind == "other_cell":
            out = other
        if out is None:
            path.unlink()
            if kind == "symlink":
                path.symlink_to(path.with_name("elsewhere.npz"))
            elif kind == "directory":
                path.mkdir()
            else:
                os.mkfifo(path)
            return
    path.write_bytes(out)


@pytest.mark.parametrize("name", SWEEPS)
def test_corrupted_checkpoints_are_recomputed(name, tmp_path_factory):
    sw, g = _smoke(name)
    root = tmp_path_factory.mktemp(f"fuzz-{name}")
    good = run(sw, g, "f", root=root, workers=1, progress=False)
    want = _data_lines(root / "f")
    cells = root / "f" / "cells"
    originals = {c.index: cell_path(cells, c.index).read_bytes() for c in g.cells()}
    seen, recomputed = set(), []

    @given(data=st.data())
    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(data):
        for f in list(cells.iterdir()):  # restore the finished sweep
            if f.is_dir() and not f.is_symlink():
                f.rmdir()
            else:
                f.unlink()
        for i, blob in originals.items():
            cell_path(cells, i).write_bytes(blob)
        i = data.draw(st.sampled_from(sorted(originals)))
        kind = data.draw(st.sampled_from(CORRUPTIONS))
        seen.add(kind)
        other = originals[(i + 1) % len(originals)] if len(originals) > 1 else originals[i][:-1]
        _corrupt(kind, data, originals[i], cell_path(cells, i), sw, g.cells()[i], other)
        said = []
        res = run(sw, g, "f", root=root, workers=1, progress=False, log=said.append)
        assert res.computed + res.reused == g.n_cells
        _same_records(good.records, res.records)
        assert _data_lines(root / "f") == want
        if res.computed:  # the reason, printed once
            assert res.computed == 1 and len(said) == 1 and f"cell {i}:" in said[0], said
            recomputed.append((kind, said[0].split("checkpoint ", 1)[1]))
        # what is on disk now is a valid checkpoint of that cell
        rec, why = load(cell_path(cells, i), sw, g.cells()[i], cell_key(sw, g, g.cells()[i]))
        assert rec is not None and why is None

    check()
    assert len(seen) >= min(len(CORRUPTIONS), FUZZ_EXAMPLES // 6)  # hypothesis favours some kinds; 21 in total
    assert len(recomputed) >= FUZZ_EXAMPLES // 2  # most corruptions are not harmless
    if os.environ.get("BYZMW_FUZZ_REPORT"):
        Path(os.environ["BYZMW_FUZZ_REPORT"]).write_text("\n".join(f"{k}\t{w}" for k, w in recomputed) + "\n")


def test_flipped_data_bytes_are_caught_by_the_digest(tmp_path):
    """A changed number inside an otherwise well-formed checkpoint is never trusted."""
    sw, g = _smoke(SWEEPS[0])
    run(sw, g, "x", root=tmp_path, workers=1, progress=False)
    p = cell_path(tmp_path / "x" / "cells", 0)
    header, arrays = _unpack(p.read_bytes())
    name = next(n for n, a in arrays.items() if a.dtype.kind == "f" and a.size)
    a = arrays[name].copy().reshape(-1)
    a[0] = np.nextafter(a[0], -np.inf) if np.isfinite(a[0]) else a[0]
    p.write_bytes(_pack(header, {**arrays, name: a.reshape(arrays[name].shape)}))
    rec, why = load(p, sw, g.cells()[0], cell_key(sw, g, g.cells()[0]))
    assert rec is None and why == "contents do not match their digest"
    assert header["format"] == FORMAT
