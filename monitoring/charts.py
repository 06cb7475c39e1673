"""Figure builders: pure functions that take a DataFrame and return a Plotly figure in the house style.

No SQL, no Streamlit: a page runs a query, hands the frame to a builder and shows the figure with
``st.plotly_chart(fig, theme=None, config=PLOTLY_CONFIG)`` (``theme=None`` keeps this style; the config hides the
Plotly logo, which is a config option, not a layout one).

House style (``apply_house_style``), chosen for a Kreistag projector, an officer's desktop and a phone:

- German numbers: ``separators=",."`` (Plotly in Streamlit knows only the English locale); every number a reader
  sees in a tooltip or bar label is text made by ``monitoring.fmt`` (``hovertemplate="%{customdata}"``), never
  Plotly's d3 formatting.  Dates are written by us too: tick labels are explicit, the unified hover title uses only
  numeric d3 date directives ("%d.%m.%Y"), which no locale changes.
- System font stack (no web fonts: works offline), white background, title 20 px naming the unit, axes and legend
  14 px, the source line 12 px grey (#595959, 7:1 contrast) left-aligned under the plot area as an annotation in
  paper coordinates (y < 0) and in ``fig.layout.meta["source"]`` for exports and tests.  Margins are computed from
  the number of title, legend and source lines and the figure height, so nothing is cut; long titles and source
  lines are wrapped.
- Colour-vision-safe Okabe–Ito palette, and colour is never the only cue: the selected district is a thick solid
  line with circle markers, the Land dashed with squares, Germany dotted with diamonds, other districts thin with
  their own marker symbols; bars of non-focus regions carry a hatch pattern; the focus district's ranking label is
  bold with "▶".  Legends are always shown, with names.
- Gaps stay gaps: a missing value (NULL with a special-value flag) is NaN in its trace (``connectgaps=False``), never
  0.  Time series show it as a hollow marker in the series' colour and symbol in a narrow "k. A." strip under the
  value axis (its own y axis, so the marker cannot be read as a value); its tooltip gives the flag's meaning.  Bar
  charts print "keine Angabe: …" at the axis instead of a bar.
- A series break (new data basis) is a dotted vertical line labelled "Bruch" (the basis in its hover); identical breaks of
  several regions are drawn once.
- A missing year is a gap too: a line is never drawn across a period without a row (yearly data: consecutive values
  more than one year apart; finer data: more than 1,5 regular steps apart).  A value standing alone is a marker.
- Counts of regions of very different size (a Kreis of 230.000, a Land of 11 Mio.) are never put on one axis: the time
  series then shows an index (first year with a value for every region = 100, said in title and axis); the hover
  keeps the number itself.
- A time series title names the years its values cover (first and last year with a value), not the filter range.
- Text from data (names, units, categories, bases, a source typed in by a user) is escaped before it reaches
  Plotly, which reads a subset of HTML in titles, labels, legends, hovers and annotations (``plain_text``).

Why one module of this size: the five figure builders share one house style (fonts, margins, wrapping, gaps, source
line, escaping) that must stay identical across them; split, the style would be copied.
"""
from __future__ import annotations

import math
import re
import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from . import fmt

# --- palette and fonts ------------------------------------------------------------------------------------------

BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
PURPLE = "#CC79A7"
SKY = "#56B4E9"
VERMILLION = "#D55E00"
YELLOW = "#F0E442"
BLACK = "#000000"
OKABE_ITO = [BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, YELLOW, BLACK]

FOCUS_COLOR = BLUE
LAND_COLOR = ORANGE
GERMANY_COLOR = BLACK
HIGHLIGHT_COLOR = GREEN
OTHER_BAR_COLOR = "#8C8C8C"  # 3.4:1 against white, enough for a filled bar
MISSING_COLOR = "#9E9E9E"
TEXT_COLOR = "#1A1A1A"
MUTED_COLOR = "#595959"
GRID_COLOR = "#E6E6E6"
# Other districts: yellow last, it is weak on white.
OTHER_COLORS = [GREEN, PURPLE, SKY, VERMILLION, YELLOW]
OTHER_SYMBOLS = ["triangle-up", "x", "star", "triangle-down", "pentagon", "hexagon", "cross", "star-diamond"]
BAR_COLORS = [ORANGE, GREEN, PURPLE, SKY, VERMILLION, BLACK]
BAR_PATTERNS = ["/", "x", ".", "\\", "+", "-"]

FONT_FAMILY = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif'
)
TITLE_SIZE = 20
FONT_SIZE = 14
SOURCE_SIZE = 12
DEFAULT_HEIGHT = 450
# Plotly does not wrap text: lines are broken here, at widths that still fit a phone's chart (about 340 px), so
# a title or source line is never cut off there; on a wide screen they simply take a line more.
TITLE_WRAP = 34  # characters per title line
SOURCE_WRAP = 46  # characters per source line
LEGEND_WIDTH_PX = 340  # the narrowest chart the legend's rows are counted for (a phone)
ROW_HEIGHT = 22  # px per district in a ranking
HOUSE_LEFT_MARGIN = 64  # px: value tick labels and the axis title

