"""Plausibility rules: warnings about values that look wrong, kept beside the values (a warning never changes one).

``plausibility_warnings(frame)`` is a pure function.  It takes a facts-like frame with the columns
ags, indicator, category, period, year, value, unit (breakdown optional, '' if missing) and returns one row per
warning, in WARNING_COLUMNS:

    ags, indicator, breakdown, category, period, year, value, unit,   the value warned about (as given)
    rule                                                              "sprung" | "wertebereich" | "ausreisser"
    reference_period, reference_value                                 what it was compared with (see below)
    message                                                           the warning in German, for people

The rules (defaults per kind of unit in DEFAULTS; an indicator may override them in data/indicators.toml with
``plausibility = { max_jump_pct = 60, min_jump_abs = 3, outlier_iqr = 4 }``, read by ``catalog_overrides``):

- **sprung** (jump): two consecutive available values of one series (region, indicator, breakdown, category)
  differ by more than ``max_jump_pct`` % relative to the smaller of the two AND by more than ``min_jump_abs`` in
  the indicator's unit (percentage points for %), both thresholds times √(years between them), so a five-year gap
  allows about 2,2 times the change of one year.  Both values of the pair get a warning (which one is wrong cannot
  be told from the pair); the reference is the other value of the pair.
- **wertebereich** (range): a value in % below 0 or above 100, or any other value below 0.  Reference: none.
- **ausreisser** (outlier): a district (5-digit AGS) outside [Q1 − k·IQR, Q3 + k·IQR] (k = ``outlier_iqr``, 3) of
  the districts of its Land (first two digits of the AGS) for the same indicator, breakdown, category and Stichtag,
  where at least ``min_districts`` (8) districts have a value.  Only for shares and rates (unit % or "je …"): a count
  of a large city is not an error.  Reference: the Land's median of the districts.

The build (monitoring/build.py) writes the warnings of the default dataset to data/plausibility.parquet
(``write_warnings``/``read_warnings``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .fmt import fmt_change, fmt_date, fmt_number, fmt_value

RULES = {
    "sprung": "Sprung zwischen zwei Werten",
    "wertebereich": "Wert außerhalb des möglichen Bereichs",
    "ausreisser": "Kreis weit außerhalb der Kreise seines Landes",
}
WARNING_COLUMNS = ["ags", "indicator", "breakdown", "category", "period", "year", "value", "unit", "rule",
                   "reference_period", "reference_value", "message"]
KEY = ["indicator", "ags", "breakdown", "category", "period"]
WARNINGS_FILE = "plausibility.parquet"


@dataclass(frozen=True)
class Thresholds:
    max_jump_pct: float  # relative change (to the smaller value) per year, in %
    min_jump_abs: float  # absolute change per year, in the unit (percentage points for %)
    outlier_iqr: float = 3.0  # k of the fence [Q1 − k·IQR, Q3 + k·IQR]
    min_districts: int = 8  # fewer districts with a value in a Land: no outlier check


# Shares: a step of 50 % relative and 5 Pp. in one year (Ausländeranteil 10 % → 15 %) is far beyond any real
# year-to-year change of a district.  Rates per 1.000: the same scaled (5 Pp. = 50 ‰).  Counts: a doubling or
# halving and at least 1.000 persons in one year.
DEFAULTS = {
    "share": Thresholds(max_jump_pct=50, min_jump_abs=5),
    "rate": Thresholds(max_jump_pct=50, min_jump_abs=50),
    "count": Thresholds(max_jump_pct=100, min_jump_abs=1000),
}
OVERRIDE_KEYS = {"max_jump_pct", "min_jump_abs", "outlier_iqr", "min_districts"}


def unit_kind(unit: str | None) -> str:
    """'share' for %, 'rate' for "je …" (je 1.000 Einw.), 'count' otherwise (Personen, Kinder, Fälle)."""
    unit = (unit or "").strip()
    if unit == "%":
        return "share"
    if unit.startswith("je "):
        return "rate"
    return "count"


def thresholds_for(indicator: str, unit: str | None, overrides: dict[str, dict] | None = None) -> Thresholds:
    base = DEFAULTS[unit_kind(unit)]
    override = (overrides or {}).get(indicator) or {}
    return replace(base, **{k: v for k, v in override.items() if k in OVERRIDE_KEYS})


def plausibility_warnings(frame: pd.DataFrame, overrides: dict[str, dict] | None = None,
                          land_names: dict[str, str] | None = None) -> pd.DataFrame:
    """All warnings of the three rules for a facts-like frame, sorted by indicator, region, category, period, rule.

    overrides: indicator id -> {max_jump_pct, min_jump_abs, outlier_iqr, min_districts} (see ``catalog_overrides``);
    land_names: Land code ("08") -> name, for the messages of the outlier rule.  The frame is not changed.
    """
    data = _prepared(frame)
    if data.empty:
        return pd.DataFrame(columns=WARNING_COLUMNS)
    parts = [_jumps(data, overrides), _out_of_range(data), _outliers(data, overrides, land_names or {})]
    warnings = pd.concat([p for p in parts if not p.empty] or [pd.DataFrame(columns=WARNING_COLUMNS)],
                         ignore_index=True)
    warnings = warnings.sort_values(KEY + ["rule", "reference_period"], kind="stable", na_position="first")
    return warnings[WARNING_COLUMNS].reset_index(drop=True)


def _prepared(frame: pd.DataFrame) -> pd.DataFrame:
    data = frame.copy()
    if "breakdown" not in data:
        data["breakdown"] = ""
    data["period"] = data["period"].map(_iso)
    data["value"] = pd.to_numeric(data["value"], errors="coerce")
    data = data[data["value"].notna() & np.isfinite(data["value"].astype(float))]
    data = data[["ags", "indicator", "breakdown", "category", "period", "year", "value", "unit"]]
    return data.sort_values(KEY, kind="stable").reset_index(drop=True)


def _iso(period) -> str:
    if isinstance(period, str):
        return period[:10]
    return pd.Timestamp(period).strftime("%Y-%m-%d")


# --- rule: sprung ---------------------------------------------------------------------------------------------

def _jumps(data: pd.DataFrame, overrides) -> pd.DataFrame:
    series = ["indicator", "ags", "breakdown", "category"]
    same = (data[series] == data[series].shift()).all(axis=1)
    prev = data.shift()
    gap = (data["year"] - prev["year"]).clip(lower=1).where(same)
    delta = data["value"] - prev["value"]
    smaller = np.minimum(data["value"].abs(), prev["value"].abs())
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = (delta.abs() / smaller).where(smaller > 0, np.inf)
    limits = _limits(data, overrides)
    scale = np.sqrt(gap)
    jump = same & (relative > limits["max_jump_pct"] / 100 * scale) & (delta.abs() > limits["min_jump_abs"] * scale)
    later = data.index[jump.fillna(False).astype(bool)]
    rows = []
    for i in later:
        before, after = data.loc[i - 1], data.loc[i]
        text = _jump_text(before, after, int(gap[i]), thresholds_for(after["indicator"], after["unit"], overrides))
        rows.append(_warning(before, "sprung", after["period"], after["value"], text))
        rows.append(_warning(after, "sprung", before["period"], before["value"], text))
    return pd.DataFrame(rows, columns=WARNING_COLUMNS)


def _jump_text(before, after, gap: int, limits: Thresholds) -> str:
    unit, decimals = after["unit"], _decimals(after["unit"])
    scale = math.sqrt(gap)
    years = "1 Jahr" if gap == 1 else f"{gap} Jahren"
    return (f"Sprung von {fmt_value(before['value'], unit, decimals)} am {fmt_date(before['period'])} auf "
            f"{fmt_value(after['value'], unit, decimals)} am {fmt_date(after['period'])} "
            f"({fmt_change(after['value'] - before['value'], unit, decimals)} in {years}); "
            f"Schwelle bei {years} Abstand: "
            f"mehr als {fmt_number(limits.max_jump_pct * scale, 0)} % des kleineren Werts und mehr als "
            f"{fmt_change(limits.min_jump_abs * scale, unit, decimals).lstrip('+')} Unterschied. "
            "Bitte an der Quelle prüfen.")


# --- rule: wertebereich ---------------------------------------------------------------------------------------

def _out_of_range(data: pd.DataFrame) -> pd.DataFrame:
    share = data["unit"].map(unit_kind) == "share"
    bad = (data["value"] < 0) | (share & (data["value"] > 100))
    rows = []
    for _, row in data[bad].iterrows():
        shown = fmt_value(row["value"], row["unit"], _decimals(row["unit"]))
        if unit_kind(row["unit"]) == "share":
            text = f"Anteil von {shown} am {fmt_date(row['period'])}: ein Anteil liegt zwischen 0 und 100 %."
        else:
            text = f"Negativer Wert {shown} am {fmt_date(row['period'])}: dieser Wert kann nicht negativ sein."
        rows.append(_warning(row, "wertebereich", None, np.nan, text + " Bitte an der Quelle prüfen."))
    return pd.DataFrame(rows, columns=WARNING_COLUMNS)


# --- rule: ausreisser -----------------------------------------------------------------------------------------

def _outliers(data: pd.DataFrame, overrides, land_names: dict[str, str]) -> pd.DataFrame:
    districts = data[(data["ags"].str.fullmatch(r"\d{5}")) & (data["unit"].map(unit_kind) != "count")].copy()
    if districts.empty:
        return pd.DataFrame(columns=WARNING_COLUMNS)
    districts["land"] = districts["ags"].str[:2]
    group = ["indicator", "breakdown", "category", "period", "land"]
    values = districts.groupby(group, sort=False)["value"]
    districts["n"] = values.transform("size")
    districts["q1"] = values.transform("quantile", 0.25)
    districts["q3"] = values.transform("quantile", 0.75)
    districts["median"] = values.transform("median")
    limits = _limits(districts, overrides)
    iqr = districts["q3"] - districts["q1"]
    districts["low"] = districts["q1"] - limits["outlier_iqr"] * iqr
    districts["high"] = districts["q3"] + limits["outlier_iqr"] * iqr
    out = (districts["n"] >= limits["min_districts"]) & (iqr > 0) & (
        (districts["value"] < districts["low"]) | (districts["value"] > districts["high"]))
    rows = []
    for _, row in districts[out].iterrows():
        unit = row["unit"]
        bound = row["low"] if row["value"] < row["low"] else row["high"]
        decimals = _decimals(unit)
        while decimals < 2 and fmt_number(row["value"], decimals) == fmt_number(bound, decimals):
            decimals += 1  # 12,55 vs 12,6: show the digit that tells value and bound apart
        land = land_names.get(row["land"], f"Land {row['land']}")
        text = (f"{fmt_value(row['value'], unit, decimals)} am {fmt_date(row['period'])} liegt weit außerhalb der "
                f"{int(row['n'])} Kreise in {land} (Median {fmt_value(row['median'], unit, decimals)}, "
                f"Ausreißergrenzen {fmt_value(row['low'], unit, decimals)} und "
                f"{fmt_value(row['high'], unit, decimals)}). "
                "Bitte an der Quelle prüfen.")
        rows.append(_warning(row, "ausreisser", row["period"], row["median"], text))
    return pd.DataFrame(rows, columns=WARNING_COLUMNS)


def _limits(data: pd.DataFrame, overrides) -> pd.DataFrame:
    """The thresholds of every row (one lookup per indicator and unit, not per row)."""
    pairs = data[["indicator", "unit"]].drop_duplicates()
    table = pd.DataFrame([vars(thresholds_for(i, u, overrides)) for i, u in zip(pairs["indicator"], pairs["unit"])])
    table[["indicator", "unit"]] = pairs.to_numpy()
    merged = data[["indicator", "unit"]].merge(table, on=["indicator", "unit"], how="left")
    return merged.set_axis(data.index)


def _decimals(unit: str | None) -> int:
    return 0 if unit_kind(unit) == "count" else 1


def _warning(row, rule: str, reference_period, reference_value, message: str) -> dict:
    return {"ags": row["ags"], "indicator": row["indicator"], "breakdown": row["breakdown"],
            "category": row["category"], "period": row["period"], "year": int(row["year"]), "value": row["value"],
            "unit": row["unit"], "rule": rule, "reference_period": reference_period,
            "reference_value": float(reference_value), "message": message}


# --- catalogue and file ---------------------------------------------------------------------------------------

def catalog_overrides(path: Path | None = None) -> dict[str, dict]:
    """indicator id -> its ``plausibility = {…}`` table in indicators.toml / own_indicators.toml (if any)."""
    from . import catalog

    entries = catalog.entries
    overrides = {}
    for entry in entries(path or catalog.CATALOG_FILE):
        table = entry.get("plausibility")
        if table is None:
            continue
        unknown = set(table) - OVERRIDE_KEYS if isinstance(table, dict) else {str(table)}
        if unknown:
            raise ValueError(f"Indikatorkatalog fehlerhaft: Indikator {entry['id']}: plausibility kennt nur "
                             f"{', '.join(sorted(OVERRIDE_KEYS))} (nicht {', '.join(sorted(unknown))})")
        overrides[entry["id"]] = dict(table)
    return overrides


def write_warnings(warnings: pd.DataFrame, path: Path) -> Path:
    """Write the warnings as Parquet (columns WARNING_COLUMNS, period as "YYYY-MM-DD" text like facts.parquet)."""
    warnings[WARNING_COLUMNS].to_parquet(path, index=False, compression="zstd")
    return path


def read_warnings(data_dir: Path | None = None) -> pd.DataFrame:
    """data/plausibility.parquet (written by the build), or an empty frame with WARNING_COLUMNS if there is none."""
    from .catalog import DATA_DIR

    path = Path(data_dir or DATA_DIR) / WARNINGS_FILE
    if not path.is_file():
        return pd.DataFrame(columns=WARNING_COLUMNS)
    return pd.read_parquet(path)
