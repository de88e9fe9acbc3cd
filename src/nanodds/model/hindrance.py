"""Size-dependent transport factors: pore hindrance and glomerular sieving."""

from __future__ import annotations

import math


def renkin(diameter_nm: float, pore_nm: float) -> float:
    """Renkin hindrance of a sphere through a cylindrical pore (-), 0 when the sphere exceeds the pore.

    ``Phi = (1 - l)^2 (1 - 2.104 l + 2.09 l^3 - 0.95 l^5)`` with ``l = d / d_pore``.
    Renkin EM. J Gen Physiol 1954;38:225, doi:10.1085/jgp.38.2.225.
    """
    lam = diameter_nm / pore_nm
    if lam >= 1.0:
        return 0.0
    return float((1 - lam) ** 2 * (1 - 2.104 * lam + 2.09 * lam**3 - 0.95 * lam**5))


def glomerular_sieving(diameter_nm: float, cutoff_nm: float, width_nm: float) -> float:
    """Fraction of the glomerular filtrate concentration reached by a particle (-), logistic in size.

    The logistic ``1 / (1 + exp(z))``, ``z = (d - cutoff) / width``, written as ``exp(-z) / (1 + exp(-z))`` for
    ``z > 0`` so micrometre particles give 0 without an overflow (no scipy import: start-up time).
    """
    z = (diameter_nm - cutoff_nm) / width_nm
    if z > 0.0:
        e = math.exp(-z)
        return e / (1.0 + e)
    return 1.0 / (1.0 + math.exp(z))
