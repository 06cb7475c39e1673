"""The thin Streamlit layer: shared filters (bound to the URL), cached queries and the cards pages are made of.

Why one module of this size: the shared glue every page needs (cached queries, filters, chart cards, numbers behind
a chart); tiles and field pages are ui_fields.py, goals ui_goals.py, slides ui_slides.py.

Everything with `st.` lives here, in dashboard.py and in pages/; the rest of the package is plain Python.
Pages call these helpers top to bottom in the order the screen shows them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from . import charts, charts_series, export, fmt, structures, tiles, url_params, xlsx_export
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

# Rules Streamlit has no option for (wrapping tiles, German uploader texts, chart titles, paper): see the file.
PAGE_STYLE = "<style>" + Path(__file__).with_name("page_style.css").read_text(encoding="utf-8") + "</style>"


def page_style() -> None:
    st.html(PAGE_STYLE)


def menu_button_text(last_url_path: str) -> None:
    """The sidebar menu's fold button says "Weniger Seiten zeigen" while the menu shows its last page, i.e. unfolded
    (page_style.css draws "Alle Seiten zeigen" in place of Streamlit's English text)."""
    st.html(f"<style>[data-testid='stSidebarNav']:has(a[href$='/{last_url_path}']) "
            "[data-testid='stSidebarNavViewButton']::after { content: 'Weniger Seiten zeigen'; }</style>")


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
            help="Land und Deutschland sowie bis zu fünf weitere Kreise.", placeholder="kein Vergleich",
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


VIEW_CACHE = {"max_entries": 600, "ttl": 3600, "show_spinner": False}


@dataclass(frozen=True)
class ChartView:
    frame: pd.DataFrame
    figure: object | None  # plotly Figure with its title (exports, slides), None when there is nothing to show
    title: str
    screen: object | None = None  # the figure as shown, its title written above it (show_chart)

    def __post_init__(self):
        # made once with the cached view, so a rerun does not copy the figure again
        if self.screen is None and self.figure is not None:
            object.__setattr__(self, "screen", charts.screen_figure(self.figure))


def show_chart(screen_figure, *, key: str, **options) -> None:
    """A chart made by charts.screen_figure: its title as text above it (it wraps at the column's width and reads
    as the chart's heading), then the figure.  options go to st.plotly_chart (on_select …)."""
    # The title is escaped text (charts.plain_text), safe inside the paragraph.  st.html, not st.markdown: the
    # browser draws it without the markdown parser and its size observer (a page has up to ten titles).
    st.html(f'<p class="im-chart-title">{screen_figure.layout.meta["title"]}</p>')
    st.plotly_chart(screen_figure, config=charts.PLOTLY_CONFIG, theme=None, key=key, **options)


@st.cache_resource(**VIEW_CACHE)
def _trend_view(indicator_id: str, category: str, regions: tuple[str, ...], year_from: int, year_to: int) -> ChartView:
    meta = indicator(indicator_id)
    frame = query("series", indicator=indicator_id, regions=regions, category=category,
                  year_from=year_from, year_to=year_to)
    title = f"{meta['name']} ({meta['unit']}){_level_suffix(frame, regions[0])}, {year_from}–{year_to}"
    if frame.empty:
        return ChartView(frame, None, title)
    figure = charts_series.time_series_figure(
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
    show_chart(view.screen, key=f"trend_{indicator_id}_{category}")
    with st.container(horizontal=True):  # numbers, image downloads, "Zum Foliensatz" in one row
        numbers_behind(view.frame, meta, filters, key=f"trend_{indicator_id}_{category}")
        slide_actions(Item("trend", indicator_id, category), view, filters, key=f"trend_{indicator_id}_{category}")


@st.fragment
def breakdown_card(indicator_id: str, breakdown: str) -> None:
    filters, meta = current_filters(), indicator(indicator_id)
    view = _breakdown_view(indicator_id, breakdown, filters.regions, filters.year_to, filters.kreis_name)
    if view.figure is None:
        return
    show_chart(view.screen, key=f"breakdown_{indicator_id}_{breakdown}")
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
    show_chart(view.screen, key=f"ranking_{indicator_id}")
    with st.container(horizontal=True):
        numbers_behind(view.frame, meta, filters, key=f"ranking_{indicator_id}")
        slide_actions(Item("ranking", indicator_id), view, filters, key=f"ranking_{indicator_id}")


def numbers_behind(frame: pd.DataFrame, meta: pd.Series, filters: Filters, *, key: str) -> None:
    """The chart's numbers as a table and as CSV and XLSX downloads with their context, behind one button.

    The table and the download buttons are made only when the popover is opened (it reruns its fragment), so a
    page with many charts spends neither server time nor browser time on tables nobody looks at.  The files are
    written only when a download button is clicked (a callable as data)."""
    popover = st.popover("Zahlen und CSV", icon=":material/table_view:", key=f"{key}_numbers", on_change="rerun")
    if not popover.open:
        return
    table = _display_table(frame, meta)

    def csv() -> bytes:
        return numbers_csv(frame, meta, filters)

    def xlsx() -> bytes:
        return xlsx_export.numbers_xlsx(frame, meta, _selection(filters))

    today = dt.date.today()
    with popover:
        # at most ~8 rows high: the popover opens below its button and must fit on a laptop's screen with its
        # download buttons (the table scrolls inside)
        st.dataframe(_german_numbers(table, int(meta["decimals"])), hide_index=True, width=720,
                     height=min(38 + 35 * len(table), 320), key=f"{key}_table")
        with st.container(horizontal=True):  # on_click="ignore": a download need not redraw the card
            st.download_button("CSV herunterladen", csv, mime="text/csv", key=f"{key}_csv", on_click="ignore",
                               icon=":material/download:",
                               file_name=export.numbers_file_name(meta["id"], filters.kreis, today, "csv"))
            st.download_button("XLSX herunterladen", xlsx, mime=xlsx_export.MIME, key=f"{key}_xlsx", on_click="ignore",
                               icon=":material/download:", help="Excel-Datei: Blatt „Daten“ und Blatt „Kontext“.",
                               file_name=export.numbers_file_name(meta["id"], filters.kreis, today, "xlsx"))


def numbers_csv(frame: pd.DataFrame, meta: pd.Series, filters: Filters) -> bytes:
    """The CSV behind a chart (monitoring/export.py numbers_csv): context lines, "Ebene", rounded values."""
    return export.numbers_csv(frame, meta, _selection(filters))


def _selection(filters: Filters) -> export.Selection:
    """The filters in words for a download's context, dated today (the day the file is written)."""
    return export.Selection(filters.kreis, filters.kreis_name, tuple(region_name(a) for a in filters.benchmarks),
                            filters.year_from, filters.year_to, dt.date.today())


def _display_table(frame: pd.DataFrame, meta: pd.Series) -> pd.DataFrame:
    return export.display_table(frame, meta)


def _german_numbers(table: pd.DataFrame, decimals: int) -> pd.DataFrame:
    """For the screen: values as German text ("1.234,5"; a gap stays empty, its Zeichen says why), ranks as
    whole numbers.  The downloads keep the numbers themselves (monitoring/export.py, monitoring/xlsx_export.py)."""
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
    matrix.columns = [str(c) for c in matrix.columns]
    matrix.index = coverage_rows(matrix.index, catalog(), list(fields()))
    table = matrix.sort_index(level="Reihenfolge").droplevel("Reihenfolge").astype("string").fillna("").reset_index()
    # field and name pinned at the left, the name wide enough to read: the years scroll beside them
    st.dataframe(table, width="stretch", hide_index=True, column_config={
        "Handlungsfeld": st.column_config.TextColumn(width=120, pinned=True),
        "Kennzahl": st.column_config.TextColumn(width=420, pinned=True),
        **{year: st.column_config.TextColumn(width=48) for year in matrix.columns}})


def coverage_rows(indicator_ids, catalogue: pd.DataFrame, field_order: list[str]) -> pd.MultiIndex:
    """(Reihenfolge, Handlungsfeld, Kennzahl) per indicator: the matrix reads in the order of the pages, each
    indicator under its field with its full name; an indicator the catalogue lacks comes last, under its id."""
    rows = []
    for indicator_id in indicator_ids:
        known = indicator_id in catalogue.index
        field = catalogue.loc[indicator_id, "handlungsfeld"] if known else "ohne Handlungsfeld"
        name = catalogue.loc[indicator_id, "name"] if known else indicator_id
        position = field_order.index(field) if field in field_order else len(field_order)
        rows.append((f"{position:03d} {field} {name}", field, name))
    return pd.MultiIndex.from_tuples(rows, names=["Reihenfolge", "Handlungsfeld", "Kennzahl"])


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
