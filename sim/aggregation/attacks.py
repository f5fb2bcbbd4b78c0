"""Simulated poisoning attacks (for evaluating defences only).

The original aggregation module's ModelPoisoningAttack (scaling, noise, sign flip) and the standard
omniscient attacks, each drawing from a numpy Generator. Two forms:

- stack functions ``attack(x, byz, rng, **params) -> x'`` on stacked updates
  x (..., n, d) with byz (..., n) or (n,) True for the Byzantine rows,
  vectorised over the leading axes (the sweep uses these);
- :class:`ModelPoisoningAttack` with ``apply(client_updates, malicious_indices)``
  on the original module's list of [n_i, d] arrays: every update is copied, only the
  malicious clients' copies change.

The omniscient attacks know the honest updates: ALIE (Baruch et al. 2019)
sends mu - z sigma coordinate-wise, IPM (Xie et al. 2020) sends -eps mu,
mimic (Karimireddy et al. 2022) copies one honest client, Gaussian sends
N(0, sigma^2) noise, and non-finite sends NaN or ±inf.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..core.errors import ParamError
from ..core.params import LiveChoices, Param
from ..core.plugins import load_plugins
from ..core.rng import check_generator


def _byz(x: np.ndarray, byz) -> np.ndarray:
    b = np.broadcast_to(np.asarray(byz, bool), x.shape[:-1])
    if np.any(b.sum(-1) == b.shape[-1]):
        raise ParamError("malicious_indices: the omniscient attacks need at least one honest client")
    return b


def _honest_moments(x, b):
    h = (~b)[..., None]
    k = np.maximum((~b).sum(-1), 1)[..., None]
    mu = np.where(h, x, 0.0).sum(-2) / k
    var = np.where(h, (x - mu[..., None, :]) ** 2, 0.0).sum(-2) / np.maximum(k - 1, 1)
    return mu, np.sqrt(var)


ALIE_CONVENTIONS = ("paper", "honest")
NONFINITE_VALUES = ("nan", "inf", "-inf", "mixed")

# The attacks' knobs: each default and range lives here once.
SCALE_FACTOR = Param("scale_factor", float, 100.0, "scaling: factor on the Byzantine rows")
NOISE_STD = Param("noise_std", float, 10.0, "noise: standard deviation added to the Byzantine rows", low=0.0)
CONVENTION = Param(
    "convention", str, "paper", "ALIE's z: counted over all n workers or the n - f honest", choices=ALIE_CONVENTIONS
)
EPSILON = Param("epsilon", float, 0.1, "inner product: the Byzantine rows are -epsilon mu", low=0.0, low_open=True)
SIGMA = Param("sigma", float, 10.0, "gaussian: standard deviation of the Byzantine rows", low=0.0, low_open=True)
VALUE = Param("value", str, "nan", "nonfinite: the value sent (mixed: each drawn)", choices=NONFINITE_VALUES)
FRACTION = Param(
    "fraction", float, 1.0, "nonfinite: fraction of a Byzantine row's coordinates hit", low=0.0, high=1.0, low_open=True
)


# --------------------------------------------------------------------------- stack attacks
def scaling(x, byz, rng=None, *, scale_factor=SCALE_FACTOR.default):
    """Byzantine rows multiplied by scale_factor."""
    c = SCALE_FACTOR.coerce(scale_factor)
    b = np.broadcast_to(np.asarray(byz, bool), x.shape[:-1])
    return np.where(b[..., None], x * c, x)


def noise(x, byz, rng, *, noise_std=NOISE_STD.default):
    """Byzantine rows plus N(0, noise_std^2) noise."""
    s = NOISE_STD.coerce(noise_std)
    b = np.broadcast_to(np.asarray(byz, bool), x.shape[:-1])
    return np.where(b[..., None], x + rng.normal(0.0, s, x.shape), x)


def sign_flip(x, byz, rng=None):
    """Byzantine rows negated."""
    b = np.broadcast_to(np.asarray(byz, bool), x.shape[:-1])
    return np.where(b[..., None], -x, x)


def alie_z(n: int, f: int, convention: str = CONVENTION.default) -> float:
    """z_max of A Little Is Enough (Baruch et al. 2019): s = floor(n/2 + 1) - f supporters needed, and

    - ``convention="paper"``: z = Phi^-1((n - s) / n), as the paper's algorithm states it;
    - ``convention="honest"``: z = Phi^-1((n - f - s) / (n - f)), counted over the n - f honest workers, as in
      Karimireddy et al.'s public ALIE attacker and the code derived from it (docs/aggregation.md)."""
    from scipy.stats import norm

    convention = CONVENTION.coerce(convention)
    s = math.floor(n / 2 + 1) - f
    p = (n - s) / n if convention == "paper" else (n - f - s) / max(n - f, 1)
    return float(norm.ppf(min(max(p, 1e-12), 1 - 1e-12)))


