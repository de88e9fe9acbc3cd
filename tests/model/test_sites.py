"""Disease sites as optional compartments with their own environment (scenario ``sites:``), issue #12."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nanodds.engine import build, simulate
from nanodds.errors import InputError, RangeWarning
from nanodds.model.adhesion import bond_pairs, capture_clearance_L_per_h
from nanodds.specs.scenario import parse_scenario

ALL_SITES = [
    {"type": "stroke_lesion", "volume": "0.05 mL"},
    {"type": "injured_artery", "volume": "5 uL", "lumen_diameter": "1 mm", "wall_shear_rate": "500 1/s",
     "adhesion": {"ligand": "glycocalicin"}},
    {"type": "abscess", "volume": "0.1 mL", "in": "muscle"},
    {"type": "inflamed_joint", "volume": "0.05 mL"},
    {"type": "neurodegenerative_region", "volume": "0.03 mL"},
]


def _raw(sites=None, carrier=True, diameter="80 nm", release=None, **extra) -> dict:
    raw = {"species": "mouse", "drug": "doxorubicin", "regimen": [{"route": "iv_bolus", "dose": "5 mg/kg"}],
           "simulation": {"duration": "24 h", "points": 25}}
    if carrier:
        raw["carrier"] = {"type": "pegylated_liposome", "diameter": diameter,
                          "release": release or {"model": "first_order", "rate": "0.05 1/h"}}
    if sites is not None:
        raw["sites"] = sites
    raw.update(extra)
    return raw


def _scn(raw: dict):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return parse_scenario(raw)


@pytest.mark.parametrize("carrier", [True, False])
def test_mass_balance_with_every_site_type(carrier: bool) -> None:
    sites = ALL_SITES if carrier else [{k: v for k, v in s.items() if k != "adhesion"} for s in ALL_SITES]
    sol = simulate(_scn(_raw(sites, carrier=carrier)))
    assert max(sol.mass_balance_rel_error().values()) < 1e-9
    for s in ALL_SITES:
        assert sol.observe(f"site_released_{s['type']}").max() > 0


def test_sites_add_states_and_leave_the_rest_of_the_model_alone() -> None:
    """Dropping the site states from the model with sites gives the model without sites, except the outflow
    (diagonal) of the arterial pools that now also perfuse the sites."""
    base, with_sites = build(_scn(_raw())), build(_scn(_raw(ALL_SITES)))
    keep = [with_sites.names.index(nm) for nm in base.names]
    assert all(":site." not in nm for nm in base.names)
    sub = with_sites.K[np.ix_(keep, keep)]
    diff = np.argwhere(~np.isclose(sub, base.K, rtol=1e-14, atol=0))
    changed = {base.names[i] for i, j in diff if i == j} | {base.names[i] for i, j in diff if i != j}
    assert changed == {"free:arterial_blood", "carrier:arterial_plasma", "encapsulated:arterial_plasma"}
    assert all(i == j for i, j in diff)


def test_free_drug_site_reaches_the_host_kp_at_steady_state() -> None:
    """Perfusion-limited site: at steady state of a constant infusion, C_site = Kp_host / BP x C_arterial_blood."""
    scn = _scn(_raw([{"type": "abscess", "volume": "0.1 mL", "in": "muscle"}], carrier=False))
    m = build(scn)
    keep = [i for i, nm in enumerate(m.names) if ":sink." not in nm]
    u = np.zeros(len(keep))
    u[[m.names[i] for i in keep].index("free:venous_blood")] = 1.0
    y = np.linalg.solve(m.K[np.ix_(keep, keep)], -u)
    names = [m.names[i] for i in keep]
    c_site = y[names.index("free:site.abscess")] / 1e-4
    v_art = scn.physiology.blood_volume_L * (1 - scn.physiology.venous_fraction)
    c_art = y[names.index("free:arterial_blood")] / v_art
    assert c_site / c_art == pytest.approx(scn.drug.kp_blood("muscle"), rel=1e-9)


def test_leakiness_controls_carrier_entry() -> None:
    sol = simulate(_scn(_raw(ALL_SITES)))
    inter = {s["type"]: sol.y[:, sol.model.names.index(f"carrier:site.{s['type']}.interstitial")].max()
             for s in ALL_SITES}
    assert inter["abscess"] > 0 and inter["stroke_lesion"] > 0
    assert inter["neurodegenerative_region"] == 0.0  # 2 nm pores: closed to an 80 nm liposome
    big = simulate(_scn(_raw([{"type": "stroke_lesion", "volume": "0.05 mL"}], diameter="120 nm")))
    assert big.y[:, big.model.names.index("carrier:site.stroke_lesion.interstitial")].max() == 0.0  # > 100 nm pore


def test_site_environment_drives_enzyme_release() -> None:
    """The abscess's 20 nM MMP sets the enzyme-responsive release there (k = kcat E / Km)."""
    scn = _scn(_raw([{"type": "abscess", "volume": "0.1 mL"}, {"type": "abscess", "name": "mild", "volume": "0.1 mL",
                                                                "mmp": "2 nM"}],
                    release={"model": "enzyme", "preset": "gplgiagq_mmp2"}))
    m = build(scn)

    def k(src: str, dst: str) -> float:
        return m.K[m.names.index(dst), m.names.index(src)]

    expected = 32.3 * 60 * 20.0 / 14.8e3
    assert k("encapsulated:site.abscess.interstitial", "free:site.abscess") == pytest.approx(expected, rel=1e-12)
    assert k("encapsulated:site.mild.interstitial", "free:site.mild") == pytest.approx(expected / 10, rel=1e-12)


