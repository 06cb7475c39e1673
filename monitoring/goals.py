"""Goals (Wirkungsziele) and measures (Maßnahmen) of the Integrationskonzept, and the status rule (pure, no Streamlit).

Why one module of this size: the goal and measure files, their validation and the status rule (Open SDG progress
method) with its explanation belong together: the explanation states the rule's numbers.

Kept as plain TOML files a district edits (data/goals/ziele.toml, data/goals/massnahmen.toml; the keys are described
at the top of each file).  ``load_goals`` reads and validates both and refuses the whole set with every problem
named (file, line, entry) -- nothing half-loaded.

The status of a goal is computed, never typed, with the progress method of Eurostat / Statistics Canada that Open SDG
implements (open-sdg docs/progress-methodology.md; sdg-build ProgressMeasure.py):

- observed compound annual growth rate since the baseline  CAGR_o = (y_t / y_0)^(1 / (t - t_0)) - 1
- goals with a target value: required rate  CAGR_r = (y_T / y_0)^(1 / (T - t_0)) - 1  and  R = s·d·CAGR_o / |CAGR_r|
  (d = +1 when the value should rise, -1 when it should fall; s = -1 for negative values).  The target counts as
  reached when the latest value is on the target's side (>= for rising, <= for falling goals).
  R >= 95 % auf Kurs, 60 % <= R < 95 % Fortschritt, aber zu langsam, 0 <= R < 60 % geringer Fortschritt, R < 0
  Verschlechterung.
- goals with a direction only: s·d·CAGR_o against fixed growth rates: >= 1,5 % auf Kurs, 0,5–1,5 % zu langsam,
  0–0,5 % gering, < 0 Verschlechterung.  For a share that should rise towards its natural limit of 100 %, the
  positive thresholds are scaled by C = 1 - (y_0 / 100)^4,44 (the method's scaling factor for a maximum limit), so a
  share already near 100 % is not asked for impossible growth; C = 0 (baseline at the limit) and CAGR >= 0 is auf Kurs.
- a value of 0 is replaced by 0,001 (the method's rule: an exponential model cannot start from or aim at 0).
- the baseline value is the indicator's value in the baseline year (for the district shown); when the series has no
  value for that year, the value written in the goal; failing that, the first year after it with a value (Open SDG).
  The current value is the latest value after the baseline year.
- a series break (new data basis) between the baseline and the current value makes the status "nicht vergleichbar";
  the computed status is kept beside it, so the explanation can say what the numbers alone would give.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import fmt, settings

GOALS_DIR = settings.DATA_DIR / "goals"
GOALS_FILE = "ziele.toml"
MEASURES_FILE = "massnahmen.toml"

RISE, FALL = "steigen", "sinken"
DIRECTIONS = (RISE, FALL)
MEASURE_STATUSES = ("geplant", "laufend", "abgeschlossen", "verschoben", "eingestellt")

# Status labels (what users read), best first.
ACHIEVED = "Ziel erreicht"
ON_TRACK = "auf Kurs"
TOO_SLOW = "Fortschritt, aber zu langsam"
LIMITED = "geringer Fortschritt"
DETERIORATION = "Verschlechterung"
NOT_COMPARABLE = "nicht vergleichbar"
NOT_ASSESSABLE = "nicht bewertbar"
NO_DATA = "noch keine Daten"
STATUSES = (ACHIEVED, ON_TRACK, TOO_SLOW, LIMITED, DETERIORATION, NOT_COMPARABLE, NOT_ASSESSABLE, NO_DATA)
ON_COURSE = (ACHIEVED, ON_TRACK)
OFF_COURSE = (TOO_SLOW, LIMITED, DETERIORATION)
WITHOUT_DATA = (NOT_COMPARABLE, NOT_ASSESSABLE, NO_DATA)
STATUS_COLORS = {ACHIEVED: "green", ON_TRACK: "green", TOO_SLOW: "orange", LIMITED: "orange",
                 DETERIORATION: "red", NOT_COMPARABLE: "gray", NOT_ASSESSABLE: "gray", NO_DATA: "gray"}

# Thresholds of the method (open-sdg progress-methodology; sdg-build defaults).
RATIO_THRESHOLDS = (0.95, 0.60, 0.0)  # R: auf Kurs, zu langsam, gering
GROWTH_THRESHOLDS = (0.015, 0.005, 0.0)  # CAGR of a direction-only goal
LIMIT_EXPONENT = 4.44
ZERO_REPLACEMENT = 0.001
SHARE_LIMIT = 100.0

RULE_TEXT = (
    "Der Status eines Ziels wird aus den Daten berechnet, nie eingetragen – nach der Fortschrittsmethode von "
    "Eurostat und Statistics Canada, wie sie Open SDG umsetzt (auch das Integrationsmonitoring Niedersachsen). "
    "Verglichen wird die beobachtete durchschnittliche jährliche Veränderung seit dem Ausgangsjahr (CAGR) mit der "
    "Veränderung, die nötig ist, um den Zielwert im Zieljahr zu erreichen: R = beobachtet ÷ nötig. "
    "**Ziel erreicht**: der aktuelle Wert liegt auf der Seite des Zielwerts. **auf Kurs**: R ≥ 95 %. "
    "**Fortschritt, aber zu langsam**: 60 % ≤ R < 95 %. **geringer Fortschritt**: 0 ≤ R < 60 %. "
    "**Verschlechterung**: R < 0. Ziele nur mit Richtung (steigen/sinken) werden an festen Raten gemessen: "
    "mindestens 1,5 % pro Jahr in die gewünschte Richtung auf Kurs, 0,5 bis 1,5 % zu langsam, 0 bis 0,5 % gering, "
    "Gegenrichtung Verschlechterung; bei Anteilen nahe 100 % werden diese Raten mit dem Faktor "
    "C = 1 − (Ausgangswert ÷ 100)^4,44 verkleinert. **noch keine Daten**: kein Ausgangswert oder noch kein Wert "
    "nach dem Ausgangsjahr. **nicht vergleichbar**: zwischen Ausgangs- und aktuellem Wert liegt ein Bruch in der "
    "Reihe (neue Datengrundlage). Die Methode vereinfacht: sie unterstellt, dass sich der bisherige Trend fortsetzt."
)


class GoalsError(ValueError):
    """Goal or measure files that cannot be used; the message lists every problem with file, line and entry."""


@dataclass(frozen=True)
class Goal:
    id: str
    handlungsfeld: str
    text: str
    direction: str  # "steigen" | "sinken": resolved at load (written, or from baseline value and target value)
    baseline_year: int
    baseline_value: float | None = None
    target_value: float | None = None  # None: a direction-only goal
    target_year: int | None = None
    indicators: tuple[str, ...] = ()  # "id" or "id:category" as in handlungsfelder.toml; the first one decides
    querschnittsthemen: tuple[str, ...] = ()
    target_group: str = ""
    responsible: str = ""
    notes: str = ""
    example: bool = False

    @property
    def sign(self) -> int:
        return 1 if self.direction == RISE else -1

    @property
    def lead_indicator(self) -> tuple[str, str] | None:
        """(indicator id, category) of the indicator the status is computed from, or None."""
        if not self.indicators:
            return None
        indicator_id, _, category = self.indicators[0].partition(":")
        return indicator_id, category

    def describe_target(self, unit: str = "", decimals: int = 1) -> str:
        if self.target_value is None:
            return f"Richtung: {self.direction}"
        return f"{fmt.fmt_value(self.target_value, unit, decimals)} bis {self.target_year}"


@dataclass(frozen=True)
class Measure:
    id: str
    handlungsfeld: str
    title: str
    status: str
    description: str = ""
    goals: tuple[str, ...] = ()
    responsible: str = ""
    partners: tuple[str, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None
    last_review: dt.date | None = None
    steering_year: int | None = None
    notes: str = ""
    example: bool = False


@dataclass(frozen=True)
class GoalSet:
    goals: tuple[Goal, ...]
    measures: tuple[Measure, ...]

    @property
    def any_example(self) -> bool:
        return any(g.example for g in self.goals) or any(m.example for m in self.measures)

    def goal(self, goal_id: str) -> Goal:
        return next(g for g in self.goals if g.id == goal_id)


# ── loading and validation ──────────────────────────────────────────────────────────────────────────────────


def load_goals(folder: Path = GOALS_DIR, *, catalog_ids: Iterable[str], fields: Iterable[str] | None = None) -> GoalSet:
    """Goals and measures of data/goals/, validated against the catalogue's indicator ids and (if given) the
    installation's Handlungsfelder.  A missing file counts as empty; any problem raises GoalsError with all of them."""
    goal_entries, goal_lines = _read(folder / GOALS_FILE, "goal")
    measure_entries, measure_lines = _read(folder / MEASURES_FILE, "measure")
    return build_goal_set(goal_entries, measure_entries, catalog_ids=catalog_ids, fields=fields,
                          goal_lines=goal_lines, measure_lines=measure_lines)


