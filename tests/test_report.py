"""The Kreistag report (monitoring/report.py): PowerPoint read back with python-pptx, PDF rendered with pdftoppm.

The report is built once per module from the test database for Rastatt (08216), Arbeit and Bevölkerung: four
trend charts, rendered by the export browser (Debian's Chromium; without one these tests are skipped).
"""
from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from monitoring import db, images, report
from monitoring.provenance import LICENCE

DATE = dt.date(2026, 11, 30)
FIELDS = ["Arbeit", "Bevölkerung"]

pytestmark = pytest.mark.skipif(images.browser_path() is None, reason="kein Chromium für kaleido")


@pytest.fixture(scope="module")
def built(built_db):
    original = db.DB_FILE
    db.DB_FILE = built_db
    db.reset_connection()
    steps = []
    try:
        result = report.build_report("08216", FIELDS, 2008, 2025, date=DATE,
                                     progress=lambda fraction, text: steps.append((fraction, text)))
    finally:
        db.DB_FILE = original
        db.reset_connection()
    return result, steps


def slide_texts(slide) -> list[str]:
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


def test_report_has_the_charts_of_the_chosen_fields(built):
    result, _ = built
    assert result.district == "Rastatt"
    assert [s.indicator for s in result.slides] == [
        "arbeitslosenquote_auslaender", "auslaenderanteil_svb_ao", "auslaenderanteil", "bevoelkerung"]
    assert all(Image.open(io.BytesIO(s.png)).size == (1600, 900) for s in result.slides)


def test_progress_runs_from_zero_to_one(built):
    _, steps = built
    fractions = [fraction for fraction, _ in steps]
    assert fractions == sorted(fractions) and fractions[0] == 0 and fractions[-1] == 1.0
    assert any("Diagramm 1 von 4" in text for _, text in steps)


def test_file_names_name_district_and_date(built):
    result, _ = built
    assert result.file_name("pptx") == "Integrationsbericht_Rastatt_2026-11-30.pptx"
    assert result.file_name("pdf") == "Integrationsbericht_Rastatt_2026-11-30.pdf"


def test_pptx_read_back(built):
    result, _ = built
    prs = Presentation(io.BytesIO(result.pptx))
    slides = list(prs.slides)
    assert len(slides) == len(result.slides) + 2
    assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.01

    title = slides[0]
    assert title.shapes.title.text == "Integrationsmonitor Rastatt"
    assert "30.11.2026" in " ".join(slide_texts(title)) and "Datenstand" in " ".join(slide_texts(title))

    for slide, chart in zip(slides[1:-1], result.slides):
        assert slide.shapes.title.text == chart.title
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1
        assert Image.open(io.BytesIO(pictures[0].image.blob)).size == (1600, 900)
        texts = slide_texts(slide)
        assert any(t.startswith("Quelle: ") for t in texts), texts
        assert any(t.startswith("Kennzahlen\nRastatt: ") for t in texts), texts
        notes = slide.notes_slide.notes_text_frame.text
        assert notes.startswith("Definition: ") and "Quelle: " in notes

    arbeit = slides[1]
    assert arbeit.shapes.title.text.startswith("Arbeitslosenquote der Ausländerinnen und Ausländer (%)")
    assert "Tabelle" in " ".join(slide_texts(arbeit))
    notes = slides[3].notes_slide.notes_text_frame.text  # Ausländeranteil: concept and caveats for the presenter
    assert "Konzept: " in notes and "Ebene der Daten: " in notes

    closing = slides[-1]
    assert closing.shapes.title.text == "Quellen und Lizenzen"
    text = " ".join(slide_texts(closing))
    assert LICENCE in text and "Datenlizenz Deutschland – Namensnennung – Version 2.0" in text
    assert "© Statistische Ämter des Bundes und der Länder, Deutschland" in text


def test_key_figures_use_german_numbers(built):
    result, _ = built
    population = result.slides[-1]
    assert population.key_figures[0].startswith("Rastatt: ") and " Personen (31.12." in population.key_figures[0]
    assert "." in population.key_figures[0].split(": ")[1]  # 230.737, thousands with a dot
    assert any("," in line for line in result.slides[0].key_figures)  # 9,3 %


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) fehlt")
def test_pdf_pages_render_16_9_and_not_blank(built, tmp_path):
    result, _ = built
    pdf = tmp_path / result.file_name("pdf")
    pdf.write_bytes(result.pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(result.slides) + 2
    for page in pages:
        image = Image.open(page)
        width, height = image.size
        assert width >= 530 and abs(width / height - 16 / 9) < 0.01, (page.name, image.size)
        assert ink(image) > 0.003, f"{page.name} ist leer"
    # chart pages carry the picture: coloured lines (the title and closing pages are black text only)
    assert all(colour(Image.open(page)) > 0.001 for page in pages[1:-1])
    assert colour(Image.open(pages[0])) < 0.0005


def ink(image: Image.Image) -> float:
    """Share of pixels darker than light grey."""
    histogram = image.convert("L").histogram()
    return sum(histogram[:200]) / (image.size[0] * image.size[1])


def colour(image: Image.Image) -> float:
    """Share of clearly coloured pixels (HSV saturation above 40 %)."""
    histogram = image.convert("RGB").convert("HSV").getchannel("S").histogram()
    return sum(histogram[100:]) / (image.size[0] * image.size[1])

def test_pdf_text_is_real_text(built, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext fehlt")
    result, _ = built
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(result.pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "Integrationsmonitor Rastatt" in text
    assert "Quellen und Lizenzen" in text and "Namensnennung" in text
    assert "Kennzahlen" in text and "Quelle:" in text


def test_build_pptx_without_charts_has_title_and_closing_slide():
    data = report.build_pptx([], "Göppingen", DATE, "neuester Datenstand: 30.11.2026")
    prs = Presentation(io.BytesIO(data))
    assert [s.shapes.title.text for s in prs.slides] == ["Integrationsmonitor Göppingen", "Quellen und Lizenzen"]
    assert report.build_pdf([], "Göppingen", DATE, "x").startswith(b"%PDF")


def _open_report_page(kreis: str = "08216"):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import PROJECT_DIR

    at = AppTest.from_file(str(PROJECT_DIR / "dashboard.py"), default_timeout=120)
    at.query_params["kreis"] = kreis
    at.run()
    at.switch_page("pages/bericht.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_report_page_offers_fields_period_and_button():
    at = _open_report_page()
    assert at.title[0].value == "Bericht erstellen – Rastatt"
    fields = at.multiselect(key="bericht_felder")
    assert "Arbeit" in fields.options and "Bevölkerung" in fields.options
    assert "Wohnen" not in fields.options  # no time series there, nothing to put on a slide
    assert at.slider(key="bericht_zeitraum").value[0] <= at.slider(key="bericht_zeitraum").value[1]
    assert at.button(key="bericht_erstellen").label == "Bericht erstellen"
    assert not at.get("download_button")  # nothing built yet


def test_report_page_builds_and_offers_both_downloads():
    at = _open_report_page()
    at.multiselect(key="bericht_felder").set_value(["Bevölkerung"])
    at.run()
    at.button(key="bericht_erstellen").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    downloads = at.get("download_button")
    assert [d.label for d in downloads] == ["PowerPoint herunterladen", "PDF herunterladen"]
    assert [d.proto.url.rsplit(".", 1)[-1] for d in downloads] == ["pptx", "pdf"]
    assert at.success[0].value.startswith("Bericht für Rastatt vom ") and "2 Diagramme" in at.success[0].value
