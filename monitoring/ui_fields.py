"""A Handlungsfeld's screen and the Überblick: key-figure tiles (level, age, change), the structure's pages, the
district's own and published figures, goals.  Streamlit glue above monitoring/ui.py (filters, queries, chart cards)
and monitoring/ui_goals.py; the rules behind a tile are pure, in monitoring/tiles.py."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from . import fmt, structures, tiles
from .db import data_version
from .provenance import escape_markdown, message_markdown
from .slide_sets import Item
from .ui import (
    DIRECTION_TO_DELTA_COLOR,
    VIEW_CACHE,
    Filters,
    breakdown_card,
    current_filters,
    fields,
    flagged_periods,
    indicator,
    own_figures,
    page_header,
    query,
    ranking_card,
    region_name,
    structure,
    trend_card,
)
from .ui_goals import goal_cards
from .ui_slides import slide_button


def _split_tile(spec: str) -> tuple[str, str]:
    indicator_id, _, category = spec.partition(":")
    return indicator_id, category


def key_figures(field: dict) -> None:
    """One tile per key indicator: latest value, change, difference to the Land, its level and age; under the
    field's last row "Zum Foliensatz" for the whole tile group.  The tiles' figures are read first, so each tile
    knows the newest data of the page ("Stand 2016" on an old one)."""
    if not field["tiles"]:
        return
    filters = current_filters()
    data = [tile_data(*_split_tile(spec), filters=filters) for spec in field["tiles"]]
    newest = max((d.figures.year for d in data if d.figures is not None), default=None)
    for column, item in zip(st.columns(len(data)), data):
        with column:
            show_tile(item, filters=filters, newest_year=newest)
    if _closes_tile_group(field):
        # its own label: under a row of tiles a bare "Zum Foliensatz" would not say that all of them go as one slide
        slide_button(Item("tiles", field=field["name"]), filters, key=f"tiles_{field['slug']}",
                     what="Die Kennzahlen dieses Handlungsfelds (eine Folie)", label=TILES_TO_SET)


TILES_TO_SET = "Kennzahlen zum Foliensatz"


def _closes_tile_group(field: dict) -> bool:
    """True for the last row of a field's tiles: handlungsfeld_page draws them in rows of four, and the field's
    tile group is one slide, so its "Zum Foliensatz" comes once, under the last row."""
    whole = fields().get(field["name"], field)["tiles"]
    return whole[-len(field["tiles"]):] == field["tiles"]


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
    """A tile's figures, cached per indicator, filters and data version: the pandas work behind a tile (change,
    gaps, Land value, sparkline) costs more than the query and is the same on every rerun."""
    return _tile_data(indicator_id, category, filters, data_version())


@st.cache_resource(**VIEW_CACHE)
def _tile_data(indicator_id: str, category: str, filters: Filters, version: tuple) -> TileData:
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
