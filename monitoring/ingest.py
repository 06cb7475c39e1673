"""The one ingest path: read → map → validate.  The build runs it over every raw file at once; an upload or a
command-line import runs it over the files given.

    file bytes ──read_file (importers)──▶ observations ──map_to_facts (catalogue rules)──▶ facts ──checks──▶ facts

A file that cannot be read is rejected whole with a German message naming file, line and column; a row that is
wrong (unknown region, negative count, share over 100 %, conflicting values) is rejected alone and reported.
Nothing here writes anything: monitoring/updates.py previews and applies, monitoring/store.py commits.
"""
from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import describe, geo
from .catalog import load_catalog, load_rules, own_indicator_ids
from .fmt import fmt_megabytes
from .importers import ImportRejected, detect_layout, own_figures, read_file
from .importers.genesis_flat import read_genesis_flat
from .mapping import FACT_COLUMNS, Rule, apply_rules
from .provenance import OWN_LICENCE

# Region codes the canonical store keeps: Germany, Länder, Kreise (current and former).
KEPT_CODES = r"^(DG|\d{2}|\d{5})$"
UNZIPPED_FACTOR = 20  # a zip may unpack to this many times the upload limit (GENESIS CSVs compress ~20:1)
FACT_DTYPES = {"year": "int64", "value": "float64", "priority": "int64"}


@dataclass
class NeedsDescription(ImportRejected):
    """A readable file whose values no catalogue entry uses (a new table): its record gets the status
    "beschreiben" and what the file offers to describe (describe.Offer), instead of a rejection."""

    offer: describe.Offer | None = None


def map_to_facts(observations: pd.DataFrame, rules: list[Rule]) -> pd.DataFrame:
    """Observations onto the catalogue's indicators, for the regions the store keeps."""
    facts = apply_rules(observations, rules)
    return facts[facts["ags"].str.match(KEPT_CODES)].reset_index(drop=True)


class Context:
    """Catalogue, rules and region lists of one data folder: everything a file is checked against."""

    def __init__(self, data_dir: Path):
        catalog_path = data_dir / "indicators.toml"
        self.catalog = load_catalog(catalog_path).set_index("id", drop=False)
        self.own_ids = set(own_indicator_ids(catalog_path))
        self.rules = load_rules(catalog_path)
        self.own_rules = own_rules(sorted(self.own_ids))
        self.districts = pd.read_csv(data_dir / "districts.csv", dtype=str).set_index("ags")
        self.laender = set(pd.read_csv(data_dir / "laender.csv", dtype=str)["ags"])
        self.crosswalk = pd.read_csv(data_dir / "crosswalk.csv", dtype=str)
        self.former = set(self.crosswalk["old_ags"]) - set(self.districts.index)

    def region_problem(self, ags: str, *, own: bool) -> str | None:
        """Why a region code cannot be used, or None.  Official exports may name former districts (their old
        years are history); own figures are about today's districts, so a former code points to its successor."""
        if ags == "DG" or ags in self.laender or ags in self.districts.index:
            return None
        if ags in self.former:
            if not own:
                return None
            names = [f"{code} {self.districts.loc[code, 'label']}" for code in geo.successors(self.crosswalk, ags)
                     if code in self.districts.index]
            return (f"Den Kreis {ags} gibt es nicht mehr (Gebietsreform); bitte den heutigen Kreisschlüssel "
                    f"verwenden: {' oder '.join(names) or 'siehe Umsteigeschlüssel'}.")
        return f"Der Regionalschlüssel {ags} existiert nicht (weder heutiger noch früherer Kreis, noch Land)."


def own_rules(indicator_ids: list[str]) -> list[Rule]:
    """Mapping rules of the own-figures template: the row's indicator column is the catalogue id."""
    return [Rule(indicator=i, statistic=own_figures.STATISTIC, layout=own_figures.LAYOUT, measure=i,
                 basis="eigene Angaben des Kreises", licence=OWN_LICENCE) for i in indicator_ids]


def item_name(item) -> str:
    if isinstance(item, (str, Path)):
        return Path(item).name
    if isinstance(item, tuple):
        return Path(item[0]).name
    return Path(item.name).name  # Streamlit UploadedFile


def _item_bytes(item, limit: int) -> bytes:
    """The file's bytes, refusing anything over the limit before reading it."""
    name = item_name(item)
    size = (Path(item).stat().st_size if isinstance(item, (str, Path))
            else len(item[1]) if isinstance(item, tuple) else int(item.size))
    if size > limit:
        raise ImportRejected(name, f"Die Datei ist {fmt_megabytes(size)} groß; erlaubt sind höchstens "
                                   f"{fmt_megabytes(limit)} (Einstellung max_upload_mb).")
    if isinstance(item, (str, Path)):
        return Path(item).read_bytes()
    return item[1] if isinstance(item, tuple) else item.getvalue()


