"""The Kreistag report: a PowerPoint (python-pptx) and a PDF (reportlab) of the same slides (no Streamlit).

Why one module of this size: PowerPoint and PDF are built from the same slide list with the same texts; keeping both
writers beside the slide builders keeps them saying the same.

    chart_slides(ags, fields, year_from, year_to)   → [ChartSlide]   queries, house-style figures, 1600 × 900 PNGs
    build_pptx(slides, district, date, data_status) → bytes          title slide, one slide per chart, closing slide
    build_pdf(slides, district, date, data_status)  → bytes          the same pages, 16:9, for handing round
    build_report(...)                               → Report         all of it, with a progress callback
    item_slide(item, ags, year_from, year_to)       → ChartSlide     one item of a Foliensatz (trend, breakdown,
                                                                     ranking, tile group), also the presentation's
    build_set_report(slide_set)                     → Report         the report of a saved Foliensatz

The charts are the dashboard's own: for every ``trends`` indicator of the chosen Handlungsfelder
(data/handlungsfelder.toml) the ``series`` query for the district, its Land and Germany, drawn by
``charts_series.time_series_figure`` exactly as monitoring/ui.py's trend cards do, and rendered by monitoring/images.py
(one export browser for the process).  Each chart slide has its title, the picture, key figures (latest value of
each region with its Stichtag, the district's change over the period), the source line, and speaker notes with the
indicator's definition, concept, level, table and caveats.  The closing slide lists the attributions of all data
shown and the licence.

PDF with reportlab rather than img2pdf: the title page, the key figures and the closing page are text, and reportlab
writes them as real (searchable, copyable, accessible) PDF text next to the embedded PNGs; img2pdf can only wrap
raster images (text would have to be drawn into pictures first) and brings pikepdf/qpdf along.  reportlab is a
pure-Python wheel that needs only Pillow, maintained since 2000.  Fonts: DejaVu Sans where the system has it,
else the Bitstream Vera reportlab ships (both cover German text, "–", "©", "·").
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

import pandas as pd

from . import charts, charts_series, fmt, images, tiles
from .catalog import load_catalog, load_fields
from .db import run_query
from .plausibility import read_warnings
from .provenance import LICENCE, LICENCE_URL, attributions, fmt_stand, source_line
from .slide_sets import Item, SlideSet

Progress = Callable[[float, str], None]
GERMANY = "DG"
APP_NAME = "Integrationsmonitor"
CLOSING_TITLE = "Quellen und Lizenzen"
STANDARD_ATTRIBUTIONS = [
    "© Statistische Ämter des Bundes und der Länder, Deutschland",
    "© Statistik der Bundesagentur für Arbeit",
]


@dataclass(frozen=True)
class ChartSlide:
    """One chart of the report: everything a slide or a PDF page shows of it."""
    title: str
    png: bytes
    key_figures: list[str]
    source: str
    notes: str
    indicator: str = ""
    handlungsfeld: str = ""
    attributions: list[str] = dc_field(default_factory=list)
    statement: str = ""  # the key statement in one line (the presentation shows it under the chart)
    subtitle: str = ""  # level and Stand (also drawn into the picture)


@dataclass
class Report:
    district: str
    date: dt.date
    data_status: str
    slides: list[ChartSlide] = dc_field(default_factory=list)
    pptx: bytes = b""
    pdf: bytes = b""

    def file_name(self, extension: str) -> str:
        """"Integrationsbericht_Rastatt_2026-11-30.pptx"."""
        return f"Integrationsbericht_{images.ascii_slug(self.district)}_{self.date.isoformat()}.{extension}"


def _noop(_fraction: float, _text: str) -> None:
    return None


# ── content: the dashboard's own queries and figures ──────────────────────────────────────────────────

def district_names(ags: str) -> tuple[str, str, str]:
    """(district label, Land AGS, Land name) of a district."""
    rows = run_query("districts")
    row = rows[rows["ags"] == ags]
    if row.empty:
        raise ValueError(f"Unbekannter Kreis: {ags}")
    return str(row["label"].iloc[0]), str(row["land_ags"].iloc[0]), str(row["land_name"].iloc[0])


def data_status() -> str:
    """"neuester Datenstand: 30.11.2026" of the whole database (the dashboard's footer says the same)."""
    stands = run_query("sources")
    latest = max((s for s in stands["stand"].dropna() if s), default="")
    return f"neuester Datenstand der Daten: {fmt_stand(latest)}"


def report_indicators(field_names: Iterable[str]) -> list[tuple[str, str]]:
    """(Handlungsfeld, indicator id) of every trend chart of the chosen Handlungsfelder, in page order."""
    fields = load_fields()
    return [(name, indicator_id) for name in field_names if name in fields for indicator_id in fields[name]["trends"]]


def key_figures(frame: pd.DataFrame, meta: pd.Series, focus_ags: str) -> list[str]:
    """Latest value of each region with its Stichtag, and the district's change from its first to its last value."""
    unit, decimals, period_type = meta["unit"], int(meta["decimals"]), meta["period_type"]
    lines = []
    for ags, rows in frame.groupby("ags", sort=False):
        rows = rows.dropna(subset=["value"]).sort_values("period")
        if rows.empty:
            lines.append(f"{rows_name(frame, ags)}: keine Werte")
            continue
        last = rows.iloc[-1]
        lines.append(f"{last['name']}: {fmt.fmt_value(last['value'], unit, decimals)} "
                     f"({fmt.fmt_period(last['period'], period_type)})")
        if ags == focus_ags and len(rows) > 1:
            first = rows.iloc[0]
            change = fmt.fmt_change(last["value"] - first["value"], unit, decimals)
            lines.append(f"Veränderung {fmt.fmt_period(first['period'], period_type)} bis "
                         f"{fmt.fmt_period(last['period'], period_type)}: {change}")
    return lines


def rows_name(frame: pd.DataFrame, ags: str) -> str:
    names = frame.loc[frame["ags"] == ags, "name"]
    return str(names.iloc[0]) if not names.empty else ags


def speaker_notes(meta: pd.Series, field_note: str = "") -> str:
    """Definition, concept, level, table and caveats of an indicator, for the presenter."""
    parts = [f"Definition: {fmt.sentence(meta['definition'])}"]
    if meta.get("concept"):
        parts.append(f"Konzept: {meta['concept']}")
    if meta.get("level"):
        parts.append(f"Ebene der Daten: {meta['level']}")
    parts.append(f"Quelle: {meta['source']}" + (f", Tabelle {meta['table']}" if meta.get("table") else ""))
    if meta.get("caveats"):
        parts.append(f"Hinweise: {meta['caveats']}")
    if field_note:
        parts.append(f"Zum Handlungsfeld: {field_note}")
    return "\n".join(parts)


def chart_slide(indicator_id: str, ags: str, land: str, year_from: int, year_to: int, *,
                field_name: str = "", field_note: str = "", catalog: pd.DataFrame | None = None) -> ChartSlide | None:
    """The slide of one trend chart (district, Land, Germany), or None when there are no values."""
    catalog = catalog if catalog is not None else load_catalog().set_index("id", drop=False)
    meta = catalog.loc[indicator_id]
    regions = [ags, land, GERMANY]
    frame = run_query("series", indicator=indicator_id, regions=regions, category="", year_from=year_from,
                      year_to=year_to)
    if frame.empty or frame["value"].notna().sum() == 0:
        return None
    title = f"{meta['name']} ({meta['unit']}), {year_from}–{year_to}"
    source = source_line(frame, meta)
    figure = charts_series.time_series_figure(  # the call of monitoring/ui.py _trend_view
        frame, title=title, unit=meta["unit"], decimals=int(meta["decimals"]), source_line=source,
        focus_ags=ags, period_type=meta["period_type"],
    )
    png = images.to_png(figure, subtitle=images.level_stand_line(frame))
    return ChartSlide(
        title=_plain(figure.layout.title.text),  # the years the values cover; an index unit where drawn as one
        png=png, key_figures=key_figures(frame, meta, ags), source=_plain(source),
        notes=speaker_notes(meta, field_note), indicator=indicator_id, handlungsfeld=field_name,
        attributions=attributions(frame.get("attribution", pd.Series(dtype=str))),
    )


def _plain(text: str) -> str:
    """Chart text is HTML-escaped for Plotly; slides and PDF take plain text."""
    import html

    return html.unescape(str(text).replace("<br>", " "))


def chart_slides(ags: str, field_names: Iterable[str], year_from: int, year_to: int, *,
                 progress: Progress = _noop, share: float = 1.0) -> list[ChartSlide]:
    """Chart slides of the chosen Handlungsfelder; progress(fraction, text) after each chart (up to ``share``)."""
    _, land, _ = district_names(ags)
    catalog = load_catalog().set_index("id", drop=False)
    fields = load_fields()
    wanted = report_indicators(field_names)
    slides = []
    for number, (field_name, indicator_id) in enumerate(wanted, start=1):
        progress(share * (number - 1) / max(len(wanted), 1), f"Diagramm {number} von {len(wanted)}: "
                 f"{catalog.loc[indicator_id, 'name']}")
        slide = chart_slide(indicator_id, ags, land, year_from, year_to, field_name=field_name,
                            field_note=fields[field_name].get("data_note", ""), catalog=catalog)
        if slide is not None:
            slides.append(slide)
    progress(share, f"{len(slides)} Diagramme erstellt")
    return slides


# ── Foliensatz items: the dashboard's cards as slides ─────────────────────────────────────────────────
# The same queries and figure builders as monitoring/ui.py's cards (_trend_view, _breakdown_view, _ranking_view,
# the tiles of key_figures), with the district's Land and Germany as benchmarks (a set has no sidebar choice).

# Which end of a ranking is rank 1 (as monitoring/ui.py RANK_ORDER: queries/comparison_values.sql ranks by direction).
RANK_ORDER = {"higher_better": "1 = höchster Wert = günstigster", "lower_better": "1 = niedrigster Wert = günstigster",
              "neutral": "nach Höhe (1 = höchster Wert), ohne Wertung"}
TONES = {"higher_better": ("good", "bad"), "lower_better": ("bad", "good"), "neutral": ("", "")}
RANKING_SLIDE_ROWS = 22  # districts drawn on a ranking slide at full label size; more get a smaller label font


def item_label(item: Item, catalog: pd.DataFrame | None = None) -> str:
    """"Zeitreihe: Ausländeranteil" – what an item is, for lists."""
    from .slide_sets import KINDS

    if item.kind == "tiles":
        return f"{KINDS['tiles']}: Handlungsfeld {item.field}"
    catalog = catalog if catalog is not None else load_catalog().set_index("id", drop=False)
    name = catalog.loc[item.indicator, "name"] if item.indicator in catalog.index else item.indicator
    extra = f" ({item.category})" if item.category else f" nach {item.breakdown}" if item.breakdown else ""
    return f"{KINDS[item.kind]}: {name}{extra}"


def _level_suffix(frame: pd.DataFrame, kreis: str, land_name: str) -> str:
    """" – kein Kreiswert: Landeswert Baden-Württemberg und Bundeswert" (as monitoring/ui.py _level_suffix)."""
    valued = frame[frame["value"].notna()] if "value" in frame else frame
    if valued.empty or (valued["ags"] == kreis).any():
        return ""
    codes = set(valued["ags"])
    levels = [level for level, present in (("land", any(len(a) == 2 for a in codes)), ("de", GERMANY in codes))
              if present]
    text = tiles.level_title(levels, land_name)
    return f" – kein Kreiswert: {text}" if text else ""


def _rank_text(frame: pd.DataFrame, ags: str, direction: str) -> str:
    own = frame[frame["ags"] == ags]
    if own.empty or pd.isna(own["rank"].iloc[0]):
        return "ohne Wert"
    return (f"Rang {int(own['rank'].iloc[0])} von {int(own['ranked'].iloc[0])}, "
            f"{RANK_ORDER.get(direction, RANK_ORDER['neutral'])}")


def _latest_line(rows: pd.DataFrame, meta: pd.Series) -> str:
    rows = rows.dropna(subset=["value"]).sort_values("period")
    if rows.empty:
        return ""
    last = rows.iloc[-1]
    return (f"{last['name']}: {fmt.fmt_value(last['value'], meta['unit'], int(meta['decimals']))} "
            f"({fmt.fmt_period(last['period'], meta['period_type'])})")


def _trend(item: Item, meta, ags, land, land_name, year_from, year_to):
    regions = [ags, land, GERMANY]
    frame = run_query("series", indicator=item.indicator, regions=regions, category=item.category,
                      year_from=year_from, year_to=year_to)
    if frame.empty or frame["value"].notna().sum() == 0:
        return None
    category = f" – {item.category}" if item.category else ""
    title = f"{meta['name']}{category} ({meta['unit']}){_level_suffix(frame, ags, land_name)}, {year_from}–{year_to}"
    figure = charts_series.time_series_figure(
        frame, title=title, unit=meta["unit"], decimals=int(meta["decimals"]), source_line=source_line(frame, meta),
        focus_ags=ags, period_type=meta["period_type"],
    )
    lines = key_figures(frame, meta, ags)
    own = _latest_line(frame[frame["ags"] == ags], meta) or _latest_line(frame, meta)
    change = next((line for line in lines if line.startswith("Veränderung")), "")
    return frame, figure, lines, " · ".join(part for part in (own, change) if part)


def _breakdown(item: Item, meta, ags, land, land_name, district, year_to):
    frame = run_query("breakdown", indicator=item.indicator, breakdown=item.breakdown, regions=[ags, land, GERMANY],
                      year_to=year_to)
    if frame.empty or frame["value"].notna().sum() == 0:
        return None
    period = fmt.fmt_period(frame["period"].iloc[0], meta["period_type"])
    by = "" if f"nach {item.breakdown}" in meta["name"] else f" nach {item.breakdown}"
    title = f"{meta['name']}{by} ({meta['unit']}){_level_suffix(frame, ags, land_name)}, {period}"
    figure = charts.breakdown_figure(frame, title=title, unit=meta["unit"], decimals=int(meta["decimals"]),
                                     source_line=source_line(frame, meta), focus_name=district)
    focus = frame[frame["ags"] == ags] if (frame["ags"] == ags).any() else frame[frame["ags"] == frame["ags"].iloc[0]]
    unit, decimals = meta["unit"], int(meta["decimals"])
    lines = [f"{row.name}, {row.category}: {fmt.fmt_value(row.value, unit, decimals)}"
             for row in focus.itertuples(index=False) if pd.notna(row.value)]
    top = focus.dropna(subset=["value"]).sort_values("value", ascending=False)
    statement = (f"{top['name'].iloc[0]} {period}: höchster Wert bei {top['category'].iloc[0]} "
                 f"({fmt.fmt_value(top['value'].iloc[0], unit, decimals)})") if not top.empty else ""
    return frame, figure, lines, statement


def _ranking(item: Item, meta, ags, land, land_name, district, year_to):
    frame = run_query("comparison_values", indicator=item.indicator, scope=land, category="", year=year_to)
    if frame.empty or frame["value"].notna().sum() == 0:
        return None
    period = frame["period"].iloc[0]
    rank = _rank_text(frame, ags, meta["direction"])
    # the rank is the slide's key statement; the dashboard's card has it in its title
    title = f"{meta['name']} ({meta['unit']}): Kreise in {land_name}, {fmt.fmt_period(period, meta['period_type'])}"
    year = fmt.period_year(period)
    land_rows = run_query("series", indicator=item.indicator, regions=[land], category="", year_from=year,
                          year_to=year)
    reference = land_rows.loc[land_rows["period"] == period, "value"]
    figure = charts.ranking_figure(
        frame, title=title, unit=meta["unit"], decimals=int(meta["decimals"]),
        source_line=source_line(frame.dropna(subset=["value"]), meta), focus_ags=ags,
        reference_value=reference.iloc[0] if not reference.empty else None, reference_label=land_name,
    )
    districts = len(frame)
    if districts > RANKING_SLIDE_ROWS:  # a 16:9 slide has room for ~22 rows at the house size
        size = max(round(charts.FONT_SIZE * RANKING_SLIDE_ROWS / districts), 8)
        figure.update_yaxes(tickfont={"size": size})
    unit, decimals = meta["unit"], int(meta["decimals"])
    lines = [f"{district}: {rank}"]
    own = frame[frame["ags"] == ags].dropna(subset=["value"])
    if not own.empty:
        lines.append(f"Wert {district}: {fmt.fmt_value(own['value'].iloc[0], unit, decimals)}")
    if not reference.empty:
        lines.append(f"{land_name}: {fmt.fmt_value(reference.iloc[0], unit, decimals)}")
    return frame, figure, lines, f"{district}: {rank}"


def _tiles(item: Item, fields: dict, catalog: pd.DataFrame, ags, land, district, year_from, year_to):
    field = fields[item.field]
    flags = read_warnings()
    cards, lines, frames = [], [], []
    for spec in field["tiles"]:
        indicator_id, _, category = spec.partition(":")
        meta = catalog.loc[indicator_id]
        region = ags if meta["level"] == "Kreis" else land if meta["level"] == "Land" else GERMANY
        series = run_query("series", indicator=indicator_id, regions=list(dict.fromkeys((region, land))),
                           category=category, year_from=year_from, year_to=year_to)
        flagged = flags[(flags["ags"] == region) & (flags["indicator"] == indicator_id)
                        & (flags["category"].fillna("") == category)]["period"] if not flags.empty else []
        figures = tiles.tile_figures(series, region, land, list(flagged))
        badge = tiles.level_badge(region, ags)
        label = tiles.tile_label(meta["short_name"] + (f" ({category})" if category else ""), badge)
        unit, decimals = meta["unit"], int(meta["decimals"])
        if figures is None:
            cards.append({"label": label, "value": "keine Daten", "delta": "", "tone": "", "detail": ""})
            continue
        frames.append(series[series["ags"] == region])
        value = (fmt.fmt_number(figures.value, decimals) if unit in ("Personen", "Kinder")
                 else fmt.fmt_value(figures.value, unit, decimals))
        delta, tone = "", ""
        if figures.previous_value is not None:
            change = figures.value - figures.previous_value
            delta = fmt.fmt_change(change, unit, decimals)
            good, bad = TONES.get(meta["direction"], ("", ""))
            tone = good if change > 0 else bad if change < 0 else ""
        land_text = ""
        if figures.land_value is not None and meta["level"] == "Kreis":
            land_text = f"Land {fmt.fmt_value(figures.land_value, unit, decimals)}"
        detail = tiles.delta_description(figures, meta["period_type"], land_text=land_text)
        cards.append({"label": label, "value": value, "delta": delta, "tone": tone, "detail": detail})
        lines.append(f"{label}: {fmt.fmt_value(figures.value, unit, decimals)} "
                     f"({fmt.fmt_period(figures.period, meta['period_type'])})")
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["ags", "source", "stand"])
    metas = [catalog.loc[spec.partition(":")[0]] for spec in field["tiles"]]
    source = source_line(frame, metas[0]) if metas else ""
    title = f"{field['name']}: Kennzahlen – {district}"
    figure = images.tiles_figure(cards, title=title, source_line=_plain(source))
    return frame, figure, lines, (lines[0] if lines else "keine Daten"), metas


