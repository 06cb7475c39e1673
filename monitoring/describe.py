"""A new official table becomes a new indicator without editing TOML by hand.

Why one module of this size: offering a file's measures, building a catalogue entry from a description and
validating it against the file and the catalogue are one contract, tested as one.

When a readable file maps onto no indicator of the catalogue (its table is new), ingest offers to describe it
instead of refusing it.  This module is the pure part of that:

    observations ──offer()──▶ Offer (the measures and the dimensions/categories the file has)
    Offer + Description ──build()──▶ Described (catalogue entries with their [[indicator.series]] rule, validated
                                     together with the catalogue; a [[description]] record of where they came from)
    values of the built database ──check_values()──▶ refused when numerator and denominator do not fit together or
                                                   a share exceeds 100 %

A description names the numerator (a measure of the file and one category per dimension), optionally a
denominator (another measure of the same file or an indicator the catalogue already has), and what users read:
name, Handlungsfeld, unit, concept, level, direction, caveats.  With a denominator it makes three entries (or two,
when the denominator is an existing indicator): the counts `<id>_zaehler` (and `<id>_nenner`) with the series rule,
and the share `<id>` that the database computes from them (queries/build_2_derive_shares.sql), exactly like the
reviewed shares of data/indicators.toml.  Without one it makes a single count.

The same description comes from the page (pages/daten_aktualisieren.py) or from a TOML snippet on the command line
(`python -m monitoring import FILE --describe SNIPPET.toml`, see SNIPPET_EXAMPLE).  Writing it, together with the
import, is monitoring/updates.py's job; nothing here reads or writes data/.
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import tomli_w

from .catalog import CONCEPTS, DIRECTIONS, HANDLUNGSFELDER, LEVELS, PERIOD_TYPES, catalog_frame
from .fmt import fmt_missing, fmt_number, fmt_period, fmt_value, is_missing
from .importers.own_figures import FORMULA_START
from .mapping import Rule, _norm, parse_dims
from .store import UpdateError

ID_PREFIX = "beschrieben_"  # generated ids: never the same as an id of the reviewed catalogue
ROW_DIMENSION = "Zeile"  # the row labels of a GENESIS table CSV ("unter 3 Jahre", "männlich | 15 bis unter 18 Jahre")
TOTAL = "Insgesamt"  # an empty code of a flat CSV variable is its total
TOP_FIELDS = {"id", "name", "handlungsfeld", "unit", "concept", "level", "direction", "caveats", "definition",
              "source", "table", "period_type", "decimals", "factor", "numerator", "denominator"}
PART_FIELDS = {"measure", "categories", "indicator", "name", "unit"}
SOURCE_BY_LAYOUT = {
    "genesis_table": "Statistische Ämter des Bundes und der Länder (Regionaldatenbank/GENESIS)",
    "genesis_flat": "Statistische Ämter des Bundes und der Länder (GENESIS)",
    "genesis_flat_2024": "Statistische Ämter des Bundes und der Länder (GENESIS)",
    "ba_migration": "Statistik der Bundesagentur für Arbeit",
}
UNIT_OF_FILE = {"Anzahl": "Anzahl", "Prozent": "%", "%": "%"}
DESCRIBED_NOTE = ("Kennzahl aus Tabelle {table}, beschrieben auf der Seite „Daten aktualisieren“ (nicht Teil des "
                  "geprüften Katalogs).")
FILE_HEADER = """\
# Indicators of official tables the reviewed catalogue (indicators.toml) does not use yet, described on the page
# "Daten aktualisieren" or with `python -m monitoring import FILE --describe SNIPPET.toml` (monitoring/describe.py).
# Written by the program under the store's lock, validated with indicators.toml and own_indicators.toml; please do
# not edit by hand.  [[indicator]]: fields as in indicators.toml.  [[description]]: what was described, from which
# file, when, and which entries it made; remove one with `python -m monitoring undescribe ID` or on the page.
"""
SNIPPET_EXAMPLE = """\
# Beschreibung einer neuen Tabelle: python -m monitoring import DATEI --describe diese_datei.toml
name = "Ausländerinnen und Ausländer unter den untergebrachten Wohnungslosen"
handlungsfeld = "Wohnen"          # Sprache, Bildung, Arbeit, Wohnen, Gesundheit, Zusammenleben, Bevölkerung
unit = "%"
concept = "Ausländer"             # Ausländer, Migrationshintergrund, Einwanderungsgeschichte, alle Personen, …
level = "Kreis"                   # Kreis, Land, Deutschland
direction = "neutral"             # higher_better, lower_better, neutral
caveats = "Stichtag 31.01.; untergebrachte Personen, ohne verdeckt Wohnungslose."
# optional: id, table, definition, source, period_type, decimals, factor (100 für %, 1000 für je 1.000)

