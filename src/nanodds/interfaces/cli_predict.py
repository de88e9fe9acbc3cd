"""``nanodds predict-delivery INPUT.csv --out PRED.csv``: learned tumour delivery of nanoparticles (mouse).

INPUT has the columns of the Nano-Tumor DB ``datasets.csv`` plus ``MAT`` (any may be absent, any cell empty;
other columns are passed through). PRED is INPUT, same rows in the same order, plus ``DE24_pred``,
``DE168_pred``, ``Demax_pred`` (% of injected dose in the tumour), ``<name>_lo`` / ``<name>_hi`` (90 %
prediction interval), ``out_of_domain``, ``ood_reason`` and ``notes``. Model card: docs/delivery_model.md.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import pandas as pd

from nanodds.errors import InputError
from nanodds.io.atomic import write_csv

__all__ = ["MAX_TIME_H", "cmd_predict_delivery", "read_input", "register", "write_atomic"]

MAX_TIME_H = 168.0
"""Latest time (h) of the Nano-Tumor DB time courses; the PBPK is not run beyond the data."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``predict-delivery`` to the ``nanodds`` parser."""
    p = subparsers.add_parser(
        "predict-delivery", help="learned tumour delivery efficiency (DE24, DE168, Demax) of nanoparticle sets",
        description="Predict the tumour delivery efficiency (%% of injected dose, mouse) of each row of a CSV "
                    "with the Nano-Tumor DB columns (Type, TS, HD, Zeta, Charge, Shape, TM, CT, TSz, TW, Dose, "
                    "BW, MAT), with a 90%% interval, an out-of-domain flag and notes. Model card: "
                    "docs/delivery_model.md.")
    p.add_argument("input", help="input CSV (any cell may be empty; unknown columns are passed through)")
    p.add_argument("--out", required=True, help="output CSV (written atomically)")
    p.add_argument("--times", nargs="+", default=None,
                   help="also run the AI-assisted PBPK (predicted tumour parameters) and add the tumour %% of dose "
                        "at these times, e.g. 1,4,24,48,168 h (columns tumour_pct_dose_<t>h)")
    p.set_defaults(func=cmd_predict_delivery)


def read_input(path: str) -> pd.DataFrame:
    """Read INPUT as text cells (empty cell -> missing), or raise :class:`InputError`."""
    p = Path(path)
    if not p.is_file():
        raise InputError("INPUT", path, "an existing CSV file")
    try:
        df = pd.read_csv(p, dtype=str, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise InputError("INPUT", path, "a CSV file with a header row (the file is empty)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError("INPUT", path, f"a comma-separated UTF-8 text file ({reason})") from None
    if any(str(c).startswith("Unnamed: ") for c in df.columns):
        raise InputError("INPUT", path, "a CSV file whose header names every column (an empty header cell)")
    return df


def write_atomic(df: pd.DataFrame, path: str) -> None:
    """Write ``df`` as CSV to ``path`` atomically (:func:`nanodds.io.atomic.write_csv`)."""
    write_csv(path, df)


def cmd_predict_delivery(args: argparse.Namespace) -> int:
    """Run ``predict-delivery``; returns the exit code."""
    from nanodds.design.features import CATEGORICAL, NUMERIC
    from nanodds.design.predict import predict_delivery

    df = read_input(args.input)
    known = set(NUMERIC) | set(CATEGORICAL)
    from nanodds.interfaces.common import status

    pred = predict_delivery(df)  # checks every cell first: a bad cell is one line, before any progress line
    if args.times is not None:
        from nanodds.design.predict import predict_time_course
        from nanodds.interfaces.cli_imaging import parse_scan_times

        times = parse_scan_times(args.times)
        if not times or min(times) <= 0 or max(times) > MAX_TIME_H:
            raise InputError("times", " ".join(args.times), f"times > 0 and <= {MAX_TIME_H:g} h (the data span)")
        with status(f"AI-assisted PBPK of {len(df)} rows at {len(set(times))} times..."):
            course = predict_time_course(df, sorted(set(times)))
        for j, t in enumerate(sorted(set(times))):
            pred[f"tumour_pct_dose_{t:g}h"] = course[:, j]
    with status(f"writing {len(pred)} predictions to {args.out}..."):
        write_atomic(pred, args.out)
    unused = [c for c in df.columns if c not in known]
    absent = [c for c in (*NUMERIC, *CATEGORICAL) if c not in df.columns]
    msg = f"{len(pred)} rows predicted, {int(pred['out_of_domain'].sum())} out of domain -> {args.out}"
    if absent:
        msg += f"; columns absent (treated as empty): {', '.join(absent)}"
    if unused:
        msg += f"; columns passed through unused: {', '.join(map(str, unused))}"
    print(msg, file=sys.stderr)
    return 0
