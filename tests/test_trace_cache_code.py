"""The trace cache is keyed on the code that computes a trace (issue 24): an edit of a kind's simulation, or of a
``sim`` module it imports, regenerates that kind's traces and no other's.

The edits are made in a temporary copy of ``sim/`` and ``kit/``, run by fresh interpreters (the digest of a
process is the code it was started with).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim.core.code import closure, code_digest
from sim.core.kinds import all_kinds, get_kind

REPO = Path(__file__).resolve().parents[1]
KINDS = {"mw": ("mw_sources", {"rounds": 4}), "crowd": ("wisdom_crowd", {}), "oracle": ("oracle_threshold", {})}

SCRIPT = r"""
import json, sys
from kit.traces import TraceSpec, ensure_trace, trace_path
out = {}
for name, (kind, params) in json.loads(sys.argv[1]).items():
    t = ensure_trace(TraceSpec(kind, 5, params), name)
    code = json.load(open(trace_path(name).with_name(name + ".code.json")))["code"]
    out[name] = {"x0": float(t.arrays["x"].ravel()[0]) if "x" in t.arrays else None, "code": code}
print(json.dumps(out))
"""


@pytest.fixture
def copy(tmp_path):
    root = tmp_path / "repo"
    for d in ("sim", "kit"):
        shutil.copytree(REPO / d, root / d, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return root


def _run(root: Path) -> tuple[dict, list[str]]:
    env = {**os.environ, "BYZMW_TRACES": str(root / "traces"), "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    r = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(KINDS)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    regenerated = sorted(line.split(":")[0].removeprefix("[trace] ") for line in r.stderr.splitlines())
    return json.loads(r.stdout), regenerated


def _edit(path: Path, old: str, new: str) -> None:
    src = path.read_text()
    assert src.count(old) == 1, f"{old!r} not found once in {path}"
    path.write_text(src.replace(old, new))


def test_edit_of_a_kinds_code_regenerates_its_traces_and_only_those(copy):
    first, regen = _run(copy)
    assert regen == ["crowd", "mw", "oracle"]  # all missing
    _, regen = _run(copy)
    assert regen == []  # all reused: same code

    # the simulation behind mw_sources changes its numbers: only mw_sources is regenerated, with the new numbers
    old = "    r = simulate_mw(cfg, rng)\n"
    _edit(copy / "sim/mw/kinds.py", old, old + "    r = replace(r, x=r.x + 1.0)\n")
    second, regen = _run(copy)
    assert regen == ["mw"]
    assert second["mw"]["x0"] == first["mw"]["x0"] + 1.0
    assert second["mw"]["code"] != first["mw"]["code"]
    assert second["crowd"]["code"] == first["crowd"]["code"]

    # a module only mw_sources imports (not the module declaring the kinds) changes
    with open(copy / "sim/mw/multiplicative_weights.py", "a") as f:
        f.write("\nEDITED = True\n")
    _, regen = _run(copy)
    assert regen == ["mw"]

    # a comment after the consensus kinds is no edit of oracle_threshold's functions; one in its function is
    with open(copy / "sim/consensus/kinds.py", "a") as f:
        f.write("\n# an edit\n")
    _, regen = _run(copy)
    assert regen == []
    old = "def _oracle_threshold(p: dict, rng: np.random.Generator):\n"
    _edit(copy / "sim/consensus/kinds.py", old, old + "    # an edit\n")
    _, regen = _run(copy)
    assert regen == ["oracle"]


def test_the_cache_says_code_changed(tmp_path, monkeypatch):
    from kit.traces import TraceSpec, code_path, ensure_trace, staleness, trace_path

    monkeypatch.setenv("BYZMW_TRACES", str(tmp_path))
    spec = TraceSpec("mw_sources", 3, {"rounds": 3})
    t = ensure_trace(spec, "m", quiet=True)
    assert staleness(spec, trace_path("m")) is None
    record = json.loads(code_path("m").read_text())
    kind = get_kind("mw_sources")
    assert record == {"code": kind.code(t.params), "content_hash": t.content_hash, "kind": "mw_sources"}
    monkeypatch.setattr(type(kind), "code", lambda self, params=None: "0" * 16)
    assert staleness(spec, trace_path("m")) == "code changed"
    ensure_trace(spec, "m", quiet=True)
    assert json.loads(code_path("m").read_text())["code"] == "0" * 16
    assert staleness(spec, trace_path("m")) is None


@pytest.mark.parametrize(
    "record", [None, b"", b"{", b"[]", b'{"code": 1}', b"x" * 10_000, "other content hash", "fifo", "directory"]
)
def test_a_missing_or_hostile_code_record_means_regenerate(tmp_path, monkeypatch, record):
    from kit.traces import TraceSpec, code_path, ensure_trace, staleness, trace_path

    monkeypatch.setenv("BYZMW_TRACES", str(tmp_path))
    spec = TraceSpec("primal_dual", 1, {})
    t = ensure_trace(spec, "p", quiet=True)
    rec = code_path("p")
    rec.unlink()
    if record == "other content hash":
        rec.write_text(json.dumps({"code": get_kind("primal_dual").code(t.params), "content_hash": "sha256:0"}))
    elif record == "fifo":
        os.mkfifo(rec)
    elif record == "directory":
        rec.mkdir()
    elif record is not None:
        rec.write_bytes(record)
    assert staleness(spec, trace_path("p")) == "code changed"  # never blocks on the FIFO
    assert ensure_trace(spec, "p", quiet=True).content_hash == t.content_hash


def test_trace_files_do_not_depend_on_the_code():
    """The digest lives beside the trace: the file's bytes stay a function of kind, parameters and seed."""
    from sim.core.kinds import simulate
    from sim.core.trace import to_bytes

    assert b'"code"' not in to_bytes(simulate("primal_dual", 0, {}))
    assert len({k.code() for k in all_kinds().values()}) == len(all_kinds())  # each kind its own digest


def test_closure_follows_relative_and_lazy_imports():
    c = closure(("sim.mw.kinds",))
    assert {"sim", "sim.mw", "sim.mw.multiplicative_weights", "sim.stats.robust", "sim.core.trace"} <= set(c)
    assert not any(m.split(".")[0] != "sim" for m in c)
    assert code_digest(("sim.mw.kinds",)) != code_digest(("sim.mw.kinds",), follow=False)


def test_digest_is_the_same_in_every_process():
    """Set order (PYTHONHASHSEED) and object addresses never enter a digest: a cached trace stays reusable."""
    code = "from sim.core.kinds import all_kinds; print(' '.join(k.code() for k in all_kinds().values()))"
    outs = {
        subprocess.run(
            [sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": s}, capture_output=True, text=True
        ).stdout
        for s in ("1", "2")
    }
    assert len(outs) == 1 and outs != {""}
    assert outs.pop().split() == [k.code() for k in all_kinds().values()]
