"""The thin Streamlit layer: shared filters (bound to the URL), cached queries and the cards pages are made of.

Everything with `st.` lives here, in dashboard.py and in pages/; the rest of the package is plain Python.
Pages call these helpers top to bottom in the order the screen shows them.
"""
from __future__ import annotations

import html
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from . import charts, export, fmt
from .catalog import load_catalog, load_fields
from .db import PROJECT_DIR, run_query

SETTINGS_FILE = PROJECT_DIR / ".streamlit" / "integrationsmonitor.toml"
FAVICON = str(Path(__file__).resolve().parent / "assets" / "favicon.png")
MAX_BENCHMARK_DISTRICTS = 5
LAND, GERMANY = "land", "de"  # tokens in the benchmark filter, independent of the chosen district's Land
DIRECTION_TO_DELTA_COLOR = {"higher_better": "normal", "lower_better": "inverse", "neutral": "off"}


# ── data access ──────────────────────────────────────────────────────────────────────────────────

@st.cache_data(ttl=3600, max_entries=2000, show_spinner=False)
def query(name: str, **params) -> pd.DataFrame:
    """Cached named query; tuples become lists (DuckDB binds lists, the cache needs hashable arguments)."""
    bound = {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
    return run_query(name, **bound)


# Catalogue, Handlungsfelder and the indicator rows are read on every rerun, many times: shared read-only
# objects (cache_resource) instead of per-call copies (cache_data unpickles a DataFrame each time).
@st.cache_resource(show_spinner=False)
def catalog() -> pd.DataFrame:
    return load_catalog().set_index("id", drop=False)


@st.cache_resource(show_spinner=False)
def fields() -> dict[str, dict]:
    return load_fields()


@st.cache_resource(show_spinner=False)
def _indicator_rows() -> dict[str, pd.Series]:
    table = catalog()
    return {indicator_id: table.loc[indicator_id] for indicator_id in table.index}


def indicator(indicator_id: str) -> pd.Series:
    return _indicator_rows()[indicator_id]


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

    def describe(self) -> str:
        names = ", ".join(region_name(a) for a in self.benchmarks) or "keine"
        return f"Kreis: {self.kreis_name} ({self.kreis}); Vergleich: {names}; Zeitraum: {self.year_from}–{self.year_to}"


def settings() -> dict:
    """Installation settings (.streamlit/integrationsmonitor.toml); the environment may override the district."""
    values = {}
    if SETTINGS_FILE.is_file():
        values = tomllib.loads(SETTINGS_FILE.read_text(encoding="utf-8")).get("dashboard", {})
    if os.environ.get("INTEGRATIONSMONITOR_KREIS"):
        values["default_kreis"] = os.environ["INTEGRATIONSMONITOR_KREIS"]
    return values


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
            st.warning(f"Unbekannte Angabe im Link ignoriert: {st.session_state['url_note']}. Es gilt die Voreinstellung.",
                       icon=":material/link_off:")
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
    params = st.query_params
    if "kreis" in params:
        if params["kreis"] in options:
            state["kreis"] = params["kreis"]
        else:
            notes.append(f"Kreis „{params['kreis']}“")
    if "vergleich" in params:
        wanted = [v for v in params["vergleich"].split(",") if v]
        valid = [v for v in wanted if v in options or v in (LAND, GERMANY)][: MAX_BENCHMARK_DISTRICTS + 2]
        notes += [f"Vergleich „{v}“" for v in wanted if v not in valid]
        state["vergleich"] = valid
    if "zeitraum" in params:
        period = _parse_period(params["zeitraum"], first, last)
        if period:
            state["zeitraum"] = period
        else:
            notes.append(f"Zeitraum „{params['zeitraum']}“")
    state["url_note"] = ", ".join(notes)


def _parse_period(text: str, first: int, last: int) -> tuple[int, int] | None:
    start, _, end = text.partition("-")
    if not (start.isdigit() and end.isdigit()):
        return None
    start, end = int(start), int(end)
    return (start, end) if first <= start <= end <= last else None


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


def data_note(field: dict) -> None:
    if field.get("data_note"):
        st.info(field["data_note"], icon=":material/info:")


def own_figures(field: dict) -> None:
    if not field.get("own_figures"):
        return
    with st.expander("Was der Kreis selbst beisteuern kann", icon=":material/edit_note:", expanded=not field["tiles"]):
        st.markdown("\n".join(f"- {item}" for item in field["own_figures"]))


def _split_tile(spec: str) -> tuple[str, str]:
    indicator_id, _, category = spec.partition(":")
    return indicator_id, category


def key_figures(field: dict) -> None:
    """One tile per key indicator: latest value, change, difference to the Land, a small trend."""
    if not field["tiles"]:
        return
    filters = current_filters()
    columns = st.columns(len(field["tiles"]))
    for column, spec in zip(columns, field["tiles"]):
        with column:
            indicator_tile(*_split_tile(spec), filters=filters)


def indicator_tile(indicator_id: str, category: str = "", *, filters: Filters, label: str | None = None) -> None:
    meta = indicator(indicator_id)
    region = filters.kreis if meta["level"] == "Kreis" else (filters.land if meta["level"] == "Land" else "DG")
    tile = query("tile", indicator=indicator_id, ags=region, land=filters.land, category=category,
                 year_from=filters.year_from, year_to=filters.year_to)
    title = label or (meta["short_name"] + (f" ({category})" if category else ""))
    if tile.empty:
        st.metric(title, "keine Daten", border=True, help=_tile_help(meta, None, region))
        return
    row = tile.iloc[0]
    trend = query("series", indicator=indicator_id, regions=(region,), category=category,
                  year_from=filters.year_from, year_to=filters.year_to)["value"].dropna().tolist()
    st.metric(
        title,
        _tile_value(row["value"], meta),
        delta=_delta_text(row, meta),
        delta_color=DIRECTION_TO_DELTA_COLOR[meta["direction"]],
        delta_description=_delta_description(row, meta),
        border=True,
        chart_data=trend if len(trend) > 1 else None,
        help=_tile_help(meta, row, region),
    )


def _tile_value(value: float, meta: pd.Series) -> str:
    """Counts of people without the unit word (it is in the label's help), so the number fits the tile."""
    if meta["unit"] in ("Personen", "Kinder"):
        return fmt.fmt_number(value, int(meta["decimals"]))
    return fmt.fmt_value(value, meta["unit"], int(meta["decimals"]))


def _delta_text(row: pd.Series, meta: pd.Series) -> str | None:
    if pd.isna(row["previous_value"]):
        return None
    return fmt.fmt_change(row["value"] - row["previous_value"], meta["unit"], int(meta["decimals"]))


def _delta_description(row: pd.Series, meta: pd.Series) -> str:
    """'2016 ggü. 2015 · Land 9,1 %': the Stichtag, what the change compares with, the Land's value."""
    period_type = meta["period_type"]
    parts = [fmt.fmt_period(row["period"], period_type)]
    if pd.notna(row["previous_value"]):
        parts[0] += f" ggü. {fmt.fmt_period(row['previous_period'], period_type)}"
    if pd.notna(row["land_value"]) and meta["level"] == "Kreis":
        parts.append(f"Land {fmt.fmt_value(row['land_value'], meta['unit'], int(meta['decimals']))}")
    return " · ".join(parts)


def _tile_help(meta: pd.Series, row: pd.Series | None, region: str) -> str:
    lines = [f"**{meta['name']}**: {meta['definition']}", f"Konzept: {meta['concept']}; Ebene: {meta['level']}."]
    if region != current_filters().kreis:
        lines.append(f"Kein Kreiswert: gezeigt wird {region_name(region)}.")
    if row is not None:
        decimals = int(meta["decimals"])
        if pd.notna(row["first_value"]):
            lines.append(f"Seit {fmt.fmt_period(row['first_period'], meta['period_type'])}: "
                         f"{fmt.fmt_change(row['value'] - row['first_value'], meta['unit'], decimals)}.")
        if pd.notna(row["land_value"]) and region != current_filters().land:
            lines.append(f"Land: {fmt.fmt_value(row['land_value'], meta['unit'], decimals)} "
                         f"(Unterschied {fmt.fmt_change(row['value'] - row['land_value'], meta['unit'], decimals)}).")
        lines.append(f"Quelle: {row['source']}; {row['basis']}.")
    return "  \n".join(lines)


def fmt_stand(stand: str) -> str:
    """Stand is a date (2017-10-10) for GENESIS exports and a month (2025-04) for BA exports."""
    if not stand:
        return "nicht angegeben"
    return f"{stand[5:7]}/{stand[:4]}" if len(stand) == 7 else fmt.fmt_date(stand)


def _attributions(values: pd.Series) -> list[str]:
    """Distinct attribution lines; of "…, Deutschland, 2017" and "…, Deutschland" the one with the latest year
    stays (the attribution the licence asks for names the year), and a source URL in brackets is dropped."""
    latest: dict[str, str] = {}
    for text in values.dropna():
        match = re.match(r"^(.*?)(?:,\s*(\d{4}))?$", text.split(" (")[0].strip().rstrip("."))
        base, year = match.group(1), match.group(2) or ""
        if base and year >= latest.get(base, ""):
            latest[base] = year
    return sorted(f"{base}, {year}" if year else base for base, year in latest.items())


TABLE_CODE = re.compile(r"^(\d{4}[0-9A-Z]-|AI)")  # 12411-01-01-4, 1000A-2022, AI002-1: official table codes


def source_line(frame: pd.DataFrame, meta: pd.Series) -> str:
    """'Quelle: <attribution>, Tabelle …, Stand …; eigene Berechnung' for the rows a chart shows."""
    frame = frame.dropna(subset=["source"])
    if frame.empty:
        return f"Quelle: {meta['source']}"
    sources = sorted(set("; ".join(frame["source"]).split("; ")))  # derived rows list their sources with "; "
    tables = [s for s in sources if TABLE_CODE.match(s)]
    others = [s for s in sources if not TABLE_CODE.match(s)]
    stands = sorted(s for s in frame["stand"].dropna().unique() if s)
    attribution = "; ".join(_attributions(frame.get("attribution", pd.Series(dtype=str))))
    parts = [attribution or "siehe Daten & Methodik"]
    if tables:
        parts.append(f"Tabelle {', '.join(tables)}")
    parts += others
    text = "Quelle: " + ", ".join(parts)
    if stands:
        text += f", Stand {fmt_stand(stands[-1])}"
    if frame.get("basis", pd.Series(dtype=str)).fillna("").str.startswith("eigene Berechnung").any():
        text += "; eigene Berechnung"
    # Plotly renders a few HTML tags in annotations; a source typed in by a user must stay plain text.
    return html.escape(text, quote=False)


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
    title = f"{meta['name']} ({meta['unit']}), {year_from}–{year_to}"
    if frame.empty:
        return ChartView(frame, None, title)
    figure = charts.time_series_figure(
        frame, title=title, unit=meta["unit"], decimals=int(meta["decimals"]), source_line=source_line(frame, meta),
        focus_ags=regions[0], period_type=meta["period_type"],
    )
    return ChartView(frame, figure, title)


@st.cache_resource(**VIEW_CACHE)
def _breakdown_view(indicator_id: str, breakdown: str, regions: tuple[str, ...], year_to: int, focus_name: str) -> ChartView:
    meta = indicator(indicator_id)
    frame = query("breakdown", indicator=indicator_id, breakdown=breakdown, regions=regions, year_to=year_to)
    if frame.empty:
        return ChartView(frame, None, "")
    period = fmt.fmt_period(frame["period"].iloc[0], meta["period_type"])
    by = "" if f"nach {breakdown}" in meta["name"] else f" nach {breakdown}"
    title = f"{meta['name']}{by} ({meta['unit']}), {period}"
    figure = charts.breakdown_figure(frame, title=title, unit=meta["unit"], decimals=int(meta["decimals"]),
                                     source_line=source_line(frame, meta), focus_name=focus_name)
    return ChartView(frame, figure, title)


@st.cache_resource(**VIEW_CACHE)
def _ranking_view(indicator_id: str, land: str, land_name: str, kreis: str, kreis_name: str,
                  highlight: tuple[str, ...], year_to: int) -> ChartView:
    meta = indicator(indicator_id)
    frame = query("ranking", indicator=indicator_id, land=land, category="", year_to=year_to)
    if frame.empty or frame["value"].notna().sum() == 0:
        return ChartView(frame, None, "")
    year = int(frame["year"].iloc[0])
    period = fmt.fmt_period(frame["period"].iloc[0], meta["period_type"])
    land_row = query("series", indicator=indicator_id, regions=(land,), category="", year_from=year, year_to=year)
    own = frame[frame["ags"] == kreis]
    rank_text = (f"Rang {int(own['rank'].iloc[0])} von {int(own['ranked'].iloc[0])}"
                 if not own.empty and pd.notna(own["rank"].iloc[0]) else "ohne Wert")
    title = f"{meta['name']} ({meta['unit']}): Kreise in {land_name}, {period} – {kreis_name}: {rank_text}"
    figure = charts.ranking_figure(
        frame, title=title, unit=meta["unit"], decimals=int(meta["decimals"]), source_line=source_line(frame, meta),
        focus_ags=kreis, highlight_ags=highlight,
        reference_value=land_row["value"].iloc[0] if not land_row.empty else None, reference_label=land_name,
    )
    return ChartView(frame, figure, title)


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
    numbers_behind(view.frame, meta, filters, key=f"trend_{indicator_id}_{category}")


@st.fragment
def breakdown_card(indicator_id: str, breakdown: str) -> None:
    filters, meta = current_filters(), indicator(indicator_id)
    view = _breakdown_view(indicator_id, breakdown, filters.regions, filters.year_to, filters.kreis_name)
    if view.figure is None:
        return
    st.plotly_chart(view.figure, config=charts.PLOTLY_CONFIG, theme=None, key=f"breakdown_{indicator_id}_{breakdown}")
    numbers_behind(view.frame, meta, filters, key=f"breakdown_{indicator_id}_{breakdown}")


@st.fragment
def ranking_card(indicator_id: str) -> None:
    """Where the district stands among all districts of its Land in the latest year of the period."""
    filters, meta = current_filters(), indicator(indicator_id)
    highlight = tuple(a for a in filters.benchmarks if len(a) == 5)
    view = _ranking_view(indicator_id, filters.land, filters.land_name, filters.kreis, filters.kreis_name, highlight,
                         filters.year_to)
    if view.figure is None:
        return
    st.plotly_chart(view.figure, config=charts.PLOTLY_CONFIG, theme=None, key=f"ranking_{indicator_id}")
    numbers_behind(view.frame, meta, filters, key=f"ranking_{indicator_id}")


def numbers_behind(frame: pd.DataFrame, meta: pd.Series, filters: Filters, *, key: str) -> None:
    """A table view of the chart's numbers (on request) and a CSV download with source and filters.

    The CSV is written only when the button is clicked (a callable as data), not on every run."""
    left, right = st.columns([1, 1])
    show = left.toggle("Zahlen anzeigen", key=f"{key}_table")

    def csv() -> bytes:
        header = [meta["name"] + f" ({meta['unit']})", meta["definition"], source_line(frame, meta),
                  filters.describe(), "Lizenz: Datenlizenz Deutschland – Namensnennung – Version 2.0"]
        return export.csv_bytes(_display_table(frame, meta), header_lines=header)

    right.download_button("CSV herunterladen", csv,
                          file_name=f"{meta['id']}_{filters.kreis}.csv", mime="text/csv", key=f"{key}_csv",
                          icon=":material/download:")
    if show:
        st.dataframe(_display_table(frame, meta), hide_index=True, width="stretch")


def _display_table(frame: pd.DataFrame, meta: pd.Series) -> pd.DataFrame:
    columns = {"name": "Region", "category": "Kategorie", "period": "Stichtag", "value": "Wert", "flag": "Zeichen",
               "rank": "Rang", "basis": "Basis", "source": "Quelle", "stand": "Stand"}
    table = frame[[c for c in columns if c in frame.columns]].rename(columns=columns)
    if "Stichtag" in table:
        table["Stichtag"] = table["Stichtag"].map(lambda p: fmt.fmt_period(p, meta["period_type"]))
    if "Zeichen" in table:
        table.insert(table.columns.get_loc("Zeichen") + 1, "Bedeutung", table["Zeichen"].map(fmt.flag_meaning))
    return table


def footer() -> None:
    stands = query("sources")
    latest = max((s for s in stands["stand"].dropna() if s), default="")
    st.divider()
    st.caption(
        "Integrationsmonitor · Daten: © Statistische Ämter des Bundes und der Länder, Deutschland; "
        "© Statistik der Bundesagentur für Arbeit; © BBSR Bonn; Grenzen © GeoBasis-DE / BKG 2022 — "
        f"Datenlizenz Deutschland – Namensnennung – Version 2.0 · neuester Datenstand: {fmt_stand(latest)} · "
        "Details unter „Daten & Methodik“."
    )


def handlungsfeld_page(name: str) -> None:
    """The screen of every Handlungsfeld, top to bottom; what it shows comes from data/handlungsfelder.toml."""
    field = fields()[name]
    page_header(field)
    key_figures(field)
    for indicator_id in field["trends"]:
        trend_card(indicator_id)
    for indicator_id, breakdown in field["breakdowns"]:
        breakdown_card(indicator_id, breakdown)
    if field["ranking"]:
        ranking_card(field["ranking"])
    data_note(field)
    own_figures(field)


def overview_tiles(per_row: int = 4) -> None:
    """One tile per Handlungsfeld: its headline indicator, or a note that the district has to supply the data."""
    filters = current_filters()
    items = list(fields().values())
    for start in range(0, len(items), per_row):
        for column, field in zip(st.columns(per_row), items[start:start + per_row]):
            with column:
                if field["headline"]:
                    indicator_tile(field["headline"], filters=filters,
                                   label=f"{field['name']}: {indicator(field['headline'])['short_name']}")
                else:
                    st.metric(f"{field['name']}", "eigene Zahlen nötig", border=True,
                              help=field["data_note"])
                st.page_link(f"pages/{field['slug']}.py", label=f"Zu {field['name']}", icon=":material/arrow_forward:")


# ── Daten & Methodik ─────────────────────────────────────────────────────────────────────────────

CATALOG_LABELS = {
    "handlungsfeld": "Handlungsfeld", "name": "Kennzahl", "definition": "Definition", "unit": "Einheit",
    "concept": "Konzept", "level": "Ebene", "source": "Quelle", "table": "Tabelle", "direction": "Richtung",
    "first_year": "von", "last_year": "bis", "districts": "Kreise mit Werten", "caveats": "Hinweise",
}
DIRECTION_LABELS = {"higher_better": "höher = besser", "lower_better": "niedriger = besser", "neutral": "ohne Wertung"}


def catalog_table() -> None:
    table = query("catalog")[list(CATALOG_LABELS)].rename(columns=CATALOG_LABELS)
    table["Richtung"] = table["Richtung"].map(DIRECTION_LABELS)
    st.dataframe(table, hide_index=True, width="stretch", height=420)
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
    st.dataframe(sources, hide_index=True, width="stretch")


def flag_legend() -> None:
    st.table(pd.DataFrame({"Zeichen": list(fmt.FLAG_MEANINGS), "Bedeutung": list(fmt.FLAG_MEANINGS.values())}))


# ── Kreisvergleich ───────────────────────────────────────────────────────────────────────────────

SCOPES = {"land": "Land des Kreises", "DG": "Deutschland (alle 400 Kreise)"}
METHODS = {"quantile": "Quantile (gleich viele Kreise je Klasse)", "equal": "gleiche Abstände"}


@dataclass(frozen=True)
class ComparisonChoice:
    indicator: str
    year: int
    scope: str  # 'DG' or the Land's 2-digit code
    scope_name: str
    method: str


@st.cache_data(show_spinner=False)
def _geojson(name: str) -> dict:
    import json

    return json.loads((PROJECT_DIR / "data" / name).read_text(encoding="utf-8"))


def district_indicators() -> list[str]:
    """Indicators with values for districts, in Handlungsfeld order (for the comparison picker)."""
    table = catalog()
    order = {name: i for i, name in enumerate(fields())}
    chosen = table[table["level"] == "Kreis"].copy()
    chosen["order"] = chosen["handlungsfeld"].map(order)
    return chosen.sort_values(["order", "name"]).index.tolist()


def comparison_controls() -> ComparisonChoice:
    """Indicator, year, region scope and classes; kept in the URL (indikator, jahr, gebiet, klassen)."""
    filters = current_filters()
    options = district_indicators()
    _init_comparison_state(options)
    left, middle, right = st.columns([3, 2, 2])
    indicator_id = left.selectbox("Kennzahl", options, key="kv_indikator",
                                  format_func=lambda i: f"{indicator(i)['handlungsfeld']} · {indicator(i)['name']}")
    scope_key = middle.radio("Gebiet", list(SCOPES), key="kv_gebiet", horizontal=True,
                             format_func=lambda s: filters.land_name if s == "land" else "Deutschland")
    method = right.radio("Klassen", list(METHODS), key="kv_klassen", format_func=lambda m: METHODS[m].split(" (")[0],
                         horizontal=True, help="Quantile: jede Farbe gleich viele Kreise; gleiche Abstände: gleich breite Wertebereiche.")
    scope = "DG" if scope_key == "DG" else filters.land
    years = query("indicator_years", indicator=indicator_id, scope=scope, category="")["year"].astype(int).tolist()
    if not years:
        st.warning("Für diese Kennzahl gibt es im gewählten Gebiet keine Kreiswerte.")
        st.stop()
    wanted = st.session_state.get("kv_jahr")
    if wanted not in years:
        st.session_state["kv_jahr"] = years[-1]
    year = st.select_slider("Jahr", years, key="kv_jahr") if len(years) > 1 else years[0]
    st.query_params.update({"indikator": indicator_id, "jahr": str(year), "gebiet": scope_key, "klassen": method})
    name = filters.land_name if scope != "DG" else "Deutschland"
    return ComparisonChoice(indicator_id, int(year), scope, name, method)


def _init_comparison_state(options: list[str]) -> None:
    state, params = st.session_state, st.query_params
    if "kv_indikator" in state:
        return
    state["kv_indikator"] = params.get("indikator") if params.get("indikator") in options else "auslaenderanteil"
    state["kv_gebiet"] = params.get("gebiet") if params.get("gebiet") in SCOPES else "land"
    state["kv_klassen"] = params.get("klassen") if params.get("klassen") in METHODS else "quantile"
    if (params.get("jahr") or "").isdigit():
        state["kv_jahr"] = int(params["jahr"])


def _comparison_values(choice: ComparisonChoice) -> pd.DataFrame:
    return query("comparison_values", indicator=choice.indicator, scope=choice.scope, category="", year=choice.year)


def _select_district(widget_key: str, by: str) -> None:
    """Callback of a map or ranking click: the clicked district becomes the shared filter (and so the URL)."""
    points = (st.session_state.get(widget_key) or {}).get("selection", {}).get("points", [])
    if not points:
        return
    point = points[0]
    table = districts()
    ags = point.get("location") if by == "location" else dict(zip(table["label"], table["ags"])).get(point.get("y"))
    if ags in table.index:
        st.session_state["kreis"] = ags
        st.session_state["url_note"] = ""


@st.cache_resource(**VIEW_CACHE)
def _map_view(choice: ComparisonChoice, kreis: str) -> ChartView:
    meta = indicator(choice.indicator)
    values = _comparison_values(choice)
    period = fmt.fmt_period(values["period"].dropna().iloc[0], meta["period_type"]) if values["period"].notna().any() else ""
    title = f"{meta['name']} ({meta['unit']}), {choice.scope_name}, {period}"
    figure = charts.choropleth_figure(
        values, _geojson("kreise_simplified.geojson"), title=title, unit=meta["unit"], decimals=int(meta["decimals"]),
        source_line=source_line(values.dropna(subset=["value"]), meta), focus_ags=kreis,
        method=choice.method, outlines=_geojson("laender_simplified.geojson"),
    )
    return ChartView(values, figure, title)


def comparison_map(choice: ComparisonChoice) -> None:
    view = _map_view(choice, current_filters().kreis)
    st.plotly_chart(view.figure, config=charts.PLOTLY_CONFIG, theme=None, key="kv_map", on_select=_map_clicked,
                    selection_mode="points")
    missing = int(view.frame["value"].isna().sum())
    if missing:
        st.caption(f"{missing} Kreise ohne Wert (grau).")


def _map_clicked() -> None:
    _select_district("kv_map", by="location")


def _ranking_clicked() -> None:
    _select_district("kv_ranking", by="label")


@st.cache_resource(**VIEW_CACHE)
def _comparison_ranking_view(choice: ComparisonChoice, kreis: str, kreis_name: str, highlight: tuple[str, ...]) -> ChartView:
    from .compare import ranking_window

    meta = indicator(choice.indicator)
    values = _comparison_values(choice)
    shown = ranking_window(values, kreis)
    own = values[values["ags"] == kreis]
    rank_text = (f"Rang {int(own['rank'].iloc[0])} von {int(own['ranked'].iloc[0])}"
                 if not own.empty and pd.notna(own["rank"].iloc[0]) else "ohne Wert")
    excerpt = " (Ausschnitt: Spitze, Ende und Umfeld)" if len(shown) < len(values) else ""
    title = f"Rangfolge {meta['name']} ({meta['unit']}), {choice.scope_name}{excerpt} – {kreis_name}: {rank_text}"
    reference = query("series", indicator=choice.indicator, regions=(choice.scope,), category="",
                      year_from=choice.year - 30, year_to=choice.year)
    period = values["period"].dropna().iloc[0] if values["period"].notna().any() else None
    reference = reference.loc[reference["period"] == period, "value"]
    figure = charts.ranking_figure(
        shown, title=title, unit=meta["unit"], decimals=int(meta["decimals"]),
        source_line=source_line(values.dropna(subset=["value"]), meta), focus_ags=kreis, highlight_ags=highlight,
        reference_value=reference.iloc[0] if not reference.empty else None, reference_label=choice.scope_name,
    )
    return ChartView(values, figure, title)


def comparison_ranking(choice: ComparisonChoice) -> None:
    filters = current_filters()
    highlight = tuple(a for a in filters.benchmarks if len(a) == 5)
    view = _comparison_ranking_view(choice, filters.kreis, filters.kreis_name, highlight)
    st.plotly_chart(view.figure, config=charts.PLOTLY_CONFIG, theme=None, key="kv_ranking", on_select=_ranking_clicked,
                    selection_mode="points")
    numbers_behind(view.frame, indicator(choice.indicator), filters, key="kv_ranking")


SCATTER_Y = "arbeitslosenquote_auslaender"


@st.cache_resource(**VIEW_CACHE)
def _scatter_view(choice: ComparisonChoice, y_id: str, kreis: str, highlight: tuple[str, ...]) -> ChartView:
    x_meta, y_meta = indicator(choice.indicator), indicator(y_id)
    frame = query("scatter_values", x=choice.indicator, y=y_id, scope=choice.scope, year=choice.year)
    title = f"{x_meta['name']} und {y_meta['name']}, Kreise in {choice.scope_name} (jeweils neuester Wert bis {choice.year})"
    if frame.empty:
        return ChartView(frame, None, title)
    figure = charts.scatter_figure(
        frame, title=title, x_title=f"{x_meta['short_name']} ({x_meta['unit']})",
        y_title=f"{y_meta['short_name']} ({y_meta['unit']})", x_decimals=int(x_meta["decimals"]),
        y_decimals=int(y_meta["decimals"]), source_line=f"Quelle: {x_meta['source']}; {y_meta['source']}",
        focus_ags=kreis, highlight_ags=highlight,
    )
    return ChartView(frame, figure, title)


def comparison_scatter(choice: ComparisonChoice) -> None:
    filters = current_filters()
    options = district_indicators()
    y_default = SCATTER_Y if SCATTER_Y != choice.indicator else "auslaenderanteil"
    y_id = st.selectbox("Zweite Kennzahl (senkrechte Achse)", options, index=options.index(y_default), key="kv_y",
                        format_func=lambda i: indicator(i)["name"])
    view = _scatter_view(choice, y_id, filters.kreis, tuple(a for a in filters.benchmarks if len(a) == 5))
    if view.figure is None:
        st.caption("Für diese beiden Kennzahlen gibt es keine gemeinsamen Kreiswerte.")
        return
    st.plotly_chart(view.figure, config=charts.PLOTLY_CONFIG, theme=None, key="kv_scatter")


@st.cache_resource(**VIEW_CACHE)
def _similarity(scope: str, year: int, kreis: str, k: int, columns: tuple[str, ...]):
    from .compare import similar_districts

    return similar_districts(query("structure_features", scope=scope, year=year), kreis, k=k, columns=list(columns))


def similar_districts_card(choice: ComparisonChoice) -> None:
    from .compare import CHARACTERISTICS, DEFAULT_CHARACTERISTICS

    filters = current_filters()
    left, right = st.columns([1, 3])
    k = left.slider("Anzahl", 3, 10, 5, key="kv_k")
    columns = right.multiselect("Merkmale", list(CHARACTERISTICS), default=DEFAULT_CHARACTERISTICS, key="kv_merkmale",
                                format_func=CHARACTERISTICS.get)
    features = query("structure_features", scope=choice.scope, year=choice.year)
    result = _similarity(choice.scope, choice.year, filters.kreis, k, tuple(columns))
    if result.neighbours.empty:
        st.caption("Mit diesen Merkmalen lässt sich kein Vergleich bilden.")
        return
    st.caption(
        f"Die {len(result.neighbours)} Kreise in {choice.scope_name}, die {filters.kreis_name} auf den gewählten Merkmalen "
        "am nächsten liegen (standardisierte Werte, Einwohner und Dichte logarithmiert; Abstand 0 = gleich). "
        + (f"Nicht verglichen, weil für {filters.kreis_name} ohne Wert: "
           f"{', '.join(CHARACTERISTICS[c] for c in result.dropped)}. " if result.dropped else "")
        + (f"{result.excluded} Kreise ohne vollständige Werte ausgelassen." if result.excluded else "")
    )
    own = features[features["ags"] == filters.kreis].assign(distance=0.0)
    table = pd.concat([own, result.neighbours], ignore_index=True)
    shown = table[["name", "distance", *result.used]].rename(columns={"name": "Kreis", "distance": "Abstand", **CHARACTERISTICS})
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config={"Abstand": st.column_config.NumberColumn(format="%.2f")})
    group = result.neighbours["ags"].head(MAX_BENCHMARK_DISTRICTS).tolist()
    st.button("Als Vergleichskreise übernehmen", key="kv_uebernehmen", on_click=_use_as_benchmarks, args=(group,),
              icon=":material/group_add:", help="Setzt diese Kreise (höchstens fünf) im Filter „Vergleich“ – auf allen Seiten.")