# German modebar and messages, offline: Streamlit's plotly.js bundle registers only "en"/"en-US", but plotly.js looks
# a text up in config.locales before its registry, so the dictionary travels in the config (no script to load).  Keys
# are the English texts of the bundled plotly.js (streamlit/static/static/js/PlotlyChart.*.js, calls of _(gd, "…")).
# Streamlit's own "Fullscreen" button is added by Streamlit and stays English.
PLOTLY_LOCALE_DE = {
    "dictionary": {
        "Autoscale": "Automatisch skalieren",
        "Box Select": "Rechteck auswählen",
        "Lasso Select": "Lasso-Auswahl",
        "Compare data on hover": "Alle Werte beim Überfahren zeigen",
        "Show closest data on hover": "Nächsten Wert beim Überfahren zeigen",
        "Toggle show closest data on hover": "Nächsten Wert beim Überfahren ein/aus",
        "Toggle Spike Lines": "Hilfslinien ein/aus",
        "Double-click to zoom back out": "Doppelklick: zurück zur Gesamtansicht",
        "Double-click on legend to isolate one trace": "Doppelklick auf die Legende zeigt nur diese Linie",
        "Download plot as a PNG": "Grafik als PNG herunterladen",
        "Download plot as a png": "Grafik als PNG herunterladen",
        "Download plot": "Grafik herunterladen",
        "Download plot as JSON": "Grafik als JSON herunterladen",
        "Image download succeeded": "Bild heruntergeladen",
        "JSON download succeeded": "JSON heruntergeladen",
        "Preparing image - this may take a few seconds": "Bild wird erstellt, das dauert einige Sekunden",
        "Taking snapshot - this may take a few seconds": "Bild wird erstellt, das dauert einige Sekunden",
        "Sorry, there was a problem downloading your image!": "Das Bild konnte nicht heruntergeladen werden.",
        "Sorry, there was a problem downloading your snapshot!": "Das Bild konnte nicht heruntergeladen werden.",
        "Pan": "Verschieben",
        "Zoom": "Zoomen",
        "Zoom in": "Vergrößern",
        "Zoom out": "Verkleinern",
        "Reset": "Zurücksetzen",
        "Reset axes": "Achsen zurücksetzen",
        "Reset view": "Ansicht zurücksetzen",
        "Reset views": "Ansichten zurücksetzen",
        "Produced with Plotly": "Erstellt mit Plotly",
        "Erase active shape": "Form löschen",
        "Share chart...": "Grafik teilen …",
        "trace": "Reihe",
    },
    "format": {
        "days": ["Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"],
        "shortDays": ["So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"],
        "months": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
                   "November", "Dezember"],
        "shortMonths": ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"],
        "date": "%d.%m.%Y",
        "decimal": ",",
        "thousands": ".",
    },
}

PLOTLY_CONFIG = {
    "displaylogo": False,
    "locale": "de",
    "locales": {"de": PLOTLY_LOCALE_DE},
    # The modebar keeps what a reader needs: image download, zoom, pan, reset (German tooltips, see above).
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d", "toggleSpikelines", "hoverClosestCartesian",
                               "hoverCompareCartesian", "sendChartToCloud"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
    # A geo map (go.Choropleth) loads a base-map topojson even when it is hidden; by default from cdn.plot.ly.
    # static/ holds empty ones (served by Streamlit, server.enableStaticServing), so the map also works offline.
    "topojsonURL": "app/static/",
}

GERMANY_AGS = "DG"
# Units that count people or cases: such a series is shown as an index when its regions differ much in size.
COUNT_UNITS = {"Personen", "Kinder", "Fälle", "Anzahl"}
INDEX_RATIO = 5  # largest region's typical value / smallest one's above which counts share no axis
_HOVER = "%{customdata}<extra></extra>"
_UNIFIED_HOVER_TITLE = {
    "Stichtag": "%{x|%d.%m.%Y}",
    "Jahr": "%{x|%Y}",
    "Jahresdurchschnitt": "Jahresdurchschnitt %{x|%Y}",
    "Schuljahr": "Schuljahr",  # d3 cannot write "2015/16": the rows name the school year
}


# --- house style ------------------------------------------------------------------------------------------------


def apply_house_style(
    fig: go.Figure, *, title: str, source_line: str, unit: str, height: int | None = None,
) -> go.Figure:
    """Title with unit, German separators, fonts, colours, legend, margins and the source line; returns fig.

    title, unit and source_line are plain text (escaped here: Plotly must not read markup in them).
    """
    title_lines = _wrap(plain_text(_title_with_unit(title, unit)), TITLE_WRAP)
    source_lines = _wrap(plain_text(source_line), SOURCE_WRAP)
    height = int(height or fig.layout.height or DEFAULT_HEIGHT)
    legend_px = 24 * _legend_rows(fig) + 6
    top = 18 + 28 * len(title_lines) + legend_px  # 28 px a line: the legend starts clear of the last one
    below_axis = 30 + (26 if fig.layout.xaxis.title.text else 0)  # tick labels and axis title
    bottom = below_axis + 8 + 16 * len(source_lines) + 6
    plot_height = max(height - top - bottom, 40)
    fig.update_layout(
        template="none",
        height=height,
        separators=",.",
        font={"family": FONT_FAMILY, "size": FONT_SIZE, "color": TEXT_COLOR},
        title={
            "text": "<br>".join(title_lines),
            "font": {"family": FONT_FAMILY, "size": TITLE_SIZE, "color": TEXT_COLOR},
            "xref": "container", "x": 0.01, "xanchor": "left",
            # Plotly anchors a multi-line title half a line too high per extra line: move it down to match.
            "yref": "container", "y": 1 - (12 + 12 * (len(title_lines) - 1)) / height, "yanchor": "top",
        },
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=OKABE_ITO,
        showlegend=True,
        legend={
            "orientation": "h", "x": 0, "xanchor": "left", "y": 1, "yanchor": "bottom",
            "font": {"family": FONT_FAMILY, "size": FONT_SIZE}, "traceorder": "normal",
            "bgcolor": "rgba(255,255,255,0)",
        },
        margin={"l": HOUSE_LEFT_MARGIN, "r": 32, "t": top, "b": bottom, "pad": 4, "autoexpand": True},
        hoverlabel={"font": {"family": FONT_FAMILY, "size": FONT_SIZE}, "bgcolor": "white",
                    "bordercolor": MUTED_COLOR, "align": "left"},
        meta={"source": source_line},
    )
    font = {"family": FONT_FAMILY, "size": FONT_SIZE, "color": TEXT_COLOR}
    axis = {"tickfont": font, "title": {"font": font}, "gridcolor": GRID_COLOR,
            "linecolor": MUTED_COLOR, "zerolinecolor": "#BDBDBD", "automargin": True}
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis)
    fig.layout.annotations = [a for a in fig.layout.annotations if a.name != "source"]
    fig.add_annotation(
        name="source", text="<br>".join(source_lines), showarrow=False,
        xref="paper", yref="paper", x=0, y=-below_axis / plot_height, xanchor="left", yanchor="top", align="left",
        font={"family": FONT_FAMILY, "size": SOURCE_SIZE, "color": MUTED_COLOR},
    )
    return fig