def item_slide(item: Item, ags: str, year_from: int, year_to: int, *, catalog: pd.DataFrame | None = None,
               fields: dict | None = None, names: tuple[str, str, str] | None = None) -> ChartSlide | None:
    """The slide of one Foliensatz item for a district and period, or None when there are no values: a trend,
    breakdown or ranking chart as the dashboard's card draws it, or a tile group of a Handlungsfeld."""
    catalog = catalog if catalog is not None else load_catalog().set_index("id", drop=False)
    fields = fields if fields is not None else load_fields()
    district, land, land_name = names or district_names(ags)
    field_name = item.field or str(catalog.loc[item.indicator, "handlungsfeld"] if item.indicator else "")
    field_note = fields.get(field_name, {}).get("data_note", "")
    if item.kind == "tiles":
        if item.field not in fields or not fields[item.field]["tiles"]:
            return None
        frame, figure, lines, statement, metas = _tiles(item, fields, catalog, ags, land, district, year_from,
                                                        year_to)
        notes = "\n\n".join(speaker_notes(meta) for meta in metas) + (f"\n\nZum Handlungsfeld: {field_note}"
                                                                      if field_note else "")
        source = figure.layout.meta["source"]
    else:
        meta = catalog.loc[item.indicator]
        if item.kind == "trend":
            built = _trend(item, meta, ags, land, land_name, year_from, year_to)
        elif item.kind == "breakdown":
            built = _breakdown(item, meta, ags, land, land_name, district, year_to)
        else:
            built = _ranking(item, meta, ags, land, land_name, district, year_to)
        if built is None:
            return None
        frame, figure, lines, statement = built
        notes = speaker_notes(meta, field_note)
        source = source_line(frame.dropna(subset=["value"]) if item.kind == "ranking" else frame, meta)
    subtitle = images.level_stand_line(frame) if item.kind != "ranking" else ranking_subtitle(frame, land_name)
    return ChartSlide(
        title=_plain(figure.layout.title.text), png=images.to_png(figure, subtitle=subtitle), key_figures=lines,
        source=_plain(source), notes=notes, indicator=item.indicator, handlungsfeld=field_name,
        attributions=attributions(frame.get("attribution", pd.Series(dtype=str))), statement=statement,
        subtitle=subtitle,
    )


