"""Derived release rate of the paclitaxel micelles (``polymeric_micelle`` carrier; Apealea's product override).

No clinical number is fitted here. The only retrieved evidence on how fast these micelles let go of paclitaxel in
blood is qualitative (verified in retrieved text):

* PEG-PDLLA (Genexol-PM's polymer): Burt HM et al. Colloids Surf B 1999;16:161, doi:10.1016/S0927-7765(99)00067-3
  (abstract): radiolabelled paclitaxel in PDLLA-MePEG micelles given to rats 'rapidly dissociated from the
  micellar components in the blood'.
* XR17 micelles (Apealea): Borga O et al. Adv Ther 2019, doi:10.1007/s12325-019-01058-6 (introduction): after
  intravenous administration 'the micelles seem to disintegrate rapidly in the blood, thereby releasing
  paclitaxel'.

Reading 'rapidly in the blood' as at least 95 % released within one mean blood circulation time (total blood
volume / cardiac output of the reference human, data/physiology/human.yaml) is an ASSUMPTION; it gives
``k = ln(20) * Q_co / V_blood``. Run ``python -m validation.calibrate_micelle`` to print the derivation,
``--check`` to fail (exit 1) when carriers.yaml or the Apealea override in products.yaml no longer equals it.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from nanodds.catalog.products import get_product
from nanodds.specs.params import load_yaml
from nanodds.units import to_canonical

RELEASED_FRACTION = 0.95  # assumption: 'rapidly' = 95 % released within one circulation time
REL_TOL = 5e-3  # the data files store the rate to 4 significant digits


def circulation_time_h() -> float:
    """Mean blood circulation time of the reference human (h): total blood volume / cardiac output."""
    phys = load_yaml("physiology/human.yaml")
    blood_L = phys["blood_volume_fraction"].to("L/kg") * phys["body_weight"].to("kg")
    return blood_L / phys["cardiac_output"].to("L/h")


def derived_release_rate() -> float:
    """First-order release rate (1/h) that releases RELEASED_FRACTION within one circulation time."""
    return -math.log(1.0 - RELEASED_FRACTION) / circulation_time_h()


def stored_rates() -> dict[str, float]:
    """The release rates (1/h) now stored in the data files for the micelle carrier and Apealea's override."""
    mic = load_yaml("carriers/carriers.yaml")["polymeric_micelle"]
    rel: dict[str, Any] = get_product("apealea").raw["scenario"]["spec"]["carrier"]["release"]
    return {"carriers.yaml polymeric_micelle release_rate_blood": mic["release_rate_blood"].to("1/h"),
            "carriers.yaml polymeric_micelle release_rate_tissue": mic["release_rate_tissue"].to("1/h"),
            "products.yaml apealea release rate_blood": to_canonical(rel["rate_blood"], "1/h", "rate_blood"),
            "products.yaml apealea release rate_tissue": to_canonical(rel["rate_tissue"], "1/h", "rate_tissue")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the data files differ from the derivation")
    args = ap.parse_args(argv)
    t = circulation_time_h()
    k = derived_release_rate()
    print(f"circulation time {t * 60:.3f} min; {RELEASED_FRACTION:.0%} released within it -> k = {k:.4g} 1/h "
          f"(release half-life {math.log(2) / k * 3600:.1f} s)")
    bad = 0
    for where, v in stored_rates().items():
        ok = abs(v / k - 1.0) < REL_TOL
        bad += not ok
        print(f"  {where}: {v:.4g} 1/h {'ok' if ok else 'DIFFERS'}")
    return 1 if (args.check and bad) else 0


if __name__ == "__main__":
    raise SystemExit(main())
