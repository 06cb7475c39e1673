"""Server-side chart images (monitoring/images.py): fixed size, title, level, German numbers, offline, parallel-safe.

Needs Debian's Chromium (kaleido drives it); without one the rendering tests are skipped.
"""
from __future__ import annotations

import re
import struct
from concurrent.futures import ThreadPoolExecutor

import plotly.graph_objects as go
import pytest

from monitoring import charts, charts_series, db, images
from monitoring.catalog import load_catalog
from monitoring.provenance import source_line

needs_browser = pytest.mark.skipif(images.browser_path() is None, reason="kein Chromium für kaleido")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "keine PNG-Datei"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def svg_text(data: bytes) -> str:
    """The text of all <text> elements of an SVG, unescaped enough for the checks here."""
    svg = data.decode("utf-8")
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    plain = " ".join(re.sub(r"<[^>]+>", "", t) for t in texts)
    return plain.replace("&amp;", "&").replace("&nbsp;", " ").replace("\u00a0", " ")


@pytest.fixture(scope="module")
def population_chart(built_db):
    """The house-style time series the Bevölkerung page shows for Rastatt, its Land and Germany."""
    original = db.DB_FILE
    db.DB_FILE = built_db
    db.reset_connection()
    try:
        meta = load_catalog().set_index("id", drop=False).loc["bevoelkerung"]
        frame = db.run_query("series", indicator="bevoelkerung", regions=["08216"], category="",
                             year_from=2012, year_to=2020)
    finally:
        db.DB_FILE = original
        db.reset_connection()
    fig = charts_series.time_series_figure(
        frame, title=f"{meta['name']} ({meta['unit']}), 2012–2020", unit=meta["unit"], decimals=int(meta["decimals"]),
        source_line=source_line(frame, meta), focus_ags="08216", period_type=meta["period_type"],
    )
    return fig, frame


def test_file_name_has_district_indicator_and_date_in_ascii():
    assert images.file_name("Rastatt", "auslaenderanteil", "2026-11-30", "png") == "Rastatt_auslaenderanteil_2026-11-30.png"
    name = images.file_name("Baden-Württemberg", "Ausländeranteil (%)", "2026-11-30", ".svg")
    assert name == "Baden-Wuerttemberg_Auslaenderanteil_2026-11-30.svg"
    assert name.isascii() and "/" not in images.file_name("a/b", "../x", "2026-01-02", "png")


def test_export_page_loads_nothing_from_the_web():
    page = images.page_html()
    assert images.PLOTLY_JS.as_posix() in page and images.PLOTLY_JS.is_file()
    assert "http://" not in page and "https://" not in page  # no CDN plotly.js, no MathJax


def test_slide_sizes_meet_the_kreistag_floor():
    assert images.PNG_SIZE == (1600, 900)
    assert charts.TITLE_SIZE * images.SLIDE_SCALE >= 32
    assert charts.FONT_SIZE * images.SLIDE_SCALE >= 18


def test_level_stand_line(population_chart):
    _, frame = population_chart
    line = images.level_stand_line(frame)
    assert line.startswith("Kreis Rastatt") and "Stand " in line
    assert re.search(r"Stand \d{2}\.\d{2}\.\d{4}", line)


@needs_browser
def test_png_has_the_fixed_slide_size(population_chart):
    fig, frame = population_chart
    data = images.to_png(fig, subtitle=images.level_stand_line(frame))
    assert png_size(data) == (1600, 900)
    # whatever size the figure had on screen, the slide image is the same
    wide = go.Figure(fig).update_layout(width=1900, height=300)
    assert png_size(images.to_png(wide)) == (1600, 900)


@needs_browser
def test_svg_carries_title_level_source_and_german_numbers(population_chart):
    fig, frame = population_chart
    subtitle = images.level_stand_line(frame)
    svg = images.to_svg(fig, subtitle=subtitle)
    assert b'width="1600"' in svg and b'height="900"' in svg
    text = svg_text(svg)
    assert "Bevölkerung (Personen)" in text
    assert "Kreis Rastatt" in text and "Stand" in text
    assert "Quelle:" in text
    # axis ticks of a district's population: thousands with a dot ("230.000"), never "230,000" or "230k"
    assert re.search(r"\b\d{3}\.\d{3}\b", text), text
    assert not re.search(r"\b\d{3},\d{3}\b", text)


def _numbered_figure(number: int) -> go.Figure:
    fig = go.Figure(go.Bar(x=["a", "b"], y=[number * 1234.5, 12.5]))
    return charts.apply_house_style(fig, title=f"Diagramm Nummer {number}", source_line=f"Quelle: Test {number}",
                                    unit="Personen")


@needs_browser
def test_four_parallel_exports_each_get_their_own_chart():
    numbers = [1, 2, 3, 4, 5, 6, 7, 8]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: images.to_svg(_numbered_figure(n)), numbers))
    for number, svg in zip(numbers, results):
        text = svg_text(svg)
        assert f"Diagramm Nummer {number}" in text
        assert [n for n in numbers if f"Diagramm Nummer {n} " in text + " "] == [number]


@needs_browser
def test_parallel_png_exports_match_serial_ones():
    serial = [images.to_png(_numbered_figure(n)) for n in (1, 2)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda n: images.to_png(_numbered_figure(n)), [1, 2, 1, 2]))
    assert parallel == serial + serial
