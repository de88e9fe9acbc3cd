"""Reading dissolution/release data from CSV files.

Two layouts are accepted:

- **long**: one row per observation with a time column, a percent-released column, optionally a profile
  column (batch, formulation, ...) and a replicate column (tablet, vessel, unit, ...);
- **wide**: a time column and one numeric column per profile (mean profiles, no replicates).

Column names are configurable; otherwise they are auto-detected from common names (case-insensitive).
Times stay in the declared unit (``min``, ``h``, ``s`` or ``d``); when no unit is declared it is taken
from a suffix of the time column (``time_min``, ``t_h``, ``time (h)``), else minutes are assumed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from nanodds.errors import InputError, known
from nanodds.specs.validity import magnitude_limit

__all__ = ["TIME_UNITS", "ReleaseData", "read_release_csv"]

TIME_UNITS: tuple[str, ...] = ("min", "h", "s", "d")
_UNIT_ALIASES = {"min": "min", "mins": "min", "minute": "min", "minutes": "min", "h": "h", "hr": "h",
                 "hrs": "h", "hour": "h", "hours": "h", "s": "s", "sec": "s", "second": "s",
                 "seconds": "s", "d": "d", "day": "d", "days": "d"}
_TIME_NAMES = ("time", "t", "times")
_PERCENT_NAMES = ("percent_released", "percent", "released", "release", "dissolved", "pct", "%", "value",
                  "cumulative_release", "y")
_PROFILE_NAMES = ("profile", "batch", "formulation", "group", "product", "lot", "sample")
_REPLICATE_NAMES = ("replicate", "tablet", "unit", "vessel", "rep", "capsule", "id")


@dataclass(frozen=True)
class ReleaseData:
    """Tidy release data: columns ``profile``, ``replicate``, ``time``, ``percent``.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per observation; ``time`` in ``time_unit``, ``percent`` in % released.
    time_unit : str
        One of ``min``, ``h``, ``s``, ``d``.
    has_replicates : bool
        True when individual units (tablets) are available.
    """

    table: pd.DataFrame
    time_unit: str
    has_replicates: bool

    @property
    def profiles(self) -> list[str]:
        """Profile names in order of appearance."""
        return list(dict.fromkeys(self.table["profile"]))

    def _check_profile(self, profile: str) -> pd.DataFrame:
        sub = self.table[self.table["profile"] == profile]
        if sub.empty:
            raise InputError("profile", profile, "one of " + ", ".join(self.profiles))
        return sub

    def mean_profile(self, profile: str) -> tuple[np.ndarray, np.ndarray]:
        """Times (``time_unit``) and mean percent released (%) of one profile."""
        g = self._check_profile(profile).groupby("time", sort=True)["percent"].mean()
        return g.index.to_numpy(float), g.to_numpy(float)

    def unit_matrix(self, profile: str) -> tuple[np.ndarray, np.ndarray]:
        """Times and a ``(n_units, n_times)`` matrix of percent released; units missing a time are dropped."""
        sub = self._check_profile(profile)
        wide = sub.pivot_table(index="replicate", columns="time", values="percent", aggfunc="mean")
        wide = wide.dropna(axis=0, how="any")
        if wide.empty:
            raise InputError("replicate", profile, "at least one unit measured at every time point")
        return wide.columns.to_numpy(float), wide.to_numpy(float)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9%]+", "_", str(name).strip().lower()).strip("_")


def _find(columns: list[str], candidates: tuple[str, ...], given: str | None, what: str) -> str | None:
    if given is not None:
        if not known(given, columns):
            raise InputError(f"{what}_column", given, "one of the CSV columns: " + ", ".join(columns))
        return given
    normed = {_norm(c): c for c in columns}
    for cand in candidates:  # exact names first, then prefixes such as time_min
        if cand in normed:
            return normed[cand]
    for cand in candidates:
        for key, col in normed.items():
            if len(cand) > 1 and key.startswith(cand + "_"):
                return col
    return None


def _unit_from_name(col: str) -> str | None:
    parts = _norm(col).split("_")
    return _UNIT_ALIASES.get(parts[-1]) if len(parts) > 1 else None


def _numeric(df: pd.DataFrame, col: str, allow_negative: bool = True) -> pd.Series:
    values = pd.to_numeric(df[col], errors="coerce")
    bad = values.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(col, df[col].iloc[i], f"a number (row {i + 2} of the CSV)")
    absurd = ~np.isfinite(values.to_numpy(dtype=float)) | (values.abs().to_numpy() > magnitude_limit())
    if absurd.any():
        i = int(np.flatnonzero(absurd)[0])
        raise InputError(col, df[col].iloc[i], f"a finite number of magnitude at most {magnitude_limit():g} "
                         f"(row {i + 2} of the CSV)")
    if not allow_negative and (values < 0).any():
        i = int(np.flatnonzero((values < 0).to_numpy())[0])
        raise InputError(col, float(values.iloc[i]), f"time >= 0 (row {i + 2} of the CSV)")
    return values.astype(float)


def read_release_csv(
    path: str | Path,
    *,
    time_unit: str | None = None,
    time_col: str | None = None,
    percent_col: str | None = None,
    profile_col: str | None = None,
    replicate_col: str | None = None,
    layout: str = "auto",
) -> ReleaseData:
    """Read a release CSV in long or wide layout.

    Parameters
    ----------
    path : str or Path
        CSV file.
    time_unit : {"min", "h", "s", "d"}, optional
        Unit of the time column; default from the column name suffix, else ``min``.
    time_col, percent_col, profile_col, replicate_col : str, optional
        Column names; auto-detected when omitted.
    layout : {"auto", "long", "wide"}
        ``auto`` picks long when a percent column is found, else wide.

    Raises
    ------
    InputError
        Unknown columns, non-numeric values (naming column and value), negative times, bad unit.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(2, "No such file", str(path))
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError("data", str(path), f"a readable CSV file ({exc})") from None
    columns = list(df.columns)
    if not known(layout, ("auto", "long", "wide")):
        raise InputError("layout", layout, "auto, long or wide")
    tcol = _find(columns, _TIME_NAMES, time_col, "time")
    if tcol is None:
        raise InputError("time_column", None,
                         "a column named time/t (or give --time-col); columns: " + ", ".join(columns))
    if time_unit is None:
        unit = _unit_from_name(tcol) or "min"
    else:
        unit = _UNIT_ALIASES.get(str(time_unit).strip().lower())
        if unit is None:
            raise InputError("time_unit", time_unit, "one of " + ", ".join(TIME_UNITS))
    pcol = _find(columns, _PERCENT_NAMES, percent_col, "percent")
    if layout == "wide" or (layout == "auto" and pcol is None):
        profile_cols = [c for c in columns if c != tcol]
        if not profile_cols:
            raise InputError("data", str(path), "a time column and at least one profile column")
        t = _numeric(df, tcol, allow_negative=False)
        frames = [pd.DataFrame({"profile": c, "replicate": "mean", "time": t, "percent": _numeric(df, c)})
                  for c in profile_cols]
        return ReleaseData(pd.concat(frames, ignore_index=True), unit, has_replicates=False)
    if pcol is None:
        raise InputError("percent_column", None, "a percent-released column (or give --percent-col)")
    gcol = _find(columns, _PROFILE_NAMES, profile_col, "profile")
    rcol = _find(columns, _REPLICATE_NAMES, replicate_col, "replicate")
    table = pd.DataFrame({
        "profile": df[gcol].astype(str) if gcol else "profile",
        "replicate": df[rcol].astype(str) if rcol else "mean",
        "time": _numeric(df, tcol, allow_negative=False),
        "percent": _numeric(df, pcol),
    })  # fmt: skip
    return ReleaseData(table, unit, has_replicates=rcol is not None)
