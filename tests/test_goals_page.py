"""The page "Ziele & Maßnahmen" through AppTest: the example banner, the summary per Handlungsfeld, computed statuses
with their numbers, the goal chart with baseline, target and path, and the filters."""
from __future__ import annotations

import pytest

from monitoring import goals
from tests.helpers import chart_title
from tests.test_pages import plotly_specs, run_page

PAGE = "pages/ziele_massnahmen.py"


@pytest.fixture(scope="module")
def rastatt():
    return run_page(PAGE, "08216")


def test_title_and_example_banner(rastatt):
    assert rastatt.title[0].value == "Ziele & Maßnahmen – Rastatt"
    banners = [w.value for w in rastatt.warning]
    assert any(text.startswith("**Beispiele:**") and "Zielwerte sind ausgedacht" in text for text in banners)
    assert not rastatt.error


def test_summary_counts_goals_and_measures_per_field(rastatt):
    summary = rastatt.dataframe[0].value.set_index("Handlungsfeld")
    assert list(summary.index) == ["Sprache", "Bildung", "Arbeit", "Wohnen", "Gesundheit", "Zusammenleben"]
    # Sprache: ESU of foreign children 68,9 % (2017) -> 56,6 % (2022) below the example target 60 % = reached;
    # all children: baseline 2015 before the 2017 break of the ESU = not comparable.
    assert summary.loc["Sprache", ["Ziele auf Kurs", "Ziele nicht auf Kurs", "Ziele ohne Bewertung"]].tolist() == [1, 0, 1]
    # Arbeit: unemployment rate of foreigners 7,9 % (2015) -> 9,3 % (2023) = worse; employed foreign women rising
    assert summary.loc["Arbeit", ["Ziele auf Kurs", "Ziele nicht auf Kurs"]].tolist() == [1, 1]
    assert summary.loc["Wohnen", "Ziele ohne Bewertung"] == 1 and summary.loc["Wohnen", "Maßnahmen sonstige"] == 1
    assert summary.loc["Sprache", ["Maßnahmen laufend", "Maßnahmen geplant"]].tolist() == [1, 1]
    assert summary.loc["Bildung", "Maßnahmen abgeschlossen"] == 1


def test_each_goal_shows_its_computed_status_and_the_numbers_behind_it(rastatt):
    texts = " ".join(m.value for m in rastatt.markdown)
    for status in (goals.ACHIEVED, goals.ON_TRACK, goals.LIMITED, goals.DETERIORATION, goals.NOT_COMPARABLE,
                   goals.NO_DATA):
        assert f"-badge[{status}]" in texts, status
    explanations = " ".join(m.value for m in rastatt.markdown)
    assert "Ausgangswert 2015: 7,9 %" in explanations and "aktueller Wert 2023: 9,3 %" in explanations
    assert "R = beobachtet ÷ nötig = 28 %" in explanations  # Einbürgerungsquote 1,3 -> 1,4 %, target 2,0 % in 2030


def test_goal_chart_has_baseline_target_and_path_in_german_number_format(rastatt):
    specs = plotly_specs(rastatt)
    assert len(specs) == 6  # the six goals measured by an indicator
    einbuergerung = next(s for s in specs if "Einbürgerungsquote" in chart_title(s))
    names = [trace.get("name") for trace in einbuergerung["data"]]
    assert names == ["Rastatt", "Ausgangswert", "Zielpfad", "Zielwert (Beispiel)"]
    path = einbuergerung["data"][2]
    assert path["x"] == [2015, 2030] and path["y"] == [1.3, 2.0]
    assert einbuergerung["layout"]["separators"] == ",."
    assert "Quelle:" in " ".join(a.get("text", "") for a in einbuergerung["layout"]["annotations"])


def test_status_filter_narrows_goals_and_the_summary(rastatt):
    at = run_page(PAGE, "08216")
    at.multiselect(key="ziele_status").set_value([goals.DETERIORATION]).run()
    summary = at.dataframe[0].value.set_index("Handlungsfeld")
    assert summary["Ziele nicht auf Kurs"].sum() == 2 and summary["Ziele auf Kurs"].sum() == 0
    assert len(plotly_specs(at)) == 2


def test_another_district_gets_its_own_values():
    at = run_page(PAGE, "08226")
    assert at.title[0].value.endswith("Rhein-Neckar-Kreis")
    assert not at.exception and not at.error


# ── goals on a Handlungsfeld page (monitoring.ui_goals.goal_cards after the ranking) ─────────────────────────────────


@pytest.fixture(scope="module")
def arbeit():
    return run_page("pages/arbeit.py", "08216")


