"""Pure functions for the Kreisvergleich: comparable districts and the part of a long ranking worth showing.

Comparable districts ("Vergleichsgruppe"): every characteristic is standardised over the districts of the
scope (z-score: minus the mean, divided by the standard deviation), then districts are ordered by their
Euclidean distance to the chosen district over the chosen characteristics.  Standardising makes a difference
of one standard deviation in population weigh as much as one in the Ausländeranteil.  A district lacking a
value for a chosen characteristic cannot be compared on it and is left out (and counted); a characteristic
the chosen district itself lacks is dropped from the comparison (and reported).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# Characteristic column (queries/structure_features.sql) -> label users read.
CHARACTERISTICS = {
    "stadtkreis": "Stadtkreis / kreisfreie Stadt",
    "bevoelkerung": "Einwohner",
    "dichte": "Einwohner je km²",
    "auslaenderanteil": "Ausländeranteil (%)",
    "arbeitslosenquote": "Arbeitslosenquote (%)",
    "beschaeftigte_je_1000": "SV-Beschäftigte am Arbeitsort je 1.000 Einw.",
    "auslaenderanteil_svb_ao": "Ausländeranteil der Beschäftigten (%)",
    "einbuergerungsquote": "Einbürgerungsquote (%)",
    "schutzsuchende_je_1000": "Schutzsuchende je 1.000 Einw.",
}
DEFAULT_CHARACTERISTICS = ["stadtkreis", "bevoelkerung", "dichte", "auslaenderanteil", "beschaeftigte_je_1000"]
# Population and density span orders of magnitude: compare them on a log scale so Stuttgart does not make
# every Landkreis look alike.
LOG_SCALED = {"bevoelkerung", "dichte"}


@dataclass
class Similarity:
    neighbours: pd.DataFrame  # ags, name, distance, and the raw characteristics, nearest first
    used: list[str]  # characteristics actually compared
    dropped: list[str] = field(default_factory=list)  # chosen but missing for the district itself
    excluded: int = 0  # districts left out for missing values


def standardise(features: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """z-scores per column (log first where LOG_SCALED); a constant column becomes 0 (it cannot separate)."""
    values = features[columns].astype(float).copy()
    for column in columns:
        if column in LOG_SCALED:
            values[column] = np.log(values[column].where(values[column] > 0))
    spread = values.std(ddof=0).replace(0, np.nan)
    return ((values - values.mean()) / spread).fillna({c: 0.0 for c in columns if pd.isna(spread[c])})


def similar_districts(features: pd.DataFrame, ags: str, k: int = 5, columns: list[str] | None = None) -> Similarity:
    """The k districts nearest to `ags` on the standardised characteristics (the district itself excluded)."""
    columns = list(DEFAULT_CHARACTERISTICS if columns is None else columns)
    if ags not in set(features["ags"]):
        raise KeyError(f"Kreis {ags} ist nicht in der Vergleichsmenge")
    own = features.loc[features["ags"] == ags].iloc[0]
    dropped = [c for c in columns if pd.isna(own[c])]
    used = [c for c in columns if c not in dropped]
    if not used:
        return Similarity(features.iloc[0:0].assign(distance=[]), used, dropped, 0)
    complete = features.dropna(subset=used)
    scores = standardise(complete, used)
    target = scores.loc[complete["ags"] == ags].iloc[0]
    distance = np.sqrt(((scores - target) ** 2).sum(axis=1))
    ranked = complete.assign(distance=distance.values)
    ranked = ranked[ranked["ags"] != ags].sort_values(["distance", "ags"], kind="stable")
    return Similarity(ranked.head(k).reset_index(drop=True), used, dropped, len(features) - len(complete))


def ranking_window(ranking: pd.DataFrame, focus_ags: str, *, top: int = 10, bottom: int = 10, around: int = 5,
                   limit: int = 60) -> pd.DataFrame:
    """For long rankings (all 400 districts): the top, the bottom and the focus district's neighbourhood.

    `ranking` is ordered best-first (as queries/comparison_values.sql returns it, districts without a value last).
    Short rankings (≤ limit rows) come back whole.  Rows keep their order; a column `gap_before` marks where
    rows were left out so a chart can say so.
    """
    if len(ranking) <= limit:
        return ranking.assign(gap_before=False)
    valued = ranking[ranking["value"].notna()].reset_index(drop=True)
    keep = set(range(min(top, len(valued)))) | set(range(max(len(valued) - bottom, 0), len(valued)))
    position = valued.index[valued["ags"] == focus_ags]
    if len(position):
        centre = int(position[0])
        keep |= set(range(max(centre - around, 0), min(centre + around + 1, len(valued))))
    rows = sorted(keep)
    window = valued.loc[rows].copy()
    window["gap_before"] = [i > 0 and rows[i] - rows[i - 1] > 1 for i in range(len(rows))]
    return window.reset_index(drop=True)
