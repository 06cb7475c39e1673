"""Small assertions shared by the importer tests."""
from __future__ import annotations

import numpy as np
import pandas as pd

from monitoring.importers.common import ImportRejected


def one(frame: pd.DataFrame, **where) -> pd.Series:
    """The single row of `frame` matching all column=value pairs (fails if there are none or several)."""
    mask = np.ones(len(frame), dtype=bool)
    for column, value in where.items():
        mask &= (frame[column] == value).to_numpy()
    hits = frame[mask]
    assert len(hits) == 1, f"{len(hits)} rows for {where}"
    return hits.iloc[0]


def assert_names_file_and_line(err: ImportRejected, file: str, line: int | None) -> None:
    """A rejection names the file (and the line where there is one), in the German message too."""
    assert err.file == file
    assert f"Datei „{file}“" in str(err)
    assert err.line == line
    if line is not None:
        assert f"Zeile {line}" in str(err)


def chart_title(spec: dict) -> str:
    """The title of a chart as the dashboard shows it: written above the chart (monitoring.ui.show_chart), kept in
    the spec's layout.meta; the figure itself draws none on screen."""
    assert spec["layout"]["title"].get("text", "") == "", "the screen figure draws its own title"
    return spec["layout"]["meta"]["title"]
