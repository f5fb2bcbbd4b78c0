"""Fuzzing hostile inputs with hypothesis: corrupted trace files and random CLI argument lists.

Trace files: random corruptions of valid traces (flipped bytes, truncation, edited JSON header fields,
added / renamed / duplicated / dropped / replaced members, edited .npy headers, zip bombs) must each end in
TraceError -- never another exception, never a silently different result: a corrupted file that loads must
give exactly the original header and arrays.

CLIs: random argument lists for ``python -m sim`` and ``python -m studio`` (in-process ``main(argv)``) end in
exit 0, or exit 2 with exactly one line on stderr. Heavy studio work (rendering, figures, slides) is replaced
by fakes that validate their arguments like the real functions; simulations get a small work cap.

Every example is counted by category; ``pytest -s tests/test_fuzz_inputs.py`` prints the table (bad inputs
tried / handled cleanly). FUZZ_EXAMPLES=n scales the number of examples (default: quick, for CI).
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import os
import sys
from pathlib import Path

import _hostile as H
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim.core.errors import ParamError, TraceError
from sim.core.kinds import load_trace, simulate
from sim.core.trace import HEADER, REQUIRED, read_header, read_trace, to_bytes

SCALE = float(os.environ.get("FUZZ_EXAMPLES", "1"))
COUNTS: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
EXITS: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
FAILURES: collections.Counter = collections.Counter()


def _settings(n):
    return settings(
        max_examples=max(1, int(n * SCALE)),
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    )


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    lines = ["", "fuzz: bad inputs tried / handled cleanly (by category)"]
    total = [0, 0]
    for suite in sorted(COUNTS):
        c = COUNTS[suite]
        cats = sorted({k[0] for k in c})
        for cat in cats:
            tried, ok = c[(cat, "tried")], c[(cat, "clean")]
            total[0] += tried
            total[1] += ok
            lines.append(f"  {suite:<6} {cat:<22} {tried:>6} tried {ok:>6} clean")
    lines.append(f"  total  {'':<22} {total[0]:>6} tried {total[1]:>6} clean")
    for what, n in FAILURES.most_common():
        lines.append(f"  NOT clean: {n:>5} x {what}")
    for suite, c in sorted(EXITS.items()):
        lines.append(f"  {suite} CLI exit codes: " + ", ".join(f"{k}: {v}" for k, v in sorted(c.items())))
    print("\n".join(lines))
    out = os.environ.get("FUZZ_REPORT")
    if out:
        Path(out).write_text(
            json.dumps({f"{s}:{k[0]}:{k[1]}": v for s, c in COUNTS.items() for k, v in c.items()}, indent=1)
        )


# -- trace files ---------------------------------------------------------------------------------------------

BASES = {
    "mw_sources": simulate("mw_sources", 3, {"rounds": 4, "n_sources": 5}),
    "primal_dual": simulate("primal_dual", 1, {"steps": 3}),
    "wisdom_crowd": simulate("wisdom_crowd", 2, {"n_guesses": 6}),
}
BYTES = {k: to_bytes(t) for k, t in BASES.items()}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
    max_leaves=8,
)
member_names = st.sampled_from(
    [
        "evil.txt",
        "../../evil.txt",
        "/etc/passwd",
        "x.npy",
        "trace.json",
        "a/../x.npy",
        "weights.npy",
        "extra.npy",
        "TRACE.JSON",
        "trace.json ",
        "mu_hat",
        ".npy",
        "dir/",
    ]
) | st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=12)


@st.composite
def corruptions(draw):
    """(category, base kind, corrupted bytes)."""
    kind = draw(st.sampled_from(sorted(BYTES)))
    good = BYTES[kind]
    members = H.members_of(good)
    names = [n for n, _ in members]
    cat = draw(
        st.sampled_from(
            [
                "flip",
                "truncate",
                "header_field",
                "header_array",
                "header_params",
                "header_raw",
                "add_member",
                "rename_member",
                "duplicate_member",
                "drop_member",
                "replace_member",
                "npy_header",
                "zip_bomb",
                "append",
            ]
        )
    )
    if cat == "flip":
        data = bytearray(good)
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] ^= draw(st.integers(1, 255))
        return cat, kind, bytes(data)
    if cat == "truncate":
        return cat, kind, good[: draw(st.integers(0, len(good) - 1))]
    if cat == "append":
        return cat, kind, good + draw(st.binary(min_size=1, max_size=64))
    if cat.startswith("header_") and cat != "header_raw":
        h = json.loads(dict(members)[HEADER])
        if cat == "header_field":
            key = draw(st.sampled_from(list(REQUIRED) + ["evil"]))
            if draw(st.booleans()) and key in h:
                del h[key]
            else:
                h[key] = draw(json_values)
        elif cat == "header_array":
            name = draw(st.sampled_from(sorted(h["arrays"])))
            what = draw(st.sampled_from(["entry", "dtype", "shape", "dim"]))
            if what == "entry":
                h["arrays"][name] = draw(json_values)
            elif what == "dtype":
                h["arrays"][name]["dtype"] = draw(
                    st.sampled_from(["float32", "int64", "bool", "object", "<f8", "uint8", "float64"])
                    | st.text(max_size=6)
                )
            elif what == "shape":
                h["arrays"][name]["shape"] = draw(st.lists(st.integers(-3, 2**40), max_size=9) | json_values)
            else:
                shape = h["arrays"][name]["shape"]
                if shape:
                    shape[draw(st.integers(0, len(shape) - 1))] = draw(st.integers(0, 10**7))
        else:
            key = draw(st.sampled_from(sorted(h["params"]) + ["evil"]))
            h["params"][key] = draw(json_values)
        return cat, kind, H.zip_of([(n, json.dumps(h).encode() if n == HEADER else b) for n, b in members])
    if cat == "header_raw":
        raw = dict(members)[HEADER]
        choice = draw(st.sampled_from(["nested", "nan", "garbage", "bigint", "cut"]))
        raw = {
            "nested": b"[" * 100_000 + b"]" * 100_000,
            "nan": raw.replace(b'"format_version": 1', b'"format_version": NaN'),
            "garbage": draw(st.binary(max_size=40)),
            "bigint": raw.replace(b'"seed": ', b'"seed": ' + b"9" * 5000),
            "cut": raw[: draw(st.integers(0, len(raw) - 1))],
        }[choice]
        return f"{cat}", kind, H.zip_of([(n, raw if n == HEADER else b) for n, b in members])
    if cat == "add_member":
        return cat, kind, H.zip_of(members + [(draw(member_names), draw(st.binary(max_size=64)))])
    if cat == "rename_member":
        i = draw(st.integers(0, len(members) - 1))
        new = draw(member_names)
        return cat, kind, H.zip_of([(new if j == i else n, b) for j, (n, b) in enumerate(members)])
    if cat == "duplicate_member":
        i = draw(st.integers(0, len(members) - 1))
        extra = members[i] if draw(st.booleans()) else (members[i][0], draw(st.binary(max_size=64)))
        return cat, kind, H.zip_of(members + [extra])
    if cat == "drop_member":
        i = draw(st.integers(0, len(members) - 1))
        return cat, kind, H.zip_of(members[:i] + members[i + 1 :])
    if cat == "replace_member":
        i = draw(st.integers(0, len(members) - 1))
        return (
            cat,
            kind,
            H.zip_of([(n, draw(st.binary(max_size=200)) if j == i else b) for j, (n, b) in enumerate(members)]),
        )
    if cat == "npy_header":
        arrays = [n for n in names if n.endswith(".npy")]
        name = draw(st.sampled_from(arrays))
        a = np.asarray(BASES[kind][name[:-4]])
        variant = draw(st.sampled_from(["dtype", "shape", "fortran", "bigendian", "pickle", "version"]))
        b = io.BytesIO()
        if variant == "dtype":
            np.lib.format.write_array(
                b, a.astype(draw(st.sampled_from(["float32", "int32", "int8", "uint8", "complex128"])))
            )
        elif variant == "shape":
            np.lib.format.write_array(b, a.reshape(-1)[: max(0, a.size - 1)])
        elif variant == "fortran":
            np.lib.format.write_array(b, np.asfortranarray(np.stack([a, a], axis=-1)))
        elif variant == "bigendian":
            np.lib.format.write_array(b, a.astype(a.dtype.newbyteorder(">")))
        elif variant == "pickle":
            np.lib.format.write_array(b, np.array([{"x": 1}] * max(1, a.size), dtype=object), allow_pickle=True)
        else:
            np.lib.format.write_array(b, a, version=(3, 0))
        return cat, kind, H.zip_of([(n, b.getvalue() if n == name else d) for n, d in members])
    arrays = [n[:-4] for n in names if n.endswith(".npy")]
    declare = draw(st.sampled_from(["honest", "zip_lies", "zip_huge"]))
    sizes = [s for s in (1 << 24, 1 << 28, 1 << 30, 2 << 30) if s <= int(os.environ.get("FUZZ_MAX_BOMB", 2 << 30))]
    size = draw(st.sampled_from(sizes))
    return cat, kind, H.bomb_trace(good, draw(st.sampled_from(arrays)), size, declare)


def _same(t, orig) -> bool:
    if json.dumps(t.header, sort_keys=True) != json.dumps(orig.header, sort_keys=True):
        return False
    return set(t.arrays) == set(orig.arrays) and all(
        t[k].dtype == orig[k].dtype and t[k].shape == orig[k].shape and t[k].tobytes() == orig[k].tobytes()
        for k in orig.arrays
    )


def _verdict_trace(path, kind) -> tuple[bool, str]:
    """(handled cleanly?, outcome) for one corrupted file."""
    outcome = "?"
    with H.counting_zip_reads() as inflated:
        for reader in (load_trace, read_trace):
            try:
                t = reader(path)
            except TraceError as e:
                if not (str(path) in str(e) and e.field):
                    return False, "TraceError without file or field"
                outcome = "TraceError"
            except Exception as e:  # noqa: BLE001 - exactly what the suite hunts
                return False, f"{e.__class__.__name__} from {reader.__name__}"
            else:
                if not _same(t, BASES[kind]):
                    return False, f"{reader.__name__} loaded different content"
                outcome = "identical"
        try:
            read_header(path)
        except TraceError:
            pass
        except Exception as e:  # noqa: BLE001
            return False, f"{e.__class__.__name__} from read_header"
    if inflated["bytes"] > 4 * len(to_bytes(BASES[kind])) + (8 << 20):
        return False, f"inflated {inflated['bytes']} bytes"
    return True, outcome


@_settings(300)
@given(case=corruptions())
def test_corrupted_traces_end_in_trace_error_or_load_identical(tmp_path_factory, case):
    cat, kind, data = case
    path = tmp_path_factory.getbasetemp() / "fuzz.npz"
    path.write_bytes(data)
    COUNTS["trace"][(cat, "tried")] += 1
    ok, outcome = _verdict_trace(path, kind)
    event(f"{cat}: {outcome}")
    if ok:
        COUNTS["trace"][(cat, "clean")] += 1
    elif os.environ.get("FUZZ_COUNT_ONLY"):  # measuring another build: count, do not stop
        FAILURES[f"{cat}: {outcome}"] += 1
    else:
        pytest.fail(f"{cat}: {outcome}")


# -- CLIs ----------------------------------------------------------------------------------------------------

FUZZ_WORK_CAP = 2e5


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory):
    """cwd in a temp folder with hostile files; heavy studio work faked; a small work cap for simulations."""
    import sim.core.cli as sim_cli
    import studio.figure_runner as figure_runner
    import studio.render as render
    import studio.slides as slides
    from studio import registry
    from studio.figures import all_figures

    root = tmp_path_factory.mktemp("cli-fuzz")
    good = root / "good.npz"
    good.write_bytes(BYTES["mw_sources"])
    (root / "bad.npz").write_bytes(BYTES["mw_sources"][:300])
    (root / "bomb.npz").write_bytes(H.bomb_trace(BYTES["mw_sources"], "x", 1 << 30, "honest"))
    (root / "adir").mkdir()
    if hasattr(os, "mkfifo") and not os.environ.get("FUZZ_NO_FIFO"):  # (a build that hangs on FIFOs)
        os.mkfifo(root / "fifo")

    real_simulate = sim_cli.simulate

    def capped_simulate(kind, seed, params):
        from sim.core.kinds import get_kind

        k = get_kind(kind)
        p = k.resolve(params)
        if k.work is not None and k.work(p) > FUZZ_WORK_CAP:
            raise ParamError(f"work: {k.work(p):.3g} exceeds the fuzz cap {FUZZ_WORK_CAP:.3g}")
        return real_simulate(kind, seed, params)

    def fake_render_video(name, options=None, **kw):
        render.resolve(name, options)  # the scene and its SET= are validated like a real render
        return root / "video.mp4"

    def fake_capture(name, out_dir, options=None, **kw):
        render.resolve(name, options)
        return []

    def fake_stills(names, options=None):
        for name in names:
            render.resolve(name, options)
        return []

    def fake_figures(only=None, out_dir=None):
        figs = all_figures()
        unknown = [n for n in (only or []) if n not in figs]
        if unknown:
            raise ParamError(f"figure: unknown {unknown[0]!r}; available: {', '.join(figs)}")
        return 0

    def fake_slides(names, options=None, deck="talk", **kw):
        for name in names:
            render.resolve(name, options)
        return root / "slides.html"

    old_cwd = os.getcwd()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sim_cli, "simulate", capped_simulate)
        mp.setattr(render, "render_video", fake_render_video)
        mp.setattr(render, "capture_key_frames", fake_capture)
        mp.setattr(render, "write_stills", fake_stills)
        mp.setattr(figure_runner, "run_figures", fake_figures)
        mp.setattr(slides, "build_slides", fake_slides)
        os.chdir(root)
        try:
            registry.scenes()
            all_figures()
            yield root
        finally:
            os.chdir(old_cwd)


def _kind_names():
    from sim.core.kinds import all_kinds

    return sorted(all_kinds())


def _param_names():
    from sim.core.kinds import all_kinds

    return sorted({p.name for k in all_kinds().values() for p in k.params})


junk = st.text(max_size=12) | st.sampled_from(
    [
        "",
        " ",
        "-",
        "--",
        "\n",
        "x\ny",
        "١٠",
        "1_0",
        "nan",
        "-1",
        "1e999",
        "5e-324",
        "0",
        "=",
        "==",
        "a=b=c",
        "\x00",
        "'",
        '"',
        ";",
        "$(x)",
    ]
)
numbers = st.sampled_from(
    [
        "0",
        "1",
        "2",
        "3",
        "0.1",
        "0.5",
        "0.99",
        "1.5",
        "-1",
        "10",
        "100",
        "1e-7",
        "1e3",
        "2.5",
        "true",
        "false",
        "١",
        "1_0",
        " 3 ",
        "+4",
        "9" * 30,
    ]
)
paths = st.sampled_from(
    [
        "good.npz",
        "bad.npz",
        "bomb.npz",
        "adir",
        "fifo",
        "missing.npz",
        "",
        "/dev/null",
        "/nonexistent/x.npz",
        "out.npz",
        "adir/",
        "good.npz/x",
        "x\ny.npz",
    ]
)


@st.composite
def sim_argv(draw):
    kinds, params = _kind_names(), _param_names()
    cmd = draw(st.sampled_from(["list", "trace", "show", "", "bogus", "-h", "--help"]) | junk)
    argv = [cmd] if cmd else []
    for _ in range(draw(st.integers(0, 6))):
        opt = draw(st.sampled_from(["kind", "--set", "--seed", "--out", "path", "junk", "-h", "--bogus", "--se"]))
        if opt == "kind":
            argv.append(draw(st.sampled_from(kinds) | junk))
        elif opt == "--set":
            argv += [
                "--set",
                draw(st.builds(lambda n, v: f"{n}={v}", st.sampled_from(params) | junk, numbers | junk) | junk),
            ]
        elif opt in ("--seed", "--se"):
            argv += [opt, draw(numbers | junk)]
        elif opt == "--out":
            argv += ["--out", draw(paths)]
        elif opt == "path":
            argv.append(draw(paths))
        else:
            argv.append(draw(junk) if opt == "junk" else opt)
    return argv


@st.composite
def studio_argv(draw):
    from studio import registry

    scenes = sorted(registry.scenes())
    cmd = draw(
        st.sampled_from(["scenes", "file", "demo", "render", "stills", "figures", "slides", "", "-h", "nope"]) | junk
    )
    argv = [cmd] if cmd else []
    for _ in range(draw(st.integers(0, 5))):
        opt = draw(st.sampled_from(["scene", "-q", "--quality", "--transparent", "junk", "--bogus", "-h"]))
        if opt == "scene":
            argv.append(draw(st.sampled_from(scenes) | junk))
        elif opt in ("-q", "--quality"):
            argv += [opt, draw(st.sampled_from(["l", "m", "h", "p", "k", "x", "", "ll"]) | junk)]
        else:
            argv.append(draw(junk) if opt == "junk" else opt)
    return argv


def _run_cli(main, argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _check_cli(suite, main, argv):
    COUNTS[suite][("argv", "tried")] += 1
    try:
        code, out, err = _run_cli(main, argv)
        assert code in (0, 2), (argv, code, err)
        if code == 2:
            lines = err.strip("\n").split("\n")
            assert len(lines) == 1 and lines[0].startswith("error: "), (argv, err)
            assert "Traceback" not in err
    except BaseException as e:  # noqa: BLE001
        if not os.environ.get("FUZZ_COUNT_ONLY") or isinstance(e, KeyboardInterrupt):
            raise
        FAILURES[f"{suite} CLI: {e.__class__.__name__}"] += 1
        return
    event(f"exit {code}")
    COUNTS[suite][("argv", "clean")] += 1
    EXITS[suite][code] += 1


@_settings(250)
@given(argv=sim_argv())
def test_sim_cli_random_argv(cli_env, argv):
    from sim.core.cli import main

    _check_cli("sim", main, argv)


@_settings(150)
@given(argv=studio_argv())
def test_studio_cli_random_argv(cli_env, argv):
    from studio.__main__ import main

    _check_cli("studio", main, argv)


def test_show_into_a_closed_pipe_is_quiet(tmp_path):
    """`python -m sim show f | head -1`: no traceback, no 'Exception ignored' at exit."""
    import shlex
    import subprocess

    p = tmp_path / "t.npz"
    p.write_bytes(BYTES["mw_sources"])
    from kit.paths import REPO

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    for mod, args in (("sim", ["show", str(p)]), ("sim", ["list"])):  # studio shares run_main
        # `| true`: the reader is gone before the CLI writes its first byte, so every write hits a closed pipe
        r = subprocess.run(
            f"{shlex.quote(sys.executable)} -m {mod} {shlex.join(args)} | true",
            shell=True,
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            executable="/bin/bash",
        )
        assert r.stderr == "", (mod, args, r.stderr)
