"""Provenance text (monitoring/provenance.py): press reproductions are labelled as such, never as official."""
from __future__ import annotations

import pandas as pd

from monitoring import provenance

RNZ = ("RNZ (dpa/lsw) 2020-06: Viele Auslaender sind 2019 eingebuergert worden "
       "(https://www.rnz.de/nachrichten_artikel,-baden-wuerttemberg-viele-auslaender-sind-2019-eingebuergert-worden.html)")
LANDESAMT = ("Statistisches Landesamt BW, Pressemitteilung 110/2024: Gut 22 700 Einbuergerungen im Suedwesten "
             "(https://www.statistik-bw.de/Presse/Pressemitteilungen/2024110)")


def test_press_and_official_publishers_are_told_apart_by_their_address():
    assert provenance.is_press(RNZ) and not provenance.is_press(LANDESAMT)
    assert not provenance.is_press("© Statistische Ämter des Bundes und der Länder, Deutschland, 2018")
    assert provenance.press_publisher(RNZ) == "RNZ"


def test_a_source_line_names_press_figures_as_press_and_keeps_official_attributions():
    frame = pd.DataFrame({
        "source": ["12511-01-01-4", "auslaender_einbuergerung_schutz", "auslaender_einbuergerung_schutz"],
        "stand": ["2018-02-27", "", ""],
        "attribution": ["© Statistische Ämter des Bundes und der Länder, Deutschland, 2018", RNZ, LANDESAMT],
        "basis": ["", "", ""],
    })
    line = provenance.source_line(frame, pd.Series({"source": "Einbürgerungsstatistik"}))
    assert "Presseberichte (RNZ; keine amtliche Tabelle" in line
    assert "Statistisches Landesamt BW, Pressemitteilung 110/2024" in line and "Tabelle 12511-01-01-4" in line
    assert "Viele Auslaender" not in line  # a newspaper's headline is no source name


def test_the_statistical_office_s_own_portals_are_official():
    monitoring = ("GesellschaftsMonitoring BW (FamilienForschung BW im Statistischen Landesamt), Integration - "
                  "Sprachkenntnisse (https://gesellschaftsmonitoring-bw.de/themenfelder/integration/sprachkenntnisse)")
    assert not provenance.is_press(monitoring)
    assert provenance.press_publisher("infopress24, Landkreis: Zahlen (https://infopress24.de/x)") == "infopress24"
