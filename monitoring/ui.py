"""The thin Streamlit layer: shared filters (bound to the URL), cached queries and the cards pages are made of.

Everything with `st.` lives here, in dashboard.py and in pages/; the rest of the package is plain Python.
Pages call these helpers top to bottom in the order the screen shows them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from . import charts, export, fmt, goal_charts, goals, structures, tiles, url_params
from .catalog import load_catalog
from .db import data_version, run_query
from .plausibility import read_warnings
from .provenance import LICENCE, escape_markdown, fmt_stand, source_line
from .settings import settings as installation_settings
from .slide_sets import Item
from .ui_slides import slide_actions

FAVICON = str(Path(__file__).resolve().parent / "assets" / "favicon.png")
MAX_BENCHMARK_DISTRICTS = 5
LAND, GERMANY = "land", "de"  # tokens in the benchmark filter, independent of the chosen district's Land
DIRECTION_TO_DELTA_COLOR = {"higher_better": "normal", "lower_better": "inverse", "neutral": "off"}


# ── data access ──────────────────────────────────────────────────────────────────────────────────

def query(name: str, **params) -> pd.DataFrame:
    """Cached named query.  The data's version is part of the key: an import or undo by another process (the
    command line, a second app process) is seen by the next rerun instead of after the cache's ttl."""
    return _cached_query(name, data_version(), **params)


