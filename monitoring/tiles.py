"""What a key-figure tile says, from a series frame (pure, no Streamlit): the latest value, what its change compares
with (and whether years are missing or the series breaks in between), the Land's value at the same Stichtag,
the level the value is of ("Land BW") and how old it is ("Stand 2016").

Values the plausibility rules flag (monitoring.plausibility) are left out: a headline change is never computed
from a value that is probably wrong.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import fmt

# Short names of the Länder for badges (Statistisches Bundesamt's usual abbreviations).
LAND_SHORT = {"01": "SH", "02": "HH", "03": "NI", "04": "HB", "05": "NW", "06": "HE", "07": "RP", "08": "BW",
              "09": "BY", "10": "SL", "11": "BE", "12": "BB", "13": "MV", "14": "SN", "15": "ST", "16": "TH"}
STALE_YEARS = 3  # a tile whose value is more than this many years older than the page's newest data says "Stand …"


@dataclass(frozen=True)
class TileFigures:
    period: str
    year: int
    value: float
    source: str
    basis: str
    previous_period: str | None
    previous_value: float | None
    first_period: str | None
    first_value: float | None
    land_value: float | None
    missing_years: bool  # latest and previous value lie more than one regular step apart
    series_break: bool  # a break (new basis) between the previous and the latest value

    def row(self) -> pd.Series:
        """The figures as a row with the columns of queries/tile.sql (for help texts)."""
        nan = float("nan")
        return pd.Series({"period": self.period, "year": self.year, "value": self.value, "source": self.source,
                          "basis": self.basis, "previous_period": self.previous_period,
                          "previous_value": nan if self.previous_value is None else self.previous_value,
                          "first_period": self.first_period,
                          "first_value": nan if self.first_value is None else self.first_value,
                          "land_value": nan if self.land_value is None else self.land_value})


def _iso(period) -> str:
    return pd.Timestamp(period).strftime("%Y-%m-%d")


def regular_step(years) -> int:
    """The series' regular distance in years: the most common distance between consecutive values (the smallest
    of equally common ones), at least 1.  Zensus years 2011, 2022 -> 11; yearly data with holes -> 1."""
    distinct = sorted({int(y) for y in years})
    steps = pd.Series([b - a for a, b in zip(distinct, distinct[1:]) if b > a])
    if steps.empty:
        return 1
    counts = steps.value_counts()
    return max(int(min(counts[counts == counts.max()].index)), 1)


def tile_figures(series: pd.DataFrame, region: str, land: str, flagged=()) -> TileFigures | None:
    """The tile of ``region`` from a series frame (queries/series.sql: ags, period, year, value, basis, is_break,
    source), with the Land's value at the latest Stichtag.  ``flagged``: ISO periods of this region's values the
    plausibility rules flag; they are skipped.  None when the region has no value."""
    flagged = {_iso(p) for p in flagged}
    rows = series[series["ags"] == region].assign(iso=lambda d: [_iso(p) for p in d["period"]]).sort_values("iso")
    valued = rows[rows["value"].notna() & ~rows["iso"].isin(flagged)]
    if valued.empty:
        return None
    latest = valued.iloc[-1]
    previous = valued.iloc[-2] if len(valued) > 1 else None
    first = valued.iloc[0] if len(valued) > 1 else None
    land_rows = series[(series["ags"] == land) & series["value"].notna()]
    land_rows = land_rows[[_iso(p) == latest["iso"] for p in land_rows["period"]]]
    missing = series_break = False
    if previous is not None:
        missing = int(latest["year"]) - int(previous["year"]) > regular_step(valued["year"])
        between = rows[(rows["iso"] > previous["iso"]) & (rows["iso"] <= latest["iso"])]
        breaks = between["is_break"].fillna(False).astype(bool).any() if "is_break" in between else False
        series_break = bool(breaks) or str(latest.get("basis") or "") != str(previous.get("basis") or "")
    return TileFigures(
        period=latest["iso"], year=int(latest["year"]), value=float(latest["value"]),
        source=str(latest.get("source") or ""), basis=str(latest.get("basis") or ""),
        previous_period=None if previous is None else previous["iso"],
        previous_value=None if previous is None else float(previous["value"]),
        first_period=None if first is None else first["iso"],
        first_value=None if first is None else float(first["value"]),
        land_value=None if land_rows.empty else float(land_rows["value"].iloc[0]),
        missing_years=missing, series_break=series_break,
    )


def level_badge(region: str, kreis: str) -> str:
    """"" for the chosen district's own value, "Land BW" for a Land's, "Deutschland" for Germany's, the AGS of
    another district."""
    if region == kreis:
        return ""
    if region == "DG":
        return "Deutschland"
    if len(region) == 2:
        return f"Land {LAND_SHORT.get(region, region)}"
    return region


def level_title(levels: list[str], land_name: str) -> str:
    """"Landeswert Baden-Württemberg", "Landeswert Baden-Württemberg und Bundeswert", "Bundeswert": what a chart
    without a value of the chosen district shows, for its title."""
    words = []
    if "land" in levels:
        words.append(f"Landeswert {land_name}")
    if "de" in levels:
        words.append("Bundeswert")
    return " und ".join(words)


def stale_label(year: int, newest_year: int | None) -> str:
    """"Stand 2016" when the value is more than STALE_YEARS older than the newest data of the page, else ""."""
    if newest_year is None or newest_year - int(year) <= STALE_YEARS:
        return ""
    return f"Stand {int(year)}"


def tile_label(title: str, badge: str = "", stale: str = "") -> str:
    """"Intensiver Sprachförderbedarf · Land BW · Stand 2016"."""
    return " · ".join(part for part in (title, badge, stale) if part)


def delta_description(figures: TileFigures, period_type: str, *, land_text: str = "") -> str:
    """"2023 ggü. 2020, Jahre dazwischen fehlen · Bruch in der Reihe · Land 9,6 %"."""
    parts = [fmt.fmt_period(figures.period, period_type)]
    if figures.previous_period is not None:
        parts[0] += f" ggü. {fmt.fmt_period(figures.previous_period, period_type)}"
        if figures.missing_years:
            parts[0] += ", Jahre dazwischen fehlen"
        if figures.series_break:
            parts.append("Bruch in der Reihe")
    if land_text:
        parts.append(land_text)
    return " · ".join(parts)


def sparkline_values(series: pd.DataFrame, region: str, flagged=(), minimum: int = 3) -> tuple[float, ...]:
    """The values of the small trend line: the region's newest run of values one regular step apart, without
    flagged values.  A sparkline cannot show a gap, so it never reaches back across a missing year (or a
    flagged value); a run shorter than `minimum` points is no trend and gives no line."""
    own = series[(series["ags"] == region) & series["value"].notna()]
    own = own[~own["period"].map(_iso).isin(set(flagged))]
    years = own["year"].astype(int).tolist()
    if not years:
        return ()
    step = regular_step(years)
    start = len(years) - 1
    while start > 0 and years[start] - years[start - 1] <= step:
        start -= 1
    run = tuple(float(v) for v in own["value"].iloc[start:])
    return run if len(run) >= minimum else ()