def build_goal_set(goal_entries: list[dict], measure_entries: list[dict], *, catalog_ids: Iterable[str],
                   fields: Iterable[str] | None = None, goal_lines: Mapping[str, int] | None = None,
                   measure_lines: Mapping[str, int] | None = None) -> GoalSet:
    """The validated GoalSet of [[goal]] and [[measure]] entries as parsed from TOML."""
    catalog_ids, fields = set(catalog_ids), (None if fields is None else set(fields))
    problems: list[str] = []
    goals = _entries(goal_entries, GOALS_FILE, "Ziel", goal_lines or {}, problems,
                     lambda e, say: _goal(e, say, catalog_ids, fields))
    known_goals = {g.id for g in goals}
    measures = _entries(measure_entries, MEASURES_FILE, "Maßnahme", measure_lines or {}, problems,
                        lambda e, say: _measure(e, say, known_goals, fields))
    if problems:
        raise GoalsError("Ziele und Maßnahmen nicht übernommen:\n" + "\n".join(f"- {p}" for p in problems))
    return GoalSet(tuple(goals), tuple(measures))


def _read(path: Path, table: str) -> tuple[list[dict], dict[str, int]]:
    if not path.is_file():
        return [], {}
    text = path.read_text(encoding="utf-8")
    try:
        entries = tomllib.loads(text).get(table, [])
    except tomllib.TOMLDecodeError as err:
        raise GoalsError(f"{path.name}: keine gültige TOML-Datei ({err}).") from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise GoalsError(f"{path.name}: erwartet werden Einträge [[{table}]].")
    return entries, _id_lines(text)


