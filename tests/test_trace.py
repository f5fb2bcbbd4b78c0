"""The trace format: round trip, atomic write, validation errors, determinism."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from sim.core.errors import TraceError
from sim.core.kinds import load_trace, simulate
from sim.core.trace import HEADER, make_trace, read_header, save_trace, to_bytes

KIND = "mw_sources"


@pytest.fixture(scope="module")
def trace():
    return simulate(KIND, 11, {"rounds": 5, "n_sources": 6})


def _rewrite(src, dst, *, header=None, arrays=None, drop=()):
    """Copy a trace file, optionally editing its header JSON / replacing or dropping members."""
    with zipfile.ZipFile(src) as z:
        members = {n: z.read(n) for n in z.namelist()}
    if header is not None:
        h = json.loads(members[HEADER])
        header(h)
        members[HEADER] = json.dumps(h).encode()
    for name, a in (arrays or {}).items():
        b = io.BytesIO()
        np.lib.format.write_array(b, a, allow_pickle=True)
        members[name + ".npy"] = b.getvalue()
    with zipfile.ZipFile(dst, "w") as z:
        for n, data in members.items():
            if n not in drop:
                z.writestr(n, data)
    return dst


def test_round_trip(trace, tmp_path):
    p = save_trace(trace, tmp_path / "t.npz")
    back = load_trace(p, KIND)
    assert back.kind == KIND and back.seed == 11 and dict(back.params) == dict(trace.params)
    assert back.content_hash == trace.content_hash
    assert set(back.arrays) == set(trace.arrays)
    for k in trace.arrays:
        np.testing.assert_array_equal(back[k], trace[k])
        assert back[k].dtype == trace[k].dtype
        assert not back[k].flags.writeable
    h = read_header(p)
    assert h["package_version"] and h["command"].startswith("python -m sim trace mw_sources --seed 11")
    # readable by plain numpy without pickle
    with np.load(p, allow_pickle=False) as z:
        np.testing.assert_array_equal(z["weights"], trace["weights"])


def test_header_is_self_describing(trace):
    h = trace.header
    for field in (
        "kind",
        "kind_version",
        "params",
        "seed",
        "package_version",
        "command",
        "arrays",
        "meta",
        "content_hash",
        "format",
        "format_version",
    ):
        assert field in h
    assert set(h["params"]) >= {"eta", "tau", "n_sources", "rounds"}
    assert h["arrays"]["weights"]["shape"] == [6, 6]


def test_command_recreates_trace(trace, tmp_path):
    """The recorded creation command reproduces the same bytes."""
    out = tmp_path / "re.npz"
    cmd = trace.command.split()
    assert cmd[:3] == ["python", "-m", "sim"]
    subprocess.run([sys.executable, *cmd[1:], "--out", str(out)], check=True, capture_output=True)
    assert out.read_bytes() == to_bytes(trace)


def test_same_seed_same_bytes_different_seed_different(trace):
    again = simulate(KIND, 11, {"rounds": 5, "n_sources": 6})
    assert to_bytes(again) == to_bytes(trace)
    other = simulate(KIND, 12, {"rounds": 5, "n_sources": 6})
    assert other.content_hash != trace.content_hash
    assert not np.array_equal(other["x"], trace["x"])


def _bytes_for(seed):
    return to_bytes(simulate(KIND, seed, {"rounds": 5, "n_sources": 6}))


def test_parallel_equals_serial():
    seeds = [1, 2, 3, 4]
    serial = [_bytes_for(s) for s in seeds]
    with ProcessPoolExecutor(2) as ex:
        parallel = list(ex.map(_bytes_for, seeds))
    assert parallel == serial


def test_atomic_write_keeps_old_file_on_failure(trace, tmp_path, monkeypatch):
    p = save_trace(trace, tmp_path / "t.npz")
    before = p.read_bytes()
    other = simulate(KIND, 99, {"rounds": 5, "n_sources": 6})

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        save_trace(other, p)
    assert p.read_bytes() == before
    assert [f.name for f in tmp_path.iterdir()] == ["t.npz"], "temp file left behind"


def test_error_not_a_zip(tmp_path):
    p = tmp_path / "bad.npz"
    p.write_text("hello")
    with pytest.raises(TraceError) as e:
        load_trace(p)
    assert e.value.field == "file" and str(p) in str(e.value)


def test_error_missing_file(tmp_path):
    with pytest.raises(TraceError) as e:
        load_trace(tmp_path / "nope.npz")
    assert e.value.field == "file"


def test_error_no_header(trace, tmp_path):
    src = save_trace(trace, tmp_path / "t.npz")
    p = _rewrite(src, tmp_path / "x.npz", drop=(HEADER,))
    with pytest.raises(TraceError) as e:
        load_trace(p)
    assert e.value.field == HEADER


def test_error_wrong_kind(trace, tmp_path):
    p = save_trace(trace, tmp_path / "t.npz")
    with pytest.raises(TraceError) as e:
        load_trace(p, "some_other_kind")
    assert e.value.field == "kind" and "some_other_kind" in str(e.value)


@pytest.mark.parametrize("field", ["seed", "params", "kind", "arrays", "content_hash", "package_version"])
def test_error_missing_field(trace, tmp_path, field):
    src = save_trace(trace, tmp_path / "t.npz")
    p = _rewrite(src, tmp_path / "x.npz", header=lambda h: h.pop(field))
    with pytest.raises(TraceError) as e:
        load_trace(p)
    assert e.value.field == field and str(p) in str(e.value)


def test_error_unknown_format_version(trace, tmp_path):
    src = save_trace(trace, tmp_path / "t.npz")
    p = _rewrite(src, tmp_path / "x.npz", header=lambda h: h.update(format_version=999))
    with pytest.raises(TraceError) as e:
        load_trace(p)
    assert e.value.field == "format_version"


def test_error_unknown_kind_version(trace, tmp_path):
    src = save_trace(trace, tmp_path / "t.npz")
    p = _rewrite(src, tmp_path / "x.npz", header=lambda h: h.update(kind_version=999))
    with pytest.raises(TraceError) as e:
        load_trace(p)
    assert e.value.field == "kind_version"


def test_error_unknown_kind(trace, tmp_path):
    src = save_trace(trace, tmp_path / "t.npz")
    p = _rewrite(src, tmp_path / "x.npz", header=lambda h: h.update(kind="no_such_kind"))
    with pytest.raises(TraceError) as e:
        load_trace(p)
    assert e.value.field == "kind"


def test_error_wrong_shape(trace, tmp_path):
    src = save_trace(trace, tmp_path / "t.npz")
    bad = np.ones((6, 5))  # weights must be (rounds + 1, n_sources) = (6, 6)

    def fix(h):
        h["arrays"]["weights"] = {"dtype": "float64", "shape": [6, 5]}

    p = _rewrite(src, tmp_path / "x.npz", header=fix, arrays={"weights": bad})
    with pytest.raises(TraceError) as e:
        load_trace(p)
    assert e.value.field == "arrays.weights" and "length" in str(e.value)


def test_error_wrong_dtype(trace, tmp_path):
    src = save_trace(trace, tmp_path / "t.npz")

    def fix(h):
        h["arrays"]["weights"] = {"dtype": "float32", "shape": [6, 6]}

    p = _rewrite(src, tmp_path / "x.npz", header=fix, arrays={"weights": np.ones((6, 6), np.float32)})
    with pytest.raises(TraceError) as e:
        load_trace(p)
    assert e.value.field == "arrays.weights" and "dtype" in str(e.value)


def test_error_missing_array(trace, tmp_path):
    src = save_trace(trace, tmp_path / "t.npz")
    p = _rewrite(src, tmp_path / "x.npz", drop=("loss.npy",))
    with pytest.raises(TraceError) as e:
        load_trace(p)
    assert e.value.field == "arrays.loss"


def test_error_tampered_content(trace, tmp_path):
    src = save_trace(trace, tmp_path / "t.npz")
    w = np.array(trace["weights"])
    w[-1, 0] *= 0.5
    p = _rewrite(src, tmp_path / "x.npz", arrays={"weights": w})
    with pytest.raises(TraceError) as e:
        load_trace(p)
    assert e.value.field == "content_hash"


def test_error_pickled_object_array(trace, tmp_path):
    src = save_trace(trace, tmp_path / "t.npz")
    obj = np.array([{"evil": 1}] * 6, dtype=object)

    def fix(h):
        h["arrays"]["blacklisted_at"] = {"dtype": "object", "shape": [6]}

    p = _rewrite(src, tmp_path / "x.npz", header=fix, arrays={"blacklisted_at": obj})
    with pytest.raises(TraceError) as e:
        load_trace(p)
    assert e.value.field == "arrays.blacklisted_at"


def test_make_trace_rejects_object_dtype():
    with pytest.raises(TraceError):
        make_trace(KIND, 1, {}, 0, {"a": np.array([object()])})
