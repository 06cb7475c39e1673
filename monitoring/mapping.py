"""Map observations (the source's own codes and headers) onto indicators of the catalogue.

The rules are the [[indicator.series]] entries of data/indicators.toml.  A rule selects observations by
table or statistic code, measure and dimension codes, names the breakdown and its categories, and states
the basis of the series.  Observations no rule selects are simply not part of the dashboard (they stay in
the source file); nothing is guessed from labels beyond the header paths a table CSV offers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from .provenance import LICENCE

FACT_COLUMNS = [
    "ags", "indicator", "breakdown", "category", "period", "year", "value", "flag", "basis",
    "source", "source_file", "stand", "licence", "attribution", "note", "priority",
]

DEFAULT_LICENCE = LICENCE
ATTRIBUTION_BY_LAYOUT = {
    "genesis_table": "© Statistische Ämter des Bundes und der Länder, Deutschland",
    "genesis_flat": "© Statistische Ämter des Bundes und der Länder, Deutschland",
    "genesis_flat_2024": "© Statistische Ämter des Bundes und der Länder, Deutschland",
    "ba_migration": "© Statistik der Bundesagentur für Arbeit",
    "wide_csv": "© BBSR Bonn / Statistische Ämter des Bundes und der Länder (INKAR)",
    "published_csv": "",
}


@dataclass
class Rule:
    indicator: str
    table: str | None = None
    statistic: str | None = None
    layout: str | None = None  # only observations of this layout (the same table in two layouts, two bases)
    measure: str | list | None = None  # a list where the source names the same measure per regional level
    dims: str | dict | None = None
    by: str | None = None
    breakdown: str = ""
    categories: dict = field(default_factory=dict)
    total: str | None = None
    sum_over: list = field(default_factory=list)
    only: dict = field(default_factory=dict)
    basis: str = ""
    basis_until: list = field(default_factory=list)
    priority: int = 10
    scale: float = 1.0
    sum_to: str | None = None  # "Kreis": values of Gemeinden (8- or 12-digit keys) summed per Kreis (first 5 digits)
    source: str | None = None
    licence: str | None = None
    # Header labels renamed between editions of the table (new label -> the label this rule is written in); set
    # from the catalogue's [label_synonyms], not per series.
    synonyms: dict = field(default_factory=dict)

    @classmethod
    def from_toml(cls, indicator: str, entry: dict) -> Rule:
        known = set(cls.__dataclass_fields__) - {"synonyms"}
        unknown = set(entry) - known
        if unknown:
            raise ValueError(f"Indikator {indicator}: unbekannte Angaben in [[indicator.series]]: {sorted(unknown)}")
        return cls(indicator=indicator, **entry)

    def basis_for(self, period: pd.Series) -> pd.Series:
        if not self.basis_until:
            return pd.Series(self.basis, index=period.index)
        result = pd.Series("", index=period.index)
        for until, name in reversed(self.basis_until):
            result[period <= until] = name
        return result


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip()


def _norm_column(column: pd.Series) -> pd.Series:
    """Normalise whitespace once per distinct header (there are few), not once per row (there are a million)."""
    return column.map({text: _norm(text) for text in column.unique()})


def parse_dims(dims: str) -> dict[str, str]:
    """'GES=GESW;NAT=NATA' -> {'GES': 'GESW', 'NAT': 'NATA'}."""
    if not dims:
        return {}
    return dict(part.split("=", 1) for part in dims.split(";"))


def apply_rules(observations: pd.DataFrame, rules: list[Rule]) -> pd.DataFrame:
    """All facts the rules select, in FACT_COLUMNS order (duplicates across sources are kept; db decides)."""
    observations = observations.assign(
        measure_n=_norm_column(observations["measure"]), dims_n=_norm_column(observations["dims"])
    )
    by_table = {key: group for key, group in observations.groupby("table", sort=False)}
    by_statistic = {key: group for key, group in observations.groupby("statistic", sort=False)}
    frames = []
    for rule in rules:
        source = by_table.get(rule.table) if rule.table else by_statistic.get(rule.statistic)
        if source is None or source.empty:
            continue
        facts = _apply(rule, source)
        if not facts.empty:
            frames.append(facts)
    if not frames:
        return pd.DataFrame(columns=FACT_COLUMNS)
    return pd.concat(frames, ignore_index=True)[FACT_COLUMNS]


def _apply(rule: Rule, source: pd.DataFrame) -> pd.DataFrame:
    """A table code can come in several layouts (table CSV and flat CSV of 12411-01-01-4): map each on its own."""
    is_flat = source["layout"].str.startswith("genesis_flat")
    parts = [_apply_one_layout(rule, part) for part in (source[is_flat], source[~is_flat]) if not part.empty]
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=FACT_COLUMNS)


def _apply_one_layout(rule: Rule, source: pd.DataFrame) -> pd.DataFrame:
    rows = source if rule.layout is None else source[source["layout"] == rule.layout]
    if rule.synonyms and not rows.empty and not rows["layout"].iloc[0].startswith("genesis_flat"):
        rows = rows.assign(measure_n=_renamed(rows["measure_n"], rule.synonyms), dims_n=_renamed(rows["dims_n"], rule.synonyms))
    if rule.measure is not None:
        measures = rule.measure if isinstance(rule.measure, list) else [rule.measure]
        rows = rows[rows["measure_n"].isin([_norm(m) for m in measures])]
    if isinstance(rule.dims, str):
        rows = rows[rows["dims_n"] == _norm(rule.dims)]
    if rows.empty:
        return rows
    rows = rows.copy()
    if rows["layout"].iloc[0].startswith("genesis_flat"):
        rows = _select_flat(rule, rows)
    else:
        rows["category"] = _category(rule, rows)
        rows = rows[rows["category"].notna()]
    if rows.empty:
        return rows
    if rule.sum_to:
        rows = _to_kreise(rule, rows)
    if rule.sum_over or rule.total == "sum" or rule.sum_to:
        rows = _sum(rule, rows)
    return _to_facts(rule, rows)


def _to_kreise(rule: Rule, rows: pd.DataFrame) -> pd.DataFrame:
    """Gemeinde rows keyed by their Kreis, ready to be summed; a Kreis with one suppressed Gemeinde is a gap."""
    if rule.sum_to != "Kreis":
        raise ValueError(f"Indikator {rule.indicator}: sum_to = {rule.sum_to!r} (erlaubt: \"Kreis\")")
    rows = rows[rows["ags"].str.fullmatch(r"\d{8}|\d{12}")].copy()
    rows["ags"] = rows["ags"].str[:5]
    return rows


def _renamed(column: pd.Series, synonyms: dict) -> pd.Series:
    """Header paths with each renamed label ("Arbeitslose | ausländisch") written as the rule knows it
    ("Arbeitslose | Ausländer"); a path is split at " | " so only whole labels are renamed."""
    def rename(path: str) -> str:
        return " | ".join(synonyms.get(label, label) for label in path.split(" | "))

    return column.map({text: rename(text) for text in column.unique()})


def _category(rule: Rule, rows: pd.DataFrame) -> pd.Series:
    if rule.by is None:
        return pd.Series("", index=rows.index)
    raw = rows["measure_n"] if rule.by == "measure" else rows["dims_n"]
    categories = {_norm(k): v for k, v in rule.categories.items()}
    return raw.map(categories)


def _select_flat(rule: Rule, rows: pd.DataFrame) -> pd.DataFrame:
    """Flat CSV: required dimension codes, the breakdown variable, and every other variable at its total."""
    # Few distinct dimension strings, many rows: decide once per distinct string.
    parsed = {text: parse_dims(text) for text in rows["dims"].unique()}
    required = rule.dims if isinstance(rule.dims, dict) else {}
    free = set(rule.sum_over) | set(rule.only) | ({rule.by} if rule.by else set())

    def keep(d: dict) -> bool:
        for var, code in d.items():
            if var in required:
                if code != required[var]:
                    return False
            elif var in rule.only:
                if code not in rule.only[var]:
                    return False
            elif var not in free and code != "":
                return False  # another breakdown: not this series
        return all(var in d for var in required)

    kept = {text for text, d in parsed.items() if keep(d)}
    rows = rows[rows["dims"].isin(kept)].copy()
    if rule.by:
        category_of = {text: rule.categories.get(parsed[text].get(rule.by, "")) for text in kept}
        rows["category"] = rows["dims"].map(category_of)
        rows = rows[rows["category"].notna()]
    else:
        rows["category"] = ""
    return rows


def _sum(rule: Rule, rows: pd.DataFrame) -> pd.DataFrame:
    """Sum values over variables the source does not total; a special value in any part makes the sum a gap."""
    keys = ["source_file", "ags", "time", "category"]  # per file: two exports of one table are two versions, not a sum
    first = rows.groupby(keys, sort=False).first().reset_index()
    sums = rows.groupby(keys, sort=False)["value"].agg(lambda v: v.sum() if v.notna().all() else float("nan"))
    flags = rows.groupby(keys, sort=False)["flag"].agg(lambda f: next((x for x in f if x), ""))
    first = first.drop(columns=["value", "flag"]).merge(sums.reset_index(), on=keys).merge(flags.reset_index(), on=keys)
    if rule.total == "sum":
        total_keys = ["source_file", "ags", "time"]
        total = first.groupby(total_keys, sort=False).first().reset_index()
        values = first.groupby(total_keys, sort=False)["value"].agg(lambda v: v.sum() if v.notna().all() else float("nan"))
        total = total.drop(columns=["value"]).merge(values.reset_index(), on=total_keys)
        total["category"] = ""
        first = pd.concat([first, total], ignore_index=True)
    return first


def _to_facts(rule: Rule, rows: pd.DataFrame) -> pd.DataFrame:
    period = rows["time"].map(lambda t: t if len(t) == 10 else f"{t[:4]}-12-31")
    layout = rows["layout"]
    attribution = rows["copyright"].where(rows["copyright"] != "", layout.map(ATTRIBUTION_BY_LAYOUT).fillna(""))
    facts = pd.DataFrame(
        {
            "ags": rows["ags"].values,
            "indicator": rule.indicator,
            "breakdown": [rule.breakdown if c else "" for c in rows["category"]],
            "category": rows["category"].values,
            "period": period.values,
            "year": rows["year"].values,
            "value": (rows["value"] * rule.scale).values,
            "flag": rows["flag"].values,
            "basis": rule.basis_for(period).values,
            "source": rule.source or "",
            "source_file": rows["source_file"].values,
            "stand": rows["stand"].values,
            "licence": rule.licence or DEFAULT_LICENCE,
            "attribution": attribution.values,
            "note": rows["note"].values,
            "priority": rule.priority,
        }
    )
    if not rule.source:
        facts["source"] = rows["table"].values
    return facts
