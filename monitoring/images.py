"""Slide-ready chart images rendered on the server: PNG (16:9, 1600 × 900 px) and SVG, with kaleido 1.x (no Streamlit).

- One export browser for the process: kaleido's sync server (one headless Chromium, started on the first export and
  stopped at exit).  kaleido's server is not safe for concurrent callers (it hands back "the next result", so two
  threads can swap images): every export holds ``_LOCK`` from request to result.
- Chromium: Debian's (``BROWSER_PATH``, default /usr/bin/chromium where it exists); kaleido never downloads one.
- Offline: the page kaleido renders in loads the plotly.js of the installed plotly package from disk and no MathJax
  (kaleido's default for both is a CDN); ``page_html()`` is that page, tests check it names no web address.
- Independent of any browser window: the figure is laid out at a fixed logical size (960 × 540, the size the house
  style's margins are computed for) and rendered at scale 5/3, so the PNG is 1600 × 900 px and every text and line
  grows by the same factor: title 20 → 33 px, axis and legend 14 → 23 px, source line 12 → 20 px (the issue's
  Kreistag floor: title ≥ 32 px, axis ≥ 18 px).  The SVG keeps the logical size as its viewBox and says
  width="1600" height="900".
- Title, unit and source line come with the figure (monitoring/charts.py puts them there); ``slide_figure`` adds a
  subtitle line (level and Stand, ``level_stand_line``) under the title and makes room for it.
"""
from __future__ import annotations

import copy
import datetime as dt
import os
import re
import shutil
import threading
import unicodedata
from pathlib import Path

import pandas as pd
import plotly
import plotly.graph_objects as go

from . import charts, fmt
from .export import region_level
from .provenance import fmt_stand

SLIDE_WIDTH, SLIDE_HEIGHT = 960, 540  # logical px: the layout the house style computes its margins for
SLIDE_SCALE = 5 / 3  # → 1600 × 900 px
PNG_SIZE = (round(SLIDE_WIDTH * SLIDE_SCALE), round(SLIDE_HEIGHT * SLIDE_SCALE))
SUBTITLE_SIZE = 15  # logical px (25 px in the PNG)
SUBTITLE_ROOM = 24  # logical px added to the top margin for the subtitle line
RENDER_TIMEOUT = 60  # s per image
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
DEFAULT_BROWSER = "/usr/bin/chromium"

_LOCK = threading.Lock()
_started = False


class ExportError(RuntimeError):
    """The export browser could not render an image (no Chromium, a crash, a timeout)."""


# ── the export browser ──────────────────────────────────────────────────────────────────────────────

def browser_path() -> str | None:
    """The Chromium kaleido drives: BROWSER_PATH, else Debian's /usr/bin/chromium, else one on PATH."""
    if os.environ.get("BROWSER_PATH"):
        return os.environ["BROWSER_PATH"]
    if Path(DEFAULT_BROWSER).exists():
        return DEFAULT_BROWSER
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _page_generator():
    import kaleido

    # plotly.js from the installed plotly package (a file, not the CDN), MathJax off (its default is a CDN).
    return kaleido.PageGenerator(plotly=str(PLOTLY_JS), mathjax=False)


def page_html() -> str:
    """The HTML page kaleido renders figures in (for the offline check)."""
    return _page_generator().generate_index()


def start() -> None:
    """Start the process's one export browser (idempotent; exports start it on first use)."""
    with _LOCK:
        _start_locked()


def _start_locked() -> None:
    global _started
    if _started:
        return
    import kaleido

    path = browser_path()
    if not path:
        raise ExportError("Kein Chromium für den Bildexport gefunden (BROWSER_PATH setzen, Debian-Paket chromium).")
    os.environ["BROWSER_PATH"] = path  # choreographer reads it
    kaleido.start_sync_server(page_generator=_page_generator(), timeout=RENDER_TIMEOUT, silence_warnings=True)
    _started = True


def stop() -> None:
    """Stop the export browser (tests, benchmarks; the process's exit stops it too)."""
    global _started
    import kaleido

    with _LOCK:
        if _started:
            kaleido.stop_sync_server(silence_warnings=True)
            _started = False


def _render(fig: go.Figure, image_format: str) -> bytes:
    global _started
    import kaleido

    opts = {"format": image_format, "width": SLIDE_WIDTH, "height": SLIDE_HEIGHT, "scale": SLIDE_SCALE}
    spec = fig.to_plotly_json()
    with _LOCK:  # one request at a time from request to result: kaleido's server would mix up parallel answers
        _start_locked()
        try:
            return kaleido.calc_fig_sync(spec, opts=opts)
        except Exception as first:  # a crashed or hung browser: start a fresh one and try once more
            kaleido.stop_sync_server(silence_warnings=True)
            _started = False
            _start_locked()
            try:
                return kaleido.calc_fig_sync(spec, opts=opts)
            except Exception as second:
                raise ExportError(f"Bildexport fehlgeschlagen: {second}") from first


