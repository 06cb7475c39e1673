"""The update page's and the command line's tables: the imports so far and a preview's parts, with German column
names (st.dataframe shows their text as text)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .store import STATUS_LABELS
from .updates import Preview, list_imports


def imports_table(*, data_dir: Path | None = None) -> pd.DataFrame:
    """The imports for the page and the CLI, with German column names."""
    rows = [{
        "Import": e["id"], "Zeitpunkt": e["created"].replace("T", " ")[:16] + " UTC",
        "Status": STATUS_LABELS.get(e["status"], e["status"]),
        "Dateien": ", ".join(f["name"] for f in e["files"]),
        "neu": e["counts"].get("new", 0), "geändert": e["counts"].get("changed", 0),
        "entfernt": e["counts"].get("removed", 0), "Werte": sum(f["facts"] for f in e["files"]),
    } for e in list_imports(data_dir=data_dir)]
    return pd.DataFrame(rows, columns=["Import", "Zeitpunkt", "Status", "Dateien", "neu", "geändert", "entfernt",
                                       "Werte"])


PART_LABELS = {"new": "Neu", "changed": "Geändert", "removed": "Entfernt"}


def preview_tables(result: Preview) -> dict[str, pd.DataFrame]:
    """The preview's tables with German column names, for st.dataframe (which shows text as text)."""
    key = {"region": "Region", "ags": "Schlüssel", "indicator_name": "Kennzahl", "category": "Kategorie",
           "period": "Stichtag"}
    old = {"old_value": "alter Wert", "old_flag": "altes Zeichen", "old_source": "alte Quelle",
           "old_stand": "alter Stand", "old_note": "alte Anmerkung"}
    new = {"new_value": "neuer Wert", "new_flag": "neues Zeichen", "new_source": "neue Quelle",
           "new_stand": "neuer Stand", "new_note": "neue Anmerkung"}
    parts = {"new": {**key, **new}, "changed": {**key, **old, **new}, "removed": {**key, **old}}
    tables = {}
    for status, columns in parts.items():
        frame = result.part(status)
        tables[PART_LABELS[status]] = frame[list(columns)].rename(columns=columns) if not frame.empty \
            else pd.DataFrame(columns=list(columns.values()))
    where = {"file": "Datei", "line": "Zeile", "column": "Spalte"}
    tables["Abgelehnt"] = result.rejected.rename(columns={**where, "reason": "Grund"})
    tables["Hinweise"] = result.warnings.rename(columns={**where, "message": "Hinweis"})
    superseded = {**key, "value": "Wert", "source": "Quelle", "stand": "Stand", "current_value": "es gilt",
                  "current_source": "Quelle dort", "current_stand": "Stand dort"}
    tables["Nicht wirksam"] = result.superseded[list(superseded)].rename(columns=superseded) \
        if not result.superseded.empty else pd.DataFrame(columns=list(superseded.values()))
    return tables
