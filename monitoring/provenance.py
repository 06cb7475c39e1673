"""Where a figure comes from, in words: source lines, attributions, licences (pure; no Streamlit).

Every chart, table, download and page footer says the same thing because they all take their text from here.
Number, date and size text is monitoring/fmt.py; the meanings of the official special values are fmt.FLAG_MEANINGS.
"""
from __future__ import annotations

import html
import re

import pandas as pd

from . import fmt

LICENCE = "Datenlizenz Deutschland – Namensnennung – Version 2.0"
LICENCE_URL = "https://www.govdata.de/dl-de/by-2-0"
OWN_LICENCE = "eigene Angaben des Kreises (keine amtliche Statistik)"
ATTRIBUTION_DESTATIS = "© Statistische Ämter des Bundes und der Länder, Deutschland"
ATTRIBUTION_BA = "© Statistik der Bundesagentur für Arbeit"
ATTRIBUTION_BBSR = "© BBSR Bonn"
ATTRIBUTION_BKG = "© GeoBasis-DE / BKG 2022 (Daten verändert)"
LICENCE_LINE = f"Lizenz: {LICENCE}"

TABLE_CODE = re.compile(r"^(\d{4}[0-9A-Z]-|AI)")  # 12411-01-01-4, 1000A-2022, AI002-1: official table codes


def fmt_stand(stand: str | None) -> str:
    """A Stand as users read it (fmt.fmt_date knows days and BA's months); exports without one say so."""
    return fmt.fmt_date(stand) if stand else "nicht angegeben"


def attributions(values: pd.Series) -> list[str]:
    """Distinct attribution lines; of "…, Deutschland, 2017" and "…, Deutschland" the one with the latest year
    stays (the attribution the licence asks for names the year), and a source URL in brackets is dropped."""
    latest: dict[str, str] = {}
    for text in values.dropna():
        match = re.match(r"^(.*?)(?:,\s*(\d{4}))?$", text.split(" (")[0].strip().rstrip("."))
        base, year = match.group(1), match.group(2) or ""
        if base and year >= latest.get(base, ""):
            latest[base] = year
    return sorted(f"{base}, {year}" if year else base for base, year in latest.items())


# Web addresses of official publishers: a published figure whose source lies elsewhere was taken from the press
# (a newspaper or blog reproducing a press release) and is labelled so.
OFFICIAL_DOMAINS = ("statistik-bw.de", "destatis.de", "statistikportal.de", "regionalstatistik.de", "zensus2022.de",
                    "bamf.de", "bundestag.de", "dip.bundestag.de", "baden-wuerttemberg.de", "arbeitsagentur.de",
                    "rhein-neckar-kreis.de", "landkreis-rastatt.de", "landkreis-goeppingen.de", "gesundheitsamt-bw.de",
                    "bund.de", "govdata.de", "bbsr.bund.de", "gesellschaftsmonitoring-bw.de",
                    "integrationsmonitoring-bw.de", "integration-landkreis-rastatt.de", "stuttgart.de")
_URL = re.compile(r"\((https?://[^)\s]+)\)\s*$")


def is_press(attribution: str) -> bool:
    """True for a published figure whose source (the URL in brackets at its end) is not an official publisher."""
    found = _URL.search(str(attribution or ""))
    if not found:
        return False
    host = re.sub(r"^https?://(www\.)?", "", found.group(1)).split("/")[0].lower()
    return not any(host == domain or host.endswith("." + domain) for domain in OFFICIAL_DOMAINS)


def press_publisher(attribution: str) -> str:
    """"RNZ (dpa/lsw) 2020-06: Viele …" -> "RNZ": the publisher, without agency, date and headline."""
    head = str(attribution).split(":")[0].split(",")[0]
    head = re.sub(r"\s*\(.*?\)", "", head)  # "(dpa)", "(Pressemitteilung …)"
    return re.sub(r"\s+\d{4}(-\d{2}){0,2}$", "", head).strip()


def source_line(frame: pd.DataFrame, meta: pd.Series) -> str:
    """'Quelle: <attribution>, Tabelle …, Stand …; eigene Berechnung' for the rows a chart shows."""
    frame = frame.dropna(subset=["source"])
    if frame.empty:
        return html.escape(f"Quelle: {meta['source']}", quote=False)
    sources = sorted(set("; ".join(frame["source"]).split("; ")))  # derived rows list their sources with "; "
    tables = [s for s in sources if TABLE_CODE.match(s)]
    others = [s for s in sources if not TABLE_CODE.match(s)]
    stands = sorted(s for s in frame["stand"].dropna().unique() if s)
    all_attributions = frame.get("attribution", pd.Series(dtype=str)).dropna()
    press = all_attributions[all_attributions.map(is_press)]
    attribution = "; ".join(attributions(all_attributions[~all_attributions.map(is_press)]))
    parts = [attribution or ("" if len(press) else "siehe Daten & Methodik")]
    if tables:
        parts.append(f"Tabelle {', '.join(tables)}")
    parts += others
    if len(press):
        publishers = sorted({press_publisher(a) for a in press})
        parts.append(f"Presseberichte ({', '.join(publishers)}; keine amtliche Tabelle, amtliche Werte haben "
                     "Vorrang)")
    text = "Quelle: " + ", ".join(p for p in parts if p)
    if stands:
        text += f", Stand {fmt_stand(stands[-1])}"
    if frame.get("basis", pd.Series(dtype=str)).fillna("").str.startswith("eigene Berechnung").any():
        text += "; eigene Berechnung"
    # Plotly renders a few HTML tags in annotations; a source typed in by a user must stay plain text.
    return html.escape(text, quote=False)


def escape_markdown(text: str) -> str:
    """User text (file names, sources, notes) for st.markdown / st.error: shown literally, never as markup."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$&])", r"\\\1", str(text))


def markdown_table(frame: pd.DataFrame) -> str:
    """A small table as Markdown, every cell shown literally (escaped, on one line; empty for a gap).

    For tables on the field pages: st.table would load Streamlit's Arrow stack (about 1 MB of JavaScript) into a
    page that otherwise needs none; a Markdown table is drawn by the Markdown renderer every page has loaded."""
    def cell(value) -> str:
        return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else \
            escape_markdown(" ".join(str(value).split()))

    lines = ["| " + " | ".join(cell(c) for c in frame.columns) + " |", "|" + " --- |" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def message_markdown(error: Exception) -> str:
    """A multi-line German error message (one problem per line) as Markdown: each line escaped, kept on its own line."""
    return "  \n".join(escape_markdown(line) for line in str(error).splitlines())
