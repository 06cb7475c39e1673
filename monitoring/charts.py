"""Figure builders: pure functions that take a DataFrame and return a Plotly figure in the house style.

Why one module of this size: the house style and the builders that share its constants (time series are
charts_series.py, the Kreisvergleich's map and scatter charts_kreisvergleich.py).

No SQL, no Streamlit: a page runs a query, hands the frame to a builder and shows ``screen_figure(fig)`` through
monitoring.ui.show_chart: the title as text above the chart, then ``st.plotly_chart(..., theme=None,
config=PLOTLY_CONFIG)`` (``theme=None`` keeps this style; the config hides the Plotly logo and speaks German).  The
built figure keeps its title: exports, slides and the report use it.

House style (``apply_house_style``), chosen for a Kreistag projector, an officer's desktop and a phone:

- German numbers: ``separators=",."`` (Plotly in Streamlit knows only the English locale); every number a reader
  sees in a tooltip or bar label is text made by ``monitoring.fmt`` (``hovertemplate="%{customdata}"``), never
  Plotly's d3 formatting.  Dates are written by us too: tick labels are explicit, the unified hover title uses only
  numeric d3 date directives ("%d.%m.%Y"), which no locale changes.
- System font stack (no web fonts: works offline), white background, title 20 px naming the unit, axes and legend
  16 px, the source line 12 px grey (#595959, 7:1 contrast) left-aligned under the plot area as an annotation in
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

"""
from __future__ import annotations

import math
import re
import textwrap

import pandas as pd
import plotly.graph_objects as go

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
FONT_SIZE = 16  # axes, legend, labels: 16 px on a projector (1920 × 1080) and on a phone alike
SOURCE_SIZE = 12
DEFAULT_HEIGHT = 450
MIN_PLOT_HEIGHT = 200  # px of plot area a chart keeps, whatever its title and source line take
# Plotly does not wrap text: lines are broken here, at widths that still fit a phone's chart (about 340 px), so
# a title or source line is never cut off there; on a wide screen they simply take a line more.
TITLE_WRAP = 34  # characters per title line
SOURCE_WRAP = 46  # characters per source line
CATEGORY_WRAP = 16  # characters per line of a breakdown's category label
LEGEND_WIDTH_PX = 340  # the narrowest chart the legend's rows are counted for (a phone)
ROW_HEIGHT = 22  # px per district in a ranking
# A value label's width, estimated for the narrowest ranking plot (a phone: 390 px less the names' margin)
LABEL_CHAR_PX = 9
NARROW_PLOT_PX = 220
HOUSE_LEFT_MARGIN = 64  # px: value tick labels and the axis title
# The source line starts this far from the chart's left edge, not at the plot area (which an axis title at 16 px
# pushes right): its SOURCE_WRAP letters then fit a phone's chart.
SOURCE_LEFT_PX = 16

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
SHARE_UNIT = "Anteil je Region in %"  # a breakdown of counts of regions of very different size (use_shares)
HOVER = "%{customdata}<extra></extra>"


# --- house style ------------------------------------------------------------------------------------------------


def apply_house_style(
    fig: go.Figure, *, title: str, source_line: str, unit: str, height: int | None = None,
    min_plot_height: int = MIN_PLOT_HEIGHT,
) -> go.Figure:
    """Title with unit, German separators, fonts, colours, legend, margins and the source line; returns fig.

    title, unit and source_line are plain text (escaped here: Plotly must not read markup in them).  The figure is
    at least as high as its title, legend and source line need beside a plot area of min_plot_height.
    """
    title_lines = wrap_lines(plain_text(title_with_unit(title, unit)), TITLE_WRAP)
    source_lines = wrap_lines(plain_text(source_line), SOURCE_WRAP)
    height = int(height or fig.layout.height or DEFAULT_HEIGHT)
    legend_px = 24 * _legend_rows(fig) + 6
    # 28 px a line, plus the 12 px a line the title is moved down by (see "y" below): the legend starts clear of it
    title_px = 10 + 28 * len(title_lines) + 12 * (len(title_lines) - 1)
    top = 8 + title_px + legend_px
    # tick labels, then the axis title, each a line of FONT_SIZE with its distance
    below_axis = round(2.1 * FONT_SIZE) + (round(1.9 * FONT_SIZE) if fig.layout.xaxis.title.text else 0)
    bottom = below_axis + 8 + 16 * len(source_lines) + 6
    # Titles and source lines wrapped for a phone can take half a chart: the figure grows instead of squeezing the
    # plot area below a readable height.
    height = max(height, top + bottom + min_plot_height)
    plot_height = height - top - bottom
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
        meta={"source": source_line, "title_px": title_px},
    )
    font = {"family": FONT_FAMILY, "size": FONT_SIZE, "color": TEXT_COLOR}
    axis = {"tickfont": font, "title": {"font": font}, "gridcolor": GRID_COLOR,
            "linecolor": MUTED_COLOR, "zerolinecolor": "#BDBDBD", "automargin": True}
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis)
    fig.layout.annotations = [a for a in fig.layout.annotations if a.name != "source"]
    fig.add_annotation(
        name="source", text="<br>".join(source_lines), showarrow=False, xshift=SOURCE_LEFT_PX - HOUSE_LEFT_MARGIN,
        xref="paper", yref="paper", x=0, y=-below_axis / plot_height, xanchor="left", yanchor="top", align="left",
        font={"family": FONT_FAMILY, "size": SOURCE_SIZE, "color": MUTED_COLOR},
    )
    return fig


