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