[numerator]
measure = "Ausländer | Insgesamt | Insgesamt"
# categories = { Zeile = "Insgesamt" }   # je Merkmal der Datei eine Kategorie (fehlt eine: Insgesamt)

[denominator]                     # weglassen: die Kennzahl ist eine Anzahl
measure = "Insgesamt | Insgesamt | Insgesamt"
# indicator = "auslaender"        # statt measure: eine Kennzahl, die es schon gibt
"""


class DescriptionError(UpdateError):
    """A description that cannot become a catalogue entry; the message is German and says what and where."""


# ── what a file offers ───────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Offer:
    """The measures and dimensions of one file (or of several files of one table), for describing it."""

    files: tuple[str, ...]
    layout: str
    table: str
    statistic: str
    measures: tuple[str, ...]  # in file order, whitespace normalised as the mapping compares them
    dimensions: dict  # dimension -> tuple of its categories (flat: "" is the total)
    combinations: frozenset  # (measure, dims) pairs the file has values for
    units: dict  # measure -> unit as the file names it
    periods: tuple[str, ...]
    levels: tuple[str, ...]  # Kreis, Land, Deutschland: which the file has

    @property
    def flat(self) -> bool:
        return self.layout.startswith("genesis_flat")

    @property
    def file(self) -> str:
        return ", ".join(self.files)

    @property
    def period_type(self) -> str:
        return "Stichtag" if self.periods and all(len(p) == 10 for p in self.periods) else "Jahr"

    @property
    def level(self) -> str:
        return self.levels[0] if self.levels else "Kreis"

    def merged(self, other: Offer) -> Offer:
        """Two files of the same table (e.g. the BA exports by age group and by qualification)."""
        dimensions = {d: tuple(dict.fromkeys(self.dimensions.get(d, ()) + other.dimensions.get(d, ())))
                      for d in dict.fromkeys([*self.dimensions, *other.dimensions])}
        return replace(self, files=self.files + other.files,
                       measures=tuple(dict.fromkeys(self.measures + other.measures)), dimensions=dimensions,
                       combinations=self.combinations | other.combinations, units={**other.units, **self.units},
                       periods=tuple(sorted(set(self.periods) | set(other.periods))),
                       levels=tuple(lv for lv in LEVEL_ORDER if lv in self.levels or lv in other.levels))

    def categories_of(self, dims: str) -> dict[str, str]:
        """The dims string of an observation as {dimension: category}."""
        if not self.dimensions:
            return {}
        if ROW_DIMENSION in self.dimensions and not self.flat and "=" not in dims:
            return {ROW_DIMENSION: dims}
        parsed = parse_dims(dims)
        return {d: parsed.get(d, "") for d in self.dimensions}

    def categories_for(self, measure: str) -> dict[str, tuple]:
        """The categories of each dimension the file has values for with this measure (for the page's choices)."""
        found: dict[str, dict] = {d: {} for d in self.dimensions}
        for pair_measure, dims in self.combinations:
            if pair_measure == measure:
                for dimension, category in self.categories_of(dims).items():
                    found[dimension][category] = True
        return {d: tuple(c for c in categories if c in found[d]) for d, categories in self.dimensions.items()}

    def category_label(self, category: str) -> str:
        return TOTAL if category == "" and self.flat else category or "(ohne)"


LEVEL_ORDER = ("Kreis", "Land", "Deutschland")
MAX_LISTED = 300  # measures listed on the command line (a snippet must name one exactly)


def offer(observations: pd.DataFrame, file: str = "") -> Offer:
    """What a file offers to describe: its measures, dimensions and the categories of each."""
    observations = observations[["layout", "table", "statistic", "measure", "dims", "unit", "time", "ags"]]
    first = observations.iloc[0]
    measure = observations["measure"].map({m: _norm(m) for m in observations["measure"].unique()})
    dims = observations["dims"].map({d: _norm(d) for d in observations["dims"].unique()})
    pairs = pd.DataFrame({"measure": measure, "dims": dims, "unit": observations["unit"]}).drop_duplicates(
        ["measure", "dims"])
    distinct_dims = list(dict.fromkeys(pairs["dims"]))
    flat = str(first["layout"]).startswith("genesis_flat")
    dimensions: dict[str, tuple] = {}
    if any(distinct_dims) and not flat and not all("=" in d for d in distinct_dims if d):
        dimensions[ROW_DIMENSION] = tuple(distinct_dims)
    else:
        for text in distinct_dims:
            for variable, code in parse_dims(text).items():
                dimensions[variable] = tuple(dict.fromkeys(dimensions.get(variable, ()) + (code,)))
    codes = pd.Series(observations["ags"].unique())
    levels = tuple(level for level, present in (("Kreis", codes.str.fullmatch(r"\d{5}").any()),
                                                 ("Land", codes.str.fullmatch(r"\d{2}").any()),
                                                 ("Deutschland", (codes == "DG").any())) if present)
    return Offer(files=(file or "",), layout=str(first["layout"]), table=str(first["table"]),
                 statistic=str(first["statistic"]), measures=tuple(dict.fromkeys(pairs["measure"])),
                 dimensions=dimensions, combinations=frozenset(zip(pairs["measure"], pairs["dims"])),
                 units=dict(zip(pairs["measure"], pairs["unit"])),
                 periods=tuple(sorted(observations["time"].unique())), levels=levels)


def offer_text(offer: Offer) -> str:
    """The offer in German, for the command line: what a snippet may name."""
    lines = [f"Tabelle {offer.table} ({offer.layout}), {len(offer.periods)} Zeitpunkt(e) "
             f"{', '.join(offer.periods[:3])}{' …' if len(offer.periods) > 3 else ''}; Ebenen: "
             f"{', '.join(offer.levels) or '–'}", "  Messgrößen (measure):"]
    lines += [f"    - {m} ({offer.units.get(m, '')})" for m in offer.measures[:MAX_LISTED]]
    if len(offer.measures) > MAX_LISTED:
        lines.append(f"    … und {len(offer.measures) - MAX_LISTED} weitere")
    for dimension, categories in offer.dimensions.items():
        shown = ", ".join(f"„{offer.category_label(c)}“" for c in categories[:30])
        lines.append(f"  Merkmal {dimension} (categories = {{ {dimension} = … }}): {shown}"
                     f"{' …' if len(categories) > 30 else ''}")
    return "\n".join(lines)


# ── a description ────────────────────────────────────────────────────────────────────────────────────────────


@dataclass
class Part:
    """Numerator or denominator: a measure of the file with one category per dimension, or an existing indicator."""

    measure: str = ""
    categories: dict = field(default_factory=dict)
    indicator: str = ""
    name: str = ""
    unit: str = ""


@dataclass
class Description:
    name: str = ""
    handlungsfeld: str = ""
    unit: str = ""
    concept: str = "alle Personen"
    level: str = ""  # default: the lowest level the file has
    direction: str = "neutral"
    caveats: str = ""
    definition: str = ""
    source: str = ""
    id: str = ""
    table: str = ""  # which file's table this describes; needed only when several files need a description
    period_type: str = ""
    decimals: int | None = None
    factor: float | None = None
    numerator: Part = field(default_factory=Part)
    denominator: Part | None = None

    def as_toml(self) -> str:
        """The description as a snippet for `--describe` (what the page made, to repeat it on the command line)."""
        data = {k: v for k, v in self.__dict__.items() if k not in ("numerator", "denominator") and v not in ("", None)}
        data["numerator"] = {k: v for k, v in self.numerator.__dict__.items() if v}
        if self.denominator is not None:
            data["denominator"] = {k: v for k, v in self.denominator.__dict__.items() if v}
        return tomli_w.dumps(data)


def parse_description(data: dict, where: str = "Beschreibung") -> Description:
    """A description from a TOML snippet or the page's fields; unknown or mistyped fields are refused."""
    _check_table(data, TOP_FIELDS, where, "erwartet werden Felder wie name = \"…\" (siehe Beispiel).")
    values = {}
    for key in sorted(TOP_FIELDS - {"numerator", "denominator", "decimals", "factor"}):
        if key not in data:
            continue  # the default of Description (concept "alle Personen", direction "neutral", …)
        value = data[key]
        if not isinstance(value, str):
            raise DescriptionError(f"{where}: {key} muss ein Text sein (in Anführungszeichen).")
        values[key] = value.strip()
    for key, kind in (("decimals", int), ("factor", (int, float))):
        value = data.get(key)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise DescriptionError(f"{where}: {key} muss eine Zahl sein.")
        values[key] = value
    if "numerator" not in data:
        raise DescriptionError(f"{where}: der Zähler fehlt ([numerator] mit measure = \"…\").")
    values["numerator"] = _part(data["numerator"], f"{where}, Zähler")
    values["denominator"] = _part(data["denominator"], f"{where}, Nenner") if data.get("denominator") else None
    return Description(**values)


def _check_table(data, allowed: set[str], where: str, expected: str) -> None:
    """A TOML table with known keys only: a typo is refused by name instead of being ignored."""
    if not isinstance(data, dict):
        raise DescriptionError(f"{where}: {expected}")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise DescriptionError(f"{where}: unbekannte Angabe(n) {', '.join(unknown)}; erlaubt sind "
                               f"{', '.join(sorted(allowed))}.")


def _part(data, where: str) -> Part:
    _check_table(data, PART_FIELDS, where, "erwartet wird eine Tabelle mit measure = \"…\" oder indicator = \"…\".")
    categories = data.get("categories", {})
    if not isinstance(categories, dict) or not all(isinstance(v, str) for v in categories.values()):
        raise DescriptionError(f"{where}: categories muss Merkmal = \"Kategorie\" sein.")
    for key in ("measure", "indicator", "name", "unit"):
        if not isinstance(data.get(key, ""), str):
            raise DescriptionError(f"{where}: {key} muss ein Text sein (in Anführungszeichen).")
    return Part(measure=_norm(data.get("measure", "")), categories={str(k): v for k, v in categories.items()},
                indicator=data.get("indicator", "").strip(), name=data.get("name", "").strip(),
                unit=data.get("unit", "").strip())


def load_description(path: Path) -> Description:
    """A TOML snippet (`--describe`): its problems are named with the file."""
    where = f"Beschreibung „{Path(path).name}“"
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DescriptionError(f"{where}: die Datei gibt es nicht.") from None
    except UnicodeDecodeError:
        raise DescriptionError(f"{where}: die Datei ist nicht UTF-8-kodiert.") from None
    except tomllib.TOMLDecodeError as err:
        raise DescriptionError(f"{where}: kein gültiges TOML ({err}).") from None
    return parse_description(data, where)


# ── from a description to catalogue entries ──────────────────────────────────────────────────────────────────


@dataclass
class Described:
    """The catalogue entries a description makes, validated with the catalogue, and its [[description]] record."""

    description: Description
    offer: Offer
    entries: list[dict]
    record: dict

    @property
    def id(self) -> str:
        return self.entries[-1]["id"]

    @property
    def main(self) -> dict:
        return self.entries[-1]

    @property
    def numerator_id(self) -> str:
        return self.main["numerator"][0] if self.main["kind"] == "share" else self.id

    @property
    def denominator_id(self) -> str | None:
        return self.main.get("denominator")

    @property
    def ids(self) -> list[str]:
        return [e["id"] for e in self.entries]


def build(description: Description, offer: Offer, existing: list[dict], *, created: str = "") -> Described:
    """The catalogue entries of a description of `offer`'s file, checked against the file and the catalogue
    (`existing`: its [[indicator]] entries).  Raises DescriptionError naming what is wrong."""
    where = f"Beschreibung der Tabelle {offer.table} („{offer.file}“)"
    d = description
    _check_text(where, "Name", d.name, required=True, limit=200)
    _check_text(where, "Einheit", d.unit, required=True, limit=60)
    for label, text, limit in (("Hinweise", d.caveats, 1000), ("Definition", d.definition, 1000),
                               ("Quelle", d.source, 300), ("Name des Zählers", d.numerator.name, 200),
                               ("Name des Nenners", d.denominator.name if d.denominator else "", 200)):
        _check_text(where, label, text, required=False, limit=limit)
    level = d.level or offer.level
    period_type = d.period_type or offer.period_type
    for label, value, allowed in (("Handlungsfeld", d.handlungsfeld, HANDLUNGSFELDER), ("Konzept", d.concept, CONCEPTS),
                                  ("Ebene", level, LEVELS), ("Richtung", d.direction, DIRECTIONS),
                                  ("Zeitbezug", period_type, PERIOD_TYPES)):
        if value not in allowed:
            shown = allowed if isinstance(allowed, list) else sorted(allowed)
            raise DescriptionError(f"{where}: {label} „{value}“ ist nicht erlaubt (erlaubt: {', '.join(shown)}).")
    if d.table and d.table != offer.table:
        raise DescriptionError(f"{where}: die Beschreibung nennt die Tabelle {d.table}, die Datei hat {offer.table}.")
    by_id = {e["id"]: e for e in existing}
    base = d.id or _new_id(d.name)
    if not re.fullmatch(r"[a-z][a-z0-9_]{2,70}", base):
        raise DescriptionError(f"{where}: die Kennung „{base}“ darf nur Kleinbuchstaben, Ziffern und _ enthalten "
                               "(3 bis 70 Zeichen, am Anfang ein Buchstabe).")
    names = {_norm(e.get("name", "")).casefold(): e["id"] for e in existing}
    if _norm(d.name).casefold() in names:
        raise DescriptionError(f"{where}: eine Kennzahl mit dem Namen „{d.name}“ gibt es schon im Katalog "
                               f"(Kennung {names[_norm(d.name).casefold()]}). Bitte einen anderen Namen wählen.")
    numerator_rule = _selection(where, "Zähler", d.numerator, offer)
    share = d.denominator is not None
    ids = [f"{base}_zaehler", base] if share else [base]
    denominator_rule = None
    if share:
        if d.denominator.indicator:
            _existing_denominator(where, d.denominator, by_id)
        else:
            denominator_rule = _selection(where, "Nenner", d.denominator, offer)
            ids.insert(1, f"{base}_nenner")
            if denominator_rule == numerator_rule:
                raise DescriptionError(f"{where}: Zähler und Nenner sind dieselbe Messgröße mit denselben Kategorien.")
    for new_id in ids:
        if new_id in by_id:
            raise DescriptionError(f"{where}: die Kennung „{new_id}“ gibt es schon im Katalog („"
                                   f"{by_id[new_id].get('name', '')}“). Bitte einen anderen Namen oder eine andere "
                                   "Kennung (id) wählen.")
    source = d.source or f"{SOURCE_BY_LAYOUT.get(offer.layout, 'amtliche Statistik')}, Tabelle {offer.table}"
    caveats = " ".join(filter(None, [d.caveats, DESCRIBED_NOTE.format(table=offer.table)]))
    common = {"handlungsfeld": d.handlungsfeld, "concept": d.concept, "level": level, "table": offer.table,
              "period_type": period_type, "caveats": caveats}
    numerator_label = _label(d.numerator, offer)
    count_unit = d.numerator.unit or UNIT_OF_FILE.get(offer.units.get(d.numerator.measure, ""), "Anzahl")
    entries = []
    if not share:
        entries.append({"id": base, "name": _norm(d.name), "definition": d.definition or numerator_label,
                        "unit": d.unit, "source": source, "direction": d.direction,
                        "decimals": _decimals(d, count_unit), "kind": "count", **common,
                        "series": [numerator_rule]})
    else:
        entries.append({"id": ids[0], "name": d.numerator.name or f"{_norm(d.name)} – Zähler",
                        "definition": numerator_label, "unit": count_unit, "source": source, "direction": "neutral",
                        "decimals": 0, "kind": "count", **common, "series": [numerator_rule]})
        if denominator_rule is not None:
            entries.append({"id": ids[1], "name": d.denominator.name or f"{_norm(d.name)} – Nenner",
                            "definition": _label(d.denominator, offer),
                            "unit": d.denominator.unit or UNIT_OF_FILE.get(offer.units.get(d.denominator.measure, ""),
                                                                           "Anzahl"),
                            "source": source, "direction": "neutral", "decimals": 0, "kind": "count", **common,
                            "series": [denominator_rule]})
            denominator_id, denominator_label = ids[1], _label(d.denominator, offer)
        else:
            denominator_id = d.denominator.indicator
            denominator_label = by_id[denominator_id].get("name", denominator_id)
            source = f"{source}; {by_id[denominator_id].get('source', '')}".rstrip("; ")
        factor = d.factor if d.factor is not None else _default_factor(d.unit)
        if not factor or factor <= 0:
            raise DescriptionError(f"{where}: der Faktor muss größer als 0 sein (100 für %, 1000 für je 1.000).")
        entries.append({"id": base, "name": _norm(d.name),
                        "definition": d.definition or f"{numerator_label} ÷ {denominator_label} × "
                                                      f"{fmt_number(factor, 0)}",
                        "unit": d.unit, "source": source, "direction": d.direction, "decimals": _decimals(d, d.unit),
                        "kind": "share", "numerator": [ids[0]], "denominator": denominator_id,
                        "factor": float(factor), **common})
    parsed = tomllib.loads(tomli_w.dumps({"indicator": entries}))["indicator"]  # exactly what the file will hold
    try:
        catalog_frame(existing + parsed)
        for entry in parsed:
            for series in entry.get("series", []):
                Rule.from_toml(entry["id"], series)
    except ValueError as err:
        raise DescriptionError(f"{where}: die Kennzahl passt nicht in den Katalog: {err}") from None
    record = {"id": base, "created": created, "file": offer.file, "table": offer.table, "indicators": ids,
              "numerator": _part_record(d.numerator), **({"denominator": _part_record(d.denominator)} if share else {})}
    return Described(description=d, offer=offer, entries=parsed, record=record)


def _selection(where: str, role: str, part: Part, offer: Offer) -> dict:
    """The [[indicator.series]] rule that selects exactly the part's measure and categories in this table."""
    if part.indicator:
        raise DescriptionError(f"{where}: der {role} muss eine Messgröße der Datei sein (measure), keine Kennzahl.")
    if not part.measure:
        raise DescriptionError(f"{where}: {role}: bitte eine Messgröße der Datei wählen (measure).")
    if part.measure not in offer.measures:
        raise DescriptionError(f"{where}: {role}: die Messgröße „{part.measure}“ gibt es in der Datei nicht. "
                               f"Vorhanden: {_listing(offer.measures)}.")
    unknown = [d for d in part.categories if d not in offer.dimensions]
    if unknown:
        raise DescriptionError(f"{where}: {role}: das Merkmal „{unknown[0]}“ gibt es in der Datei nicht. "
                               f"Vorhanden: {_listing(offer.dimensions) if offer.dimensions else 'keine Merkmale'}.")
    chosen = {}
    for dimension, categories in offer.dimensions.items():
        wanted = part.categories.get(dimension)
        if wanted is None:
            total = "" if offer.flat and "" in categories else TOTAL if TOTAL in categories else None
            if total is None:
                raise DescriptionError(f"{where}: {role}: bitte für das Merkmal „{dimension}“ eine Kategorie wählen "
                                       f"(die Datei hat keine Summe „Insgesamt“). Vorhanden: "
                                       f"{_listing(offer.category_label(c) for c in categories)}.")
            wanted = total
        wanted = _norm(wanted)
        if offer.flat and wanted == TOTAL and TOTAL not in categories and "" in categories:
            wanted = ""
        if wanted not in categories:
            raise DescriptionError(f"{where}: {role}: die Kategorie „{wanted}“ gibt es im Merkmal „{dimension}“ der "
                                   f"Datei nicht. Vorhanden: {_listing(offer.category_label(c) for c in categories)}.")
        chosen[dimension] = wanted
    dims = next((dims for measure, dims in offer.combinations
                 if measure == part.measure and offer.categories_of(dims) == chosen), None)
    if dims is None:
        shown = ", ".join(f"{k} = {offer.category_label(v)}" for k, v in chosen.items()) or "ohne Merkmale"
        raise DescriptionError(f"{where}: {role}: für die Messgröße „{part.measure}“ hat die Datei keine Werte mit "
                               f"{shown}.")
    rule = {"table": offer.table, "measure": part.measure}
    if offer.flat:
        codes = {k: v for k, v in chosen.items() if v}
        if codes:
            rule["dims"] = codes
    else:
        rule["dims"] = dims
    return rule


def _existing_denominator(where: str, part: Part, by_id: dict) -> None:
    if part.measure or part.categories:
        raise DescriptionError(f"{where}: Nenner: entweder eine Messgröße der Datei (measure) oder eine vorhandene "
                               "Kennzahl (indicator), nicht beides.")
    entry = by_id.get(part.indicator)
    if entry is None:
        raise DescriptionError(f"{where}: Nenner: eine Kennzahl „{part.indicator}“ gibt es im Katalog nicht.")
    if entry.get("kind") != "count":
        raise DescriptionError(f"{where}: Nenner: „{entry.get('name')}“ ist selbst ein Anteil; der Nenner muss eine "
                               "Anzahl sein (z. B. Bevölkerung, Ausländerinnen und Ausländer).")


def _label(part: Part, offer: Offer) -> str:
    categories = {k: v for k, v in part.categories.items() if v not in ("", TOTAL)}
    shown = f" ({', '.join(f'{k}: {v}' for k, v in categories.items())})" if categories else ""
    return f"{part.measure}{shown} (Tabelle {offer.table})"


def _part_record(part: Part) -> dict:
    return {k: v for k, v in part.__dict__.items() if v}


def _decimals(description: Description, unit: str) -> int:
    if description.decimals is not None:
        return int(description.decimals)
    return 0 if unit in ("Anzahl", "Personen") else 1


def _default_factor(unit: str) -> float:
    match = re.match(r"je ([\d.]+)", unit)
    if unit.strip() == "%":
        return 100.0
    return float(match.group(1).replace(".", "")) if match else 1.0


def _check_text(where: str, label: str, text: str, *, required: bool, limit: int) -> None:
    text = (text or "").strip()
    if required and not text:
        raise DescriptionError(f"{where}: {label} fehlt.")
    if text.startswith(FORMULA_START):
        raise DescriptionError(f"{where}: {label} beginnt mit „{text[0]}“ (würde in Tabellenkalkulationen als Formel "
                               "ausgeführt); bitte anders beginnen.")
    if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text):
        raise DescriptionError(f"{where}: {label} enthält Steuerzeichen.")
    if len(text) > limit:
        raise DescriptionError(f"{where}: {label} ist zu lang (höchstens {limit} Zeichen).")