def screen_figure(fig: go.Figure) -> go.Figure:
    """A copy of a house-style figure as the dashboard shows it: without its title, which the page writes as text
    above the chart (``title_text``), where it wraps at the chart's real width -- Plotly cannot wrap a title, so the
    figure's own is broken for a phone and took three lines on a projector.  The plot area keeps its height; the
    figure with its title stays what exports, slides and the report use."""
    screen = go.Figure(fig)
    title_px = int((screen.layout.meta or {}).get("title_px", 0))
    top = screen.layout.margin.t
    if screen.layout.title.text and title_px and top is not None:
        saved = min(title_px, max(top - 8, 0))
        screen.update_layout(margin={"t": top - saved}, height=(screen.layout.height or DEFAULT_HEIGHT) - saved)
    screen.update_layout(title={"text": ""}, meta={**(screen.layout.meta or {}), "title": title_text(fig)})
    return screen


def title_text(fig: go.Figure) -> str:
    """A figure's title as one line of HTML-escaped text (the line breaks made for Plotly removed)."""
    return re.sub(r"\s*<br>\s*", " ", fig.layout.title.text or "").strip()


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
    fig.update_annotations(selector={"name": "source"}, xshift=SOURCE_LEFT_PX - left)
    return fig


_NOT_AN_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);)")


def plain_text(text) -> str:
    """Text from data as Plotly shows it literally: "&", "<" and ">" escaped ("<b>x</b>" stays "<b>x</b>" on
    screen, not bold).  Idempotent: text escaped already (a source line, "&amp;") is left as it is."""
    text = "" if text is None else str(text)
    return _NOT_AN_ENTITY.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")


def title_with_unit(title: str, unit: str) -> str:
    unit = (unit or "").strip()
    if not unit or unit in title:
        return title
    return f"{title} (in %)" if unit == "%" else f"{title} ({unit})"


def with_shown_unit(title: str, unit: str, shown: str) -> str:
    """The title with the unit its figure shows instead of the data's ("(Personen)" becomes "(Index, 2015 = 100)"
    or "(Anteil je Region in %)"); appended where the title names no unit."""
    own = f"({unit})"
    return title.replace(own, f"({shown})") if unit and own in title else f"{title} ({shown})"


def wrap_lines(text: str, width: int) -> list[str]:
    return textwrap.wrap(text or "", width=width, break_long_words=False, break_on_hyphens=False) or [""]


def _legend_rows(fig: go.Figure, width_px: int = LEGEND_WIDTH_PX) -> int:
    """Rows a horizontal legend needs on the narrowest chart (a guess: Plotly wraps it itself); on a wider one the
    legend needs fewer and leaves a little room, never overlapping the title."""
    names = [str(t.name or "") for t in fig.data if t.showlegend is not False and t.name]
    if not names:
        return 0
    rows, used = 1, 0
    for name in names:
        entry = 48 + 0.54 * FONT_SIZE * len(name)  # symbol and gap, then the name's letters
        if used and used + entry > width_px:
            rows, used = rows + 1, 0
        used += entry
    return rows


def value_text(value, flag, unit: str, decimals: int) -> str:
    """"12,3 %", "12,3 % (vorläufig)" or, for a gap, "keine Angabe: Zahlenwert nicht sicher genug"."""
    if fmt.is_missing(value):
        return fmt.fmt_missing(flag)
    note = fmt.flag_note(flag)
    return fmt.fmt_value(value, unit, decimals) + (f" ({note})" if note else "")


# --- breakdown --------------------------------------------------------------------------------------------------