def import_item(item, limit: int, context: Context):
    """(file record, facts, rejected rows, warnings) of one file; a file-level problem rejects the file whole."""
    name = item_name(item)
    record = {"name": name, "sha256": "", "layout": "", "rows": 0, "facts": 0, "status": "ok", "reason": ""}
    try:
        data = _item_bytes(item, limit)
        record["sha256"] = hashlib.sha256(data).hexdigest()
        observations, layout = _observations(name, data, limit)
        observations = _with_overrides(observations, item[2] if isinstance(item, tuple) and len(item) > 2 else {})
        record.update(layout=layout, rows=len(observations))
        facts, rejected, warnings = _checked_facts(name, observations, layout, context)
    except NeedsDescription as err:
        record.update(status="beschreiben", reason=err.reason, offer=err.offer)
        return record, empty_facts(), [], []
    except ImportRejected as err:
        record.update(status="abgelehnt", reason=str(err))
        return record, empty_facts(), [{"file": err.file, "line": err.line, "column": err.column or "",
                                         "reason": err.reason}], []
    record.update(facts=len(facts), tables=_tables(facts, layout), coverage=_coverage(facts, layout))
    return record, facts, rejected, warnings


def _with_overrides(observations: pd.DataFrame, overrides: dict) -> pd.DataFrame:
    """Stand and attribution an API download knows from its metadata but the ffcsv does not carry."""
    for column in ("stand", "copyright"):
        if overrides.get(column) and column in observations:
            observations.loc[observations[column] == "", column] = overrides[column]
    return observations


def _observations(name: str, data: bytes, limit: int) -> tuple[pd.DataFrame, str]:
    path = Path(name)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ImportRejected(name, "Die Datei ist UTF-16-kodiert (Excel „Unicode-Text“). Bitte als „CSV UTF-8“ "
                                   "speichern oder unverändert aus der Quelle herunterladen.", line=1)
    layout = detect_layout(path, data)
    try:
        if layout == "genesis_flat" and data[:2] == b"PK":
            # Zips through the flat importer with a limit tied to the upload limit: its bomb checks run first.
            observations = read_genesis_flat(path, data, max_unzipped_bytes=limit * UNZIPPED_FACTOR)
        else:
            observations = read_file(path, data)
    except (UnicodeError, ValueError, KeyError, IndexError, zipfile.BadZipFile) as err:
        raise ImportRejected(name, f"Die Datei entspricht nicht dem erwarteten Format ({layout}): {err}") from None
    if observations.empty and not observations.attrs.get("rejected"):
        raise ImportRejected(name, "Die Datei enthält keine Werte.")
    return observations, layout


def _checked_facts(name: str, observations: pd.DataFrame, layout: str, context: Context):
    rejected = list(observations.attrs.get("rejected", []))
    warnings = list(observations.attrs.get("warnings", []))
    own = layout.startswith("own_figures")
    if own:
        observations = _known_own_indicators(name, observations, context, rejected)
    facts = map_to_facts(observations, context.own_rules if own else context.rules) if not observations.empty \
        else empty_facts()
    if facts.empty and not rejected:
        if observations.empty:
            raise ImportRejected(name, "Die Datei enthält keine Werte.")
        # A new table: not refused, but offered for describing (monitoring/describe.py, updates.preview).
        tables = ", ".join(sorted(observations["table"].unique())[:5])
        raise NeedsDescription(name, f"Die Datei ist lesbar ({layout}), aber keine Kennzahl des Katalogs nutzt diese "
                                     f"Werte der Tabelle {tables}. Sie lassen sich als neue Kennzahl beschreiben: auf "
                                     "der Seite „Daten aktualisieren“ unter „Neue Tabelle beschreiben“ oder mit "
                                     "python -m monitoring import DATEI --describe BESCHREIBUNG.toml.",
                               offer=describe.offer(observations, name))
    facts = _valid_rows(name, facts, observations, context, own, rejected)
    return typed(facts), rejected, warnings


def _known_own_indicators(name: str, observations: pd.DataFrame, context: Context, rejected: list) -> pd.DataFrame:
    """Template rows must name an own-figure indicator; official ones come from official exports."""
    keep = []
    for row in observations.itertuples():
        if row.measure in context.own_ids:
            keep.append(True)
            continue
        keep.append(False)
        if row.measure in context.catalog.index:
            reason = (f"„{row.measure}“ ist eine amtliche Kennzahl: ihre Werte kommen aus dem amtlichen Export. "
                      "Eigene Zahlen gehen nur für eigene Kennzahlen (Liste in der Vorlage).")
        else:
            reason = (f"Unbekannte Kennzahl „{row.measure}“. Erlaubt sind die eigenen Kennzahlen aus der Liste der "
                      "Vorlage; eine neue Kennzahl zuerst unter „Eigene Kennzahl anlegen“ hinzufügen.")
        rejected.append({"file": name, "line": row.line, "column": "indicator", "reason": reason})
    return observations[keep]