def alie(x, byz, rng=None, *, z=None, convention=CONVENTION.default):
    """A Little Is Enough: every Byzantine row is mu - z sigma (honest coordinate-wise mean and std);
    z = ``z``, else :func:`alie_z` under ``convention``."""
    b = _byz(x, byz)
    mu, sd = _honest_moments(x, b)
    if z is None:
        n, f = x.shape[-2], int(b.reshape(-1, b.shape[-1])[0].sum())
        z = alie_z(n, f, convention)
    return np.where(b[..., None], (mu - float(z) * sd)[..., None, :], x)


def inner_product(x, byz, rng=None, *, epsilon=EPSILON.default):
    """Inner-product manipulation: every Byzantine row is -epsilon times the honest mean."""
    e = EPSILON.coerce(epsilon)
    b = _byz(x, byz)
    mu, _ = _honest_moments(x, b)
    return np.where(b[..., None], (-e * mu)[..., None, :], x)


def mimic(x, byz, rng, *, target=None):
    """Mimic: every Byzantine row copies one honest client (``target``, else drawn from rng per batch entry)."""
    b = _byz(x, byz)
    flat = b.reshape(-1, b.shape[-1])
    if target is None:
        keys = np.where(~flat, rng.random(flat.shape), -1.0)
        t = np.argmax(keys, axis=-1)  # a uniformly drawn honest row
    else:
        t = np.full(flat.shape[0], int(target))
        if np.any(flat[np.arange(len(t)), t]):
            raise ParamError(f"target: must be an honest client, got {target!r}")
    xf = x.reshape(-1, *x.shape[-2:])
    copy = xf[np.arange(len(t)), t]  # (B, d)
    out = np.where(flat[..., None], copy[:, None, :], xf)
    return out.reshape(x.shape)


def gaussian(x, byz, rng, *, sigma=SIGMA.default):
    """Gaussian: every Byzantine row is N(0, sigma^2 I) noise."""
    s = SIGMA.coerce(sigma)
    b = np.broadcast_to(np.asarray(byz, bool), x.shape[:-1])
    return np.where(b[..., None], rng.normal(0.0, s, x.shape), x)


def nonfinite(x, byz, rng, *, value=VALUE.default, fraction=FRACTION.default):
    """Byzantine rows get NaN / +inf / -inf ("mixed": each drawn) in a random ``fraction`` of their coordinates."""
    value = VALUE.coerce(value)
    fr = FRACTION.coerce(fraction)
    b = np.broadcast_to(np.asarray(byz, bool), x.shape[:-1])
    hit = rng.random(x.shape) < fr
    d = x.shape[-1]
    first = np.zeros(x.shape, bool)
    first[..., rng.integers(d)] = True  # at least one coordinate per Byzantine row
    hit |= first
    if value == "mixed":
        bad = np.choose(rng.integers(0, 3, x.shape), [np.nan, np.inf, -np.inf])
    else:
        bad = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}[value]
    return np.where(b[..., None] & hit, bad, x)


ATTACKS = {
    "scaling": scaling,
    "noise": noise,
    "sign_flip": sign_flip,
    "alie": alie,
    "inner_product": inner_product,
    "mimic": mimic,
    "gaussian": gaussian,
    "nonfinite": nonfinite,
}


# Attacks registered by plugins (sim.aggregation.registry fills it): name -> stack attack(x, byz, rng).
PLUGIN_ATTACKS: dict = {}


def attack_names() -> tuple[str, ...]:
    """Every attack: the built-in ones, then those plugins registered (loaded first)."""
    load_plugins()
    return (*ATTACKS, *PLUGIN_ATTACKS)