def _fixed_label_margin(fig: go.Figure, labels: list[str]) -> go.Figure:
    """A left margin wide enough for the category labels of a horizontal bar chart, set instead of Plotly's
    automargin: automargin measures every label in the browser and then lays the chart out a second time, which
    doubled the drawing time of a 44-district ranking.  Generous by design (bold, wide letters)."""
    longest = max((len(label) for label in labels), default=0)
    left = max(min(24 + math.ceil(longest * 0.62 * FONT_SIZE), 320), HOUSE_LEFT_MARGIN)
    fig.update_layout(margin={"l": left})
    fig.update_xaxes(automargin=False)
    fig.update_yaxes(automargin=False)
    # the source line starts where it starts on every other chart, not under the plot area only (it would be cut)
    fig.update_annotations(selector={"name": "source"}, xshift=HOUSE_LEFT_MARGIN - left)
    return fig


_NOT_AN_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);)")


def plain_text(text) -> str:
    """Text from data as Plotly shows it literally: "&", "<" and ">" escaped ("<b>x</b>" stays "<b>x</b>" on
    screen, not bold).  Idempotent: text escaped already (a source line, "&amp;") is left as it is."""
    text = "" if text is None else str(text)
    return _NOT_AN_ENTITY.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")


def _title_with_unit(title: str, unit: str) -> str:
    unit = (unit or "").strip()
    if not unit or unit in title:
        return title
    return f"{title} (in %)" if unit == "%" else f"{title} ({unit})"


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text or "", width=width, break_long_words=False, break_on_hyphens=False) or [""]


def _legend_rows(fig: go.Figure, width_px: int = LEGEND_WIDTH_PX) -> int:
    """Rows a horizontal legend needs on the narrowest chart (a guess: Plotly wraps it itself); on a wider one the
    legend needs fewer and leaves a little room, never overlapping the title."""
    names = [str(t.name or "") for t in fig.data if t.showlegend is not False and t.name]
    if not names:
        return 0
    rows, used = 1, 0
    for name in names:
        entry = 48 + 7.5 * len(name)
        if used and used + entry > width_px:
            rows, used = rows + 1, 0
        used += entry
    return rows


def _value_text(value, flag, unit: str, decimals: int) -> str:
    """"12,3 %", "12,3 % (vorläufig)" or, for a gap, "keine Angabe: Zahlenwert nicht sicher genug"."""
    if fmt.is_missing(value):
        return fmt.fmt_missing(flag)
    note = fmt.flag_note(flag)
    return fmt.fmt_value(value, unit, decimals) + (f" ({note})" if note else "")


# --- time series ------------------------------------------------------------------------------------------------


def time_series_figure(
    df: pd.DataFrame, *, title: str, unit: str, decimals: int, source_line: str, focus_ags: str | None,
    period_type: str, scale: str = "auto", flagged: pd.DataFrame | None = None,
) -> go.Figure:
    """Lines over time, one per region (ags) in the order of first appearance.

    df: ags, name, period (datetime64 or ISO text), value (float, NaN = gap), flag (str), basis (str), is_break (bool).
    title: what is shown, e.g. "Schutzsuchende (Personen)"; the builder adds the years the values cover (a
    trailing ", 1995–2025" in ``title``, such as the filter range, is replaced by them).
    scale: "absolute", "index" (each region's value in the first year with a value for all regions = 100) or "auto":
    an index for a count (unit in COUNT_UNITS) whose regions differ more than INDEX_RATIO-fold in size.
    A line never bridges a missing period (see ``_with_missing_periods``).
    flagged: values the plausibility rules flag (ags, period, message): each gets a red ring around its point,
    with the message in its hover (``_add_flag_marks``).
    """
    data = _series_frame(df)
    regions = list(dict.fromkeys(data["ags"]))
    styles = _series_styles(regions, focus_ags)
    index = _index_base(data, period_type) if use_index(data, unit, scale) else None
    axis_unit = unit if index is None else index["label"]
    text_unit = plain_text(unit)
    step = _regular_step(data)
    fig = go.Figure()
    shown = []
    for ags in regions:
        rows = data[data["ags"] == ags].copy()
        rows["hover"] = [_series_hover(r, text_unit, decimals, period_type) for r in rows.itertuples(index=False)]
        if index is not None:
            base = index["base"].get(ags)
            rows["value"] = rows["value"] / base * 100 if base else np.nan
            rows["hover"] = [h if pd.isna(v) else _index_hover(h, v) for h, v in zip(rows["hover"], rows["value"])]
        fig.add_trace(_series_trace(_with_missing_periods(rows, step), styles[ags], ags))
        shown.append(rows)
    if flagged is not None and not flagged.empty:
        _add_flag_marks(fig, pd.concat(shown), flagged)
    gaps = data[data["value"].isna()]
    if not gaps.empty:
        _add_gap_strip(fig, gaps, styles, text_unit, decimals, period_type)
    _add_breaks(fig, data)
    _style_time_axes(fig, data, period_type, plain_text(axis_unit), index=index is not None)
    return apply_house_style(fig, title=series_title(title, unit, data, period_type, axis_unit=axis_unit),
                             source_line=source_line, unit=axis_unit)


def covered_years(df: pd.DataFrame, period_type: str = "Jahr") -> str:
    """The years the values of a series frame cover: "2015–2023", "2011" (one year), "2015/16–2022/23" (Schuljahr);
    "" without any value.  Rows without a value (gaps) do not count."""
    values = df[pd.to_numeric(df["value"], errors="coerce").notna()]
    if values.empty:
        return ""
    periods = pd.to_datetime(values["period"])
    kind = "Jahr" if period_type == "Stichtag" else period_type
    first, last = fmt.fmt_period(periods.min(), kind), fmt.fmt_period(periods.max(), kind)
    return first if first == last else f"{first}–{last}"


_TRAILING_YEARS = re.compile(r",\s*\d{4}(?:/\d{2})?(?:\s*[–-]\s*\d{4}(?:/\d{2})?)?\s*$")


def series_title(title: str, unit: str, df: pd.DataFrame, period_type: str, *, axis_unit: str | None = None) -> str:
    """"Schutzsuchende (Personen), 2015–2023": the title with its unit and the years the data covers (a trailing
    year range in ``title`` is dropped).  With an index, axis_unit ("Index, 2015 = 100") stands for the unit."""
    base = _TRAILING_YEARS.sub("", title or "").rstrip(" ,")
    if axis_unit and axis_unit != unit:
        own = f"({unit})"
        base = base.replace(own, f"({axis_unit})") if unit and own in base else f"{base} ({axis_unit})"
    else:
        base = _title_with_unit(base, unit)
    years = covered_years(df, period_type)
    return f"{base}, {years}" if years else base


