"""Issue 11, "Every screen tells the truth at a glance": level, age, gaps, ranks, pairing, plausibility marks and
rounded downloads, through the UI helpers (pure parts called directly) and the pages (AppTest)."""
from __future__ import annotations

import io

import pandas as pd

from monitoring import ui
from monitoring import ui_kreisvergleich as kv

FILTERS = ui.Filters("08216", "Rastatt", "08", "Baden-Württemberg", ("08", "DG"), 1995, 2025)


def _read_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), sep=";", decimal=",", comment="#", encoding="utf-8-sig", dtype={"ags": str})


# --- 1. finished builder features wired in ----------------------------------------------------------------------


def test_tile_help_closes_sentences_without_a_double_period():
    meta = pd.Series({"name": "Ausländeranteil", "definition": "Anteil", "concept": "Ausländer", "level": "Kreis",
                      "decimals": 1, "unit": "%", "period_type": "Stichtag"})
    row = pd.Series({"value": 16.0, "first_value": 10.1, "first_period": "2015-12-31", "land_value": 17.0,
                     "source": "12411-01-01-4", "basis": "Fortschreibung"})
    text = ui._tile_help(meta, row, "08216", FILTERS)
    assert "Seit 31.12.2015: +5,9 Pp." in text and "Pp.." not in text
    assert "(Unterschied -1,0 Pp.)." in text and text.endswith("Fortschreibung.")


def test_numbers_csv_names_the_level_and_rounds_values():
    meta = pd.Series({"id": "auslaenderanteil", "name": "Ausländeranteil", "unit": "%", "definition": "Anteil",
                      "source": "x", "decimals": 1, "period_type": "Stichtag", "kind": "share"})
    frame = pd.DataFrame({
        "ags": ["08216", "08", "DG"], "name": ["Rastatt", "Baden-Württemberg", "Deutschland"],
        "period": ["2023-12-31"] * 3, "value": [34.080082399897, -3.5999999999999996, 12.04],
        "flag": ["", "", ""], "basis": ["eigene Berechnung (Fortschreibung)", "Fortschreibung", "Fortschreibung"],
        "source": ["12411-01-01-4"] * 3, "stand": ["2024-06-30"] * 3, "attribution": ["©"] * 3,
    })
    data = ui.numbers_csv(frame, meta, FILTERS)
    text = data.decode("utf-8-sig")
    assert "34,08;" in text and "-3,6;" in text and "12,0;" in text  # own calculation: one more place
    assert "34,080082399897" not in text and "3,5999" not in text
    table = _read_csv(data)
    assert list(table.columns[:2]) == ["Region", "Ebene"]
    assert list(table["Ebene"]) == ["Kreis", "Land", "Deutschland"]


def test_profile_csv_rounds_by_the_indicator_decimals():
    profile = pd.DataFrame({
        "handlungsfeld": ["Arbeit"], "indicator": ["x"], "name": ["X"], "unit": ["%"], "concept": ["c"],
        "period": ["2023-12-31"], "value": [9.349999999], "land_value": [9.6000000001], "rank": [5], "ranked": [44],
        "percentile": [12.345678], "first_period": ["2009-12-31"], "first_value": [12.75], "change": [-3.5999999999999996],
        "decimals": [1],
    })
    text = kv.profile_csv(profile, ["Profil"]).decode("utf-8-sig")
    assert ";9,3;9,6;5;44;12;" in text and text.rstrip().endswith("12,8;-3,6")