def _use_as_benchmarks(group: list[str]) -> None:
    st.session_state["vergleich"] = [LAND, GERMANY, *group]


def profile_table(choice: ComparisonChoice) -> None:
    filters = current_filters()
    profile = query("profile", ags=filters.kreis, land=filters.land, scope=choice.scope,
                    year_from=filters.year_from, year_to=filters.year_to)
    if profile.empty:
        st.caption("Für diesen Kreis liegen im Zeitraum keine Werte vor.")
        return
    table = pd.DataFrame({
        "Handlungsfeld": profile["handlungsfeld"],
        "Kennzahl": profile["name"],
        "Stand": [fmt.fmt_period(p, t) for p, t in zip(profile["period"], profile["period_type"])],
        "Wert": [fmt.fmt_value(v, u, d) for v, u, d in zip(profile["value"], profile["unit"], profile["decimals"])],
        f"Land ({filters.land_name})": [fmt.fmt_value(v, u, d) for v, u, d in
                                        zip(profile["land_value"], profile["unit"], profile["decimals"])],
        f"Rang ({choice.scope_name})": [f"{int(r)} von {int(n)}" if pd.notna(r) else "–"
                                        for r, n in zip(profile["rank"], profile["ranked"])],
        "Perzentil": [fmt.fmt_number(p, 0) for p in profile["percentile"]],
        "Veränderung": [fmt.fmt_change(c, u, d) + f" seit {fmt.fmt_period(fp, t)}" if pd.notna(c) else "–"
                        for c, u, d, fp, t in zip(profile["change"], profile["unit"], profile["decimals"],
                                                  profile["first_period"], profile["period_type"])],
    })
    st.dataframe(table, hide_index=True, width="stretch")
    header = [f"Profil {filters.kreis_name} ({filters.kreis})", f"Rang und Perzentil unter den Kreisen: {choice.scope_name}",
              filters.describe(), "Quellen: siehe Daten & Methodik; Lizenz: Datenlizenz Deutschland – Namensnennung – Version 2.0"]
    st.download_button("Profil als CSV", export.csv_bytes(profile.drop(columns=["period_type"]), header_lines=header),
                       file_name=f"profil_{filters.kreis}.csv", mime="text/csv", key="kv_profil_csv",
                       icon=":material/download:")
