"""The template for the district's own figures: CSV (with the lists of districts and own indicators beside it) or
one XLSX workbook.  The example row names the installation's own district."""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from . import db, export
from .catalog import load_catalog, own_indicator_ids
from .importers import own_figures
from .settings import settings


def template_frames(*, data_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """The template (header and one example row), the districts and the own indicators."""
    data_dir = Path(data_dir or db.DATA_DIR)
    catalog_path = data_dir / "indicators.toml"
    catalog = load_catalog(catalog_path).set_index("id", drop=False)
    own = catalog.loc[own_indicator_ids(catalog_path)]
    districts = pd.read_csv(data_dir / "districts.csv", dtype=str)
    example_ags = settings().default_kreis
    example = {"ags": example_ags, "indicator": own["id"].iloc[0] if len(own) else "", "period": "2024",
               "value": 812, "flag": "", "source": "Kursträger (Summe)", "note": own_figures.EXAMPLE_NOTE}
    return {
        "Eigene Zahlen": pd.DataFrame([example], columns=own_figures.TEMPLATE_COLUMNS),
        "Kreise": districts[["ags", "label"]].rename(columns={"label": "name"}),
        "Kennzahlen": own[["id", "name", "unit", "definition"]].reset_index(drop=True),
    }


def template_csv(*, data_dir: Path | None = None) -> dict[str, bytes]:
    """The template and its two lists as CSV files (";" and UTF-8 with BOM: what German Excel opens as is)."""
    frames = template_frames(data_dir=data_dir)
    names = {"Eigene Zahlen": "eigene_zahlen_vorlage.csv", "Kreise": "eigene_zahlen_kreise.csv",
             "Kennzahlen": "eigene_zahlen_kennzahlen.csv"}
    return {names[sheet]: export.csv_bytes(frame, header_lines=[]) for sheet, frame in frames.items()}


def template_xlsx(*, data_dir: Path | None = None) -> bytes:
    """One workbook: "Eigene Zahlen" to fill in, "Kreise" and "Kennzahlen" to look codes up."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet_name, frame in template_frames(data_dir=data_dir).items():
        sheet = workbook.create_sheet(sheet_name)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append(list(row))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # a text is a text: never stored as a formula, whatever it starts with
        for column, width in zip("ABCDEFG", (10, 38, 12, 12, 6, 28, 48)):
            sheet.column_dimensions[column].width = width
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_template(out: Path, *, xlsx: bool, data_dir: Path | None = None) -> list[Path]:
    """CLI: the XLSX, or the CSV template with its two lists beside it (<name>_kreise.csv, <name>_kennzahlen.csv)."""
    if xlsx:
        out.write_bytes(template_xlsx(data_dir=data_dir))
        return [out]
    files = template_csv(data_dir=data_dir)
    written = []
    for name, data in files.items():
        path = out if name.endswith("_vorlage.csv") else out.with_name(f"{out.stem}_{name.split('_')[-1]}")
        path.write_bytes(data)
        written.append(path)
    return written