def use_index(df: pd.DataFrame, unit: str, scale: str = "auto") -> bool:
    """Whether a time series is shown as an index: scale "index", or "auto" for a count whose regions differ more
    than INDEX_RATIO-fold (median of each region's values; a Kreis of 230.000 beside a Land of 11 Mio.)."""
    if scale not in ("auto", "absolute", "index"):
        raise ValueError(f"Unbekannte Skala „{scale}“ (erwartet: auto, absolute, index)")
    if scale != "auto":
        return scale == "index"
    if (unit or "").strip() not in COUNT_UNITS:
        return False
    values = pd.to_numeric(df["value"], errors="coerce")
    typical = values[values > 0].groupby(df["ags"].astype(str)).median()
    return bool(len(typical) > 1 and typical.max() / typical.min() > INDEX_RATIO)


def _index_base(data: pd.DataFrame, period_type: str) -> dict:
    """Each region's base value: its value in the first year with a value for every region (the last Stichtag of
    that year); without a common year, each region's first value."""
    valued = data[data["value"].notna() & (data["value"] > 0)].assign(year=lambda d: d["period"].dt.year)
    years = [set(rows["year"]) for _, rows in valued.groupby("ags", sort=False)]
    common = sorted(set.intersection(*years)) if years else []
    kind = "Jahr" if period_type == "Stichtag" else period_type
    if common:
        rows = valued[valued["year"] == common[0]].groupby("ags", sort=False).last()
        period = valued.loc[valued["year"] == common[0], "period"].min()
        label = f"Index, {fmt.fmt_period(period, kind)} = 100"
    else:
        rows = valued.groupby("ags", sort=False).first()
        label = "Index, erstes Jahr je Region = 100"
    return {"base": rows["value"].to_dict(), "label": label}


def _index_hover(hover: str, index_value: float) -> str:
    """"Rastatt: 105,3 (231.017 Personen)": the index first, the number itself in brackets."""
    label, _, rest = hover.partition(": ")
    value, br, tail = rest.partition("<br>")
    return f"{label}: {fmt.fmt_number(index_value, 1)} ({value}){br}{tail}"


def _regular_step(data: pd.DataFrame) -> pd.Timedelta | None:
    """The regular distance between periods when it is shorter than a year (quarters, months: the median distance
    of consecutive periods); None for yearly data, where a gap is a missing calendar year (a Zensus day in May
    before the 31.12. of the same year is not a step of its own)."""
    diffs = data.groupby("ags", sort=False)["period"].diff().dropna()
    days = diffs[diffs > pd.Timedelta(0)].dt.days
    if days.empty:
        return None
    typical = float(days.median())
    return pd.Timedelta(days=typical) if typical < 300 else None


def _with_missing_periods(rows: pd.DataFrame, step: pd.Timedelta | None) -> pd.DataFrame:
    """rows with a NaN point between two periods that lie further apart than one regular step (yearly data: more
    than one calendar year), so the line breaks there instead of bridging the missing years."""
    periods = list(rows["period"])
    gaps = []
    for before, after in zip(periods, periods[1:]):
        missing = (after - before) > 1.5 * step if step is not None else after.year - before.year > 1
        if missing:
            gaps.append({"period": before + (after - before) / 2, "value": np.nan, "hover": "", "_missing": True})
    if not gaps:
        return rows
    return pd.concat([rows, pd.DataFrame(gaps)], ignore_index=True).sort_values("period", kind="stable")


def _series_frame(df: pd.DataFrame) -> pd.DataFrame:
    data = df.copy()
    data["ags"] = data["ags"].astype(str)
    data["period"] = pd.to_datetime(data["period"])
    data["value"] = pd.to_numeric(data["value"], errors="coerce").astype(float)
    for column in ("flag", "basis"):
        data[column] = data[column].fillna("").astype(str) if column in data else ""
    data["name"] = data["name"].map(plain_text)
    data["basis"] = data["basis"].map(plain_text)
    data["is_break"] = data["is_break"].fillna(False).astype(bool) if "is_break" in data else False
    order = {ags: i for i, ags in enumerate(dict.fromkeys(data["ags"]))}
    data["_order"] = data["ags"].map(order)
    return data.sort_values(["_order", "period"], kind="stable").drop(columns="_order").reset_index(drop=True)


def _series_styles(regions: list[str], focus_ags: str | None) -> dict[str, dict]:
    styles, others = {}, 0
    for ags in regions:
        if ags == focus_ags:
            styles[ags] = {"color": FOCUS_COLOR, "width": 4, "dash": "solid", "symbol": "circle", "size": 9, "z": 3}
        elif ags == GERMANY_AGS:
            styles[ags] = {"color": GERMANY_COLOR, "width": 2.5, "dash": "dot", "symbol": "diamond", "size": 7, "z": 2}
        elif len(ags) == 2:
            styles[ags] = {"color": LAND_COLOR, "width": 2.5, "dash": "dash", "symbol": "square", "size": 7, "z": 2}
        else:
            styles[ags] = {"color": OTHER_COLORS[others % len(OTHER_COLORS)], "width": 1.5, "dash": "solid",
                           "symbol": OTHER_SYMBOLS[others % len(OTHER_SYMBOLS)], "size": 7, "z": 1}
            others += 1
    return styles


def _series_trace(rows: pd.DataFrame, style: dict, ags: str) -> go.Scatter:
    return go.Scatter(
        x=rows["period"], y=rows["value"].astype(float), name=str(rows["name"].dropna().iloc[0]), legendgroup=ags,
        mode="lines+markers", connectgaps=False, zorder=style["z"],
        line={"color": style["color"], "width": style["width"], "dash": style["dash"]},
        marker={"color": style["color"], "symbol": style["symbol"], "size": style["size"]},
        customdata=list(rows["hover"]), hovertemplate=_HOVER,
    )


def _series_hover(row, unit: str, decimals: int, period_type: str) -> str:
    label = f"{row.name} ({fmt.fmt_period(row.period, period_type)})" if period_type == "Schuljahr" else row.name
    text = f"{label}: {_value_text(row.value, row.flag, unit, decimals)}"
    if row.is_break and row.basis:
        text += f"<br>  Bruch: ab hier {row.basis}"
    return text