def ranking_subtitle(frame: pd.DataFrame, land_name: str) -> str:
    """"Kreise in Baden-Württemberg · Stand 30.11.2026": a ranking's level is all districts of the Land."""
    stands = sorted(s for s in frame.get("stand", pd.Series(dtype=str)).dropna().unique() if s)
    return f"Kreise in {land_name}" + (f" · Stand {fmt_stand(stands[-1])}" if stands else "")


def set_slides(slide_set: SlideSet, *, progress: Progress = _noop, share: float = 1.0) -> list[ChartSlide]:
    """The slides of a Foliensatz in its order; items without values are left out."""
    catalog = load_catalog().set_index("id", drop=False)
    fields = load_fields()
    names = district_names(slide_set.kreis)
    slides, count = [], len(slide_set.items)
    for number, item in enumerate(slide_set.items, start=1):
        progress(share * (number - 1) / max(count, 1), f"Folie {number} von {count}: {item_label(item, catalog)}")
        slide = item_slide(item, slide_set.kreis, slide_set.year_from, slide_set.year_to, catalog=catalog,
                           fields=fields, names=names)
        if slide is not None:
            slides.append(slide)
    progress(share, f"{len(slides)} Folien erstellt")
    return slides


def build_set_report(slide_set: SlideSet, *, date: dt.date | None = None, progress: Progress = _noop) -> Report:
    """PowerPoint and PDF of a saved Foliensatz: title slide, its items in order, sources and licences."""
    district, _, _ = district_names(slide_set.kreis)
    report = Report(district=district, date=date or dt.date.today(),
                    data_status=f"{slide_set.name} · Zeitraum {slide_set.year_from}–{slide_set.year_to}; "
                                f"{data_status()}")
    report.slides = set_slides(slide_set, progress=progress, share=0.85)
    return _written(report, progress)