# ── the slide layout ─────────────────────────────────────────────────────────────────────────────────

def slide_figure(fig: go.Figure, *, subtitle: str | None = None) -> go.Figure:
    """A copy of a house-style figure laid out for a 16:9 slide, with an optional subtitle (plain text) under the
    title; the plot area moves down to make room."""
    out = go.Figure(copy.deepcopy(fig.to_dict()))
    _keep_pixel_offsets(out, subtitle_room=SUBTITLE_ROOM if subtitle else 0)
    out.update_layout(width=SLIDE_WIDTH, height=SLIDE_HEIGHT)
    if subtitle:
        top = out.layout.margin.t if out.layout.margin.t is not None else 80
        out.update_layout(
            margin={"t": top + SUBTITLE_ROOM},
            title={"subtitle": {"text": charts.plain_text(subtitle),
                                "font": {"size": SUBTITLE_SIZE, "color": charts.MUTED_COLOR,
                                         "family": charts.FONT_FAMILY}}},
        )
    return out


SLIDE_TITLE_WRAP = 70  # characters per title line on a slide (the dashboard wraps for a phone's width)
SLIDE_SOURCE_WRAP = 95  # characters per source line on a slide
TITLE_LINE, SOURCE_LINE = 26, 16  # px per line, as monitoring/charts.py apply_house_style counts them


def _keep_pixel_offsets(fig: go.Figure, *, subtitle_room: int) -> None:
    """Lay a house-style figure out again for the slide's 960 × 540: title and source line wrapped for the slide's
    width (the dashboard wraps them for a phone), the margins changed by the lines saved, and the title (container
    coordinates) and the source line (below the plot area, paper coordinates) kept at their distance in pixels --
    the house style computes both from the figure's own height (450 px, a ranking ~1000 px)."""
    layout = fig.layout
    old_height = layout.height or charts.DEFAULT_HEIGHT
    top = layout.margin.t if layout.margin.t is not None else 80
    bottom = layout.margin.b if layout.margin.b is not None else 80
    old_plot = max(old_height - top - bottom, 40)
    title = layout.title
    if title.text:
        before = title.text.count("<br>") + 1
        lines = charts.wrap_lines(title.text.replace("<br>", " "), SLIDE_TITLE_WRAP)
        title.text = "<br>".join(lines)
        top += TITLE_LINE * (len(lines) - before)
        if title.yref == "container":
            title.y = 1 - (12 + 12 * (len(lines) - 1)) / SLIDE_HEIGHT
    elif title.yref == "container" and title.y is not None:
        title.y = 1 - (1 - title.y) * old_height / SLIDE_HEIGHT
    for annotation in layout.annotations:
        if annotation.name == "source" and annotation.text:
            before = annotation.text.count("<br>") + 1
            lines = charts.wrap_lines(annotation.text.replace("<br>", " "), SLIDE_SOURCE_WRAP)
            annotation.text = "<br>".join(lines)
            bottom += SOURCE_LINE * (len(lines) - before)
    layout.margin.t, layout.margin.b = top, bottom
    new_plot = max(SLIDE_HEIGHT - top - subtitle_room - bottom, 40)
    for annotation in layout.annotations:
        if annotation.yref == "paper" and annotation.y is not None and annotation.y < 0:
            annotation.y = annotation.y * old_plot / new_plot


def to_png(fig: go.Figure, *, subtitle: str | None = None) -> bytes:
    """The figure as a 1600 × 900 px PNG for a slide."""
    return _render(slide_figure(fig, subtitle=subtitle), "png")


def to_svg(fig: go.Figure, *, subtitle: str | None = None) -> bytes:
    """The figure as SVG (viewBox 960 × 540, shown at 1600 × 900); text stays text."""
    return _render(slide_figure(fig, subtitle=subtitle), "svg")


def level_stand_line(frame: pd.DataFrame, names: dict[str, str] | None = None) -> str:
    """"Kreis Rastatt, Land Baden-Württemberg, Deutschland · Stand 30.11.2026" for the rows a chart shows: which
    level each region is and the latest Stand of its values."""
    names = names or {}
    if "name" in frame:
        names = {**dict(zip(frame["ags"], frame["name"])), **names}
    regions = []
    for ags in dict.fromkeys(frame["ags"]) if "ags" in frame else []:
        level, name = region_level(ags), names.get(ags, str(ags))
        regions.append(name if level in ("", "Deutschland") or name == level else f"{level} {name}")
    stands = sorted(s for s in frame.get("stand", pd.Series(dtype=str)).dropna().unique() if s)
    parts = [", ".join(regions)] if regions else []
    if stands:
        parts.append(f"Stand {fmt_stand(stands[-1])}")
    return " · ".join(parts)


# ── tile groups ──────────────────────────────────────────────────────────────────────────────────────

GOOD_COLOR, BAD_COLOR = "#1B7837", "#B2182B"  # the delta of a tile: better / worse in the indicator's direction