def breakdown_figure(
    df: pd.DataFrame, *, title: str, unit: str, decimals: int, source_line: str, focus_name: str | None,
) -> go.Figure:
    """Grouped horizontal bars: categories on the y axis (first category on top), one bar per region.

    df: name (region), category, value (float, NaN = gap), flag (str).  Counts of regions of very different size
    are shown as each region's shares (``use_shares``; the hover keeps the count).
    """
    data = df.copy()
    data["flag"] = data["flag"].fillna("").astype(str) if "flag" in data else ""
    data["count"] = float("nan")
    count_unit = ""  # with shares: the unit of the counts, which the hover keeps
    if use_shares(data, unit):
        data["count"] = data["value"]
        data["value"] = data["value"] / data.groupby("name")["value"].transform("sum") * 100
        title = with_shown_unit(title, unit, SHARE_UNIT)
        count_unit, unit, decimals = plain_text(unit), "%", 1
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
        fig.add_trace(_breakdown_bars(region, rows, categories, color, pattern, text_unit, decimals, count_unit))
        missing = rows["value"].isna()
        if missing.any():
            fig.add_trace(_missing_labels(
                [f"{region} – {c}" for c, m in zip(categories, missing) if m],
                [c for c, m in zip(categories, missing) if m], rows.loc[missing, "flag"].fillna(""),
                legendgroup=region, offsetgroup=region, orientation="h",  # "h": grouped along y like the bars
            ))
    height = 150 + len(categories) * (len(regions) * ROW_HEIGHT + 16) + 24 * _legend_rows(fig)
    # long category names in lines: on a phone a one-line "anerkannter Berufsabschluss" left the bars 40 px
    labels = ["<br>".join(wrap_lines(c, CATEGORY_WRAP)) for c in categories]
    fig.update_layout(
        barmode="group", scattermode="group", bargap=0.25, bargroupgap=0.05, hovermode="closest",
        yaxis={"type": "category", "categoryorder": "array", "categoryarray": categories,
               "range": [len(categories) - 0.5, -0.5], "autorange": False,  # first on top
               "tickmode": "array", "tickvals": categories, "ticktext": labels},
        xaxis={"title": {"text": plain_text(SHARE_UNIT) if count_unit else text_unit}, "tickformat": ",",
               "range": _value_range(data["value"]), "showline": True},
    )
    fig = apply_house_style(fig, title=title, source_line=source_line, unit=unit, height=max(height, 320))
    return _fixed_label_margin(fig, [line for label in labels for line in label.split("<br>")])


def use_shares(df: pd.DataFrame, unit: str) -> bool:
    """Whether a breakdown shows each region's categories as shares of its total: a count whose regions differ more
    than INDEX_RATIO-fold in size -- Rastatt's 10 naturalisations from Africa beside Germany's 11.416 are no bar."""
    return (unit or "").strip() in COUNT_UNITS and regions_differ_in_size(df["value"], df["name"])


def regions_differ_in_size(values: pd.Series, regions: pd.Series) -> bool:
    """Whether the regions' typical values (the median of each one's positive values) differ more than
    INDEX_RATIO-fold: a Kreis of 230.000 beside a Land of 11 Mio."""
    values = pd.to_numeric(values, errors="coerce")
    typical = values[values > 0].groupby(regions.astype(str)).median()
    return bool(len(typical) > 1 and typical.max() / typical.min() > INDEX_RATIO)


def _breakdown_bars(region, rows, categories, color, pattern, unit, decimals, count_unit="") -> go.Bar:
    """One region's bars; with count_unit the values are shares and the hover adds the count ("3,6 % (10 Personen)")."""
    values = pd.to_numeric(rows["value"], errors="coerce")
    flags = rows["flag"].fillna("")
    hover = [f"{region} – {c}: {value_text(v, f, unit, decimals)}" for c, v, f in zip(categories, values, flags)]
    if count_unit:
        hover = [h if pd.isna(n) else f"{h} ({fmt.fmt_value(n, count_unit, 0)})" for h, n in zip(hover, rows["count"])]
    return go.Bar(
        x=values, y=categories, orientation="h", name=region, legendgroup=region, offsetgroup=region,
        marker={"color": color, "line": {"color": color, "width": 1},
                "pattern": {"shape": pattern, "fillmode": "overlay", "fgcolor": "white", "solidity": 0.35}},
        text=["" if pd.isna(v) else fmt.fmt_number(v, decimals) for v in values], textposition="outside",
        cliponaxis=False, textfont={"size": FONT_SIZE}, constraintext="none",  # never shrunk below FONT_SIZE
        customdata=hover, hovertemplate=HOVER,
    )