def _add_gap_strip(fig, gaps: pd.DataFrame, styles: dict, unit: str, decimals: int, period_type: str) -> None:
    """Hollow markers for missing values in a strip of their own under the value axis (yaxis2, labelled "k. A.")."""
    for ags, rows in gaps.groupby("ags", sort=False):
        style = styles[ags]
        fig.add_trace(go.Scatter(
            x=rows["period"], y=[0.5] * len(rows), yaxis="y2", mode="markers", legendgroup=ags, showlegend=False,
            name=f"{rows['name'].iloc[0]}: keine Angabe", cliponaxis=False,
            marker={"symbol": style["symbol"] + "-open", "size": 11, "color": style["color"], "line": {"width": 2}},
            customdata=[_series_hover(r, unit, decimals, period_type) for r in rows.itertuples(index=False)],
            hovertemplate=_HOVER,
        ))
    fig.add_trace(go.Scatter(
        x=[None], y=[None], yaxis="y2", mode="markers", name="keine Angabe (Sonderzeichen)", hoverinfo="skip",
        marker={"symbol": "circle-open", "size": 11, "color": MUTED_COLOR, "line": {"width": 2}},
    ))
    fig.update_layout(
        yaxis={"domain": [0.13, 1]},
        yaxis2={"domain": [0, 0.07], "range": [0, 1], "fixedrange": True, "showgrid": False, "zeroline": False,
                "tickvals": [0.5], "ticktext": ["k. A."]},
        xaxis={"anchor": "y2"},
        hoversubplots="axis",
    )


FLAG_MARK_NAME = "auffälliger Wert (Plausibilitätsprüfung)"


def _add_flag_marks(fig: go.Figure, shown: pd.DataFrame, flagged: pd.DataFrame) -> None:
    """A red ring around every value the plausibility rules flag, in one legend entry; the hover gives the
    rule's message (plain text).  Values not on the chart (another region, a gap) get no mark."""
    marks = flagged.assign(ags=flagged["ags"].astype(str), period=pd.to_datetime(flagged["period"]))
    hits = shown[shown["value"].notna()].merge(marks[["ags", "period", "message"]], on=["ags", "period"])
    if hits.empty:
        return
    hover = [f"{name}: auffälliger Wert<br>{'<br>'.join(_wrap(plain_text(message), 60))}"
             for name, message in zip(hits["name"], hits["message"])]
    fig.add_trace(go.Scatter(
        x=hits["period"], y=hits["value"].astype(float), mode="markers", name=FLAG_MARK_NAME, zorder=4,
        marker={"symbol": "circle-open", "size": 20, "color": VERMILLION, "line": {"width": 3}},
        customdata=hover, hovertemplate=_HOVER,
    ))


def _add_breaks(fig: go.Figure, data: pd.DataFrame) -> None:
    """A dotted vertical line per break date; bases breaking on the same date share one label."""
    breaks = data[data["is_break"]]
    if breaks.empty:
        return
    start, end = data["period"].min(), data["period"].max()
    middle = start + (end - start) / 2
    for i, (when, rows) in enumerate(breaks.groupby("period", sort=True)):
        bases = [b for b in dict.fromkeys(rows["basis"]) if b]
        x = when.strftime("%Y-%m-%d")
        fig.add_shape(type="line", name="break", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1,
                      line={"color": MUTED_COLOR, "width": 1.5, "dash": "dot"}, layer="below")
        fig.add_annotation(
            # The label stays short so several breaks don't overlap; the new basis is in its hover text.
            name="break", text="Bruch", hovertext="Neue Basis ab hier: " + " / ".join(bases) if bases else "Bruch",
            showarrow=False,
            xref="x", yref="paper", x=x, y=1 - 0.07 * (i % 3), yanchor="top",
            xanchor="right" if when > middle else "left", xshift=-4 if when > middle else 4,
            font={"size": SOURCE_SIZE, "color": MUTED_COLOR}, bgcolor="rgba(255,255,255,0.85)",
        )


def _style_time_axes(fig: go.Figure, data: pd.DataFrame, period_type: str, unit: str, *, index: bool = False) -> None:
    periods = sorted(data["period"].dropna().unique())
    ticks = _thin(periods, 6)  # 6 labels fit a phone-wide chart (about 340 px) without rotation or overlap
    labels = [fmt.fmt_period(p, "Jahr" if period_type == "Stichtag" else period_type) for p in ticks]
    keep = {label: i for i, label in enumerate(labels)}  # one tick per label: the last date of that year wins
    ticks, labels = [ticks[i] for i in sorted(keep.values())], [labels[i] for i in sorted(keep.values())]
    values = data["value"].dropna()
    fig.update_layout(
        hovermode="x unified",
        xaxis={"type": "date", "tickmode": "array", "tickvals": [pd.Timestamp(t).strftime("%Y-%m-%d") for t in ticks],
               "ticktext": labels, "range": _date_range(periods), "showgrid": False, "showline": True,
               "ticks": "outside", "tickangle": 0,
               "unifiedhovertitle": {"text": _UNIFIED_HOVER_TITLE.get(period_type, "%{x|%d.%m.%Y}")},
               "hoverformat": "%d.%m.%Y"},
        yaxis={"title": {"text": unit}, "tickformat": ",",
               "rangemode": "tozero" if not index and (values.empty or values.min() >= 0) else "normal"},
    )


def _thin(items: list, most: int) -> list:
    """At most ``most`` items, evenly spaced, always keeping the last one (the newest period)."""
    if len(items) <= most:
        return list(items)
    step = math.ceil(len(items) / most)
    return list(items)[::-1][::step][::-1]


def _date_range(periods: list) -> list[str] | None:
    if not periods:
        return None
    first, last = pd.Timestamp(periods[0]), pd.Timestamp(periods[-1])
    pad = max((last - first) * 0.04, pd.Timedelta(days=200))
    return [(first - pad).strftime("%Y-%m-%d"), (last + pad).strftime("%Y-%m-%d")]


# --- breakdown --------------------------------------------------------------------------------------------------