@st.cache_data(ttl=3600, max_entries=2000, show_spinner=False)
def _cached_query(name: str, version: tuple, **params) -> pd.DataFrame:
    """Tuples become lists (DuckDB binds lists, the cache needs hashable arguments)."""
    bound = {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
    return run_query(name, **bound)


# Catalogue, Handlungsfelder and the indicator rows are read on every rerun, many times: shared read-only
# objects (cache_resource) instead of per-call copies (cache_data unpickles a DataFrame each time).
@st.cache_resource(show_spinner=False)
def catalog() -> pd.DataFrame:
    return load_catalog().set_index("id", drop=False)


def fields() -> dict[str, dict]:
    """The Handlungsfelder of the installation's structure (data/strukturen/<struktur>.toml) in its order."""
    return structure().fields


def structure() -> structures.Structure:
    """The installation's structure, read again when the choice or a file of data/ changes (the key: the chosen
    name and the signatures of the structure file and of data/*.toml, the building blocks and the catalogue)."""
    name = installation_settings().struktur
    path = structures.structure_file(name)
    files = [path, *sorted(structures.DATA_DIR.glob("*.toml"))]
    return _structure(name, tuple((str(f), f.stat().st_mtime_ns if f.is_file() else 0) for f in files))


@st.cache_resource(show_spinner=False, max_entries=16)
def _structure(name: str, signature: tuple) -> structures.Structure:
    return structures.load_structure(name)


@st.cache_resource(show_spinner=False)
def _indicator_rows() -> dict[str, pd.Series]:
    table = catalog()
    return {indicator_id: table.loc[indicator_id] for indicator_id in table.index}


def indicator(indicator_id: str) -> pd.Series:
    return _indicator_rows()[indicator_id]


def _iso(period) -> str:
    return pd.Timestamp(period).strftime("%Y-%m-%d")


@st.cache_resource(show_spinner=False)
def _plausibility_flags() -> dict[tuple[str, str, str], dict[str, str]]:
    """(ags, indicator, category) -> {ISO period: message} of the values the plausibility rules flag (read once:
    data/plausibility.parquet, written by the build)."""
    flags: dict[tuple[str, str, str], dict[str, str]] = {}
    for row in read_warnings().itertuples(index=False):
        messages = flags.setdefault((str(row.ags), str(row.indicator), str(row.category or "")), {})
        period = _iso(row.period)
        messages[period] = f"{messages[period]} {row.message}" if period in messages else str(row.message)
    return flags


def flagged_periods(ags: str, indicator_id: str, category: str = "") -> dict[str, str]:
    """ISO period -> the plausibility message, for one series."""
    return _plausibility_flags().get((ags, indicator_id, category), {})


def flagged_frame(regions, indicator_id: str, category: str = "") -> pd.DataFrame:
    """The flagged values of several regions' series (ags, period, message), for the chart's marks."""
    rows = [(ags, period, message) for ags in regions
            for period, message in flagged_periods(ags, indicator_id, category).items()]
    return pd.DataFrame(rows, columns=["ags", "period", "message"])


# ── layout rules Streamlit has no option for ────────────────────────────────────────────────────

# Streamlit cuts a metric's label, value and comparison line off with "…" when the tile is narrow (four tiles on a
# 1366 px laptop, a phone): let them wrap instead, so a level badge or "Jahre dazwischen fehlen" is never hidden.
# On paper: no sidebar, header or toolbar, the main area at full width, and no chart or tile split across pages.
PAGE_STYLE = """<style>
[data-testid="stMetric"] .stMarkdownEllipsis, [data-testid="stMetric"] .stMarkdownEllipsis p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: anywhere;
}
[data-testid="stMetricDeltaDescription"] { white-space: normal !important; min-width: 0; }
[data-testid="stMetric"] > div > div:last-child { flex-wrap: wrap; }
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stSidebarCollapsedControl"], [data-testid="stDecoration"] { display: none !important; }
  [data-testid="stMain"], [data-testid="stMainBlockContainer"] { margin: 0 !important; padding: 0 1rem !important;
    max-width: 100% !important; width: 100% !important; }
  .stPlotlyChart, [data-testid="stMetric"], [data-testid="stVerticalBlockBorderWrapper"] { break-inside: avoid; }
}
</style>"""


def page_style() -> None:
    st.html(PAGE_STYLE)


# ── shared filters ───────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Filters:
    kreis: str
    kreis_name: str
    land: str
    land_name: str
    benchmarks: tuple[str, ...]  # AGS codes in chart order after the district: Land, Germany, other districts
    year_from: int
    year_to: int

    @property
    def regions(self) -> tuple[str, ...]:
        return (self.kreis, *self.benchmarks)

    @property
    def benchmark_districts(self) -> tuple[str, ...]:
        """The chosen benchmark districts only (5-digit codes), highlighted in rankings and scatters."""
        return tuple(a for a in self.benchmarks if len(a) == 5)

    def describe(self) -> str:
        names = ", ".join(region_name(a) for a in self.benchmarks) or "keine"
        return f"Kreis: {self.kreis_name} ({self.kreis}); Vergleich: {names}; Zeitraum: {self.year_from}–{self.year_to}"


def settings() -> dict:
    """Installation settings for the filters (see monitoring/settings.py: file, environment)."""
    return {"default_kreis": installation_settings().default_kreis}


@st.cache_resource(show_spinner=False)
def districts() -> pd.DataFrame:
    """All current districts indexed by AGS (shared, read-only: the filters run on every rerun)."""
    return query("districts").set_index("ags", drop=False)


@st.cache_resource(show_spinner=False)
def region_names() -> dict[str, str]:
    """AGS -> the name users read, for districts (unique labels), Länder and Germany."""
    frame = districts()
    return {"DG": "Deutschland", **dict(zip(frame["land_ags"], frame["land_name"])), **dict(zip(frame["ags"], frame["label"]))}


def region_name(ags: str) -> str:
    return region_names().get(ags, ags)


def sidebar_filters() -> Filters:
    """District, benchmarks and period in the sidebar; all three live in the URL (kreis, vergleich, zeitraum).

    The URL is read once when a session starts and rewritten on every run, so a copied link reproduces the
    view (the page is in the path) and a page switch, which clears the query string, does not lose it.
    """
    table = districts()
    options = table.index.tolist()
    first, last = (int(v) for v in query("year_range").iloc[0])
    _init_filter_state(options, first, last)
    with st.sidebar:
        names = region_names()
        kreis = st.selectbox("Kreis", options, key="kreis", format_func=names.__getitem__,
                             on_change=_forget_url_note, help="Der Kreis, um den es geht.")
        land_ags, land_name = table.loc[kreis, "land_ags"], table.loc[kreis, "land_name"]
        chosen = st.multiselect(
            "Vergleich", [LAND, GERMANY, *options], key="vergleich",
            format_func=lambda a: {LAND: f"Land ({land_name})", GERMANY: "Deutschland"}.get(a) or names[a],
            max_selections=MAX_BENCHMARK_DISTRICTS + 2, on_change=_forget_url_note,
            help="Land und Deutschland sowie bis zu fünf weitere Kreise.",
        )
        year_from, year_to = st.slider("Zeitraum", first, last, key="zeitraum", on_change=_forget_url_note)
        if st.session_state.get("url_note"):
            link_warning(st.session_state["url_note"])
    _write_url_state(kreis, chosen, year_from, year_to)
    benchmarks = tuple(dict.fromkeys(land_ags if a == LAND else "DG" if a == GERMANY else a for a in chosen if a != kreis))
    return Filters(kreis, table.loc[kreis, "label"], land_ags, land_name, benchmarks, year_from, year_to)


def _init_filter_state(options: list[str], first: int, last: int) -> None:
    """Defaults from the installation settings, overridden by a valid URL; invalid URL values leave a note."""
    if "kreis" in st.session_state:
        return
    default_kreis = settings().get("default_kreis", options[0])
    state, notes = st.session_state, []
    state["kreis"] = default_kreis if default_kreis in options else options[0]
    state["vergleich"] = [LAND, GERMANY]
    state["zeitraum"] = (first, last)
    params, too_many, limit = st.query_params, [], MAX_BENCHMARK_DISTRICTS + 2
    if "kreis" in params:
        kreis = url_params.parse_kreis(params["kreis"], options)
        if kreis:
            state["kreis"] = kreis
        else:
            notes.append(url_params.named("Kreis", params["kreis"]))
    if "vergleich" in params:
        benchmarks = url_params.parse_vergleich(params["vergleich"], options, tokens=(LAND, GERMANY), limit=limit)
        if benchmarks is None:
            notes.append(url_params.named("Vergleich", params["vergleich"]))
        else:
            notes += [url_params.named("Vergleich", v) for v in benchmarks.unknown]
            too_many = benchmarks.too_many
            state["vergleich"] = benchmarks.chosen
    if "zeitraum" in params:
        period = url_params.parse_zeitraum(params["zeitraum"], first, last)
        if period:
            state["zeitraum"] = period
        else:
            notes.append(url_params.named("Zeitraum", params["zeitraum"]))
    state["url_note"] = url_params.link_note(notes, too_many, limit=limit)


def link_warning(note: str) -> None:
    """The note about values in a link that were not taken (url_params.link_note: unknown ones fall back to the
    default, link values only as defused excerpts)."""
    st.warning(note, icon=":material/link_off:")


def _write_url_state(kreis: str, chosen: list[str], year_from: int, year_to: int) -> None:
    wanted = {"kreis": kreis, "vergleich": ",".join(chosen), "zeitraum": f"{year_from}-{year_to}"}
    if {k: st.query_params.get(k) for k in wanted} != wanted:
        st.query_params.update(wanted)


def _forget_url_note() -> None:
    st.session_state["url_note"] = ""


def current_filters() -> Filters:
    if "filters" not in st.session_state:
        _leave_legacy_page_mode()
    return st.session_state["filters"]


def _leave_legacy_page_mode() -> None:
    """A deep link (/arbeit) opened first after the server started runs the page file alone: Streamlit treats a
    pages/ folder the legacy (v1) way until an entry point has called st.navigation once.  Switch that off and
    rerun, so the same URL goes through dashboard.py (frame, filters, navigation) like every later request."""
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()


# ── page building blocks ─────────────────────────────────────────────────────────────────────────

def page_header(field: dict) -> None:
    filters = current_filters()
    st.title(f"{field['name']} – {filters.kreis_name}")
    st.write(field["intro"])


def own_figures(field: dict) -> None:
    if not field.get("own_figures"):
        return
    with st.expander("Was der Kreis selbst beisteuern kann", icon=":material/edit_note:", expanded=not field["tiles"]):
        st.markdown("\n".join(f"- {item}" for item in field["own_figures"]))


def _split_tile(spec: str) -> tuple[str, str]:
    indicator_id, _, category = spec.partition(":")
    return indicator_id, category


def key_figures(field: dict) -> None:
    """One tile per key indicator: latest value, change, difference to the Land, its level and age.  The tiles'
    figures are read first, so each tile knows the newest data of the page ("Stand 2016" on an old one)."""
    if not field["tiles"]:
        return
    filters = current_filters()
    data = [tile_data(*_split_tile(spec), filters=filters) for spec in field["tiles"]]
    newest = max((d.figures.year for d in data if d.figures is not None), default=None)
    for column, item in zip(st.columns(len(data)), data):
        with column:
            show_tile(item, filters=filters, newest_year=newest)


@dataclass(frozen=True)
class TileData:
    meta: pd.Series
    category: str
    region: str
    figures: tiles.TileFigures | None
    trend: tuple[float, ...]  # the newest unbroken run of the region's values, oldest first (tiles.sparkline_values)


def tile_region(meta: pd.Series, filters: Filters) -> str:
    """The region a tile shows: the district, or the Land / Germany for an indicator of that level."""
    return filters.kreis if meta["level"] == "Kreis" else (filters.land if meta["level"] == "Land" else "DG")


def tile_data(indicator_id: str, category: str = "", *, filters: Filters) -> TileData:
    meta = indicator(indicator_id)
    region = tile_region(meta, filters)
    series = query("series", indicator=indicator_id, regions=tuple(dict.fromkeys((region, filters.land))),
                   category=category, year_from=filters.year_from, year_to=filters.year_to)
    flagged = flagged_periods(region, indicator_id, category)
    figures = tiles.tile_figures(series, region, filters.land, flagged)
    return TileData(meta, category, region, figures, tiles.sparkline_values(series, region, flagged))


def indicator_tile(indicator_id: str, category: str = "", *, filters: Filters, label: str | None = None,
                   sparkline: bool = False, newest_year: int | None = None) -> None:
    """A key figure as st.metric (see show_tile)."""
    show_tile(tile_data(indicator_id, category, filters=filters), filters=filters, label=label, sparkline=sparkline,
              newest_year=newest_year)


def show_tile(data: TileData, *, filters: Filters, label: str | None = None, sparkline: bool = False,
              newest_year: int | None = None, badge: str | None = None) -> None:
    """A key figure as st.metric.  The label names the level when the value is not the district's ("· Land BW")
    and the year when it is more than three years older than the page's newest data ("· Stand 2016").  The small
    trend line (the Überblick's tiles) is optional: it loads a second chart library in the browser, which a
    Handlungsfeld page with its own time series does not need."""
    meta, category, region, figures = data.meta, data.category, data.region, data.figures
    title = label or (meta["short_name"] + (f" ({category})" if category else ""))
    badge = tiles.level_badge(region, filters.kreis) if badge is None else badge
    if figures is None:
        st.metric(tiles.tile_label(title, badge), "keine Daten", border=True,
                  help=_tile_help(meta, None, region, filters))
        return
    trend = list(data.trend) if sparkline else []
    st.metric(
        tiles.tile_label(title, badge, tiles.stale_label(figures.year, newest_year)),
        _tile_value(figures.value, meta),
        delta=_delta_text(figures, meta),
        delta_color=DIRECTION_TO_DELTA_COLOR[meta["direction"]],
        delta_description=_delta_description(figures, meta),
        border=True,
        chart_data=trend if len(trend) > 1 else None,
        help=_tile_help(meta, figures.row(), region, filters),
    )


def _tile_value(value: float, meta: pd.Series) -> str:
    """Counts of people without the unit word (it is in the label's help), so the number fits the tile."""
    if meta["unit"] in ("Personen", "Kinder"):
        return fmt.fmt_number(value, int(meta["decimals"]))
    return fmt.fmt_value(value, meta["unit"], int(meta["decimals"]))


def _delta_text(figures: tiles.TileFigures, meta: pd.Series) -> str | None:
    if figures.previous_value is None:
        return None
    return fmt.fmt_change(figures.value - figures.previous_value, meta["unit"], int(meta["decimals"]))


def _delta_description(figures: tiles.TileFigures, meta: pd.Series) -> str:
    """'2023 ggü. 2020, Jahre dazwischen fehlen · Land 9,6 %': the Stichtag, what the change compares with (and
    whether years are missing or the series breaks in between), the Land's value."""
    land = ""
    if figures.land_value is not None and meta["level"] == "Kreis":
        land = f"Land {fmt.fmt_value(figures.land_value, meta['unit'], int(meta['decimals']))}"
    return tiles.delta_description(figures, meta["period_type"], land_text=land)


def _tile_help(meta: pd.Series, row: pd.Series | None, region: str, filters: Filters) -> str:
    """The tile's "?" text: definition, concept, level, change since the first value, the Land, the source.
    Every line is a sentence closed by fmt.sentence (a unit "Pp." is not followed by a second period)."""
    lines = [f"**{meta['name']}**: {meta['definition']}", f"Konzept: {meta['concept']}; Ebene: {meta['level']}."]
    if region != filters.kreis:
        lines.append(f"Kein Kreiswert: gezeigt wird {region_name(region)}.")
    if row is not None:
        decimals = int(meta["decimals"])
        if pd.notna(row["first_value"]):
            lines.append(f"Seit {fmt.fmt_period(row['first_period'], meta['period_type'])}: "
                         f"{fmt.fmt_change(row['value'] - row['first_value'], meta['unit'], decimals)}")
        if pd.notna(row["land_value"]) and region != filters.land:
            lines.append(f"Land: {fmt.fmt_value(row['land_value'], meta['unit'], decimals)} "
                         f"(Unterschied {fmt.fmt_change(row['value'] - row['land_value'], meta['unit'], decimals)})")
        lines.append(f"Quelle: {row['source']}; {row['basis']}")
    return "  \n".join(fmt.sentence(line) for line in lines)


# Building a Plotly figure costs 50–150 ms (its property validation), more than everything else on a page.
# The chart views are therefore cached as built figures, keyed by everything they depend on.  cache_resource
# hands out the same object (no copy): neither st.plotly_chart nor the table view changes it.
VIEW_CACHE = {"max_entries": 600, "ttl": 3600, "show_spinner": False}


@dataclass(frozen=True)
class ChartView:
    frame: pd.DataFrame
    figure: object | None  # plotly Figure, None when there is nothing to show
    title: str


@st.cache_resource(**VIEW_CACHE)
def _trend_view(indicator_id: str, category: str, regions: tuple[str, ...], year_from: int, year_to: int) -> ChartView:
    meta = indicator(indicator_id)
    frame = query("series", indicator=indicator_id, regions=regions, category=category,
                  year_from=year_from, year_to=year_to)
    title = f"{meta['name']} ({meta['unit']}){_level_suffix(frame, regions[0])}, {year_from}–{year_to}"
    if frame.empty:
        return ChartView(frame, None, title)
    figure = charts.time_series_figure(
        frame, title=title, unit=meta["unit"], decimals=int(meta["decimals"]), source_line=source_line(frame, meta),
        focus_ags=regions[0], period_type=meta["period_type"],
        flagged=flagged_frame(regions, indicator_id, category),
    )
    return ChartView(frame, figure, title)


def _level_suffix(frame: pd.DataFrame, kreis: str) -> str:
    """" – kein Kreiswert: Landeswert Baden-Württemberg und Bundeswert" for a chart without a value of the chosen
    district, so the title says whose values it shows; "" otherwise."""
    valued = frame[frame["value"].notna()] if "value" in frame else frame
    if valued.empty or (valued["ags"] == kreis).any():
        return ""
    codes = set(valued["ags"])
    levels = [level for level, present in (("land", any(len(a) == 2 for a in codes)), ("de", "DG" in codes)) if present]
    lands = [a for a in codes if len(a) == 2]
    text = tiles.level_title(levels, region_name(lands[0]) if lands else "")
    return f" – kein Kreiswert: {text}" if text else ""


@st.cache_resource(**VIEW_CACHE)
def _breakdown_view(indicator_id: str, breakdown: str, regions: tuple[str, ...], year_to: int, focus_name: str) -> ChartView:
    meta = indicator(indicator_id)
    frame = query("breakdown", indicator=indicator_id, breakdown=breakdown, regions=regions, year_to=year_to)
    if frame.empty:
        return ChartView(frame, None, "")
    period = fmt.fmt_period(frame["period"].iloc[0], meta["period_type"])
    by = "" if f"nach {breakdown}" in meta["name"] else f" nach {breakdown}"
    title = f"{meta['name']}{by} ({meta['unit']}){_level_suffix(frame, regions[0])}, {period}"
    figure = charts.breakdown_figure(frame, title=title, unit=meta["unit"], decimals=int(meta["decimals"]),
                                     source_line=source_line(frame, meta), focus_name=focus_name)
    return ChartView(frame, figure, title)


@st.cache_resource(**VIEW_CACHE)
def _ranking_view(indicator_id: str, land: str, land_name: str, kreis: str, kreis_name: str,
                  highlight: tuple[str, ...], year_to: int) -> ChartView:
    meta = indicator(indicator_id)
    frame = query("comparison_values", indicator=indicator_id, scope=land, category="", year=year_to)
    if frame["value"].notna().sum() == 0:
        return ChartView(frame, None, "")
    period = frame["period"].iloc[0]
    title = (f"{meta['name']} ({meta['unit']}): Kreise in {land_name}, {fmt.fmt_period(period, meta['period_type'])}"
             f" – {kreis_name}: {rank_text(frame, kreis, meta['direction'])}")
    figure = charts.ranking_figure(
        frame, title=title, unit=meta["unit"], decimals=int(meta["decimals"]),
        source_line=source_line(frame.dropna(subset=["value"]), meta), focus_ags=kreis, highlight_ags=highlight,
        reference_value=region_value_at(indicator_id, land, period), reference_label=land_name,
    )
    return ChartView(frame, figure, title)


# Which end of a ranking is rank 1 and whether it is the better end (queries/comparison_values.sql, profile.sql).
RANK_ORDER = {"higher_better": "1 = höchster Wert = günstigster", "lower_better": "1 = niedrigster Wert = günstigster",
              "neutral": "nach Höhe (1 = höchster Wert), ohne Wertung"}


def rank_text(frame: pd.DataFrame, ags: str, direction: str = "neutral") -> str:
    """"Rang 5 von 44, 1 = niedrigster Wert = günstigster" for a district of a ranked frame
    (queries/comparison_values.sql ranks by the indicator's direction), or "ohne Wert"."""
    own = frame[frame["ags"] == ags]
    if own.empty or pd.isna(own["rank"].iloc[0]):
        return "ohne Wert"
    return f"Rang {int(own['rank'].iloc[0])} von {int(own['ranked'].iloc[0])}, {RANK_ORDER.get(direction, RANK_ORDER['neutral'])}"


def region_value_at(indicator_id: str, region: str, period) -> float | None:
    """The value of a Land or of Germany at exactly this Stichtag: the reference line of a ranking (a year can
    hold several Stichtage, e.g. the Zensus day and the 31.12.)."""
    year = fmt.period_year(period)
    rows = query("series", indicator=indicator_id, regions=(region,), category="", year_from=year, year_to=year)
    values = rows.loc[rows["period"] == period, "value"]
    return values.iloc[0] if not values.empty else None


@st.fragment
def trend_card(indicator_id: str, category: str = "") -> None:
    """Time series of the district against its benchmarks, with table view and CSV download."""
    filters, meta = current_filters(), indicator(indicator_id)
    view = _trend_view(indicator_id, category, filters.regions, filters.year_from, filters.year_to)
    if view.figure is None:
        st.subheader(view.title)
        st.caption("Für diese Auswahl gibt es keine Werte.")
        return
    st.plotly_chart(view.figure, config=charts.PLOTLY_CONFIG, theme=None, key=f"trend_{indicator_id}_{category}")
    with st.container(horizontal=True):  # numbers, image downloads, "Zum Foliensatz" in one row
        numbers_behind(view.frame, meta, filters, key=f"trend_{indicator_id}_{category}")
        slide_actions(Item("trend", indicator_id, category), view, filters, key=f"trend_{indicator_id}_{category}")


@st.fragment
def breakdown_card(indicator_id: str, breakdown: str) -> None:
    filters, meta = current_filters(), indicator(indicator_id)
    view = _breakdown_view(indicator_id, breakdown, filters.regions, filters.year_to, filters.kreis_name)
    if view.figure is None:
        return
    st.plotly_chart(view.figure, config=charts.PLOTLY_CONFIG, theme=None, key=f"breakdown_{indicator_id}_{breakdown}")
    with st.container(horizontal=True):
        numbers_behind(view.frame, meta, filters, key=f"breakdown_{indicator_id}_{breakdown}")
        slide_actions(Item("breakdown", indicator_id, breakdown=breakdown), view, filters,
                      key=f"breakdown_{indicator_id}_{breakdown}")


@st.fragment
def ranking_card(indicator_id: str) -> None:
    """Where the district stands among all districts of its Land in the latest year of the period."""
    filters, meta = current_filters(), indicator(indicator_id)
    highlight = filters.benchmark_districts
    view = _ranking_view(indicator_id, filters.land, filters.land_name, filters.kreis, filters.kreis_name, highlight,
                         filters.year_to)
    if view.figure is None:
        return
    st.plotly_chart(view.figure, config=charts.PLOTLY_CONFIG, theme=None, key=f"ranking_{indicator_id}")
    with st.container(horizontal=True):
        numbers_behind(view.frame, meta, filters, key=f"ranking_{indicator_id}")
        slide_actions(Item("ranking", indicator_id), view, filters, key=f"ranking_{indicator_id}")


def numbers_behind(frame: pd.DataFrame, meta: pd.Series, filters: Filters, *, key: str) -> None:
    """The chart's numbers as a table and a CSV download with source and filters, behind one button.

    The table and the download button are made only when the popover is opened (it reruns its fragment), so a
    page with many charts spends neither server time nor browser time on tables nobody looks at.  The CSV is
    written only when the download button is clicked (a callable as data)."""
    popover = st.popover("Zahlen und CSV", icon=":material/table_view:", key=f"{key}_numbers", on_change="rerun")
    if not popover.open:
        return
    table = _display_table(frame, meta)

    def csv() -> bytes:
        return numbers_csv(frame, meta, filters)

    with popover:
        # at most ~8 rows high: the popover opens below its button and must fit on a laptop's screen with its
        # download button (the table scrolls inside)
        st.dataframe(_german_numbers(table, int(meta["decimals"])), hide_index=True, width=720,
                     height=min(38 + 35 * len(table), 320), key=f"{key}_table")
        st.download_button("CSV herunterladen", csv, file_name=f"{meta['id']}_{filters.kreis}.csv", mime="text/csv",
                           key=f"{key}_csv", icon=":material/download:")


def numbers_csv(frame: pd.DataFrame, meta: pd.Series, filters: Filters) -> bytes:
    """The CSV behind a chart: header lines (name, definition, source, filters, licence), a column "Ebene"
    (Kreis / Land / Deutschland) and values rounded to the indicator's decimals (one more for own calculations)."""
    table = _display_table(frame, meta)
    if "ags" in frame:
        table = export.with_level(table, frame["ags"].tolist(), after="Region")
    header = [meta["name"] + f" ({meta['unit']})", meta["definition"], source_line(frame, meta),
              filters.describe(), f"Lizenz: {LICENCE}"]
    bases = frame["basis"].fillna("") if "basis" in frame else pd.Series([""] * len(frame))
    decimals = {"Wert": [export.value_decimals(int(meta["decimals"]), str(b).startswith("eigene Berechnung"))
                         for b in bases]}
    return export.csv_bytes(table, header_lines=header, decimals=decimals)


def _display_table(frame: pd.DataFrame, meta: pd.Series) -> pd.DataFrame:
    columns = {"name": "Region", "category": "Kategorie", "period": "Stichtag", "value": "Wert", "flag": "Zeichen",
               "rank": "Rang", "basis": "Basis", "source": "Quelle", "stand": "Stand"}
    table = frame[[c for c in columns if c in frame.columns]].rename(columns=columns)
    if "Stichtag" in table:
        table["Stichtag"] = table["Stichtag"].map(lambda p: fmt.fmt_period(p, meta["period_type"]))
    if "Zeichen" in table:
        table.insert(table.columns.get_loc("Zeichen") + 1, "Bedeutung", table["Zeichen"].map(fmt.flag_meaning))
    return table


def _german_numbers(table: pd.DataFrame, decimals: int) -> pd.DataFrame:
    """For the screen: values as German text ("1.234,5"; a gap stays empty, its Zeichen says why), ranks as
    whole numbers.  The CSV keeps the numbers themselves (written with a decimal comma by monitoring.export)."""
    shown = table.copy()
    shown["Wert"] = [fmt.fmt_number(v, decimals) if not fmt.is_missing(v) else "" for v in shown["Wert"]]
    if "Rang" in shown:
        shown["Rang"] = [str(int(r)) if pd.notna(r) else "" for r in shown["Rang"]]
    return shown


def footer() -> None:
    stands = query("sources")
    latest = max((s for s in stands["stand"].dropna() if s), default="")
    st.divider()
    st.caption(
        "Integrationsmonitor · Daten: © Statistische Ämter des Bundes und der Länder, Deutschland; "
        "© Statistik der Bundesagentur für Arbeit; © BBSR Bonn; Grenzen © GeoBasis-DE / BKG 2022 — "
        f"{LICENCE} · neuester Datenstand: {fmt_stand(latest)} · "
        "Details unter „Daten & Methodik“."
    )


TILES_PER_ROW = 4  # a merged field ("Bildung und Arbeit") shows both sets of tiles in rows of four


def handlungsfeld_page(name: str) -> None:
    """The screen of every Handlungsfeld, top to bottom; what it shows comes from the installation's structure
    (data/strukturen/<struktur>.toml, built from the blocks of data/handlungsfelder.toml)."""
    field = fields()[name]
    page_header(field)
    field_themes(field)
    district_age(field)
    for start in range(0, len(field["tiles"]), TILES_PER_ROW):
        key_figures({**field, "tiles": field["tiles"][start:start + TILES_PER_ROW]})
    for indicator_id in field["trends"]:
        trend_card(indicator_id)
    for indicator_id, breakdown in field["breakdowns"]:
        breakdown_card(indicator_id, breakdown)
    if field["ranking"]:
        ranking_card(field["ranking"])
    goal_cards(name)
    district_figures_section(field)
    data_note(field)
    own_figures(field)


# ── the structure's pages ────────────────────────────────────────────────────────────────────────

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"


def field_pages() -> list:
    """One st.Page per Handlungsfeld of the structure, URL = its slug.  A field that keeps a building block's name
    and slug (the default's /arbeit …) runs that block's page file pages/<slug>.py; every other field runs the same
    function with its name, so any structure gets its pages and URLs without new files."""
    try:
        return [field_page(field) for field in fields().values()]
    except structures.StructureError as err:  # refused at start: say what and where, show nothing half-built
        st.error(message_markdown(err), icon=":material/error:")
        st.stop()


def message_markdown(error: Exception) -> str:
    """A multi-line German error message (one problem per line) as Markdown: each line escaped, kept on its own line."""
    return "  \n".join(escape_markdown(line) for line in str(error).splitlines())


def field_page(field: dict):
    if field.get("block_page") and (PAGES_DIR / f"{field['slug']}.py").is_file():
        return st.Page(f"pages/{field['slug']}.py", title=field["name"], icon=field["icon"], url_path=field["slug"])
    return st.Page(_field_page_function(field["name"]), title=field["name"], icon=field["icon"],
                   url_path=field["slug"])


def _field_page_function(name: str):
    def page() -> None:
        handlungsfeld_page(name)

    return page


def field_themes(field: dict) -> None:
    """The field's Querschnittsthemen as badges, and the themes the structure ties to indicators the page shows."""
    shown = set(field["tiles"]) | {_split_tile(spec)[0] for spec in field["tiles"]} | set(field["trends"])
    tagged = [theme for theme, ids in structure().themes.items() if set(ids) & shown]
    themes = list(dict.fromkeys([*field.get("querschnittsthemen", []), *tagged]))
    if themes:
        st.markdown("Querschnittsthemen: " + " ".join(f":violet-badge[{escape_markdown(t)}]" for t in themes))


# ── goals and measures (data/goals/ or the structure's folder; status rule: monitoring/goals.py) ───────────────

GOAL_YEARS = (1990, 2100)  # the status uses every value since the baseline, whatever the period filter says
GOAL_LEVEL_REGION = {"Kreis": "kreis", "Land": "land"}
EXAMPLE_BANNER = ("**Beispiele:** Die gezeigten Ziele und Maßnahmen sind mitgelieferte Beispiele, keine Beschlüsse "
                  "eines Kreises. Die Ausgangswerte sind echte Werte des Datenbestands, die Zielwerte sind ausgedacht.")
GOALS_SECTION = "Ziele und Maßnahmen des Integrationskonzepts"
FIELD_MEASURE_COLUMNS = ["Maßnahme", "Status", "Verantwortlich", "Beginn", "Ende", "Letzte Überprüfung"]


def goal_set() -> goals.GoalSet:
    """The goals and measures of the structure's folder, validated against its fields and the catalogue; read
    again when a file changes (key: the files' signatures).  Raises goals.GoalsError."""
    current = structure()
    folder = current.goals_dir
    files = tuple((name, (folder / name).stat().st_mtime_ns if (folder / name).is_file() else 0)
                  for name in (goals.GOALS_FILE, goals.MEASURES_FILE))
    return _goal_set(str(folder), files, tuple(current.fields), tuple(catalog().index))


@st.cache_resource(show_spinner=False, max_entries=16)
def _goal_set(folder: str, files: tuple, field_names: tuple, catalog_ids: tuple) -> goals.GoalSet:
    return goals.load_goals(Path(folder), catalog_ids=catalog_ids, fields=field_names)


def goals_folder_text() -> str:
    """The structure's goals folder as the README names it ("data/goals")."""
    folder = structure().goals_dir
    try:
        return str(folder.relative_to(structures.DATA_DIR.parent))
    except ValueError:
        return str(folder)


def _goal_region(meta: pd.Series, filters: Filters) -> tuple[str, str]:
    attr = GOAL_LEVEL_REGION.get(meta["level"])
    ags = getattr(filters, attr) if attr else "DG"
    return ags, region_name(ags)


@dataclass(frozen=True)
class GoalView:
    assessment: goals.Assessment
    frame: pd.DataFrame | None  # the lead indicator's series for the region (None: no indicator)
    meta: pd.Series | None
    region: str


def assess_goal(goal: goals.Goal) -> GoalView:
    """A goal's computed status for the current district (or its Land / Germany where the indicator has only that
    level), with the series it was computed from."""
    lead = goal.lead_indicator
    if lead is None:
        return GoalView(goals.assess(goal, {}), None, None, "")
    indicator_id, category = lead
    meta = indicator(indicator_id)
    ags, name = _goal_region(meta, current_filters())
    frame = query("series", indicator=indicator_id, regions=(ags,), category=category,
                  year_from=GOAL_YEARS[0], year_to=GOAL_YEARS[1])
    values, breaks = goals.series_points(frame)
    limit = goals.natural_limit(meta["unit"], goal.direction)
    return GoalView(goals.assess(goal, values, breaks=breaks, limit=limit), frame, meta, name)


def goal_card(goal: goals.Goal, view: GoalView, *, key: str) -> None:
    """One goal: text, computed status as a badge (the numbers behind it on hover and below), target, body, and
    its indicator's chart with baseline, target and the path between them."""
    assessment, frame, meta = view.assessment, view.frame, view.meta
    unit, decimals = (meta["unit"], int(meta["decimals"])) if meta is not None else ("", 1)
    explanation = goals.explain(assessment, unit, decimals)
    with st.container(border=True, key=f"{key}_{goal.id}"):
        st.markdown(f"#### {escape_markdown(goal.text)}")
        st.markdown(f":{goals.STATUS_COLORS[assessment.status]}-badge[{assessment.status}] · "
                    f"{escape_markdown(goal.handlungsfeld)}"
                    + "".join(f" · :gray-badge[{escape_markdown(t)}]" for t in goal.querschnittsthemen),
                    help=explanation)
        details = [f"Ziel: {goal.describe_target(unit, decimals)}" + (" (Beispiel)" if goal.example else ""),
                   f"Zielgruppe: {goal.target_group}" if goal.target_group else "",
                   f"Verantwortlich: {goal.responsible}" if goal.responsible else "",
                   f"Gemessen an: {meta['name']} ({view.region})" if meta is not None else "Kein Indikator verknüpft"]
        st.caption(escape_markdown(" · ".join(d for d in details if d)))
        st.write(explanation)
        if frame is not None and not frame["value"].dropna().empty:
            start = min(goal.baseline_year, assessment.base_year or goal.baseline_year) - 5
            shown = frame[frame["year"] >= start]
            figure = goal_charts.goal_figure(shown, goal, assessment, title=f"{meta['name']}: {view.region}", unit=unit,
                                             decimals=decimals, source_line=source_line(shown, meta),
                                             region=view.region)
            st.plotly_chart(figure, config=charts.PLOTLY_CONFIG, theme=None, key=f"{key}_chart_{goal.id}")
            numbers_behind(shown, meta, current_filters(), key=f"{key}_{goal.id}")
        if goal.notes:
            st.caption(escape_markdown(goal.notes))


def goal_cards(field_name: str) -> None:
    """The field's goals, each with its computed status and chart, then its measures as a compact table."""
    try:
        goal_set_now = goal_set()
    except goals.GoalsError as err:
        st.error(message_markdown(err), icon=":material/error:")
        return
    field_goals = [g for g in goal_set_now.goals if g.handlungsfeld == field_name]
    field_measures = [m for m in goal_set_now.measures if m.handlungsfeld == field_name]
    if not field_goals and not field_measures:
        return
    st.header(GOALS_SECTION)
    if any(g.example for g in field_goals) or any(m.example for m in field_measures):
        st.warning(EXAMPLE_BANNER, icon=":material/science:")
    with st.expander("Wie der Status berechnet wird", icon=":material/functions:"):
        st.markdown(goals.RULE_TEXT)
    for goal in field_goals:
        goal_card(goal, assess_goal(goal), key="feld_ziel")
    if field_measures:
        st.markdown("**Maßnahmen**")
        table = goals.measures_table(field_measures)[FIELD_MEASURE_COLUMNS]
        st.table(table.map(escape_markdown), hide_index=True)


OWN_SECTION = "Eigene und veröffentlichte Zahlen des Kreises"
OWN_KIND_LABELS = {"eigene Angabe": "eigene Angabe des Kreises", "veröffentlicht vom Kreis": "veröffentlicht vom Kreis"}


def field_district_figures(field: dict, kreis: str) -> pd.DataFrame:
    """The field's indicators with values for the district (queries/field_district_figures.sql)."""
    names = field.get("catalog_fields", [field["name"]])  # a structure's field: the catalogue fields it covers
    if not names:
        return query("field_district_figures", ags=kreis, handlungsfeld="")
    frames = [query("field_district_figures", ags=kreis, handlungsfeld=name) for name in names]
    if len(frames) == 1:
        return frames[0]
    merged = pd.concat(frames, ignore_index=True)
    return merged.sort_values(["last_year", "name"], ascending=[False, True], ignore_index=True)


def own_district_figures(field: dict, kreis: str) -> pd.DataFrame:
    """The district's own and published figures of the field that the page does not show already."""
    shown = {_split_tile(spec)[0] for spec in field["tiles"]} | set(field["trends"])
    figures = field_district_figures(field, kreis)
    return figures[(figures["own_kind"] != "") & ~figures["indicator"].isin(shown)]


def district_age(field: dict) -> None:
    """How old the newest district figure of the field is ("Neueste Kreisdaten: 2023")."""
    filters = current_filters()
    figures = field_district_figures(field, filters.kreis)
    if figures.empty:
        st.caption(f"Für {filters.kreis_name} liegen in diesem Handlungsfeld keine Kreisdaten vor; Werte des Landes "
                   "oder des Bundes sind als solche gekennzeichnet.")
    else:
        st.caption(f"Neueste Kreisdaten: {int(figures['last_year'].max())}")


def district_figures_section(field: dict) -> None:
    """Figures the district supplied itself (imported through "Daten aktualisieren") or published, as time series."""
    filters = current_filters()
    figures = own_district_figures(field, filters.kreis)
    if figures.empty:
        return
    st.subheader(OWN_SECTION)
    st.caption("Zahlen, die der Kreis selbst veröffentlicht oder über „Daten aktualisieren“ eingespielt hat: keine "
               "amtliche Statistik und meist nicht zwischen Kreisen vergleichbar.")
    for row in figures.itertuples(index=False):
        st.markdown(f"**{escape_markdown(row.name)}** · {OWN_KIND_LABELS.get(row.own_kind, row.own_kind)}")
        trend_card(row.indicator)


def data_note(field: dict) -> None:
    """The field's note on its data; where the district has figures of its own, the note says so instead of
    claiming the page shows only Land and Bund values."""
    note = field.get("data_note") or ""
    filters = current_filters()
    if note and not own_district_figures(field, filters.kreis).empty:
        note = note.replace(LAND_ONLY_SENTENCE, "").rstrip() + (
            f" Für {filters.kreis_name} gibt es Zahlen des Kreises selbst: siehe „{OWN_SECTION}“.")
    if note:
        st.info(note, icon=":material/info:")


# A data note's sentence that is no longer true once the district has figures of its own.
LAND_ONLY_SENTENCE = "Die Kennzahlen sind daher Landes- bzw. Bundeswerte und als solche gekennzeichnet."


def overview_tiles(per_row: int = 4) -> None:
    """One tile per Handlungsfeld: its headline indicator, or rather the district's own or published figure when
    the headline is not a district value; else a note that the district has to supply the data."""
    filters = current_filters()
    items = list(fields().values())
    chosen = {field["name"]: _overview_choice(field, filters) for field in items}
    newest = max((data.figures.year for data, _ in chosen.values() if data is not None and data.figures is not None),
                 default=None)
    for start in range(0, len(items), per_row):
        for column, field in zip(st.columns(per_row), items[start:start + per_row]):
            with column:
                data, badge = chosen[field["name"]]
                if data is not None:
                    short = data.meta["short_name"].split(" (")[0]
                    show_tile(data, filters=filters, sparkline=True, newest_year=newest, badge=badge,
                              label=f"{field['name']}: {short}")
                else:
                    # no official district data: say so in the label (a long value would be cut off)
                    st.metric(f"{field['name']}: keine amtlichen Kreisdaten", "–", border=True,
                              help=field["data_note"])
                st.page_link(field_page(field), label=f"Zu {field['name']}", icon=":material/arrow_forward:")


def _overview_choice(field: dict, filters: Filters) -> tuple[TileData | None, str | None]:
    """The Überblick's tile of a field and its badge (None: the level's badge)."""
    headline = field["headline"]
    if headline and indicator(headline)["level"] == "Kreis":
        return tile_data(headline, filters=filters), None
    own = own_district_figures(field, filters.kreis)
    if not own.empty:
        row = own.iloc[0]
        data = tile_data(row["indicator"], filters=filters)
        if data.figures is not None:
            return data, OWN_KIND_LABELS.get(row["own_kind"], row["own_kind"])
    return (tile_data(headline, filters=filters), None) if headline else (None, None)


# ── Daten & Methodik ─────────────────────────────────────────────────────────────────────────────

CATALOG_LABELS = {
    "handlungsfeld": "Handlungsfeld", "name": "Kennzahl", "definition": "Definition", "unit": "Einheit",
    "concept": "Konzept", "level": "Ebene", "source": "Quelle", "table": "Tabelle", "direction": "Richtung",
    "first_year": "von", "last_year": "bis", "districts": "Kreise mit Werten", "caveats": "Hinweise",
}
DIRECTION_LABELS = {"higher_better": "höher = besser", "lower_better": "niedriger = besser", "neutral": "ohne Wertung"}


def catalog_table() -> None:
    """The catalogue grouped by Handlungsfeld (in the order of the pages), one table each at its full height: no
    scroll box, definitions and caveats wrap.  The CSV holds the whole catalogue."""
    table = query("catalog")[list(CATALOG_LABELS)].rename(columns=CATALOG_LABELS)
    table["Richtung"] = table["Richtung"].map(DIRECTION_LABELS)
    order = {name: i for i, name in enumerate(fields())}
    for name, group in sorted(table.groupby("Handlungsfeld", sort=False), key=lambda item: order.get(item[0], 99)):
        st.subheader(name)
        shown = group.drop(columns=["Handlungsfeld"]).astype("string").fillna("")
        st.table(shown.map(escape_markdown), hide_index=True)
    st.download_button("Katalog als CSV", export.csv_bytes(table, header_lines=["Indikatorkatalog des Integrationsmonitors"]),
                       file_name="indikatorkatalog.csv", mime="text/csv", key="catalog_csv")


def coverage_matrix(ags: str) -> None:
    coverage = query("coverage", ags=ags)
    if coverage.empty:
        st.caption("Für diesen Kreis liegen keine Werte vor.")
        return
    # ● = a value; otherwise the special value's symbol (a gap with a reason), empty = nothing at all
    cells = coverage.assign(cell=["●" if n > 0 else (f or "") for n, f in zip(coverage["values"], coverage["flags"])])
    matrix = cells.pivot(index="indicator", columns="year", values="cell")
    matrix.index = [indicator(i)["name"] if i in catalog().index else i for i in matrix.index]
    matrix.columns = [str(c) for c in matrix.columns]
    st.dataframe(matrix.astype("string").fillna(""), width="stretch")


def sources_table() -> None:
    sources = query("sources").rename(columns={"source": "Quelle/Tabelle", "stand": "Stand", "attribution": "Namensnennung",
                                               "licence": "Lizenz", "first_year": "von", "last_year": "bis",
                                               "values": "Werte"})
    sources["Stand"] = sources["Stand"].map(fmt_stand)
    sources["Werte"] = sources["Werte"].map(fmt.fmt_number)  # 61.488
    st.dataframe(sources, hide_index=True, width="stretch")


def flag_legend() -> None:
    """The special values as code ("`-`"): st.table reads cells as Markdown, where a lone "-" or "*" is a bullet."""
    st.table(pd.DataFrame({"Zeichen": [f"`{flag}`" for flag in fmt.FLAG_MEANINGS],
                           "Bedeutung": list(fmt.FLAG_MEANINGS.values())}), hide_index=True)
