"""Kreisvergleich: the Streamlit blocks of pages/kreisvergleich.py — controls (in the URL), map, ranking,
scatter, comparable districts and the district's profile.  Figures are cached like the other chart views."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from . import charts, charts_kreisvergleich, export, fmt, url_params
from .compare import CHARACTERISTICS, DEFAULT_CHARACTERISTICS, ranking_window, similar_districts
from .provenance import LICENCE_LINE, escape_markdown
from .ui import (
    GERMANY,
    LAND,
    MAX_BENCHMARK_DISTRICTS,
    VIEW_CACHE,
    ChartView,
    catalog,
    current_filters,
    districts,
    fields,
    indicator,
    link_warning,
    numbers_behind,
    query,
    rank_text,
    region_value_at,
    show_chart,
    source_line,
)

RANK_ENDS = {"lower_better": "1 = niedrigster", "higher_better": "1 = höchster", "neutral": "1 = höchster, ohne Wertung"}
SCOPES = {"land": "Land des Kreises", "DG": "Deutschland (alle 400 Kreise)"}
METHODS = {"quantile": "Quantile (gleich viele Kreise je Klasse)", "equal": "gleiche Abstände"}
# URL value -> tab label, in the order of the tabs
VIEWS = {"karte": "Karte", "rangfolge": "Rangfolge", "verlauf": "Zeitverlauf", "zusammenhang": "Zwei Kennzahlen",
         "gruppe": "Vergleichsgruppe", "profil": "Profil"}


@dataclass(frozen=True)
class ComparisonChoice:
    indicator: str
    year: int
    scope: str  # 'DG' or the Land's 2-digit code
    scope_name: str
    method: str


# Relative to the page, so it also works under a server.baseUrlPath.
STATIC_URL = "app/static/"


@st.cache_resource
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
    link_notes = _init_comparison_state(options)
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
        if link_notes is not None and "jahr" in st.query_params:
            link_notes.append(url_params.named("Jahr", st.query_params["jahr"]))
        st.session_state["kv_jahr"] = years[-1]
    if link_notes:
        link_warning(url_params.link_note(link_notes))
    # a select shows the chosen year and, opened, every year with values (a select_slider showed only its end)
    year = st.selectbox("Jahr", years[::-1], key="kv_jahr",
                        help=f"Jahre mit Kreiswerten: {years[0]}–{years[-1]}") if len(years) > 1 else years[0]
    wanted = {"indikator": indicator_id, "jahr": str(year), "gebiet": scope_key, "klassen": method}
    if {k: st.query_params.get(k) for k in wanted} != wanted:  # a write is a message to the browser
        st.query_params.update(wanted)
    name = filters.land_name if scope != "DG" else "Deutschland"
    return ComparisonChoice(indicator_id, int(year), scope, name, method)


def _init_comparison_state(options: list[str]) -> list[str] | None:
    """Defaults, overridden by valid values from the URL, once per session.  Returns what the link asked for and
    could not get (shown as a note on that first run), or None on every later run."""
    state, params = st.session_state, st.query_params
    if "kv_indikator" in state:
        return None
    defaults = {"indikator": "auslaenderanteil", "gebiet": "land", "klassen": "quantile", "ansicht": "karte"}
    parsers = {"indikator": lambda v: url_params.parse_indikator(v, options),
               "gebiet": lambda v: url_params.parse_gebiet(v, SCOPES),
               "klassen": lambda v: url_params.parse_klassen(v, METHODS),
               "ansicht": lambda v: url_params.parse_ansicht(v, VIEWS)}
    parsed = {name: parsers[name](params[name]) if name in params else None for name in defaults}
    chosen = {name: parsed[name] or default for name, default in defaults.items()}
    notes = [url_params.named(name.capitalize(), params[name]) for name in defaults
             if name in params and parsed[name] is None]
    state["kv_indikator"], state["kv_gebiet"], state["kv_klassen"] = chosen["indikator"], chosen["gebiet"], chosen["klassen"]
    state["kv_ansicht"] = VIEWS[chosen["ansicht"]]
    year = url_params.parse_jahr(params.get("jahr"))
    if year is not None:
        state["kv_jahr"] = year
    return notes


def view_tabs():
    """The page's views as tabs that rerun on a switch, so the page computes and sends only the open one
    (``tab.open``).  The open tab is kept in the URL (ansicht)."""
    tabs = st.tabs(list(VIEWS.values()), key="kv_ansicht", on_change="rerun")
    slug = {label: slug for slug, label in VIEWS.items()}[st.session_state["kv_ansicht"]]
    if st.query_params.get("ansicht") != slug:
        st.query_params["ansicht"] = slug
    return tabs


def _comparison_values(choice: ComparisonChoice) -> pd.DataFrame:
    return query("comparison_values", indicator=choice.indicator, scope=choice.scope, category="", year=choice.year)


CLICKED = "kv_angeklickt"  # the district a click on the map or a bar shows in place (not yet the chosen one)
HOME = "kv_heimatkreis"  # the district chosen before "als Kreis wählen", for the way back


def _select_district(widget_key: str) -> None:
    """Callback of a map or ranking click: the clicked district's values are shown in place, beside the chosen
    district; the whole dashboard switches only with "als Kreis wählen".  A map point carries the AGS as its
    location, a ranking bar as its y value."""
    points = (st.session_state.get(widget_key) or {}).get("selection", {}).get("points", [])
    if not points:
        return
    ags = points[0].get("location") or points[0].get("y")
    if ags in districts().index:
        st.session_state[CLICKED] = ags


def _choose_clicked(ags: str, home: str) -> None:
    st.session_state[HOME] = home
    st.session_state["kreis"] = ags
    st.session_state["url_note"] = ""
    st.session_state.pop(CLICKED, None)


def _back_home(home: str) -> None:
    st.session_state["kreis"] = home
    st.session_state["url_note"] = ""
    st.session_state.pop(HOME, None)


def clicked_district(choice: ComparisonChoice) -> None:
    """The clicked district's value, rank and difference to the chosen one, with "als Kreis wählen" and a way back;
    after a switch, a button back to the district chosen before."""
    filters = current_filters()
    clicked = st.session_state.get(CLICKED)
    home = st.session_state.get(HOME)
    if clicked and clicked != filters.kreis:
        meta = indicator(choice.indicator)
        values = _comparison_values(choice).set_index("ags", drop=False)
        decimals = int(meta["decimals"])
        name = districts().loc[clicked, "label"]
        value = values["value"].get(clicked)
        own = values["value"].get(filters.kreis)
        with st.container(border=True, key="kv_angeklickt_box"):
            st.markdown(f"**{escape_markdown(name)}**: {fmt.fmt_value(value, meta['unit'], decimals)} · "
                        f"{rank_text(values, clicked, meta['direction'])}")
            if not fmt.is_missing(value) and not fmt.is_missing(own):
                st.caption(f"{filters.kreis_name}: {fmt.fmt_value(own, meta['unit'], decimals)} "
                           f"(Unterschied {fmt.fmt_change(value - own, meta['unit'], decimals)})")
            left, right = st.columns(2)
            left.button(f"{name} als Kreis wählen", key="kv_als_kreis", icon=":material/check:",
                        on_click=_choose_clicked, args=(clicked, filters.kreis))
            right.button("Auswahl aufheben", key="kv_aufheben", icon=":material/close:",
                         on_click=lambda: st.session_state.pop(CLICKED, None))
    elif home and home != filters.kreis and home in districts().index:
        st.button(f"Zurück zu {districts().loc[home, 'label']}", key="kv_zurueck", icon=":material/undo:",
                  on_click=_back_home, args=(home,))


@st.cache_resource(**VIEW_CACHE)
def _map_view(choice: ComparisonChoice, kreis: str) -> ChartView:
    meta = indicator(choice.indicator)
    values = _comparison_values(choice)
    period = fmt.fmt_period(values["period"].dropna().iloc[0], meta["period_type"]) if values["period"].notna().any() else ""
    title = f"{meta['name']} ({meta['unit']}), {choice.scope_name}, {period}"
    figure = charts_kreisvergleich.choropleth_figure(
        values, boundaries_url=STATIC_URL + "kreise_simplified.geojson", title=title, unit=meta["unit"],
        decimals=int(meta["decimals"]), source_line=source_line(values.dropna(subset=["value"]), meta), focus_ags=kreis,
        method=choice.method, outlines_url=STATIC_URL + "laender_simplified.geojson",
    )
    return ChartView(values, figure, title, screen=charts_kreisvergleich.map_screen_figure(figure))


def comparison_map(choice: ComparisonChoice) -> None:
    """The map with its legend beside it (under it on a phone, where the columns stack)."""
    view = _map_view(choice, current_filters().kreis)
    left, right = st.columns([3, 1])
    with left:
        show_chart(view.screen, key="kv_map", on_select=_map_clicked, selection_mode="points")
    with right:
        st.markdown(charts_kreisvergleich.map_legend_html(view.figure), unsafe_allow_html=True)
        missing = int(view.frame["value"].isna().sum())
        if missing:
            st.caption(f"{missing} Kreise ohne Wert (grau).")
    clicked_district(choice)


def _map_clicked() -> None:
    _select_district("kv_map")


def _ranking_clicked() -> None:
    _select_district("kv_ranking")


@st.cache_resource(**VIEW_CACHE)
def _comparison_ranking_view(choice: ComparisonChoice, kreis: str, kreis_name: str, highlight: tuple[str, ...]) -> ChartView:
    meta = indicator(choice.indicator)
    values = _comparison_values(choice)
    shown = ranking_window(values, kreis)
    period = values["period"].dropna().iloc[0] if values["period"].notna().any() else None
    when = f", {fmt.fmt_period(period, meta['period_type'])}" if period is not None else ""
    excerpt = " (Ausschnitt: Spitze, Ende und Umfeld)" if len(shown) < len(values) else ""
    title = (f"Rangfolge {meta['name']} ({meta['unit']}), {choice.scope_name}{when}{excerpt} – "
             f"{kreis_name}: {rank_text(values, kreis, meta['direction'])}")
    figure = charts.ranking_figure(
        shown, title=title, unit=meta["unit"], decimals=int(meta["decimals"]),
        source_line=source_line(values.dropna(subset=["value"]), meta), focus_ags=kreis, highlight_ags=highlight,
        reference_value=region_value_at(choice.indicator, choice.scope, period) if period is not None else None,
        reference_label=choice.scope_name,
    )
    return ChartView(values, figure, title)


def comparison_ranking(choice: ComparisonChoice) -> None:
    filters = current_filters()
    highlight = filters.benchmark_districts
    view = _comparison_ranking_view(choice, filters.kreis, filters.kreis_name, highlight)
    show_chart(view.screen, key="kv_ranking", on_select=_ranking_clicked,
                    selection_mode="points")
    clicked_district(choice)
    numbers_behind(view.frame, indicator(choice.indicator), filters, key="kv_ranking")


SCATTER_Y = "arbeitslosenquote_auslaender"


def _years(values) -> str:
    years = sorted({int(y) for y in values})
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


@st.cache_resource(**VIEW_CACHE)
def _scatter_view(choice: ComparisonChoice, y_id: str, kreis: str, highlight: tuple[str, ...]) -> ChartView:
    """Both indicators of the same year where they have one in common (queries/scatter_values.sql); the axes name
    the years either way, and the title says when they differ."""
    x_meta, y_meta = indicator(choice.indicator), indicator(y_id)
    frame = query("scatter_values", x=choice.indicator, y=y_id, scope=choice.scope, year=choice.year)
    if frame.empty:
        return ChartView(frame, None, f"{x_meta['name']} und {y_meta['name']}, Kreise in {choice.scope_name}")
    x_years, y_years = _years(frame["x_year"]), _years(frame["y_year"])
    when = x_years if x_years == y_years else f"{x_years} und {y_years} – verschiedene Jahre"
    title = f"{x_meta['name']} und {y_meta['name']}, Kreise in {choice.scope_name}, {when}"
    figure = charts_kreisvergleich.scatter_figure(
        frame, title=title, x_title=f"{x_meta['short_name']} ({x_meta['unit']}), {x_years}",
        y_title=f"{y_meta['short_name']} ({y_meta['unit']}), {y_years}", x_decimals=int(x_meta["decimals"]),
        y_decimals=int(y_meta["decimals"]), source_line=f"Quelle: {x_meta['source']}; {y_meta['source']}",
        focus_ags=kreis, highlight_ags=highlight,
    )
    return ChartView(frame, figure, title)


def scatter_years_note(frame: pd.DataFrame, year: int) -> tuple[str, str]:
    """("warning", text) when the two indicators' values are of different years, ("caption", text) when the pair's
    common year is earlier than the chosen one, ("", "") otherwise."""
    x_years, y_years = _years(frame["x_year"]), _years(frame["y_year"])
    if x_years != y_years:
        return "warning", (f"Die beiden Kennzahlen haben kein gemeinsames Jahr bis {year}: waagerecht {x_years}, "
                           f"senkrecht {y_years}. Der Zusammenhang ist nur mit Vorsicht zu lesen.")
    if int(frame["x_year"].max()) < year:
        return "caption", f"Neuestes Jahr mit Werten beider Kennzahlen: {x_years} (gewählt: {year})."
    return "", ""


def comparison_scatter(choice: ComparisonChoice) -> None:
    filters = current_filters()
    options = district_indicators()
    y_default = SCATTER_Y if SCATTER_Y != choice.indicator else "auslaenderanteil"
    y_id = st.selectbox("Zweite Kennzahl (senkrechte Achse)", options, index=options.index(y_default), key="kv_y",
                        format_func=lambda i: indicator(i)["name"])
    view = _scatter_view(choice, y_id, filters.kreis, filters.benchmark_districts)
    if view.figure is None:
        st.caption("Für diese beiden Kennzahlen gibt es keine gemeinsamen Kreiswerte.")
        return
    kind, note = scatter_years_note(view.frame, choice.year)
    if kind == "warning":
        st.warning(note, icon=":material/warning:")
    elif kind == "caption":
        st.caption(note)
    show_chart(view.screen, key="kv_scatter")


@st.cache_resource(**VIEW_CACHE)
def _similarity(scope: str, year: int, kreis: str, k: int, columns: tuple[str, ...]):
    return similar_districts(query("structure_features", scope=scope, year=year), kreis, k=k, columns=list(columns))


def similar_districts_card(choice: ComparisonChoice) -> None:

    filters = current_filters()
    left, right = st.columns([1, 3])
    k = left.slider("Anzahl", 3, 10, 5, key="kv_k")
    columns = right.multiselect("Merkmale", list(CHARACTERISTICS), default=DEFAULT_CHARACTERISTICS, key="kv_merkmale",
                                format_func=CHARACTERISTICS.get, placeholder="Merkmale wählen")
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
    st.dataframe(_similar_table(table, result.used), hide_index=True, width="stretch")
    group = result.neighbours["ags"].head(MAX_BENCHMARK_DISTRICTS).tolist()
    st.button("Als Vergleichskreise übernehmen", key="kv_uebernehmen", on_click=_use_as_benchmarks, args=(group,),
              icon=":material/group_add:", help="Setzt diese Kreise (höchstens fünf) im Filter „Vergleich“ – auf allen Seiten.")


# Decimals of each characteristic on screen (the comparison itself uses the full values).
CHARACTERISTIC_DECIMALS = {"bevoelkerung": 0, "dichte": 0}


def _similar_table(table: pd.DataFrame, used: list[str]) -> pd.DataFrame:
    """The district and its neighbours with distance and characteristics as German text (1.234,5; ja/nein)."""
    shown = pd.DataFrame({"Kreis": table["name"], "Abstand": [fmt.fmt_number(d, 2) for d in table["distance"]]})
    for column in used:
        if column == "stadtkreis":
            shown[CHARACTERISTICS[column]] = ["ja" if v == 1 else "nein" for v in table[column]]
        else:
            decimals = CHARACTERISTIC_DECIMALS.get(column, 1)
            shown[CHARACTERISTICS[column]] = [fmt.fmt_number(v, decimals) for v in table[column]]
    return shown


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
        "Stichtag": [fmt.fmt_period(p, t) for p, t in zip(profile["period"], profile["period_type"])],
        "Wert": [fmt.fmt_value(v, u, d) for v, u, d in zip(profile["value"], profile["unit"], profile["decimals"])],
        f"Land ({filters.land_name})": [fmt.fmt_value(v, u, d) for v, u, d in
                                        zip(profile["land_value"], profile["unit"], profile["decimals"])],
        f"Rang ({choice.scope_name})": [f"{int(r)} von {int(n)} ({RANK_ENDS.get(d, RANK_ENDS['neutral'])})"
                                        if pd.notna(r) else "–"
                                        for r, n, d in zip(profile["rank"], profile["ranked"], profile["direction"])],
        "Perzentil": [fmt.fmt_number(p, 0) for p in profile["percentile"]],
        "Veränderung": [fmt.fmt_change(c, u, d) + f" seit {fmt.fmt_period(fp, t)}" if pd.notna(c) else "–"
                        for c, u, d, fp, t in zip(profile["change"], profile["unit"], profile["decimals"],
                                                  profile["first_period"], profile["period_type"])],
    })
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption("Rang: bei Kennzahlen mit Wertung ist Rang 1 der günstigste Wert (bei „niedriger = besser“ der "
               "niedrigste), bei Kennzahlen ohne Wertung der höchste.")
    header = [f"Profil {filters.kreis_name} ({filters.kreis})", f"Rang und Perzentil unter den Kreisen: {choice.scope_name}",
              "Rang 1 = günstigster Wert (niedrigster bei „niedriger = besser“), ohne Wertung: 1 = höchster Wert",
              filters.describe(), f"Quellen: siehe Daten & Methodik; {LICENCE_LINE}"]
    st.download_button("Profil als CSV", lambda: profile_csv(profile, header),
                       file_name=f"profil_{filters.kreis}.csv", mime="text/csv", key="kv_profil_csv",
                       icon=":material/download:")


# The profile CSV keeps the numbers themselves (decimal comma by monitoring.export), under German headers.
PROFILE_CSV_COLUMNS = {
    "handlungsfeld": "Handlungsfeld", "indicator": "Kennzahl-ID", "name": "Kennzahl", "unit": "Einheit",
    "concept": "Konzept", "period": "Stichtag", "value": "Wert", "land_value": "Wert des Landes", "rank": "Rang",
    "ranked": "Kreise mit Wert", "percentile": "Perzentil", "first_period": "erster Stichtag im Zeitraum",
    "first_value": "erster Wert", "change": "Veränderung",
}


def profile_csv(profile: pd.DataFrame, header: list[str]) -> bytes:
    """The profile as CSV, each row's values rounded by its indicator's decimals (percentiles to whole numbers,
    changes like the values, the rank as it is)."""
    places = [export.value_decimals(int(d)) for d in profile["decimals"]]
    decimals = {"Wert": places, "Wert des Landes": places, "erster Wert": places, "Veränderung": places,
                "Perzentil": 0}
    return export.csv_bytes(_profile_export(profile), header_lines=header, decimals=decimals)


def _profile_export(profile: pd.DataFrame) -> pd.DataFrame:
    return profile[list(PROFILE_CSV_COLUMNS)].rename(columns=PROFILE_CSV_COLUMNS)
