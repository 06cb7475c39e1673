"""The Kreistag report: a PowerPoint (python-pptx) and a PDF (reportlab) of the same slides (no Streamlit).

    chart_slides(ags, fields, year_from, year_to)   → [ChartSlide]   queries, house-style figures, 1600 × 900 PNGs
    build_pptx(slides, district, date, data_status) → bytes          title slide, one slide per chart, closing slide
    build_pdf(slides, district, date, data_status)  → bytes          the same pages, 16:9, for handing round
    build_report(...)                               → Report         all of it, with a progress callback

The charts are the dashboard's own: for every ``trends`` indicator of the chosen Handlungsfelder
(data/handlungsfelder.toml) the ``series`` query for the district, its Land and Germany, drawn by
``charts.time_series_figure`` exactly as monitoring/ui.py's trend cards do, and rendered by monitoring/images.py
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

from . import charts, fmt, images
from .catalog import load_catalog, load_fields
from .db import run_query
from .provenance import LICENCE, LICENCE_URL, attributions, fmt_stand, source_line

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
    figure = charts.time_series_figure(  # the call of monitoring/ui.py _trend_view
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


def build_report(ags: str, field_names: Iterable[str], year_from: int, year_to: int, *,
                 date: dt.date | None = None, progress: Progress = _noop) -> Report:
    """PowerPoint and PDF for a district, period and Handlungsfelder; progress(fraction 0…1, text)."""
    district, _, _ = district_names(ags)
    report = Report(district=district, date=date or dt.date.today(),
                    data_status=f"Zeitraum {year_from}–{year_to}; {data_status()}")
    report.slides = chart_slides(ags, field_names, year_from, year_to, progress=progress, share=0.85)
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