def _new_id(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name.lower().replace("ß", "ss").replace("ä", "ae")
                                       .replace("ö", "oe").replace("ü", "ue")).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_name).strip("_")
    if len(slug) > 40:  # whole words, short enough for a readable id with _zaehler / _nenner behind it
        slug = slug[:41].rsplit("_", 1)[0]
    return ID_PREFIX + (slug or "kennzahl")


def _listing(items, limit: int = 12) -> str:
    items = [f"„{i}“" for i in items]
    return ", ".join(items[:limit]) + (f" … ({len(items)} insgesamt)" if len(items) > limit else "")


def rules(entries: list[dict]) -> list[Rule]:
    """The mapping rules of catalogue entries (as catalog.load_rules makes them)."""
    return [Rule.from_toml(entry["id"], series) for entry in entries for series in entry.get("series", [])]


# ── the described-indicators file ────────────────────────────────────────────────────────────────────────────


def file_text(current: dict, described: list[Described], import_id: str = "") -> str:
    """described_indicators.toml with the entries and records of `described` added (current: the parsed file)."""
    indicators = list(current.get("indicator", []))
    records = list(current.get("description", []))
    for item in described:
        indicators += item.entries
        records.append({**item.record, **({"import_id": import_id} if import_id else {})})
    return _dump(indicators, records)


