"""Parameter validation of target localization: clear ParamErrors naming the parameter and its range."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.errors import ParamError
from sim.core.kinds import simulate
from sim.core.sweeps import get_sweep, make_grid, run_serial, validate_record
from sim.mtl import localization as loc
from sim.mtl.paper_compat import paper_setup
from sim.mtl.rules import RuleConfig


@pytest.mark.parametrize(
    "overrides,name,words",
    [
        ({"n_byzantine": 101}, "n_byzantine", "n_agents - 1"),
        ({"n_byzantine": 100}, "n_byzantine", "n_agents - 1"),
        ({"n_agents": 10, "n_byzantine": 12}, "n_byzantine", "[0, 9]"),
        ({"radius": 0.0}, "radius", "(0, "),
        ({"radius": -1.0}, "radius", "(0, "),
        ({"mu": 0.0}, "mu", "(0, 1]"),
        ({"mu": 1.5}, "mu", "(0, 1]"),
        ({"gamma": 0.0}, "gamma", "(0, 1)"),
        ({"gamma": 1.0}, "gamma", "(0, 1)"),
        ({"attack": "loud"}, "attack", "constant, zero"),
        ({"n_noisy": 200}, "n_noisy", "n_agents"),
    ],
)
def test_bad_parameters_are_refused_by_name(overrides, name, words):
    with pytest.raises(ParamError) as e:
        simulate("mtl_localization", 0, {"iterations": 5, **overrides})
    msg = str(e.value)
    assert msg.startswith(f"{name}:") and words in msg, msg


def test_edges_of_the_ranges_are_accepted():
    t = simulate(
        "mtl_localization",
        0,
        {"iterations": 3, "n_agents": 8, "n_byzantine": 7, "mu": 1.0, "gamma": 0.999, "radius": 1e-9},
    )
    assert t["is_byzantine"].sum() == 7
    assert np.array_equal(t["edges"][:, 0], t["edges"][:, 1])  # tiny radius: only self loops


def test_rule_config_validates_directly():
    for kw, name in (
        ({"mu": 0}, "mu"),
        ({"mu": 1.01}, "mu"),
        ({"gamma": 1}, "gamma"),
        ({"gamma": -0.1}, "gamma"),
        ({"self_updates": 3}, "self_updates"),
    ):
        with pytest.raises(ParamError, match=rf"^{name}:"):
            RuleConfig(**kw)
    with pytest.raises(ParamError, match="^n_byzantine:"):
        paper_setup(100)
    with pytest.raises(ParamError, match="^radius:"):
        loc.make_setup({**loc.defaults(), "radius": 0.0}, np.random.default_rng(0))


def test_oversize_runs_are_refused_before_allocation():
    with pytest.raises(ParamError, match="^work:"):
        simulate("mtl_localization", 0, {"n_agents": 5000, "n_byzantine": 0, "iterations": 100_000})


def test_traces_are_deterministic_and_valid():
    a = simulate("mtl_localization", 3, {"iterations": 20, "n_agents": 20, "n_byzantine": 4})
    b = simulate("mtl_localization", 3, {"iterations": 20, "n_agents": 20, "n_byzantine": 4})
    assert a.content_hash == b.content_hash
    assert np.isnan(a["loss"][:, :, a["is_byzantine"]]).all()
    assert not np.isnan(a["loss"][:, :, ~a["is_byzantine"]]).any()


@pytest.mark.parametrize("name", ["mtl_byzantine", "mtl_paper_seeds"])
def test_sweep_smoke_grids_give_valid_records(name):
    sw = get_sweep(name)
    out = run_serial(name, **sw.smoke)
    assert len(out.records) == make_grid(sw, dict(sw.smoke)).n_cells <= 4
    for c, r in zip(out.cells, out.records):
        assert validate_record(sw, dict(c.params), r) is None
    with pytest.raises(ParamError):
        make_grid(sw, {**sw.smoke, "n_byzantine": "0,500"})


def test_paper_kind_replays_the_authors_draws_and_leaves_the_seed_argument_alone():
    a = simulate("mtl_paper", 0, {"n_byzantine": 20, "iterations": 30})
    b = simulate("mtl_paper", 7, {"n_byzantine": 20, "iterations": 30})
    assert np.array_equal(a["estimates"], b["estimates"])  # paper_seed decides, not the trace seed
    c = simulate("mtl_paper", 0, {"n_byzantine": 20, "iterations": 30, "paper_seed": 1})
    assert not np.array_equal(a["positions"], c["positions"])
    assert a.meta["mode"] == "paper_compat" and len(a.meta["attackers"]) == 20
    with pytest.raises(ParamError, match="^n_byzantine:"):
        simulate("mtl_paper", 0, {"n_byzantine": 100})
