"""Issue #10 section 3, value level: every bad value a clear one-line error, absurd values a range warning,
impossible results an error (nothing silently wrong)."""

from __future__ import annotations

import copy
import dataclasses
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nanodds import engine
from nanodds.engine import build, check_solution, simulate
from nanodds.errors import InputError, RangeWarning, ResultError
from nanodds.interfaces.cli import main
from nanodds.specs.scenario import parse_scenario, read_yaml
from nanodds.units import to_canonical

ROOT = Path(__file__).resolve().parents[2]
# every shipped scenario (design space files, `nanodds design --space`, are not scenarios: they hold objectives)
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.yaml")
                  if not {"objectives", "parameters"} & set(read_yaml(p)))  # design spaces, sensitivity params


def _mouse(**changes: Any) -> dict[str, Any]:
    """A short mouse Doxil scenario with a tumour; ``changes`` replace top-level blocks."""
    raw: dict[str, Any] = {
        "species": "mouse", "drug": "doxorubicin",
        "carrier": {"type": "pegylated_liposome", "diameter": "85 nm"},
        "regimen": [{"route": "iv_bolus", "dose": "9 mg/kg"}],
        "tumour": {"volume": "0.3 mL"},
        "simulation": {"duration": "24 h", "points": 25, "saturable": False},
    }
    raw.update(changes)
    return raw