ATTACK = Param("attack", str, "sign_flip", "attack of the Byzantine clients", choices=LiveChoices(attack_names))
ATTACK_TYPE = Param("attack_type", str, "scaling", "attack of ModelPoisoningAttack (built-in)", choices=tuple(ATTACKS))


def apply_attack(name: str, x, byz, rng: np.random.Generator, **params):
    """Run a stack attack by name (ParamError names the allowed ones)."""
    if name not in ATTACKS:  # (a built-in name needs no plugin loaded)
        ATTACK.coerce(name)
    check_generator(rng)
    return (ATTACKS.get(name) or PLUGIN_ATTACKS[name])(np.asarray(x, float), byz, rng, **params)


# --------------------------------------------------------------------------- the list interface
class ModelPoisoningAttack:
    """The attack on a list of client updates: copies of all, the malicious ones attacked.

    ``attack_type`` is any of ATTACKS; scaling uses ``scale_factor``, noise
    ``noise_std``; other parameters go in ``params``. Random draws come from
    ``rng`` (a Generator) or, as in the original module, from ``np.random.default_rng(seed)``.
    The omniscient attacks pool the honest clients' vectors for mu and sigma.
    """

    def __init__(
        self,
        attack_type: str = ATTACK_TYPE.default,
        scale_factor: float = SCALE_FACTOR.default,
        noise_std: float = NOISE_STD.default,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        **params,
    ):
        ATTACK_TYPE.coerce(attack_type)
        self.attack_type, self.scale_factor, self.noise_std, self.seed = attack_type, scale_factor, noise_std, seed
        self.params = dict(params)
        self._rng = np.random.default_rng(seed) if rng is None else check_generator(rng)

    def _params(self) -> dict:
        if self.attack_type == "scaling":
            return {"scale_factor": self.scale_factor, **self.params}
        if self.attack_type == "noise":
            return {"noise_std": self.noise_std, **self.params}
        return dict(self.params)

    def apply(self, client_updates: list[np.ndarray], malicious_indices: Sequence[int]) -> list[np.ndarray]:
        result = [np.array(u, dtype=float, copy=True) for u in client_updates]
        n = len(result)
        mal = sorted({int(i) for i in malicious_indices})
        for i in mal:
            if not 0 <= i < n:
                raise ParamError(f"malicious_indices: must be client indices in [0, {n - 1}], got {i}")
        if not mal:
            return result
        if self.attack_type in ("scaling", "noise", "sign_flip", "gaussian", "nonfinite"):
            for i in mal:  # one client at a time: its own shape
                a = result[i]
                two = a.reshape(-1, a.shape[-1]) if a.ndim else a.reshape(1, 1)
                out = ATTACKS[self.attack_type](
                    two[None], np.ones((1, two.shape[0]), bool), self._rng, **self._params()
                )[0]
                result[i] = out.reshape(a.shape)
            return result
        # omniscient: pool the honest clients' vectors; every malicious vector becomes the attack vector
        honest = [result[i].reshape(-1, result[i].shape[-1]) for i in range(n) if i not in set(mal)]
        if not honest:
            raise ParamError("malicious_indices: the omniscient attacks need at least one honest client")
        pool = np.concatenate(honest, axis=0)
        if self.attack_type == "mimic":
            honest_ids = [i for i in range(n) if i not in set(mal)]
            t = self.params.get("target")
            t = honest_ids[int(self._rng.integers(len(honest_ids)))] if t is None else int(t)
            if t not in honest_ids:
                raise ParamError(f"target: must be an honest client, got {t!r}")
            for i in mal:
                result[i] = result[t].copy()  # an exact copy of an honest update
            return result
        stack = np.concatenate([pool, np.zeros((1, pool.shape[1]))], axis=0)
        byz = np.zeros(len(stack), bool)
        byz[-1] = True
        kw = dict(self.params)
        if self.attack_type == "alie" and "z" not in kw:
            kw["z"] = alie_z(n, len(mal), kw.pop("convention", CONVENTION.default))
        vec = ATTACKS[self.attack_type](stack, byz, self._rng, **kw)[-1]
        for i in mal:
            result[i] = np.broadcast_to(vec, result[i].shape).copy()
        return result