def _id_lines(text: str) -> dict[str, int]:
    """id -> line number of its `id = "…"` (the first one: a duplicate is reported with the line of its second)."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r'\s*id\s*=\s*["\']([^"\']*)["\']', line)
        if match:
            lines.setdefault(match.group(1), number)
            lines[f"{match.group(1)}#last"] = number
    return lines


def _entries(entries, file_name, noun, lines, problems, make):
    made, seen = [], set()
    for position, entry in enumerate(entries, start=1):
        entry_id = str(entry.get("id", "")).strip()
        line = lines.get(f"{entry_id}#last" if entry_id in seen else entry_id)
        where = f"{file_name}, " + (f"Zeile {line}, " if line else "") + (
            f"{noun} „{entry_id}“" if entry_id else f"{position}. {noun} (ohne id)")
        found: list[str] = []

        def say(message: str, found=found) -> None:
            found.append(message)

        if not entry_id:
            say("id fehlt")
        elif entry_id in seen:
            say("id doppelt vergeben")
        seen.add(entry_id)
        item = make(entry, say)
        problems += [f"{where}: {message}" for message in found]
        if not found:
            made.append(item)
    return made


def _text(entry: dict, key: str, say, *, required: bool = False) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        say(f"{key} muss Text sein")
        return ""
    if required and not value.strip():
        say(f"{key} fehlt")
    return value.strip()


def _texts(entry: dict, key: str, say) -> tuple[str, ...]:
    value = entry.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        say(f"{key} muss eine Liste von Texten sein")
        return ()
    return tuple(v.strip() for v in value if v.strip())


def _number(value, what: str, say) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        say(f"{what} = {value!r} ist keine Zahl")
        return None
    return float(value)


def _year(value, what: str, say) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2100:
        say(f"{what} = {value!r} ist keine Jahreszahl")
        return None
    return value


def _handlungsfeld(entry: dict, say, fields: set[str] | None) -> str:
    name = _text(entry, "handlungsfeld", say, required=True)
    if name and fields is not None and name not in fields:
        say(f"unbekanntes Handlungsfeld „{name}“ (bekannt: {', '.join(sorted(fields))})")
    return name


def _goal(entry: dict, say, catalog_ids: set[str], fields: set[str] | None) -> Goal | None:
    handlungsfeld = _handlungsfeld(entry, say, fields)
    text = _text(entry, "text", say, required=True)
    indicators = _texts(entry, "indicators", say)
    for spec in indicators:
        if spec.partition(":")[0] not in catalog_ids:
            say(f"unbekannter Indikator „{spec.partition(':')[0]}“ (siehe Indikatorkatalog)")
    baseline, target = entry.get("baseline", {}), entry.get("target")
    if not isinstance(baseline, dict) or "year" not in baseline:
        say("baseline = { year = …, value = … } fehlt (value darf fehlen, year nicht)")
        baseline = {}
    if target is not None and (not isinstance(target, dict) or "year" not in target or "value" not in target):
        say("target muss { year = …, value = … } sein")
        target = None
    baseline_year = _year(baseline.get("year"), "baseline.year", say)
    baseline_value = _number(baseline.get("value"), "baseline.value", say)
    target_year = _year((target or {}).get("year"), "target.year", say)
    target_value = _number((target or {}).get("value"), "target.value", say)
    if baseline_year and target_year and target_year <= baseline_year:
        say(f"Zieljahr {target_year} liegt nicht nach dem Ausgangsjahr {baseline_year}")
    direction = entry.get("direction")
    if direction is not None and direction not in DIRECTIONS:
        say(f"direction = {direction!r} ist nicht erlaubt (steigen oder sinken)")
        direction = None
    if direction is None and target is None:
        say('weder target noch direction: ein Ziel braucht einen Zielwert oder eine Richtung ("steigen"/"sinken")')
    if direction is None and target_value is not None:
        if baseline_value is None or baseline_value == target_value:
            say('direction fehlt: ohne Ausgangswert (oder wenn er dem Zielwert gleicht) muss die Richtung '
                'angegeben sein ("steigen"/"sinken")')
        else:
            direction = RISE if target_value > baseline_value else FALL
    example = entry.get("example", False)
    if not isinstance(example, bool):
        say("example muss true oder false sein")
    return Goal(
        id=str(entry.get("id", "")), handlungsfeld=handlungsfeld, text=text, direction=direction or RISE,
        baseline_year=baseline_year or 0, baseline_value=baseline_value, target_value=target_value,
        target_year=target_year, indicators=indicators, querschnittsthemen=_texts(entry, "querschnittsthemen", say),
        target_group=_text(entry, "target_group", say), responsible=_text(entry, "responsible", say),
        notes=_text(entry, "notes", say), example=example is True,
    )


def _date(value, what: str, say, *, end: bool = False) -> dt.date | None:
    """A TOML date (2024-03-01) or a year (2024: 1 January, or 31 December for an end)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2100:
        return dt.date(value, 12, 31) if end else dt.date(value, 1, 1)
    say(f"{what} = {value!r} ist kein Datum (z. B. 2024-03-01) und keine Jahreszahl")
    return None