def breakdown_figure(
    df: pd.DataFrame, *, title: str, unit: str, decimals: int, source_line: str, focus_name: str | None,
) -> go.Figure:
    """Grouped horizontal bars: categories on the y axis (first category on top), one bar per region.

    df: name (region), category, value (float, NaN = gap), flag (str).
    """
    data = df.copy()
    data["flag"] = data["flag"].fillna("").astype(str) if "flag" in data else ""
    data["category"] = data["category"].astype(str).map(plain_text)  # category names are the axis labels
    data["name"] = data["name"].astype(str).map(plain_text)
    focus_name = None if focus_name is None else plain_text(focus_name)
    text_unit = plain_text(unit)
    categories = list(dict.fromkeys(data["category"]))
    regions = list(dict.fromkeys(data["name"]))
    fig = go.Figure()
    others = 0
    for region in regions:
        rows = data[data["name"].astype(str) == region].drop_duplicates("category")
        rows = rows.set_index(rows["category"].astype(str)).reindex(categories)
        focus = region == focus_name
        color = FOCUS_COLOR if focus else BAR_COLORS[others % len(BAR_COLORS)]
        pattern = "" if focus else BAR_PATTERNS[others % len(BAR_PATTERNS)]
        others += 0 if focus else 1
        fig.add_trace(_breakdown_bars(region, rows, categories, color, pattern, text_unit, decimals))
        missing = rows["value"].isna()
        if missing.any():
            fig.add_trace(_missing_labels(
                [f"{region} – {c}" for c, m in zip(categories, missing) if m],
                [c for c, m in zip(categories, missing) if m], rows.loc[missing, "flag"].fillna(""),
                legendgroup=region, offsetgroup=region, orientation="h",  # "h": grouped along y like the bars
            ))
    height = 150 + len(categories) * (len(regions) * ROW_HEIGHT + 16) + 24 * _legend_rows(fig)
    fig.update_layout(
        barmode="group", scattermode="group", bargap=0.25, bargroupgap=0.05, hovermode="closest",
        yaxis={"type": "category", "categoryorder": "array", "categoryarray": categories,
               "range": [len(categories) - 0.5, -0.5], "autorange": False},  # first on top
        xaxis={"title": {"text": text_unit}, "tickformat": ",", "range": _value_range(data["value"]), "showline": True},
    )
    fig = apply_house_style(fig, title=title, source_line=source_line, unit=unit, height=max(height, 320))
    return _fixed_label_margin(fig, categories)


def _breakdown_bars(region, rows, categories, color, pattern, unit, decimals) -> go.Bar:
    values = pd.to_numeric(rows["value"], errors="coerce")
    flags = rows["flag"].fillna("")
    hover = [f"{region} – {c}: {_value_text(v, f, unit, decimals)}" for c, v, f in zip(categories, values, flags)]
    return go.Bar(
        x=values, y=categories, orientation="h", name=region, legendgroup=region, offsetgroup=region,
        marker={"color": color, "line": {"color": color, "width": 1},
                "pattern": {"shape": pattern, "fillmode": "overlay", "fgcolor": "white", "solidity": 0.35}},
        text=["" if pd.isna(v) else fmt.fmt_number(v, decimals) for v in values], textposition="outside",
        cliponaxis=False, textfont={"size": FONT_SIZE}, customdata=hover, hovertemplate=_HOVER,
    )


def _missing_labels(names: list[str], ys: list, flags, *, legendgroup: str, offsetgroup: str | None = None,
                    orientation: str | None = None) -> go.Scatter:
    """"keine Angabe: …" written at the value axis where a bar would be; the hover names the region."""
    texts = [fmt.fmt_missing(f) for f in flags]
    return go.Scatter(
        x=[0] * len(ys), y=ys, mode="text", text=texts, textposition="middle right", showlegend=False,
        name="keine Angabe", legendgroup=legendgroup, offsetgroup=offsetgroup, orientation=orientation,
        cliponaxis=False, textfont={"size": SOURCE_SIZE, "color": MUTED_COLOR},
        customdata=[f"{n}: {t}" for n, t in zip(names, texts)], hovertemplate=_HOVER,
    )


def _value_range(values, extra=()) -> list[float]:
    """An axis range from 0 that leaves room for the value labels outside the bars."""
    numbers = [float(v) for v in list(pd.to_numeric(pd.Series(values), errors="coerce").dropna()) + list(extra)]
    low, high = min([0.0, *numbers]), max([0.0, *numbers])
    pad = (high - low) * 0.14 or 1.0
    return [low - pad if low < 0 else 0.0, high + pad if high > 0 else 0.0]


# --- ranking ----------------------------------------------------------------------------------------------------


def ranking_figure(
    df: pd.DataFrame, *, title: str, unit: str, decimals: int, source_line: str, focus_ags: str | None,
    highlight_ags=(), reference_value: float | None = None, reference_label: str = "",
) -> go.Figure:
    """Districts as horizontal bars, largest on top; districts without a value at the bottom.

    df: ags, name, value (float, NaN = gap), flag (str).  The focus district is blue with a bold "▶ name" label,
    highlight_ags green and hatched, all others grey.  reference_value (e.g. the Land) is a dashed vertical line.
    """
    data = _ranking_frame(df)
    text_unit = plain_text(unit)
    highlight = {str(a) for a in highlight_ags}
    data["role"] = [
        "focus" if a == focus_ags else "highlight" if a in highlight else "other" for a in data["ags"]
    ]
    fig = go.Figure()
    ranked = data[data["value"].notna()]
    for role, name, color, pattern in (
        ("focus", _first(data.loc[data["role"] == "focus", "name"]), FOCUS_COLOR, ""),
        ("highlight", "Vergleichskreise", HIGHLIGHT_COLOR, "/"),
        ("other", "weitere Kreise", OTHER_BAR_COLOR, ""),
    ):
        rows = ranked[ranked["role"] == role]
        if not rows.empty:
            fig.add_trace(_ranking_bars(rows, name, color, pattern, text_unit, decimals))
    missing = data[data["value"].isna()]
    if not missing.empty:
        fig.add_trace(_missing_labels(list(missing["name"]), list(missing["ags"]), missing["flag"],
                                      legendgroup="keine Angabe"))
    labels = [f"<b>▶ {n}</b>" if r == "focus" else n for n, r in zip(data["name"], data["role"])]
    fig.update_layout(
        barmode="overlay", bargap=0.25, hovermode="closest",
        yaxis={"type": "category", "categoryorder": "array", "categoryarray": list(data["ags"]),
               "range": [len(data) - 0.5, -0.5], "autorange": False,
               "tickmode": "array", "tickvals": list(data["ags"]), "ticktext": labels},
        xaxis={"title": {"text": text_unit}, "tickformat": ",", "showline": True,
               "range": _value_range(data["value"], [] if reference_value is None else [reference_value])},
    )
    if reference_value is not None and not fmt.is_missing(reference_value) and not data.empty:
        _add_reference(fig, float(reference_value), plain_text(reference_label), text_unit, decimals,
                       first_row=data["ags"].iloc[0])
    height = 170 + ROW_HEIGHT * len(data)
    fig = apply_house_style(fig, title=title, source_line=source_line, unit=unit, height=max(height, 320))
    return _fixed_label_margin(fig, [f"▶ {n}" for n in data["name"]])