def file_text_without(current: dict, record_id: str) -> tuple[str, dict]:
    """described_indicators.toml without one description and its entries; (text, the removed record)."""
    records = list(current.get("description", []))
    record = next((r for r in records if r.get("id") == record_id), None)
    if record is None:
        known = ", ".join(r.get("id", "") for r in records) or "keine"
        raise DescriptionError(f"Eine beschriebene Kennzahl „{record_id}“ gibt es nicht (beschrieben: {known}).")
    ids = set(record.get("indicators", []))
    indicators = [e for e in current.get("indicator", []) if e.get("id") not in ids]
    return _dump(indicators, [r for r in records if r is not record]), record


def _dump(indicators: list[dict], records: list[dict]) -> str:
    body = tomli_w.dumps({"indicator": indicators, "description": records}) if indicators or records else ""
    return FILE_HEADER + ("\n" + body if body else "")


# ── the values a description gives ───────────────────────────────────────────────────────────────────────────


def check_values(values: pd.DataFrame, described: Described) -> None:
    """Refuse a description whose values cannot be right: numerator and denominator without a common region or
    Stichtag, a share above 100 %, or no value at all.  values: queries/describe_values.sql on the built database."""
    where = f"Beschreibung „{described.main['name']}“"
    numerator = values[values["has_numerator"]]
    if numerator.empty:
        raise DescriptionError(f"{where}: der Zähler ergibt keine Werte für Kreise, Länder oder Deutschland.")
    if described.denominator_id is None:
        return
    denominator = values[values["has_denominator"]]
    n_regions, d_regions = set(numerator["ags"]), set(denominator["ags"])
    if not n_regions & d_regions:
        raise DescriptionError(
            f"{where}: der Nenner „{described.denominator_id}“ hat Werte für andere Regionen als der Zähler – keine "
            f"Überschneidung. Zähler: {len(n_regions)} Region(en), z. B. {_listing(sorted(n_regions), 5)}; Nenner: "
            f"{len(d_regions)} Region(en){', z. B. ' + _listing(sorted(d_regions), 5) if d_regions else ''}. Ein "
            "Anteil braucht Zähler und Nenner für dieselben Kreise.")
    both = values[values["has_numerator"] & values["has_denominator"]]
    if both.empty:
        raise DescriptionError(
            f"{where}: Zähler und Nenner haben keinen gemeinsamen Stichtag. Zähler: "
            f"{_listing(sorted(set(numerator['period'])), 5)}; Nenner: {_listing(sorted(set(denominator['period'])), 5)}.")
    if described.main["unit"] == "%":
        over = both[both["value"] > 100].sort_values("value", ascending=False)
        if not over.empty:
            examples = "; ".join(f"{row.region} ({row.ags}) {row.period}: {fmt_number(row.value, 1)} % "
                                 f"({fmt_number(row.numerator)} ÷ {fmt_number(row.denominator)})"
                                 for row in over.head(3).itertuples())
            raise DescriptionError(
                f"{where}: der Anteil wäre für {len(over)} Wert(e) über 100 % ({examples}). Ist der Zähler ein Teil "
                "des Nenners? Sonst Zähler und Nenner tauschen oder als Anzahl bzw. „je 1.000“ beschreiben.")