def _measure(entry: dict, say, known_goals: set[str], fields: set[str] | None) -> Measure | None:
    handlungsfeld = _handlungsfeld(entry, say, fields)
    title = _text(entry, "title", say, required=True)
    status = entry.get("status")
    if status not in MEASURE_STATUSES:
        say(f"status = {status!r} ist nicht erlaubt ({', '.join(MEASURE_STATUSES)})")
    goals = _texts(entry, "goals", say)
    for goal_id in goals:
        if goal_id not in known_goals:
            say(f"unbekanntes Ziel „{goal_id}“ (siehe {GOALS_FILE})")
    start = _date(entry.get("start"), "start", say)
    end = _date(entry.get("end"), "end", say, end=True)
    if start and end and end < start:
        say(f"Ende {fmt.fmt_date(end)} liegt vor dem Beginn {fmt.fmt_date(start)}")
    example = entry.get("example", False)
    if not isinstance(example, bool):
        say("example muss true oder false sein")
    return Measure(
        id=str(entry.get("id", "")), handlungsfeld=handlungsfeld, title=title, status=str(status),
        description=_text(entry, "description", say), goals=goals, responsible=_text(entry, "responsible", say),
        partners=_texts(entry, "partners", say), start=start, end=end,
        last_review=_date(entry.get("last_review"), "last_review", say),
        steering_year=_year(entry.get("steering_year"), "steering_year", say), notes=_text(entry, "notes", say),
        example=example is True,
    )


