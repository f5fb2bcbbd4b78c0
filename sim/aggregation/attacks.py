"""Simulated poisoning attacks (for evaluating defences only).

Seed 003's ModelPoisoningAttack (scaling, noise, sign flip) and the standard
omniscient attacks, each drawing from a numpy Generator. Two forms:

- stack functions ``attack(x, byz, rng, **params) -> x'`` on stacked updates
  x (..., n, d) with byz (..., n) or (n,) True for the Byzantine rows,
  vectorised over the leading axes (the sweep uses these);
- :class:`ModelPoisoningAttack` with ``apply(client_updates, malicious_indices)``
  on seed 003's list of [n_i, d] arrays: every update is copied, only the
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
from ..core.plugins import load_plugins


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


def _pos(name, v, allow_zero=False):
    if (
        isinstance(v, bool)
        or not isinstance(v, (int, float, np.integer, np.floating))
        or not math.isfinite(v)
        or (v < 0 if allow_zero else v <= 0)
    ):
        raise ParamError(f"{name}: must be a number in {'[0' if allow_zero else '(0'}, inf), got {v!r}")
    return float(v)


# --------------------------------------------------------------------------- stack attacks
def scaling(x, byz, rng=None, *, scale_factor=100.0):
    """Byzantine rows multiplied by scale_factor (seed 003)."""
    if isinstance(scale_factor, bool) or not isinstance(scale_factor, (int, float)) or not math.isfinite(scale_factor):
        raise ParamError(f"scale_factor: must be a finite number, got {scale_factor!r}")
    b = np.broadcast_to(np.asarray(byz, bool), x.shape[:-1])
    return np.where(b[..., None], x * float(scale_factor), x)


def noise(x, byz, rng, *, noise_std=10.0):
    """Byzantine rows plus N(0, noise_std^2) noise (seed 003)."""
    s = _pos("noise_std", noise_std, allow_zero=True)
    b = np.broadcast_to(np.asarray(byz, bool), x.shape[:-1])
    return np.where(b[..., None], x + rng.normal(0.0, s, x.shape), x)


def sign_flip(x, byz, rng=None):
    """Byzantine rows negated (seed 003)."""
    b = np.broadcast_to(np.asarray(byz, bool), x.shape[:-1])
    return np.where(b[..., None], -x, x)


ALIE_CONVENTIONS = ("paper", "honest")


def alie_z(n: int, f: int, convention: str = "paper") -> float:
    """z_max of A Little Is Enough (Baruch et al. 2019): s = floor(n/2 + 1) - f supporters needed, and

    - ``convention="paper"``: z = Phi^-1((n - s) / n), as the paper's algorithm states it;
    - ``convention="honest"``: z = Phi^-1((n - f - s) / (n - f)), counted over the n - f honest workers, as in
      Karimireddy et al.'s public ALIE attacker and the code derived from it (docs/aggregation.md)."""
    from scipy.stats import norm

    if convention not in ALIE_CONVENTIONS:
        raise ParamError(f"convention: must be one of {', '.join(ALIE_CONVENTIONS)}, got {convention!r}")
    s = math.floor(n / 2 + 1) - f
    p = (n - s) / n if convention == "paper" else (n - f - s) / max(n - f, 1)
    return float(norm.ppf(min(max(p, 1e-12), 1 - 1e-12)))


def alie(x, byz, rng=None, *, z=None, convention="paper"):
    """A Little Is Enough: every Byzantine row is mu - z sigma (honest coordinate-wise mean and std);
    z = ``z``, else :func:`alie_z` under ``convention``."""
    b = _byz(x, byz)
    mu, sd = _honest_moments(x, b)
    if z is None:
        n, f = x.shape[-2], int(b.reshape(-1, b.shape[-1])[0].sum())
        z = alie_z(n, f, convention)
    return np.where(b[..., None], (mu - float(z) * sd)[..., None, :], x)


def inner_product(x, byz, rng=None, *, epsilon=0.1):
    """Inner-product manipulation: every Byzantine row is -epsilon times the honest mean."""
    e = _pos("epsilon", epsilon)
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


def gaussian(x, byz, rng, *, sigma=10.0):
    """Gaussian: every Byzantine row is N(0, sigma^2 I) noise."""
    s = _pos("sigma", sigma)
    b = np.broadcast_to(np.asarray(byz, bool), x.shape[:-1])
    return np.where(b[..., None], rng.normal(0.0, s, x.shape), x)


NONFINITE_VALUES = ("nan", "inf", "-inf", "mixed")


def nonfinite(x, byz, rng, *, value="nan", fraction=1.0):
    """Byzantine rows get NaN / +inf / -inf ("mixed": each drawn) in a random ``fraction`` of their coordinates."""
    if value not in NONFINITE_VALUES:
        raise ParamError(f"value: must be one of {', '.join(NONFINITE_VALUES)}, got {value!r}")
    fr = _pos("fraction", fraction)
    if fr > 1:
        raise ParamError(f"fraction: must be a number in (0, 1], got {fraction!r}")
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


def apply_attack(name: str, x, byz, rng: np.random.Generator, **params):
    """Run a stack attack by name (ParamError names the allowed ones)."""
    if name not in ATTACKS and name not in attack_names():
        raise ParamError(f"attack: must be one of {', '.join(attack_names())}, got {name!r}")
    if not isinstance(rng, np.random.Generator):
        raise ParamError(f"rng: must be a numpy.random.Generator, got {type(rng).__name__}")
    return (ATTACKS.get(name) or PLUGIN_ATTACKS[name])(np.asarray(x, float), byz, rng, **params)


# --------------------------------------------------------------------------- seed 003's interface
class ModelPoisoningAttack:
    """Seed 003's attack on a list of client updates: copies of all, the malicious ones attacked.

    ``attack_type`` is any of ATTACKS; scaling uses ``scale_factor``, noise
    ``noise_std``; other parameters go in ``params``. Random draws come from
    ``rng`` (a Generator) or, as in the seed, from ``np.random.default_rng(seed)``.
    The omniscient attacks pool the honest clients' vectors for mu and sigma.
    """

    def __init__(
        self,
        attack_type: str = "scaling",
        scale_factor: float = 100.0,
        noise_std: float = 10.0,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        **params,
    ):
        if attack_type not in ATTACKS:
            raise ParamError(f"attack_type: must be one of {', '.join(ATTACKS)}, got {attack_type!r}")
        self.attack_type, self.scale_factor, self.noise_std, self.seed = attack_type, scale_factor, noise_std, seed
        self.params = dict(params)
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise ParamError(f"rng: must be a numpy.random.Generator, got {type(rng).__name__}")
        self._rng = rng if rng is not None else np.random.default_rng(seed)

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
            kw["z"] = alie_z(n, len(mal), kw.pop("convention", "paper"))
        vec = ATTACKS[self.attack_type](stack, byz, self._rng, **kw)[-1]
        for i in mal:
            result[i] = np.broadcast_to(vec, result[i].shape).copy()
        return result
