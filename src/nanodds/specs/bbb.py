"""Blood-brain barrier block of a scenario (``bbb:``): a transient opening (focused ultrasound, osmotic) and
receptor-mediated transcytosis of a ligand-bearing carrier.

::

    bbb:
      opening: {method: focused_ultrasound, start: 0 h, duration: 4 h, volume_fraction: 0.05}
      transcytosis: true     # the carrier's ligand receptor must have brain-endothelial data

``method`` names an entry of ``data/barriers/bbb_opening.yaml`` (its opened pore diameter and default opened
share of the brain). The opening acts on carriers only: the free drug's brain uptake is perfusion-limited with
its Kp (an intact barrier is already in the Kp), so a scenario without a carrier is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nanodds.errors import InputError, known, reject_unknown_keys
from nanodds.specs.carrier import Carrier
from nanodds.specs.params import load_yaml
from nanodds.units import to_canonical

DATA_FILE = "barriers/bbb_opening.yaml"
KEYS = {"opening", "transcytosis"}
TRANSPORT_FILE = "barriers/bbb_transport.yaml"
OPENING_KEYS = {"method", "start", "duration", "volume_fraction"}


@dataclass(frozen=True)
class BBBOpening:
    """A transient opening of the blood-brain barrier (canonical units: h, nm)."""

    method: str
    start_h: float
    duration_h: float
    volume_fraction: float
    """Share (-) of the brain's capillaries that is opened."""
    pore_diameter_nm: float
    """Effective pore diameter of the opened capillaries."""


def opening_methods() -> list[str]:
    """Opening methods with data (``data/barriers/bbb_opening.yaml``)."""
    return sorted(load_yaml(DATA_FILE))


def parse_bbb(raw: Any, has_carrier: bool) -> BBBOpening | None:
    """Parse a scenario's ``bbb:`` block.

    Raises
    ------
    InputError
        An unknown key or method, a window without a duration, a volume fraction outside (0, 1], a scenario
        without a carrier (the block would change nothing).
    """
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InputError("bbb", raw, "a mapping with an 'opening' block and/or 'transcytosis: true'")
    reject_unknown_keys(raw, KEYS, "bbb")
    if "opening" not in raw:
        if "transcytosis" in raw:
            return None
        raise InputError("bbb.opening", None, "an opening {method, start, duration} (or transcytosis: true)")
    op = raw["opening"]
    if not isinstance(op, dict):
        raise InputError("bbb.opening", op, "a mapping {method, start, duration, volume_fraction}")
    reject_unknown_keys(op, OPENING_KEYS, "bbb.opening")
    if not has_carrier:
        raise InputError("bbb.opening", op, "a scenario with a carrier (the free drug's brain uptake is "
                         "perfusion-limited with its Kp: an opening would change nothing)")
    data = load_yaml(DATA_FILE)
    method = op.get("method")
    if not known(method, data):
        raise InputError("bbb.opening.method", method, f"one of {', '.join(opening_methods())}")
    if "duration" not in op:
        raise InputError("bbb.opening.duration", None, "the length of the opening window, e.g. '4 h'")
    start = to_canonical(op.get("start", "0 h"), "h", "bbb.opening.start", nonnegative=True)
    duration = to_canonical(op["duration"], "h", "bbb.opening.duration", positive=True)
    default_f = data[method]["volume_fraction"].to("1")
    frac = to_canonical(op.get("volume_fraction", default_f), "", "bbb.opening.volume_fraction", positive=True)
    if frac > 1.0:
        raise InputError("bbb.opening.volume_fraction", op["volume_fraction"], "a fraction in (0, 1]")
    return BBBOpening(method=str(method), start_h=start, duration_h=duration, volume_fraction=frac,
                      pore_diameter_nm=data[method]["pore_diameter"].to("nm"))



@dataclass(frozen=True)
class BBBTranscytosis:
    """Receptor-mediated transcytosis of the carrier's ligand across the BBB (canonical units: h, nm, mL)."""

    receptor: str
    receptors_per_cell: float
    """Receptors per brain capillary endothelial cell (-)."""
    endothelial_cells_per_mL: float
    """Endothelial cells per mL of brain (1/mL)."""
    transcytosis_rate_per_h: float
    """Transcytosis rate constant of receptor-bound carrier (1/h)."""
    vesicle_diameter_limit_nm: float
    """Carriers of this diameter or larger are not transcytosed (nm)."""


def bbb_receptors() -> list[str]:
    """Receptors with brain-endothelial data (``data/barriers/bbb_transport.yaml``)."""
    return sorted(load_yaml(TRANSPORT_FILE)["receptors"])


def parse_bbb_transcytosis(raw: Any, carrier: Carrier | None) -> BBBTranscytosis | None:
    """Parse ``bbb.transcytosis`` (``true``: the carrier's ligand is transcytosed across the BBB).

    Raises
    ------
    InputError
        A value other than ``true``, a scenario without a carrier or without a ligand, a ligand whose receptor
        has no brain-endothelial data, a carrier too large for the transcytotic vesicles (the key would not act).
    """
    if not isinstance(raw, dict) or "transcytosis" not in raw:
        return None
    value = raw["transcytosis"]
    if value is not True:
        raise InputError("bbb.transcytosis", value, "true (omit the key for no transcytosis)")
    if carrier is None or carrier.ligand is None:
        raise InputError("carrier.ligand", None, "a ligand whose receptor crosses the BBB: "
                         f"{', '.join(bbb_receptors())} (bbb.transcytosis needs a ligand-bearing carrier)")
    data = load_yaml(TRANSPORT_FILE)
    rec = carrier.ligand.receptor
    if not known(rec, data["receptors"]):
        raise InputError("carrier.ligand.receptor", rec, f"a receptor with brain-endothelial data for "
                         f"bbb.transcytosis: {', '.join(bbb_receptors())}")
    limit = data["vesicle_diameter_limit"].to("nm")
    if carrier.diameter_nm >= limit:
        raise InputError("carrier.diameter", f"{carrier.diameter_nm:g} nm", f"below {limit:g} nm for "
                         "bbb.transcytosis (larger carriers do not fit the transcytotic vesicles)")
    r = data["receptors"][rec]
    return BBBTranscytosis(receptor=rec, receptors_per_cell=r["receptors_per_endothelial_cell"].to("1"),
                           endothelial_cells_per_mL=data["endothelial_cell_density"].to("1/mL"),
                           transcytosis_rate_per_h=r["transcytosis_rate"].to("1/h"),
                           vesicle_diameter_limit_nm=data["vesicle_diameter_limit"].to("nm"))
