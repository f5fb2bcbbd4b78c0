"""A search for theme colours that survive colour-vision deficiency (``python -m kit.palette_search``).

Not used at render time: it proposes the colours written into ``assets/theme.toml`` (a person looks at them
before they go in). Candidates are an LCh grid inside the sRGB gamut, limited per palette to a lightness range
that reads on its background. A set is grown greedily: each new colour is the candidate whose worst CIE76
difference to the colours already chosen (over normal, protan, deutan and tritan vision, Machado et al. 2009
severity 1, :mod:`kit.colour`) is largest, with random restarts; the best of the restarts is kept.
"""

from __future__ import annotations

import argparse

import numpy as np

from .colour import CVD, lab, simulate

_VISIONS = (None, *CVD)


def lab_to_srgb(L, a, b) -> np.ndarray:
    """sRGB (may fall outside [0, 1]: out of gamut) of CIELAB colours (D65)."""
    from .colour import _WHITE, _XYZ

    fy = (np.asarray(L, float) + 16) / 116
    fx, fz = fy + np.asarray(a, float) / 500, fy - np.asarray(b, float) / 200
    d = 6 / 29

    def inv(f):
        return np.where(f > d, f**3, 3 * d * d * (f - 4 / 29))

    xyz = np.stack([inv(fx), inv(fy), inv(fz)], axis=-1) * _WHITE
    lin = xyz @ np.linalg.inv(_XYZ).T
    out = np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * np.abs(lin) ** (1 / 2.4) * np.sign(lin) - 0.055)
    return np.where((lin >= -1e-9) & (lin <= 1 + 1e-9), out, np.where(lin < 0, -1.0, 2.0))


def to_hex(rgb) -> str:
    r, g, b = (int(round(float(np.clip(c, 0, 1)) * 255)) for c in rgb)
    return f"#{r:02X}{g:02X}{b:02X}"


def candidates(l_range, c_range=(25, 110), step_l=3.0, step_c=6.0, step_h=6.0) -> np.ndarray:
    """sRGB colours of an LCh grid in the gamut, lightness in ``l_range``, chroma in ``c_range``."""
    L, C, H = np.meshgrid(
        np.arange(l_range[0], l_range[1] + 1e-9, step_l),
        np.arange(c_range[0], c_range[1] + 1e-9, step_c),
        np.deg2rad(np.arange(0, 360, step_h)),
        indexing="ij",
    )
    rgb = lab_to_srgb(L.ravel(), (C * np.cos(H)).ravel(), (C * np.sin(H)).ravel())
    ok = np.all((rgb >= 0) & (rgb <= 1), axis=1)
    rgb = np.round(rgb[ok] * 255) / 255
    return np.unique(rgb, axis=0)


def labs(rgb) -> np.ndarray:
    """(n, 4, 3): CIELAB of each colour under normal, protan, deutan, tritan vision."""
    rgb = np.atleast_2d(rgb)
    return np.stack([lab(simulate(rgb, v)) for v in _VISIONS], axis=1)


def worst(a_labs, b_labs) -> np.ndarray:
    """Worst-vision distance between every row of ``a_labs`` (n, 4, 3) and one colour ``b_labs`` (4, 3)."""
    return np.linalg.norm(a_labs - b_labs[None], axis=-1).min(axis=1)


def grow(cands, fixed, k, rng, avoid=(), avoid_min=0.0, pick_from=8):
    """Add ``k`` colours to ``fixed`` (sRGB rows), each far (worst vision) from those chosen.

    ``avoid`` are colours the new ones must stay ``avoid_min`` away from (roles, for a family). Each step
    picks at random among the ``pick_from`` best candidates (restarts explore different sets).
    """
    cl = labs(cands)
    chosen = [np.asarray(c, float) for c in fixed]
    dmin = np.full(len(cands), np.inf)
    for c in chosen:
        dmin = np.minimum(dmin, worst(cl, labs(c)[0]))
    ok = np.ones(len(cands), bool)
    for c in avoid:
        ok &= worst(cl, labs(c)[0]) >= avoid_min
    new = []
    for _ in range(k):
        score = np.where(ok, dmin, -np.inf)
        top = np.argsort(score)[-pick_from:]
        i = int(rng.choice(top))
        new.append(cands[i])
        dmin = np.minimum(dmin, worst(cl, cl[i]))
    return new


def min_pair(rgbs) -> float:
    ls = labs(np.asarray(rgbs))
    n = len(ls)
    return min(float(worst(ls[i : i + 1], ls[j])[0]) for i in range(n) for j in range(i + 1, n)) if n > 1 else np.inf


def search(cands, fixed, k, restarts=200, seed=0, avoid=(), avoid_min=0.0):
    rng = np.random.default_rng(seed)
    best, best_d = None, -1.0
    for _ in range(restarts):
        new = grow(cands, fixed, k, rng, avoid, avoid_min)
        d = min_pair(list(fixed) + new)
        if d > best_d:
            best, best_d = new, d
    return best, best_d


def main(argv=None) -> int:
    from .colour import hex_to_rgb

    ap = argparse.ArgumentParser(prog="python -m kit.palette_search")
    ap.add_argument("--fixed", nargs="*", default=[], help="#RRGGBB colours already chosen")
    ap.add_argument("--avoid", nargs="*", default=[], help="#RRGGBB colours the new ones stay away from")
    ap.add_argument("--avoid-min", type=float, default=8.0)
    ap.add_argument("-k", type=int, default=4, help="how many colours to add")
    ap.add_argument("--light", type=float, nargs=2, default=(55, 90), help="lightness range (L*)")
    ap.add_argument("--chroma", type=float, nargs=2, default=(25, 110))
    ap.add_argument("--restarts", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    cands = candidates(a.light, a.chroma)
    fixed = [hex_to_rgb(h) for h in a.fixed]
    avoid = [hex_to_rgb(h) for h in a.avoid]
    new, d = search(cands, fixed, a.k, a.restarts, a.seed, avoid, a.avoid_min)
    print(f"{len(cands)} candidates; smallest worst-vision pair {d:.1f}")
    for c in new:
        print(to_hex(c), f"L*={lab(c)[0]:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