def build_report(ags: str, field_names: Iterable[str], year_from: int, year_to: int, *,
                 date: dt.date | None = None, progress: Progress = _noop) -> Report:
    """PowerPoint and PDF for a district, period and Handlungsfelder; progress(fraction 0…1, text)."""
    district, _, _ = district_names(ags)
    report = Report(district=district, date=date or dt.date.today(),
                    data_status=f"Zeitraum {year_from}–{year_to}; {data_status()}")
    report.slides = chart_slides(ags, field_names, year_from, year_to, progress=progress, share=0.85)
    return _written(report, progress)


def _written(report: Report, progress: Progress) -> Report:
    """The report's slides written as PowerPoint and as PDF (the last 15 % of the progress bar)."""
    progress(0.88, "PowerPoint wird geschrieben")
    report.pptx = build_pptx(report.slides, report.district, report.date, report.data_status)
    progress(0.94, "PDF wird geschrieben")
    report.pdf = build_pdf(report.slides, report.district, report.date, report.data_status)
    progress(1.0, "Bericht fertig")
    return report


def closing_lines(slides: list[ChartSlide]) -> list[str]:
    """Sources and licences: the attributions of every chart shown, the licence, the tool."""
    named = attributions(pd.Series([a for s in slides for a in s.attributions], dtype=object)) or STANDARD_ATTRIBUTIONS
    return [
        *named,
        f"Lizenz der amtlichen Daten: {LICENCE} ({LICENCE_URL})",
        "Quellenangaben mit Tabelle und Stand stehen unter jedem Diagramm; Definitionen und Hinweise in den "
        "Notizen der Folien.",
        f"Erstellt mit dem {APP_NAME}; eigene Berechnungen sind als solche gekennzeichnet.",
    ]