def test_field_page_shows_its_goals_with_computed_status_after_the_ranking(arbeit):
    from monitoring import ui_goals

    assert ui_goals.GOALS_SECTION in [h.value for h in arbeit.header]
    texts = [m.value for m in arbeit.markdown]
    # Arbeitslosenquote der Ausländer 7,9 % (2015) -> 9,3 % (2023) against a falling target: Verschlechterung;
    # employed foreign women rising: auf Kurs
    assert ":red-badge[Verschlechterung] · Arbeit" in texts
    assert any(t.startswith(":green-badge[auf Kurs] · Arbeit") for t in texts)
    assert not any("· Sprache" in t for t in texts)  # only the field's own goals
    explanation = " ".join(texts)
    assert "Ausgangswert 2015: 7,9 %" in explanation and "aktueller Wert 2023: 9,3 %" in explanation
    assert any(w.value.startswith("**Beispiele:**") for w in arbeit.warning)
    specs = plotly_specs(arbeit)
    titles = [chart_title(s) for s in specs]
    ranking = next(i for i, t in enumerate(titles) if "Kreise in" in t)
    goal_charts = [s for s in specs[ranking + 1:] if [tr.get("name") for tr in s["data"]][1:2] == ["Ausgangswert"]]
    assert len(goal_charts) == 2  # after the ranking: one chart per goal with an indicator
    names = [trace.get("name") for trace in goal_charts[0]["data"]]
    assert names == ["Rastatt", "Ausgangswert", "Zielpfad", "Zielwert (Beispiel)"]

    # the women's goal measures one category of its indicator: title and card say so, or the chart of foreign women
    # in employment reads as all foreign employees
    assert chart_title(goal_charts[1]).startswith("Ausländische SV-Beschäftigte am Arbeitsort, weiblich: Rastatt")
    assert any("Gemessen an: Ausländische SV-Beschäftigte am Arbeitsort, weiblich (Rastatt)" in c.value.replace("\\", "")
               for c in arbeit.caption)  # markdown-escaped text


def test_field_page_lists_its_measures_with_status_as_a_compact_table(arbeit):
    """A Markdown table: st.table would load Streamlit's Arrow JavaScript (~1 MB) into the field page."""
    assert not arbeit.table
    table = next(m.value for m in arbeit.markdown if m.value.startswith("| Maßnahme |"))
    header, rule, *rows = table.splitlines()
    assert header == "| Maßnahme | Status | Verantwortlich | Beginn | Ende | Letzte Überprüfung |"
    assert rule == "| --- | --- | --- | --- | --- | --- |"
    assert len(rows) == 1 and rows[0].startswith("| Jobcoaching für zugewanderte Frauen | laufend |")


def test_markdown_table_shows_every_cell_literally_on_one_line():
    import pandas as pd

    from monitoring.provenance import markdown_table

    table = markdown_table(pd.DataFrame({"A|B": ["**fett**\nzweite Zeile", None], "C": ["[x](http://e.x)", 3]}))
    assert table.splitlines() == ["| A\\|B | C |", "| --- | --- |",
                                  "| \\*\\*fett\\*\\* zweite Zeile | \\[x\\]\\(http://e\\.x\\) |",
                                  "|  | 3 |"]


def test_field_without_goals_shows_no_goal_section():
    at = run_page("pages/bevoelkerung.py", "08216")
    from monitoring import ui_goals

    assert ui_goals.GOALS_SECTION not in [h.value for h in at.header]


# ── the steering group's review: what changed since the last review date (monitoring.goal_review) ──────────────


def review_lines(at) -> dict[str, str]:
    """Handlungsfeld -> its agenda lines (Markdown unescaped)."""
    blocks = [m.value.replace("\\", "") for m in at.markdown if m.value.startswith("**")]
    return {b.split("**")[1]: b for b in blocks}


def test_review_defaults_to_the_newest_review_and_names_overdue_measures(rastatt):
    import datetime as dt

    assert "Seit der letzten Überprüfung" in [h.value for h in rastatt.header]
    assert rastatt.date_input(key="ziele_review_date").value == dt.date(2025, 3, 15)
    lines = review_lines(rastatt)
    assert "Maßnahme *Elternbegleitung vor der Einschulung*: Beginn 01.01.2026 ist vorbei, Status noch „geplant“" \
        in lines["Sprache"]
    assert "Ausbildungspatenschaften" not in " ".join(lines.values())  # reviewed and ended before 15.03.2025


def test_review_from_an_earlier_date_lists_goal_status_changes_and_new_values():
    import datetime as dt

    at = run_page(PAGE, "08216")
    at.date_input(key="ziele_review_date").set_value(dt.date(2021, 1, 1)).run()
    assert not at.exception
    lines = review_lines(at)
    assert list(lines)[:3] == ["Sprache", "Bildung", "Arbeit"]  # in the structure's order
    # ESU of foreign children (Land): 2017 -> 2019 too slow a fall, 2022's 56,6 % below the target of 60 %
    assert f"Status {goals.LIMITED} → {goals.ACHIEVED}; neue Werte für 2022" in lines["Sprache"]
    assert "Die Arbeitslosenquote der Ausländerinnen und Ausländer sinkt.*: neue Werte für 2023" in lines["Arbeit"]
    assert "Maßnahme *Ausbildungspatenschaften*: überprüft am 01.10.2024; beendet am 31.07.2024" in lines["Bildung"]