def _ranking_frame(df: pd.DataFrame) -> pd.DataFrame:
    data = df.copy()
    data["ags"] = data["ags"].astype(str)
    data["name"] = data["name"].astype(str).map(plain_text)  # names are labels, legend entries and hovers
    data["value"] = pd.to_numeric(data["value"], errors="coerce").astype(float)
    data["flag"] = data["flag"].fillna("").astype(str) if "flag" in data else ""
    ranked = data[data["value"].notna()].sort_values("value", ascending=False, kind="stable")
    missing = data[data["value"].isna()].sort_values("name", kind="stable")
    if "rank" not in data:  # 1 = highest; ties share a rank, as queries/ranking.sql counts
        ranked["rank"] = ranked["value"].rank(method="min", ascending=False).astype(int)
    if "ranked" not in data:
        ranked["ranked"] = len(ranked)
    return pd.concat([ranked, missing], ignore_index=True)


def _ranking_bars(rows, name, color, pattern, unit, decimals) -> go.Bar:
    hover = [
        f"{n}: {_value_text(v, f, unit, decimals)}<br>Rang {int(rank)} von {int(count)}"
        for n, v, f, rank, count in zip(rows["name"], rows["value"], rows["flag"], rows["rank"], rows["ranked"])
    ]
    return go.Bar(
        x=rows["value"], y=rows["ags"], orientation="h", name=name, legendgroup=name,
        marker={"color": color, "line": {"color": color, "width": 1},
                "pattern": {"shape": pattern, "fillmode": "overlay", "fgcolor": "white", "solidity": 0.35}},
        text=[fmt.fmt_number(v, decimals) for v in rows["value"]], textposition="outside", cliponaxis=False,
        textfont={"size": FONT_SIZE - 1}, customdata=hover, hovertemplate=_HOVER,
    )


def _add_reference(fig: go.Figure, value: float, label: str, unit: str, decimals: int, *, first_row: str) -> None:
    """A dashed vertical line, labelled at its foot (the bottom rows hold the shortest bars) and in the legend."""
    text = f"{label}: {fmt.fmt_value(value, unit, decimals)}" if label else fmt.fmt_value(value, unit, decimals)
    fig.add_shape(type="line", name="reference", xref="x", yref="paper", x0=value, x1=value, y0=0, y1=1,
                  line={"color": LAND_COLOR, "width": 2.5, "dash": "dash"}, layer="above")
    fig.add_annotation(name="reference", text=text, showarrow=False, xref="x", yref="paper", x=value, y=0,
                       xanchor="left", yanchor="bottom", xshift=4, yshift=2,
                       font={"size": FONT_SIZE - 1, "color": TEXT_COLOR}, bgcolor="rgba(255,255,255,0.9)")
    # a legend entry for the line (y on an existing row: a None category would add an empty row)
    fig.add_trace(go.Scatter(x=[None], y=[first_row], mode="lines", name=text, hoverinfo="skip",
                             line={"color": LAND_COLOR, "width": 2.5, "dash": "dash"}))


def _first(values) -> str:
    values = list(values)
    return str(values[0]) if values else ""


# --- choropleth -------------------------------------------------------------------------------------------------


def choropleth_figure(
    df: pd.DataFrame, *, boundaries_url: str, title: str, unit: str, decimals: int, source_line: str,
    focus_ags: str | None, classes: int = 5, method: str = "quantile", outlines_url: str | None = None,
) -> go.Figure:
    """A district map in ``classes`` classes (method "quantile" or "equal"): an SVG ``go.Choropleth`` without base map.

    df: ags, name, value (float, NaN = gap), flag (str).  ``boundaries_url``: where the browser fetches the
    district GeoJSON (features with ``properties.ags``; static/kreise_simplified.geojson, served by Streamlit), so the
    boundaries travel once per browser and not with every rerun; plotly.js keeps a fetched GeoJSON for all later
    figures.  Each class is one trace with a German legend entry ("10,0 bis unter 12,5 %"); districts without a
    value are grey ("keine Angabe"); the focus is outlined in black.  ``outlines_url`` (the Länder, same
    ``properties.ags``) draws the borders of the Länder present in df as dark lines on top.
    """
    data = _ranking_frame(df)
    text_unit = plain_text(unit)
    edges = class_edges(data["value"], classes, method, decimals)
    labels = class_labels(edges, text_unit, decimals)
    colors = sample_colorscale("Blues", list(np.linspace(0.2, 0.95, len(labels)))) if labels else []
    data["class"] = _classify(data["value"], edges, decimals)
    fig = go.Figure()
    # An empty class keeps its legend entry (equal intervals: the scale stays whole); no values, no classes.
    for i, (label, color) in enumerate(zip(labels, colors) if data["value"].notna().any() else []):
        fig.add_trace(_map_trace(data[data["class"] == i], boundaries_url, label, color, text_unit, decimals))
    missing = data[data["value"].isna()]
    if not missing.empty:
        fig.add_trace(_map_trace(missing, boundaries_url, "keine Angabe", MISSING_COLOR, text_unit, decimals))
    if outlines_url:
        laender = sorted({ags[:2] for ags in data["ags"]})
        fig.add_trace(_outline_trace(laender, outlines_url, name="Ländergrenzen",
                                     line={"color": TEXT_COLOR, "width": 1.4}))
    focus = data[data["ags"] == focus_ags]
    if not focus.empty:
        fig.add_trace(_outline_trace(list(focus["ags"]), boundaries_url,
                                     name=f"▶ {focus['name'].iloc[0]} (schwarz umrandet)",
                                     line={"color": BLACK, "width": 3}))
    fig.update_layout(geo=_MAP_GEO, legend={"traceorder": "normal"}, hovermode="closest", clickmode="event+select")
    fig = apply_house_style(fig, title=title, source_line=source_line, unit=unit, height=620)
    fig.update_layout(legend={"orientation": "v", "x": 0, "y": 1, "yanchor": "top",
                              "bgcolor": "rgba(255,255,255,0.85)"},
                      margin={"t": 18 + 26 * len(_wrap(_title_with_unit(title, unit), TITLE_WRAP))})
    return fig