def _date_text(date: dt.date) -> str:
    return fmt.fmt_date(date.isoformat())


def title_lines(district: str, date: dt.date, data_status_text: str) -> tuple[str, str]:
    return (f"{APP_NAME} {district}",
            f"Bericht für den Kreistag · erstellt am {_date_text(date)}\n{data_status_text}")


# ── PowerPoint ─────────────────────────────────────────────────────────────────────────────────────────

def build_pptx(slides: list[ChartSlide], district: str, date: dt.date, data_status: str) -> bytes:
    """A 16:9 PowerPoint: title slide, one slide per chart (title, picture, key figures, source line, notes),
    closing slide with sources and licences."""
    from pptx import Presentation
    from pptx.util import Emu, Inches, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    width = prs.slide_width
    margin = Inches(0.5)

    def place(shape, left, top, w, h):
        shape.left, shape.top, shape.width, shape.height = Emu(left), Emu(top), Emu(w), Emu(h)

    def set_text(frame, lines, size, *, bold=False, color=None):
        frame.clear()
        frame.word_wrap = True
        for number, line in enumerate(lines):
            paragraph = frame.paragraphs[0] if number == 0 else frame.add_paragraph()
            paragraph.text = line
            for run in paragraph.runs:
                run.font.size = Pt(size)
                run.font.bold = bold
                if color is not None:
                    run.font.color.rgb = color

    from pptx.dml.color import RGBColor

    muted = RGBColor(0x59, 0x59, 0x59)

    # title slide
    title, subtitle = title_lines(district, date, data_status)
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    place(slide.shapes.title, margin, Inches(2.0), width - 2 * margin, Inches(1.5))
    set_text(slide.shapes.title.text_frame, [title], 44, bold=True)
    place(slide.placeholders[1], margin, Inches(3.7), width - 2 * margin, Inches(2.0))
    set_text(slide.placeholders[1].text_frame, subtitle.split("\n"), 22, color=muted)

    # chart slides: picture 16:9 on the left, key figures on the right, source line at the foot
    picture_width = Inches(9.2)
    picture_height = int(picture_width * 9 / 16)
    for chart in slides:
        slide = prs.slides.add_slide(prs.slide_layouts[5])  # "Title Only"
        place(slide.shapes.title, margin, Inches(0.25), width - 2 * margin, Inches(0.9))
        set_text(slide.shapes.title.text_frame, [chart.title], 28, bold=True)
        slide.shapes.add_picture(io.BytesIO(chart.png), margin, Inches(1.2), width=picture_width,
                                 height=picture_height)
        left = margin + picture_width + Inches(0.2)
        box = slide.shapes.add_textbox(left, Inches(1.3), width - left - margin, picture_height)
        set_text(box.text_frame, ["Kennzahlen", *chart.key_figures], 16)
        box.text_frame.paragraphs[0].runs[0].font.bold = True
        source = slide.shapes.add_textbox(margin, Inches(1.2) + picture_height + Inches(0.1),
                                          width - 2 * margin, Inches(0.8))
        set_text(source.text_frame, [chart.source], 11, color=muted)
        slide.notes_slide.notes_text_frame.text = chart.notes

    # closing slide
    slide = prs.slides.add_slide(prs.slide_layouts[1])  # "Title and Content"
    place(slide.shapes.title, margin, Inches(0.3), width - 2 * margin, Inches(1.0))
    set_text(slide.shapes.title.text_frame, [CLOSING_TITLE], 32, bold=True)
    place(slide.placeholders[1], margin, Inches(1.5), width - 2 * margin, Inches(5.5))
    lines = closing_lines(slides)
    set_text(slide.placeholders[1].text_frame, lines, 18 if len(lines) <= 10 else 14 if len(lines) <= 16 else 11)

    prs.core_properties.title = f"{title} – {_date_text(date)}"
    prs.core_properties.author = APP_NAME
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