def _valid_rows(name: str, facts: pd.DataFrame, observations: pd.DataFrame, context: Context, own: bool,
                rejected: list) -> pd.DataFrame:
    """Drop (and report) facts with an unknown region, a negative value or a share above 100 %."""
    units = facts["indicator"].map(context.catalog["unit"])
    problems = pd.Series("", index=facts.index)
    column = pd.Series("value", index=facts.index)
    region = {ags: context.region_problem(ags, own=own) for ags in facts["ags"].unique()}
    bad_region = facts["ags"].map(region).fillna("")
    problems[bad_region != ""] = bad_region[bad_region != ""]
    column[bad_region != ""] = "ags"
    negative = (facts["value"] < 0) & (problems == "")
    problems[negative] = "Negativer Wert: eine Anzahl oder ein Anteil kann nicht kleiner als 0 sein."
    above = (units == "%") & (facts["value"] > 100) & (problems == "")
    problems[above] = "Anteil über 100 %: ein Prozentwert kann nicht größer als 100 sein."
    for index in problems[problems != ""].index:
        fact = facts.loc[index]
        rejected.append({"file": fact["source_file"], "line": _line_of(observations, fact), "column": column[index],
                         "reason": f"{problems[index]} ({fact['indicator']}, {fact['ags']}, {fact['period']}: "
                                   f"{fact['value']:g})"})
    return facts[problems == ""].reset_index(drop=True)


def _line_of(observations: pd.DataFrame, fact: pd.Series):
    """The first line of the file that holds this region and period (facts no longer carry their line)."""
    rows = observations[(observations["source_file"] == fact["source_file"]) & (observations["ags"] == fact["ags"])]
    for narrower in (lambda r: r["time"].map(lambda t: t if len(t) == 10 else f"{t[:4]}-12-31") == fact["period"],
                     lambda r: r["measure"] == fact["indicator"],  # own figures: the measure is the indicator id
                     lambda r: r["value"] == fact["value"]):
        if narrower(rows).any():
            rows = rows[narrower(rows)]
    return int(rows["line"].iloc[0]) if not rows.empty else None


def _tables(facts: pd.DataFrame, layout: str) -> list[str]:
    """The sources of a file: official table codes, or own figures per indicator."""
    return sorted(_table_of(facts, layout).unique())


def _coverage(facts: pd.DataFrame, layout: str) -> list[str]:
    """"table|Stichtag" pairs: what a later import must all bring again to replace this one."""
    return sorted((_table_of(facts, layout) + "|" + facts["period"]).unique())


def _table_of(facts: pd.DataFrame, layout: str) -> pd.Series:
    return "eigene Zahlen: " + facts["indicator"] if layout.startswith("own_figures") else facts["source"]


def conflicts_between_files(facts: pd.DataFrame, rejected: list) -> pd.DataFrame:
    """Two files of one import with different values for the same value and the same rank would leave the choice
    to the file name: reject those rows instead."""
    key = ["ags", "indicator", "breakdown", "category", "period", "priority", "stand"]
    if facts.empty or facts["source_file"].nunique() < 2:
        return facts
    spread = facts.groupby(key, dropna=False).agg(files=("source_file", "nunique"), values=("value", "nunique"),
                                                  flags=("flag", "nunique")).reset_index()
    bad = spread[(spread["files"] > 1) & ((spread["values"] > 1) | (spread["flags"] > 1))][key]
    if bad.empty:
        return facts
    marked = facts.merge(bad.assign(conflict=True), on=key, how="left")
    for fact in marked[marked["conflict"].fillna(False).astype(bool)].itertuples():
        rejected.append({"file": fact.source_file, "line": None, "column": "value",
                         "reason": f"Widerspruch zwischen den Dateien dieses Imports: {fact.indicator}, {fact.ags}, "
                                   f"{fact.period} hat verschiedene Werte."})
    return facts[~marked["conflict"].fillna(False).astype(bool).to_numpy()].reset_index(drop=True)


def empty_facts() -> pd.DataFrame:
    return typed(pd.DataFrame({c: pd.Series(dtype="object") for c in FACT_COLUMNS}))


def typed(facts: pd.DataFrame) -> pd.DataFrame:
    """FACT_COLUMNS with the dtypes of data/facts.parquet, so DuckDB stacks them without casts."""
    facts = facts[FACT_COLUMNS].copy()
    for column in FACT_COLUMNS:
        facts[column] = facts[column].astype(FACT_DTYPES.get(column, "object"))
        if FACT_DTYPES.get(column) is None:
            facts[column] = facts[column].fillna("").astype(str)
    return facts