# No base map (plotly.js still loads static/world_110m.json, an empty topojson, see PLOTLY_CONFIG["topojsonURL"]);
# the view fits the districts drawn; Mercator keeps Germany's familiar shape.
_MAP_GEO = {"visible": False, "resolution": 110, "fitbounds": "locations", "projection": {"type": "mercator"},
            "bgcolor": "white"}


def class_edges(values, classes: int = 5, method: str = "quantile", decimals: int = 1) -> list[float]:
    """Inner class boundaries, rounded to ``decimals`` and distinct (fewer classes when values tie)."""
    numbers = pd.to_numeric(pd.Series(values), errors="coerce").dropna().round(decimals)
    if numbers.empty or classes < 2:
        return []
    if method == "quantile":
        raw = np.quantile(numbers, np.linspace(0, 1, classes + 1)[1:-1])
    elif method == "equal":
        raw = np.linspace(numbers.min(), numbers.max(), classes + 1)[1:-1]
    else:
        raise ValueError(f"Unbekannte Klassenbildung „{method}“ (erwartet: quantile, equal)")
    rounded = {round(float(e), decimals) for e in raw}
    return sorted(e for e in rounded if numbers.min() < e <= numbers.max())


def class_labels(edges: list[float], unit: str, decimals: int) -> list[str]:
    """German legend labels: "unter 10,0 %", "10,0 bis unter 12,5 %", "12,5 % und mehr"."""
    if not edges:
        return ["alle Werte"]
    number = [fmt.fmt_value(e, unit, decimals) for e in edges]
    plain = [fmt.fmt_number(e, decimals) for e in edges]
    labels = [f"unter {number[0]}"]
    labels += [f"{plain[i]} bis unter {number[i + 1]}" for i in range(len(edges) - 1)]
    labels.append(f"{number[-1]} und mehr")
    return labels


def _classify(values: pd.Series, edges: list[float], decimals: int) -> pd.Series:
    rounded = pd.to_numeric(values, errors="coerce").round(decimals)
    index = np.searchsorted(edges, rounded.to_numpy(), side="right")
    return pd.Series(np.where(rounded.isna(), -1, index), index=values.index)


def _map_trace(rows, boundaries_url, name, color, unit, decimals) -> go.Choropleth:
    hover = [f"<b>{n}</b>: {_value_text(v, f, unit, decimals)}" + (f"<br>Rang {int(r)} von {int(k)}" if pd.notna(r) else "")
             for n, v, f, r, k in zip(rows["name"], rows["value"], rows["flag"], rows["rank"], rows["ranked"])]
    return go.Choropleth(
        geojson=boundaries_url, featureidkey="properties.ags", locations=list(rows["ags"]), z=[0] * len(rows),
        name=name, colorscale=[[0, color], [1, color]], showscale=False, showlegend=True,
        marker={"line": {"color": "white", "width": 0.6}}, customdata=hover, hovertemplate=_HOVER,
    )


def _outline_trace(codes, boundaries_url, *, name, line) -> go.Choropleth:
    """Borders only: a transparent fill that neither hovers nor takes clicks from the districts beneath."""
    return go.Choropleth(
        geojson=boundaries_url, featureidkey="properties.ags", locations=codes, z=[0] * len(codes), name=name,
        colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale=False, showlegend=name.startswith("▶"),
        marker={"line": line}, hoverinfo="skip",
    )


def scatter_figure(
    df: pd.DataFrame, *, title: str, x_title: str, y_title: str, x_decimals: int, y_decimals: int, source_line: str,
    focus_ags: str | None, highlight_ags: tuple[str, ...] = (),
) -> go.Figure:
    """Two indicators for all districts: grey dots, the chosen district a large blue diamond with its name,
    highlighted districts green squares with their names (shape and label, not colour alone, tell them apart).

    df: ags, name, x, y (floats; rows with a gap in either are not plotted).
    """
    data = df.dropna(subset=["x", "y"]).assign(name=lambda d: d["name"].astype(str).map(plain_text))
    x_title, y_title = plain_text(x_title), plain_text(y_title)
    groups = [
        ("weitere Kreise", data[~data["ags"].isin({focus_ags, *highlight_ags})], OTHER_BAR_COLOR, "circle", 9, False),
        ("Vergleichskreise", data[data["ags"].isin(highlight_ags) & (data["ags"] != focus_ags)], HIGHLIGHT_COLOR,
         "square", 12, True),
        (None, data[data["ags"] == focus_ags], FOCUS_COLOR, "diamond", 17, True),
    ]
    fig = go.Figure()
    for name, rows, color, symbol, size, labelled in groups:
        if rows.empty:
            continue
        hover = [f"<b>{n}</b><br>{x_title}: {fmt.fmt_number(x, x_decimals)}<br>{y_title}: {fmt.fmt_number(y, y_decimals)}"
                 for n, x, y in zip(rows["name"], rows["x"], rows["y"])]
        fig.add_trace(go.Scatter(
            x=rows["x"], y=rows["y"], mode="markers+text" if labelled else "markers",
            text=list(rows["name"]) if labelled else None, textposition="top center",
            name=name or f"▶ {rows['name'].iloc[0]}", customdata=hover, hovertemplate=_HOVER,
            marker={"color": color, "symbol": symbol, "size": size, "line": {"color": "white", "width": 1}},
        ))
    fig.update_layout(xaxis_title=x_title, yaxis_title=y_title, hovermode="closest")
    return apply_house_style(fig, title=title, source_line=source_line, unit="")