def _missing_labels(names: list[str], ys: list, flags, *, legendgroup: str, offsetgroup: str | None = None,
                    orientation: str | None = None) -> go.Scatter:
    """"keine Angabe: …" written at the value axis where a bar would be; the hover names the region."""
    texts = [fmt.fmt_missing(f) for f in flags]
    return go.Scatter(
        x=[0] * len(ys), y=ys, mode="text", text=texts, textposition="middle right", showlegend=False,
        name="keine Angabe", legendgroup=legendgroup, offsetgroup=offsetgroup, orientation=orientation,
        cliponaxis=False, textfont={"size": SOURCE_SIZE, "color": MUTED_COLOR},
        customdata=[f"{n}: {t}" for n, t in zip(names, texts)], hovertemplate=HOVER,
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
    data = ranking_frame(df)
    text_unit = plain_text(unit)
    highlight = {str(a) for a in highlight_ags}
    data["role"] = [
        "focus" if a == focus_ags else "highlight" if a in highlight else "other" for a in data["ags"]
    ]
    fig = go.Figure()
    ranked = data[data["value"].notna()]
    value_range = _value_range(data["value"], [] if reference_value is None else [reference_value])
    for role, name, color, pattern in (
        ("focus", _first(data.loc[data["role"] == "focus", "name"]), FOCUS_COLOR, ""),
        ("highlight", "Vergleichskreise", HIGHLIGHT_COLOR, "/"),
        ("other", "weitere Kreise", OTHER_BAR_COLOR, ""),
    ):
        rows = ranked[ranked["role"] == role]
        if not rows.empty:
            bars = _ranking_bars(rows, name, color, pattern, text_unit, decimals)
            bars.textposition = label_positions(rows["value"], bars.text, reference_value, value_range)
            fig.add_trace(bars)
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
               "range": value_range},
    )
    if reference_value is not None and not fmt.is_missing(reference_value) and not data.empty:
        _add_reference(fig, float(reference_value), plain_text(reference_label), text_unit, decimals,
                       first_row=data["ags"].iloc[0])
    height = 170 + ROW_HEIGHT * len(data)
    fig = apply_house_style(fig, title=title, source_line=source_line, unit=unit, height=max(height, 320))
    return _fixed_label_margin(fig, [f"▶ {n}" for n in data["name"]])


def ranking_frame(df: pd.DataFrame) -> pd.DataFrame:
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


def label_positions(values, texts, reference: float | None, value_range) -> list[str]:
    """Where each bar's value label goes: outside the bar's end, unless that would put it across the reference line.

    A bar ending just short of the line would write its label over the dashed line: that label goes inside the bar,
    left of the bar's end, when the bar is long enough to hold it.  The label's width is estimated for the narrowest
    plot a ranking gets (a phone), so it errs towards moving a label rather than letting it touch the line."""
    if reference is None or fmt.is_missing(reference):
        return ["outside"] * len(texts)
    span = float(value_range[1] - value_range[0]) or 1.0
    positions = []
    for value, text in zip(values, texts):
        width = (len(text) + 1) * LABEL_CHAR_PX / NARROW_PLOT_PX * span
        crosses = value <= reference < value + width
        positions.append("inside" if crosses and value - value_range[0] > width else "outside")
    return positions


def _ranking_bars(rows, name, color, pattern, unit, decimals) -> go.Bar:
    hover = [
        f"{n}: {value_text(v, f, unit, decimals)}<br>Rang {int(rank)} von {int(count)}"
        for n, v, f, rank, count in zip(rows["name"], rows["value"], rows["flag"], rows["rank"], rows["ranked"])
    ]
    return go.Bar(
        x=rows["value"], y=rows["ags"], orientation="h", name=name, legendgroup=name,
        marker={"color": color, "line": {"color": color, "width": 1},
                "pattern": {"shape": pattern, "fillmode": "overlay", "fgcolor": "white", "solidity": 0.35}},
        text=[fmt.fmt_number(v, decimals) for v in rows["value"]], textposition="outside", cliponaxis=False,
        textfont={"size": FONT_SIZE - 1}, insidetextanchor="end", constraintext="none",
        # a label moved inside its bar (label_positions): readable on the bar's colour
        insidetextfont={"size": FONT_SIZE - 1, "color": "white" if color == FOCUS_COLOR else TEXT_COLOR},
        customdata=hover, hovertemplate=HOVER,
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