def _set(raw: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Copy of ``raw`` with the dotted ``path`` (``regimen.0.dose``) set to ``value``."""
    out = copy.deepcopy(raw)
    node: Any = out
    keys = path.split(".")
    for k in keys[:-1]:
        k2: Any = int(k) if k.isdigit() else k
        if isinstance(node, dict) and k2 not in node:
            node[k2] = {}
        node = node[k2]
    node[int(keys[-1]) if keys[-1].isdigit() else keys[-1]] = value
    return out


def _parse_quiet(raw: dict[str, Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RangeWarning)
        return parse_scenario(raw)


# --- 1. non-finite and overflowing values ----------------------------------------------------------------------

NON_FINITE = [
    ("simulation.duration", "inf h"),
    ("simulation.duration", float("inf")),
    ("regimen.0.dose", "1e308 g"),
    ("regimen.0.dose", "inf mg/kg"),
    ("regimen.0.dose", "nan mg"),
    ("regimen.0.start", "1e300 h"),
    ("subject.body_weight", "inf kg"),
    ("subject.body_weight", float("nan")),
    ("tumour.volume", "inf mL"),
    ("tumour.blood_flow", "1e308 L/h"),
    ("tumour.pore_cutoff", "nan nm"),
    ("carrier.diameter", "inf nm"),
    ("carrier.diameter", "1e30 m"),
    ("carrier.encapsulated_fraction", float("nan")),
    ("carrier.mps_multiplier", float("inf")),
    ("carrier.drug_loading", "inf"),
]


@pytest.mark.parametrize(("path", "value"), NON_FINITE)
def test_non_finite_or_overflowing_values_are_one_line_errors(path: str, value: Any) -> None:
    with pytest.raises(InputError) as exc:
        _parse_quiet(_set(_mouse(), path, value))
    assert exc.value.field.replace("[0]", ".0") == path
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("rate", ["1e308 1/h", "inf 1/h", "nan 1/h"])
def test_non_finite_release_rates_are_errors_before_the_solver(rate: str) -> None:
    raw = _set(_mouse(), "carrier.release", {"model": "first_order", "rate": rate})
    with pytest.raises(InputError, match=r"carrier\.release\.rate.*finite"):
        build(_parse_quiet(raw))


def test_hyperthermia_at_infinite_temperature_is_an_error() -> None:
    raw = _mouse(environment={"hyperthermia": {"duration": "1 h", "temperature": "inf degC"}})
    with pytest.raises(InputError, match=r"environment\.hyperthermia\.temperature"):
        _parse_quiet(raw)


def test_temperature_below_absolute_zero_is_an_error() -> None:
    raw = _mouse(environment={"hyperthermia": {"duration": "1 h", "temperature": "-300 degC"}})
    with pytest.raises(InputError, match="absolute zero"):
        _parse_quiet(raw)


@pytest.mark.parametrize("text", ["inf h", "-inf h", "1e16 h", "1e20 s"])
def test_to_canonical_refuses_infinite_and_absurd_magnitudes(text: str) -> None:
    with pytest.raises(InputError, match="finite value"):
        to_canonical(text, "h", "duration")


def test_body_weight_without_physical_meaning_is_an_error() -> None:
    with pytest.raises(InputError, match=r"subject\.body_weight.*1e-30 kg"):
        _parse_quiet(_mouse(subject={"body_weight": "1e-30 kg"}, tumour=None))


# --- 2. bare numbers for dimensioned fields --------------------------------------------------------------------

BARE = [
    ("regimen.0.dose", 9),
    ("regimen.0.dose", "9"),
    ("regimen.0.start", 0),
    ("regimen.0.start", 2),
    ("simulation.duration", 24),
    ("subject.body_weight", 0.025),
    ("tumour.volume", 0.3),
    ("carrier.diameter", 85),
]


@pytest.mark.parametrize(("path", "value"), BARE)
def test_bare_number_for_a_dimensioned_field_is_an_error(path: str, value: Any) -> None:
    with pytest.raises(InputError, match=r"a quantity with units, e\.g\.") as exc:
        _parse_quiet(_set(_mouse(), path, value))
    assert exc.value.field.replace("[0]", ".0") == path


def test_bare_dose_message_names_the_field_value_and_an_example() -> None:
    with pytest.raises(InputError) as exc:
        _parse_quiet(_set(_mouse(), "regimen.0.dose", 9))
    assert str(exc.value) == "regimen[0].dose: got 9; allowed: a quantity with units, e.g. '9 mg/kg'"


@pytest.mark.parametrize(("path", "value"), [("carrier.encapsulated_fraction", 0.9),
                                             ("carrier.encapsulated_fraction", "90 %"),
                                             ("environment.tumour_ph", 6.8),
                                             ("tumour.vascular_fraction", 0.1)])
def test_dimensionless_fields_still_accept_numbers(path: str, value: Any) -> None:
    _parse_quiet(_set(_mouse(), path, value))


def test_bare_release_rate_is_an_error() -> None:
    raw = _set(_mouse(), "carrier.release", {"model": "first_order", "rate": 0.01})
    with pytest.raises(InputError, match=r"carrier\.release\.rate: got 0\.01; allowed: a quantity with units"):
        build(_parse_quiet(raw))


# --- 3. range warnings -----------------------------------------------------------------------------------------

WARN = [
    ("subject.body_weight", "70 kg", "validated range for mouse: 0.015 to 0.045 kg"),
    ("carrier.diameter", "10 nm", "validated range for pegylated_liposome: 40 to 400 nm"),
    ("carrier.diameter", "1 pm", "validated range for pegylated_liposome"),
    ("carrier.diameter", "1 m", "validated range for pegylated_liposome"),
    ("tumour.volume", "5 mL", "(0.2 L/kg of body weight); validated range: 1e-05 to 0.1 L/kg"),
    ("environment.tumour_ph", 5.0, "validated range: 6 to 7.6"),
]


@pytest.mark.parametrize(("path", "value", "expected"), WARN)
def test_absurd_but_parseable_values_warn_with_the_validated_range(path: str, value: Any, expected: str) -> None:
    with pytest.warns(RangeWarning) as rec:
        parse_scenario(_set(_mouse(), path, value))
    msgs = [str(w.message) for w in rec if w.category is RangeWarning]
    assert any(m.startswith(f"{path}: got {value!r}") and expected in m for m in msgs), msgs


def test_hot_hyperthermia_warns() -> None:
    raw = _mouse(environment={"hyperthermia": {"duration": "1 h", "temperature": "60 degC"}})
    with pytest.warns(RangeWarning, match=r"environment\.hyperthermia\.temperature: got '60 degC'.*36 to 45 degC"):
        parse_scenario(raw)


def test_human_body_weight_of_a_mouse_warns() -> None:
    raw = {"species": "human", "drug": "doxorubicin", "subject": {"body_weight": "0.025 kg", "height": "170 cm"},
           "regimen": [{"dose": "50 mg/m^2"}]}
    with pytest.warns(RangeWarning, match="validated range for human: 35 to 150 kg"):
        parse_scenario(raw)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_shipped_scenarios_raise_no_range_warning(path: Path) -> None:
    raw = read_yaml(path)
    if "payloads" in raw or "oral" in raw:
        from nanodds.analysis.combination import parse_combination
        from nanodds.analysis.oral import parse_oral_scenario

        parse = parse_combination if "payloads" in raw else parse_oral_scenario
    else:
        parse = parse_scenario
    with warnings.catch_warnings():
        warnings.simplefilter("error", RangeWarning)
        parse(raw)


def _without_progress(err: str) -> list[str]:
    """Non-empty stderr lines minus the plain progress lines (``nanodds: simulating ...``) of a piped stderr."""
    return [ln for ln in err.splitlines() if ln.strip() and not (
        ln.endswith("...") and not ln.startswith(("nanodds: error", "nanodds: warning", "nanodds: internal")))]


def test_cli_prints_each_range_warning_as_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scn = tmp_path / "mouse70.yaml"
    raw = _mouse(subject={"body_weight": "0.07 kg"}, tumour=None)
    raw["carrier"]["diameter"] = "10 nm"
    scn.write_text(yaml.safe_dump(raw))
    assert main(["compare", str(scn), "--out", str(tmp_path / "out"), "--no-plots"]) == 0
    err = _without_progress(capsys.readouterr().err)
    assert err == [ln for ln in err if ln.startswith("nanodds: warning: ")]
    assert sum("subject.body_weight: got '0.07 kg'" in ln for ln in err) == 1
    assert sum("carrier.diameter: got '10 nm'" in ln for ln in err) == 1


# --- 4. impossible inputs and results --------------------------------------------------------------------------

def test_tumour_larger_than_half_the_body_is_an_error() -> None:
    with pytest.raises(InputError, match=r"tumour\.volume: got '1e6 L'; allowed: at most 0\.5 L per kg"):
        parse_scenario(_mouse(tumour={"volume": "1e6 L"}))


@pytest.fixture(scope="module")
def good() -> tuple[Any, Any]:
    scn = _parse_quiet(_mouse())
    return scn, simulate(scn)


def test_check_solution_accepts_a_good_run(good: tuple[Any, Any]) -> None:
    scn, sol = good
    check_solution(sol, scn.describe_inputs())
    assert max(sol.mass_balance_rel_error().values()) < 1e-9


def test_failed_mass_balance_is_a_result_error_naming_the_inputs(good: tuple[Any, Any]) -> None:
    scn, sol = good
    bad = dataclasses.replace(sol, y=sol.y * (1 + 1e-3))
    with pytest.raises(ResultError, match=r"result mass_balance_rel_error of drug: got '0\.001.*at most 1e-06.*"
                                          r"inputs: species=mouse, subject\.body_weight=0\.025 kg"):
        check_solution(bad, scn.describe_inputs())


def test_non_finite_result_is_an_error(good: tuple[Any, Any]) -> None:
    scn, sol = good
    y = sol.y.copy()
    y[5, 3] = np.nan
    with pytest.raises(ResultError, match="NaN or inf"):
        check_solution(dataclasses.replace(sol, y=y), scn.describe_inputs())


def test_negative_amount_beyond_round_off_is_an_error(good: tuple[Any, Any]) -> None:
    scn, sol = good
    y = sol.y.copy()
    y[5, sol.model.groups["drug"]] -= 1e-3 * sol.dosed["drug"]
    with pytest.raises(ResultError, match="lowest drug amount"):
        check_solution(dataclasses.replace(sol, y=y), scn.describe_inputs())


def test_delivery_above_100_percent_is_an_error(good: tuple[Any, Any]) -> None:
    scn, sol = good
    dosed = dict(sol.dosed, drug=1e-3 * sol.dosed["drug"])
    with pytest.raises(ResultError, match="tumour delivery efficiency"):
        check_solution(dataclasses.replace(sol, dosed=dosed), scn.describe_inputs())


def test_cli_exits_2_with_one_line_on_an_impossible_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    real = engine.solve

    def leaky(*a: Any, **k: Any) -> Any:
        sol = real(*a, **k)
        return dataclasses.replace(sol, y=sol.y * 0.5)

    monkeypatch.setattr(engine, "solve", leaky)
    scn = tmp_path / "s.yaml"
    scn.write_text(yaml.safe_dump(_mouse()))
    assert main(["simulate", str(scn), "--out", str(tmp_path / "out"), "--no-plots"]) == 2
    err = _without_progress(capsys.readouterr().err)
    assert len(err) == 1 and err[0].startswith("nanodds: error: result ") and "inputs: species=mouse" in err[0]
    assert not (tmp_path / "out" / "metrics.json").exists()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False),
       unit=st.sampled_from(["mg", "ug", "g", "mg/kg", "ug/kg"]))
def test_every_finite_positive_dose_with_units_conserves_mass(value: float, unit: str) -> None:
    raw = _mouse(regimen=[{"route": "iv_bolus", "dose": f"{value!r} {unit}"}], tumour=None, carrier=None,
                 simulation={"duration": "24 h", "points": 13, "saturable": False, "solver": "linear"})
    sol = simulate(parse_scenario(raw))
    assert max(sol.mass_balance_rel_error().values()) < 1e-9


# --- 5. accepted-and-ignored and unknown keys ------------------------------------------------------------------

def test_scenario_magnetic_block_with_an_unknown_key_is_rejected() -> None:
    """The block acts (tests/model/test_magnetic_guidance.py); a key it does not know is refused."""
    with pytest.raises(InputError, match=r"magnetic\.field"):
        parse_scenario(_mouse(magnetic={"field": "10 kA/m"}))


def test_magnetic_heating_of_a_scenario_carrier_without_an_applied_field_is_rejected() -> None:
    """Magnetic heating is modelled with an environment.amf window (tests/release/test_amf_window.py); without
    one the block would change nothing."""
    rel = {"model": "thermosensitive", "magnetic": {"particle_concentration": "5 mg/mL", "core_diameter": "14 nm"}}
    raw = _mouse(carrier={"type": "pegylated_liposome", "release": rel})
    with pytest.raises(InputError, match=r"carrier\.release\.magnetic: .*environment\.amf"):
        parse_scenario(raw)


TYPOS = [
    ("durration", None), ("subject.weight", "25 g"), ("tumour.volumes", "0.3 mL"), ("simulation.point", 10),
    ("environment.tumor_ph", 6.8), ("carrier.diamter", "85 nm"), ("regimen.0.doses", "9 mg/kg"),
    ("environment.hyperthermia.temp", "42 degC"),
]


@pytest.mark.parametrize(("path", "value"), TYPOS)
def test_typo_keys_are_rejected_with_the_allowed_keys(path: str, value: Any) -> None:
    raw = _mouse()
    if path.startswith("environment.hyperthermia"):
        raw["environment"] = {"hyperthermia": {"duration": "1 h", "temperature": "42 degC"}}
    with pytest.raises(InputError, match="known keys: "):
        parse_scenario(_set(raw, path, value))


# --- 6. the other entry points ---------------------------------------------------------------------------------

def test_cli_infinite_activity_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["imaging", str(ROOT / "examples" / "imaging_111in_peg_liposome_human.yaml"), "--label", "111In",
                 "--out", str(tmp_path / "o"), "--activity", "inf MBq"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("nanodds: error: activity: got 'inf MBq'") and "\n" not in err


@pytest.mark.parametrize(("item", "match"), [
    ({"low": "0.001 1/h", "high": ".inf"}, "parameters.release_rate_blood.high"),
    ({"low": "0.001 1/h", "high": "1e308 1/h"}, "parameters.release_rate_blood.high"),
    ({"low": 0.001, "high": "1 1/h"}, "a quantity with units"),
    ({"low": "0.001 1/h", "high": "1 1/h", "lg": True}, "known keys"),
    ({"low": "0.001 1/h", "high": "1 1/h", "log": "no"}, "parameters.release_rate_blood.log"),
])
def test_sensitivity_params_are_checked(item: dict[str, Any], match: str) -> None:
    from nanodds.analysis.model_params import parse_param_specs

    with pytest.raises(InputError, match=match):
        parse_param_specs(_parse_quiet(_mouse()), {"release_rate_blood": item})


def test_population_covariate_infinite_value_is_an_error(tmp_path: Path) -> None:
    from nanodds.population.virtual import PACKAGED, load_covariates
    from nanodds.specs.params import DATA_ROOT

    raw = yaml.safe_load((DATA_ROOT / PACKAGED).read_text(encoding="utf-8"))
    raw["body_weight"]["max"]["value"] = float("inf")
    p = tmp_path / "cov.yaml"
    p.write_text(yaml.safe_dump(raw))
    with pytest.raises(InputError, match=r"covariates\.body_weight\.max.*finite"):
        load_covariates(p)


@pytest.mark.parametrize("value", [float("inf"), 2.0, "abc"])
def test_oral_formulation_fractions_are_checked(value: Any) -> None:
    from nanodds.analysis.oral import parse_oral_scenario

    raw = read_yaml(ROOT / "examples" / "oral_nanosuspension_vs_coarse.yaml")
    raw["oral"]["formulations"][2]["pre_dissolved_fraction"] = value
    with pytest.raises(InputError, match=r"oral\.formulations\[2\]\.pre_dissolved_fraction"):
        parse_oral_scenario(raw)


def test_combination_infinite_target_ratio_is_an_error() -> None:
    from nanodds.analysis.combination import parse_combination

    raw = read_yaml(ROOT / "examples" / "vyxeos_combination_human.yaml")
    raw["target_molar_ratio"] = float("inf")
    with pytest.raises(InputError, match="target_molar_ratio"):
        parse_combination(raw)


def test_fit_profile_with_absurd_time_is_an_error() -> None:
    from nanodds.release.fit_inputs import check_profile

    with pytest.raises(InputError, match="time"):
        check_profile([0.0, 1.0, 1e300], [0.0, 50.0, 90.0])


@pytest.mark.parametrize(("key", "value"), [("saturable", True), ("solver", "linear")])
def test_oral_scenario_refuses_simulation_keys_it_would_ignore(key: str, value: Any) -> None:
    from nanodds.analysis.oral import parse_oral_scenario

    raw = read_yaml(ROOT / "examples" / "oral_nanosuspension_vs_coarse.yaml")
    raw["simulation"][key] = value
    with pytest.raises(InputError, match=rf"simulation\.{key}: .*own stiff solver"):
        parse_oral_scenario(raw)


def test_combination_refuses_a_conventional_block_it_would_ignore() -> None:
    from nanodds.analysis.combination import parse_combination

    raw = read_yaml(ROOT / "examples" / "vyxeos_combination_human.yaml")
    raw["conventional"] = {"name": "7+3", "regimen": [{"dose": "60 mg/m^2"}]}
    with pytest.raises(InputError, match=r"conventional: .*free cocktail"):
        parse_combination(raw)


@pytest.mark.parametrize("bad", ["inf", "1e300", "nan"])
def test_release_csv_with_non_finite_or_absurd_values_is_an_error(tmp_path: Path, bad: str) -> None:
    from nanodds.release.dataio import read_release_csv

    p = tmp_path / "rel.csv"
    p.write_text(f"time_h,percent\n0,0\n1,40\n{bad},90\n")
    with pytest.raises(InputError, match="row 4 of the CSV"):
        read_release_csv(p)


def test_population_covariate_typo_key_is_an_error(tmp_path: Path) -> None:
    from nanodds.population.virtual import PACKAGED, load_covariates
    from nanodds.specs.params import DATA_ROOT

    raw = yaml.safe_load((DATA_ROOT / PACKAGED).read_text(encoding="utf-8"))
    raw["ugt1a"] = raw.pop("ugt1a1")
    p = tmp_path / "cov.yaml"
    p.write_text(yaml.safe_dump(raw))
    with pytest.raises(InputError, match=r"covariates\.ugt1a: .*known keys"):
        load_covariates(p)


@pytest.mark.parametrize(("text", "unit", "nonneg", "wanted", "refused"), [
    ("abc", "h", False, "e.g. '1 h'", "nm"),  # was "e.g. '85 nm'" for a duration
    (True, "h", False, "e.g. '1 h'", "nm"),
    ("nan", "cm", False, "e.g. '1 cm'", "nan cm"),  # a bare 'nan' suggested "e.g. 'nan cm'"
    (-1, "m", True, "e.g. '1 m'", "-1 m"),  # a bare -1 suggested the refused "e.g. '-1 m'"
    (5, "m", True, "e.g. '5 m'", "nm"),  # a bare positive number keeps its magnitude
    ("-5 mg", "", False, "a dimensionless number", "dimension of  ("),  # an empty unit name was printed
    ("5 mg", "h", False, "e.g. '1 h'", "nm"),
])
def test_unit_error_examples_have_the_field_unit(text, unit, nonneg, wanted, refused) -> None:
    """The example in a unit error has the unit the field wants and a value it would accept."""
    with pytest.raises(InputError) as exc:
        to_canonical(text, unit, "f", nonnegative=nonneg)
    assert wanted in str(exc.value) and refused not in str(exc.value), str(exc.value)


def test_dose_error_example_is_a_dose() -> None:
    from nanodds.specs.regimen import parse_regimen

    for bad in ("abc", True, "nan"):
        with pytest.raises(InputError) as exc:
            parse_regimen([{"route": "iv_bolus", "dose": bad}], 70.0, 1.8)
        assert "nm'" not in str(exc.value) and "nan mg" not in str(exc.value), str(exc.value)


def test_simulated_span_beyond_a_year_warns_and_beyond_a_life_is_refused() -> None:
    sim = {"points": 25, "saturable": False}
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        parse_scenario(_mouse(simulation={**sim, "duration": "400 d"}))
        parse_scenario(_mouse(simulation={**sim, "duration": "300 d"}))
    msgs = [str(w.message) for w in seen if issubclass(w.category, RangeWarning)]
    assert len(msgs) == 1 and msgs[0].startswith("simulation.duration: got '400 d'; validated range: 0 to 8760 h")
    with pytest.raises(InputError, match=r"simulation\.duration: got '200 year'.*876600 h"):
        parse_scenario(_mouse(simulation={**sim, "duration": "200 year"}))