def tiles_figure(cards: list[dict], *, title: str, source_line: str) -> go.Figure:
    """A group of key-figure tiles as a figure (slides have no st.metric): one card per tile with its label, value,
    change and what the change compares with; title and source line as on every chart (``to_png(fig,
    subtitle=...)`` adds the level and Stand line).

    cards: dicts with label, value (German text), delta (text or ""), tone ("good", "bad" or ""), detail (text).
    All texts are plain; they are escaped here."""
    title_lines = charts.wrap_lines(charts.plain_text(title), SLIDE_TITLE_WRAP)
    source_lines = charts.wrap_lines(charts.plain_text(source_line), SLIDE_SOURCE_WRAP)
    fig = go.Figure()
    top = 18 + 26 * len(title_lines) + 8
    bottom = 16 * len(source_lines) + 24
    fig.update_layout(
        template="none", width=SLIDE_WIDTH, height=SLIDE_HEIGHT, separators=",.", paper_bgcolor="white",
        plot_bgcolor="white", showlegend=False, margin={"l": 24, "r": 24, "t": top, "b": bottom},
        font={"family": charts.FONT_FAMILY, "size": charts.FONT_SIZE, "color": charts.TEXT_COLOR},
        title={"text": "<br>".join(title_lines), "xref": "container", "x": 0.01, "xanchor": "left",
               "yref": "container", "y": 1 - (12 + 12 * (len(title_lines) - 1)) / SLIDE_HEIGHT, "yanchor": "top",
               "font": {"family": charts.FONT_FAMILY, "size": charts.TITLE_SIZE, "color": charts.TEXT_COLOR}},
        xaxis={"visible": False, "range": [0, 1], "fixedrange": True},
        yaxis={"visible": False, "range": [0, 1], "fixedrange": True},
        meta={"source": source_line},
    )
    count = max(len(cards), 1)
    per_row = count if count <= 4 else 3
    rows = -(-count // per_row)
    gap = 0.03
    width = (1 - gap * (per_row - 1)) / per_row
    height = (1 - gap * (rows - 1)) / rows
    font = charts.FONT_FAMILY
    for number, card in enumerate(cards):
        row, column = divmod(number, per_row)
        x0 = column * (width + gap)
        y1 = 1 - row * (height + gap)
        fig.add_shape(type="rect", xref="x", yref="y", x0=x0, x1=x0 + width, y0=y1 - height, y1=y1,
                      line={"color": "#BDBDBD", "width": 1}, fillcolor="#FAFAFA", layer="below")
        chars = max(int(width * 900 / 9), 12)  # characters per line of the label at 15 px
        label = "<br>".join(charts.wrap_lines(charts.plain_text(card.get("label", "")), chars)[:3])
        detail = "<br>".join(charts.wrap_lines(charts.plain_text(card.get("detail", "")), int(chars * 1.2))[:4])
        left = x0 + 0.012
        texts = [
            (label, 15, charts.TEXT_COLOR, y1 - 0.03, "top"),
            (charts.plain_text(card.get("value", "")), 34, charts.TEXT_COLOR, y1 - height * 0.46, "middle"),
        ]
        if card.get("delta"):
            tone = {"good": GOOD_COLOR, "bad": BAD_COLOR}.get(card.get("tone", ""), charts.MUTED_COLOR)
            texts.append((charts.plain_text(card["delta"]), 17, tone, y1 - height * 0.64, "middle"))
        texts.append((detail, 12, charts.MUTED_COLOR, y1 - height + 0.02, "bottom"))
        for text, size, color, y, anchor in texts:
            fig.add_annotation(text=text, x=left, y=y, xref="x", yref="y", xanchor="left", yanchor=anchor,
                               align="left", showarrow=False, font={"family": font, "size": size, "color": color})
    fig.add_annotation(
        name="source", text="<br>".join(source_lines), showarrow=False, xref="paper", yref="paper", x=0,
        y=-(12 / max(SLIDE_HEIGHT - top - bottom, 40)), xanchor="left", yanchor="top", align="left",
        font={"family": font, "size": charts.SOURCE_SIZE, "color": charts.MUTED_COLOR},
    )
    return fig


# ── file names ────────────────────────────────────────────────────────────────────────────────────────

def ascii_slug(text: str) -> str:
    """ASCII-safe file name part: "Baden-Württemberg" → "Baden-Wuerttemberg", "Rhein-Neckar-Kreis" stays."""
    text = str(text)
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._-")
    return re.sub(r"_+", "_", text) or "ohne_Namen"


def file_name(district: str, indicator: str, date: dt.date | str, extension: str) -> str:
    """"Rastatt_auslaenderanteil_2026-11-30.png": district, indicator and date, ASCII only."""
    day = date.isoformat() if isinstance(date, dt.date) else str(fmt.to_date(date) or date)
    return f"{ascii_slug(district)}_{ascii_slug(indicator)}_{ascii_slug(day)}.{extension.lstrip('.')}"