def test_adhesion_captures_only_ligand_coated_carriers() -> None:
    art = {"type": "injured_artery", "volume": "5 uL", "lumen_diameter": "1 mm", "wall_shear_rate": "500 1/s"}
    tgt = simulate(_scn(_raw([{**art, "adhesion": {"ligand": "glycocalicin"}}])))
    untgt = simulate(_scn(_raw([art])))
    assert tgt.observe("site_wall_carrier_injured_artery").max() > 0
    assert "carrier:site.injured_artery.wall" not in untgt.model.names
    assert tgt.observe("site_released_injured_artery").max() > untgt.observe("site_released_injured_artery").max()
    m = tgt.model
    i, j = m.names.index("carrier:site.injured_artery.wall"), m.names.index("carrier:arterial_plasma")
    scn = _scn(_raw([{**art, "adhesion": {"ligand": "glycocalicin"}}]))
    cl = capture_clearance_L_per_h(80.0, 500.0, 1000.0, bond_pairs("glycocalicin", "injured_artery", "x"), 1.0, 10.0)
    v_art = scn.physiology.blood_volume_L * (1 - scn.physiology.venous_fraction) * (1 - scn.physiology.hematocrit)
    assert m.K[i, j] == pytest.approx(cl / v_art, rel=1e-12)


@pytest.mark.parametrize("sites, match", [
    ([{"type": "tumour_like", "volume": "1 mL"}], r"sites\[0\].type: got 'tumour_like'"),
    ([{"type": "abscess", "volume": "1 mL", "colour": "red"}], r"sites\[0\].colour"),
    ([{"type": "abscess"}], r"sites\[0\].volume"),
    ([{"type": "abscess", "volume": 3}], r"sites\[0\].volume"),
    ([{"type": "stroke_lesion", "volume": "1 mL", "in": "liver"}], r"sites\[0\].in: got 'liver'.*brain"),
    ([{"type": "abscess", "volume": "1 mL"}, {"type": "abscess", "volume": "1 mL"}], r"sites\[1\].name"),
    ([{"type": "stroke_lesion", "volume": "1 mL", "adhesion": {"ligand": "glycocalicin"}}], r"sites\[0\].adhesion"),
    ([{"type": "injured_artery", "volume": "5 uL", "adhesion": {"ligand": "folate"}}],
     r"sites\[0\].adhesion.ligand: got 'folate'.*receptor data"),
    ([{"type": "injured_artery", "volume": "5 uL", "adhesion": {"ligand": "glycocalicin", "kd": "1 nM"}}],
     r"sites\[0\].adhesion.kd"),
    ({"type": "abscess"}, "sites: got"),
])
def test_bad_sites_are_one_line(sites, match: str) -> None:
    with pytest.raises(InputError, match=match) as e:
        parse_scenario(_raw(sites))
    assert "\n" not in str(e.value)


def test_adhesion_without_carrier_and_out_of_range_shear() -> None:
    art = {"type": "injured_artery", "volume": "5 uL", "adhesion": {"ligand": "glycocalicin"}}
    with pytest.raises(InputError, match="with a carrier"):
        parse_scenario(_raw([art], carrier=False))
    with pytest.warns(RangeWarning, match=r"sites\[0\].wall_shear_rate.*20-2000 1/s"):
        parse_scenario(_raw([{**art, "wall_shear_rate": "10000 1/s"}]))


@pytest.mark.parametrize("key, value", [
    ("ph", 6.0), ("mmp", "50 nM"), ("pore_diameter", "30 nm"), ("blood_flow", "0.01 L/h"), ("in", "skin"),
    ("volume", "0.2 mL")])
def test_every_site_key_acts(key: str, value) -> None:
    """Each accepted override changes the model (release constants follow pH and MMP with a matching carrier)."""
    rel = {"model": "enzyme", "preset": "gplgiagq_mmp2"} if key == "mmp" else \
        {"model": "expansile", "preset": "griset2009"} if key == "ph" else None
    site = {"type": "abscess", "volume": "0.1 mL", "in": "muscle"}
    a, b = build(_scn(_raw([site], release=rel))), build(_scn(_raw([{**site, key: value}], release=rel)))
    assert not np.allclose(a.K, b.K, rtol=1e-12, atol=0) or not np.allclose(
        a.observables["site_released_abscess"].weights, b.observables["site_released_abscess"].weights)


@pytest.mark.parametrize("key, value", [("lumen_diameter", "2 mm"), ("injured_length", "20 mm"),
                                        ("wall_shear_rate", "1500 1/s"), ("name", "carotid")])
def test_every_wall_key_acts(key: str, value) -> None:
    site = {"type": "injured_artery", "volume": "5 uL", "adhesion": {"ligand": "glycocalicin"}}
    a = build(_scn(_raw([site])))
    b = build(_scn(_raw([{**site, key: value}])))
    assert a.names != b.names or not np.allclose(a.K, b.K, rtol=1e-12, atol=0)
    c = build(_scn(_raw([{**site, "adhesion": {"ligand": "glycocalicin", "ligand_density": "100 1/um^2"}}])))
    assert not np.allclose(a.K, c.K, rtol=1e-12, atol=0)


def test_cli_refuses_an_unknown_site_type_with_one_line(tmp_path, capsys) -> None:
    import yaml

    from nanodds.interfaces.cli import main

    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(_raw([{"type": "ulcer", "volume": "1 mL"}])))
    assert main(["simulate", str(f), "--out", str(tmp_path / "o"), "--no-plots"]) == 2
    err = [ln for ln in capsys.readouterr().err.splitlines() if "sites[0].type" in ln]
    assert len(err) == 1 and "stroke_lesion" in err[0]