# ── PDF ────────────────────────────────────────────────────────────────────────────────────────────────

PDF_PAGE = (960.0, 540.0)  # pt: 16:9, 33,9 × 19,1 cm
_FONTS: tuple[str, str] | None = None


def _fonts() -> tuple[str, str]:
    """(regular, bold) font names registered with reportlab: DejaVu Sans, else reportlab's own Vera."""
    global _FONTS
    if _FONTS is None:
        import reportlab
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        candidates = [
            (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
             Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")),
            (Path(reportlab.__file__).parent / "fonts" / "Vera.ttf", Path(reportlab.__file__).parent / "fonts" / "VeraBd.ttf"),
        ]
        regular, bold = next((r, b) for r, b in candidates if r.is_file() and b.is_file())
        pdfmetrics.registerFont(TTFont("ReportSans", str(regular)))
        pdfmetrics.registerFont(TTFont("ReportSans-Bold", str(bold)))
        _FONTS = ("ReportSans", "ReportSans-Bold")
    return _FONTS


def build_pdf(slides: list[ChartSlide], district: str, date: dt.date, data_status: str) -> bytes:
    """The same content as the PowerPoint, one 16:9 page per slide; the notes become a "Hinweise" block under the
    key figures (a handout has no presenter)."""
    from xml.sax.saxutils import escape

    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    from reportlab.platypus import Paragraph

    regular, bold = _fonts()
    page_w, page_h = PDF_PAGE
    margin = 36.0
    muted = HexColor("#595959")
    styles = {
        "title": ParagraphStyle("title", fontName=bold, fontSize=36, leading=42),
        "subtitle": ParagraphStyle("subtitle", fontName=regular, fontSize=18, leading=24, textColor=muted),
        "heading": ParagraphStyle("heading", fontName=bold, fontSize=22, leading=26),
        "body": ParagraphStyle("body", fontName=regular, fontSize=12, leading=15),
        "bold": ParagraphStyle("bold", fontName=bold, fontSize=12, leading=15),
        "small": ParagraphStyle("small", fontName=regular, fontSize=8, leading=10, textColor=muted),
        "list": ParagraphStyle("list", fontName=regular, fontSize=15, leading=20, spaceAfter=6),
    }

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=PDF_PAGE, pageCompression=1)
    title, subtitle = title_lines(district, date, data_status)
    pdf.setTitle(f"{title} – {_date_text(date)}")
    pdf.setAuthor(APP_NAME)

    def block(texts: list[str], style: str, x: float, top: float, width: float, gap: float = 2.0) -> float:
        """Paragraphs from top down; returns the y under the last one."""
        y = top
        for text in texts:
            paragraph = Paragraph(escape(text).replace("\n", "<br/>"), styles[style])
            _, height = paragraph.wrap(width, page_h)
            paragraph.drawOn(pdf, x, y - height)
            y -= height + gap
        return y

    # title page
    block([title], "title", margin, page_h * 0.62, page_w - 2 * margin)
    block(subtitle.split("\n"), "subtitle", margin, page_h * 0.62 - 60, page_w - 2 * margin, gap=6)
    pdf.showPage()

    # chart pages
    picture_w = 620.0
    picture_h = picture_w * 9 / 16
    for chart in slides:
        top = block([chart.title], "heading", margin, page_h - margin, page_w - 2 * margin)
        picture_top = top - 8
        pdf.drawImage(ImageReader(io.BytesIO(chart.png)), margin, picture_top - picture_h, picture_w, picture_h)
        side_x = margin + picture_w + 16
        side_w = page_w - side_x - margin
        y = block(["Kennzahlen"], "bold", side_x, picture_top, side_w)
        y = block(chart.key_figures, "body", side_x, y, side_w, gap=4)
        block(chart.notes.split("\n"), "small", side_x, y - 10, side_w)
        block([chart.source], "small", margin, picture_top - picture_h - 6, picture_w)
        pdf.showPage()

    # closing page
    top = block([CLOSING_TITLE], "heading", margin, page_h - margin, page_w - 2 * margin)
    lines = closing_lines(slides)
    block(lines, "list" if len(lines) <= 14 else "body", margin, top - 12, page_w - 2 * margin)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
