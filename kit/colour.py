"""Colour science for the theme's checks: sRGB, CIELAB, CIE76 colour difference, colour-vision deficiency.

Pure NumPy. Colour-vision deficiency is simulated with the matrices of Machado, Oliveira and Fernandes,
"A physiologically-based model for simulation of color vision deficiency", IEEE TVCG 15(6), 2009, at severity
1 (dichromacy), applied to linear RGB. Distances are CIE76 (Euclidean in CIELAB, D65 white).
"""

from __future__ import annotations

import numpy as np

# Machado et al. (2009), Table 1 at severity 1.0 (linear RGB -> linear RGB)
CVD = {
    "protan": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deutan": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
    "tritan": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]
    ),
}
_XYZ = np.array(
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]]
)
_WHITE = _XYZ.sum(axis=1)  # D65 white of sRGB


def hex_to_rgb(code: str) -> np.ndarray:
    """'#RRGGBB' -> sRGB in [0, 1]."""
    c = code.lstrip("#")
    if len(c) != 6:
        raise ValueError(f"colour: expected #RRGGBB, got {code!r}")
    return np.array([int(c[i : i + 2], 16) / 255.0 for i in (0, 2, 4)])


def to_linear(srgb) -> np.ndarray:
    s = np.asarray(srgb, dtype=float)
    return np.where(s <= 0.04045, s / 12.92, ((s + 0.055) / 1.055) ** 2.4)


def to_srgb(linear) -> np.ndarray:
    x = np.clip(np.asarray(linear, dtype=float), 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)


def lab(srgb) -> np.ndarray:
    """CIELAB (D65) of sRGB colours in [0, 1] (last axis 3)."""
    xyz = to_linear(srgb) @ _XYZ.T / _WHITE
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def simulate(srgb, deficiency: str | None) -> np.ndarray:
    """How a dichromat of type ``deficiency`` (protan, deutan, tritan; None: normal vision) sees sRGB colours."""
    if deficiency is None:
        return np.asarray(srgb, dtype=float)
    return to_srgb(to_linear(srgb) @ CVD[deficiency].T)


def grey(srgb) -> np.ndarray:
    """The colour printed in greyscale (its CIELAB lightness as a neutral grey), as sRGB."""
    L = lab(srgb)[..., 0]
    fy = (L + 16) / 116
    y = np.where(fy > 6 / 29, fy**3, 3 * (6 / 29) ** 2 * (fy - 4 / 29))
    return np.repeat(to_srgb(y)[..., None], 3, axis=-1)


def delta_e(a, b) -> float:
    """CIE76 difference of two sRGB colours."""
    return float(np.linalg.norm(lab(a) - lab(b), axis=-1))


def worst_delta_e(a: str, b: str) -> tuple[float, str]:
    """(the smallest CIE76 difference of two '#RRGGBB' colours over normal, protan, deutan and tritan vision,
    the vision where it occurs)."""
    ra, rb = hex_to_rgb(a), hex_to_rgb(b)
    return min((delta_e(simulate(ra, d), simulate(rb, d)), d or "normal") for d in (None, *CVD))


def lightness(code: str) -> float:
    return float(lab(hex_to_rgb(code))[0])