def value_table(values: pd.DataFrame, described: Described, kreis: str, names: dict[str, str]) -> pd.DataFrame:
    """The values for one district, its Land and Germany, as a German table (the page and the command line show
    it before anything is written).  A Land the file has no row for gets the sum over its districts, so marked."""
    main = described.main
    share = main["kind"] == "share"
    land = kreis[:2]
    rows = []
    for ags in (kreis, land, "DG"):
        own = values[(values["ags"] == ags) & values["has_numerator"]]
        if not own.empty:
            rows += [_row(r.region or names.get(ags, ags), r.period, r.numerator, r.denominator, r.value, r.flag)
                     for r in own.itertuples()]
        elif ags == land:
            rows += _land_sums(values, land, names.get(land, land), main)
    columns = ["Region", "Zeitpunkt", "Zähler", "Nenner", "Wert"] if share else ["Region", "Zeitpunkt", "Wert"]
    table = pd.DataFrame(rows, columns=["Region", "period", "Zähler", "Nenner", "value", "flag"])
    table["Zeitpunkt"] = [fmt_period(p, main["period_type"]) for p in table["period"]]
    table["Zähler"] = [fmt_number(v) for v in table["Zähler"]]
    table["Nenner"] = [fmt_number(v) for v in table["Nenner"]]
    table["Wert"] = [fmt_missing(f) if is_missing(v) else fmt_value(v, main["unit"], int(main["decimals"]))
                     for v, f in zip(table["value"], table["flag"])]
    return table[columns]


def _row(region, period, numerator, denominator, value, flag) -> tuple:
    return (region, period, numerator, denominator, value, flag or "")


def _land_sums(values: pd.DataFrame, land: str, name: str, main: dict) -> list[tuple]:
    """The Land as the sum of its districts that have values (a share: sum ÷ sum × factor)."""
    rows = []
    districts = values[(values["ags"].str.len() == 5) & values["ags"].str.startswith(land) & values["has_numerator"]]
    for period, group in districts.groupby("period", sort=True):
        usable = group.dropna(subset=["numerator"] + (["denominator"] if main["kind"] == "share" else []))
        label = f"{name} (Summe von {len(usable)} der {len(group)} Kreise)"
        numerator = usable["numerator"].sum() if not usable.empty else float("nan")
        if main["kind"] == "share":
            denominator = usable["denominator"].sum() if not usable.empty else float("nan")
            value = numerator / denominator * float(main["factor"]) if denominator else float("nan")
        else:
            denominator, value = float("nan"), numerator
        rows.append(_row(label, period, numerator, denominator, value, "" if not pd.isna(value) else "."))
    return rows