# ── the status rule ─────────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Assessment:
    status: str
    reason: str = ""  # why there is no computed status (noch keine Daten, nicht bewertbar)
    computed_status: str = ""  # the status the numbers give, also when a break makes it "nicht vergleichbar"
    method: str = ""  # "Zielwert" | "Richtung"
    base_year: int | None = None
    base_value: float | None = None
    base_source: str = ""
    current_year: int | None = None
    current_value: float | None = None
    target_year: int | None = None
    target_value: float | None = None
    direction: int = 1
    observed_rate: float | None = None  # CAGR since the baseline
    required_rate: float | None = None  # CAGR needed to reach the target in the target year
    ratio: float | None = None  # R = observed ÷ required (direction-corrected)
    thresholds: tuple[float, float, float] = ()
    scaling: float | None = None  # C for a share near its limit
    break_years: tuple[int, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def years(self) -> int | None:
        if self.base_year is None or self.current_year is None:
            return None
        return self.current_year - self.base_year


def natural_limit(unit: str, direction: str) -> float | None:
    """The limit that bounds progress in the desired direction: 100 for a share that should rise, else none
    (a falling share's limit 0 needs no scaling in an exponential model: the method's C is 1 there)."""
    return SHARE_LIMIT if unit == "%" and direction == RISE else None


def scaling_factor(base_value: float, limit: float | None) -> float:
    """The method's C in [0, 1] for a baseline near a natural limit (sdg-build ProgressMeasure, a = 4,44)."""
    if limit is None:
        return 1.0
    base, limit = abs(base_value), abs(limit)
    if base >= 2 * limit:
        return 1.0
    if base <= limit:
        return 1 - (base / limit) ** LIMIT_EXPONENT
    return 1 - ((2 * limit - base) / limit) ** LIMIT_EXPONENT


def cagr(value: float, base: float, year: int, base_year: int) -> float:
    ratio = value / base
    return math.copysign(abs(ratio) ** (1 / (year - base_year)), ratio) - 1


def assess(goal: Goal, series: Mapping[int, float | None], *, breaks: Iterable[int] = (),
           limit: float | None = None) -> Assessment:
    """The status of ``goal`` from its lead indicator's values (year -> value; None/NaN = gap) for one region.

    breaks: years whose value starts a new data basis (the facts' is_break); limit: the natural limit in the desired
    direction (``natural_limit``), used for direction-only goals as the method says.
    """
    d = goal.sign
    common = {"direction": d, "target_year": goal.target_year, "target_value": goal.target_value,
              "method": "Zielwert" if goal.target_value is not None else "Richtung"}
    if not goal.indicators:
        return Assessment(NO_DATA, reason="Das Ziel ist mit keinem Indikator verknüpft; es wird über eigene "
                          "Angaben und Maßnahmen verfolgt.", **common)
    values = {int(y): float(v) for y, v in series.items() if not fmt.is_missing(v)}
    notes: list[str] = []
    t0 = goal.baseline_year
    if t0 in values:
        y0, source = values[t0], "Datenreihe"
    elif goal.baseline_value is not None:
        y0, source = goal.baseline_value, "im Ziel festgelegt"
        notes.append(f"Für {t0} liegt kein Wert in der Datenreihe vor: Ausgangswert wie im Ziel festgelegt.")
    else:
        later = [y for y in values if y > t0]
        if not later:
            return Assessment(NO_DATA, reason=f"Kein Ausgangswert für {t0} und keine Werte danach.", base_year=t0,
                              **common)
        t0 = min(later)
        y0, source = values[t0], "erstes Jahr mit Wert nach dem Ausgangsjahr"
        notes.append(f"Für {goal.baseline_year} gibt es keinen Ausgangswert: gerechnet ab {t0}, dem ersten Jahr mit "
                     "Wert (Regel der Methode).")
    after = [y for y in values if y > t0]
    base_info = {"base_year": t0, "base_value": y0, "base_source": source}
    if not after:
        return Assessment(NO_DATA, reason=f"Noch kein Wert nach dem Ausgangsjahr {t0}.", **base_info, **common)
    t, y = max(after), values[max(after)]
    current = {"current_year": t, "current_value": y}
    if (y0 > 0 > y) or (y0 < 0 < y):
        return Assessment(NOT_ASSESSABLE, reason="Ausgangs- und aktueller Wert haben verschiedene Vorzeichen; die "
                          "Methode (Wachstumsraten) ist dann nicht anwendbar.", **base_info, **current, **common)
    s = -1 if y0 < 0 else 1
    base = y0 if y0 != 0 else ZERO_REPLACEMENT
    current_for_rate = y if y != 0 else ZERO_REPLACEMENT
    if y0 == 0 or y == 0:
        notes.append("Ein Wert 0 wird für die Wachstumsrate durch 0,001 ersetzt (Regel der Methode).")
    observed = cagr(current_for_rate, base, t, t0)
    numbers: dict = {"observed_rate": observed}
    if goal.target_value is not None:
        target = goal.target_value if goal.target_value != 0 else ZERO_REPLACEMENT
        reached = (d == 1 and y >= goal.target_value) or (d == -1 and y <= goal.target_value)
        required = cagr(target, base, goal.target_year, t0) if goal.target_year > t0 else None
        numbers |= {"required_rate": required, "thresholds": RATIO_THRESHOLDS}
        if reached:
            status = ACHIEVED
            if ((d == 1 and y0 >= goal.target_value) or (d == -1 and y0 <= goal.target_value)):
                notes.append("Der Zielwert war schon im Ausgangsjahr erreicht: das Ziel heißt, ihn zu halten.")
        elif not required:
            status = DETERIORATION  # target = baseline (or no time left): not reached means moved away from it
            notes.append("Der Ausgangswert lag schon auf dem Zielwert; der aktuelle Wert hat sich davon entfernt.")
        else:
            ratio = s * d * observed / abs(required)
            numbers["ratio"] = ratio
            status = _band(ratio, RATIO_THRESHOLDS)
        if goal.target_year and t >= goal.target_year and not reached:
            notes.append(f"Das Zieljahr {goal.target_year} ist erreicht, der Zielwert nicht.")
    else:
        progress = s * d * observed
        c = scaling_factor(y0, limit)
        thresholds = tuple(x * c for x in GROWTH_THRESHOLDS)
        numbers |= {"ratio": None, "thresholds": thresholds, "scaling": c if limit is not None else None}
        status = ON_TRACK if c == 0 and progress >= 0 else _band(progress, thresholds)
        if limit is not None and c < 1:
            notes.append(f"Anteil nahe der Grenze von {fmt.fmt_number(limit)} %: die Schwellen sind mit "
                         f"C = {fmt.fmt_number(c, 2)} verkleinert.")
    break_years = tuple(sorted(b for b in set(breaks) if t0 < b <= t))
    if break_years:
        notes.append(f"Bruch in der Reihe ({', '.join(map(str, break_years))}): Werte vor und nach dem Bruch sind nicht "
                     f"direkt vergleichbar; rechnerisch ergäbe sich „{status}“.")
    return Assessment(NOT_COMPARABLE if break_years else status, computed_status=status, break_years=break_years,
                      notes=tuple(notes), **base_info, **current, **numbers, **common)


def _band(value: float, thresholds: tuple[float, float, float]) -> str:
    high, medium, low = thresholds
    if value >= high:
        return ON_TRACK
    if value >= medium:
        return TOO_SLOW
    if value >= low:
        return LIMITED
    return DETERIORATION


def _percent(rate: float | None, decimals: int = 1) -> str:
    return fmt.MISSING if rate is None else fmt.fmt_signed(rate * 100, decimals) + " %"


def explain(assessment: Assessment, unit: str = "", decimals: int = 1) -> str:
    """The numbers behind a status as German sentences (Markdown-free, for a hover or a caption)."""
    a = assessment

    def value(v) -> str:
        return fmt.fmt_value(v, unit, decimals)

    if a.reason:
        parts = [a.reason]
    else:
        parts = [f"Ausgangswert {a.base_year}: {value(a.base_value)} ({a.base_source}); "
                 f"aktueller Wert {a.current_year}: {value(a.current_value)}."]
        if a.method == "Zielwert":
            parts.append(f"Zielwert {a.target_year}: {value(a.target_value)}.")
            parts.append(f"Beobachtete Veränderung seit {a.base_year}: {_percent(a.observed_rate)} pro Jahr; "
                         f"nötig für das Ziel: {_percent(a.required_rate)} pro Jahr.")
            if a.ratio is not None:
                parts.append(f"R = beobachtet ÷ nötig = {fmt.fmt_number(a.ratio * 100, 0)} % "
                             "(auf Kurs ab 95 %, zu langsam ab 60 %, gering ab 0 %).")
        else:
            high, medium, _ = a.thresholds
            places = 1 if a.scaling in (None, 1.0) else 2
            word = "Anstieg" if a.direction == 1 else "Rückgang"
            parts.append(f"Gewünscht: {word}. Beobachtete Veränderung seit {a.base_year}: "
                         f"{_percent(a.observed_rate)} pro Jahr (auf Kurs ab {fmt.fmt_number(high * 100, places)} % "
                         f"{word} pro Jahr, zu langsam ab {fmt.fmt_number(medium * 100, places)} %, gering ab 0 %).")
    parts += list(a.notes)
    return " ".join(parts)


# ── summaries for the page ──────────────────────────────────────────────────────────────────────────────────

SUMMARY_COLUMNS = ["Handlungsfeld", "Ziele auf Kurs", "Ziele nicht auf Kurs", "Ziele ohne Bewertung",
                   "Maßnahmen abgeschlossen", "Maßnahmen laufend", "Maßnahmen geplant", "Maßnahmen sonstige"]


def field_summary(goals: Iterable[Goal], statuses: Mapping[str, str], measures: Iterable[Measure],
                  fields: Iterable[str] = ()) -> pd.DataFrame:
    """Per Handlungsfeld (in the order of ``fields``, then any other in order of appearance): goals on course
    (Ziel erreicht, auf Kurs), off course (zu langsam, gering, Verschlechterung), without a status (no data, not
    comparable); measures done, running, planned and other (verschoben, eingestellt).  statuses: goal id -> status."""
    goals, measures = list(goals), list(measures)
    names = list(dict.fromkeys([*fields, *(g.handlungsfeld for g in goals), *(m.handlungsfeld for m in measures)]))
    rows = []
    for name in names:
        field_goals = [statuses[g.id] for g in goals if g.handlungsfeld == name]
        field_measures = [m.status for m in measures if m.handlungsfeld == name]
        if not field_goals and not field_measures:
            continue
        rows.append([name, sum(s in ON_COURSE for s in field_goals), sum(s in OFF_COURSE for s in field_goals),
                     sum(s in WITHOUT_DATA for s in field_goals), field_measures.count("abgeschlossen"),
                     field_measures.count("laufend"), field_measures.count("geplant"),
                     sum(s in ("verschoben", "eingestellt") for s in field_measures)])
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def measures_table(measures: Iterable[Measure], goals: GoalSet | None = None) -> pd.DataFrame:
    """The measures as a table in German (dates written out)."""
    rows = [{
        "Handlungsfeld": m.handlungsfeld, "Maßnahme": m.title, "Status": m.status,
        "Verantwortlich": m.responsible, "Partner": ", ".join(m.partners),
        "Beginn": fmt.fmt_date(m.start) if m.start else "", "Ende": fmt.fmt_date(m.end) if m.end else "",
        "Letzte Überprüfung": fmt.fmt_date(m.last_review) if m.last_review else "",
        "Steuerungsjahr": str(m.steering_year or ""), "Ziele": ", ".join(m.goals), "Beschreibung": m.description,
    } for m in measures]
    return pd.DataFrame(rows, columns=["Handlungsfeld", "Maßnahme", "Status", "Verantwortlich", "Partner", "Beginn",
                                       "Ende", "Letzte Überprüfung", "Steuerungsjahr", "Ziele", "Beschreibung"])


def series_points(frame: pd.DataFrame) -> tuple[dict[int, float | None], list[int]]:
    """(year -> value, years of a series break) from rows of the series query (year, value, is_break)."""
    if frame.empty:
        return {}, []
    values = {int(y): (None if fmt.is_missing(v) else float(v)) for y, v in zip(frame["year"], frame["value"])}
    breaks = [int(y) for y, b in zip(frame["year"], frame["is_break"]) if b is True or b == 1]
    return values, breaks
