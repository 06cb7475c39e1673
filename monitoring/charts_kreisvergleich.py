"""The Kreisvergleich's builders (the house style is monitoring/charts.py): the choropleth map of all districts of a
Land or of Germany in quantile or equal classes, and the scatter of two indicators."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from . import fmt
from .charts import (
    BLACK,
    FOCUS_COLOR,
    HIGHLIGHT_COLOR,
    HOVER,
    MISSING_COLOR,
    OTHER_BAR_COLOR,
    SOURCE_LEFT_PX,
    TEXT_COLOR,
    TITLE_WRAP,
    apply_house_style,
    plain_text,
    ranking_frame,
    screen_figure,
    title_with_unit,
    value_text,
    wrap_lines,
)

# --- choropleth -------------------------------------------------------------------------------------------------


MAP_PLOT_HEIGHT = 480  # px: Baden-Württemberg or Germany fills a laptop's screen with title and source


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
    data = ranking_frame(df)
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
    fig = apply_house_style(fig, title=title, source_line=source_line, unit=unit)
    # The legend stands inside the map, so the top needs room for the title only, and the plot area is the map's
    # own height.  The source line keeps its distance below it in pixels (it is placed in paper coordinates).
    top = 18 + 26 * len(wrap_lines(title_with_unit(title, unit), TITLE_WRAP))
    bottom = fig.layout.margin.b
    source = next(a for a in fig.layout.annotations if a.name == "source")
    source.y = source.y * (fig.layout.height - fig.layout.margin.t - bottom) / MAP_PLOT_HEIGHT
    fig.update_layout(legend={"orientation": "v", "x": 0, "y": 1, "yanchor": "top",
                              "bgcolor": "rgba(255,255,255,0.85)"},
                      margin={"t": top}, height=top + MAP_PLOT_HEIGHT + bottom)
    return fig


def map_screen_figure(fig: go.Figure) -> go.Figure:
    """The map as the dashboard shows it: without title (ui.show_chart writes it above) and without legend, which
    the page draws beside the map (map_legend_html) -- inside the figure it took a third of the width on a laptop,
    and Plotly cannot move it under the map on a phone only.  Exports keep the figure with both."""
    screen = screen_figure(fig)
    screen.update_layout(showlegend=False, margin={"l": 8, "r": 8})
    screen.update_annotations(selector={"name": "source"}, xshift=SOURCE_LEFT_PX - 8)  # from the edge, as elsewhere
    return screen


def map_legend_html(fig: go.Figure) -> str:
    """The map's legend as HTML: a swatch per class in its colour, "keine Angabe" grey, the chosen district
    outlined in black; the names are the figure's (escaped there)."""
    rows = []
    for trace in fig.data:
        if trace.showlegend is False or not trace.name:
            continue
        fill = trace.colorscale[0][1] if trace.colorscale else "transparent"
        outline = trace.marker.line.color if trace.name.startswith("▶") else "#BDBDBD"
        width = 3 if trace.name.startswith("▶") else 1
        rows.append(f'<li><span class="im-swatch" style="background:{fill};border:{width}px solid {outline}"></span>'
                    f"{trace.name}</li>")
    return f'<ul class="im-map-legend">{"".join(rows)}</ul>'


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
    hover = [f"<b>{n}</b>: {value_text(v, f, unit, decimals)}" + (f"<br>Rang {int(r)} von {int(k)}" if pd.notna(r) else "")
             for n, v, f, r, k in zip(rows["name"], rows["value"], rows["flag"], rows["rank"], rows["ranked"])]
    return go.Choropleth(
        geojson=boundaries_url, featureidkey="properties.ags", locations=list(rows["ags"]), z=[0] * len(rows),
        name=name, colorscale=[[0, color], [1, color]], showscale=False, showlegend=True,
        marker={"line": {"color": "white", "width": 0.6}}, customdata=hover, hovertemplate=HOVER,
    )


def _outline_trace(codes, boundaries_url, *, name, line) -> go.Choropleth:
    """Borders only: a transparent fill that neither hovers nor takes clicks from the districts beneath."""
    return go.Choropleth(
        geojson=boundaries_url, featureidkey="properties.ags", locations=codes, z=[0] * len(codes), name=name,
        colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale=False, showlegend=name.startswith("▶"),
        marker={"line": line}, hoverinfo="skip",
    )


SCATTER_PLOT_HEIGHT = 360  # px: two indicators want a plot not much lower than wide, and room for the axis titles
SCATTER_Y_TITLE_WRAP = 28  # characters per line of the vertical axis title (about 240 px at 16 px)


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
            name=name or f"▶ {rows['name'].iloc[0]}", customdata=hover, hovertemplate=HOVER,
            marker={"color": color, "symbol": symbol, "size": size, "line": {"color": "white", "width": 1}},
        ))
    # the vertical axis title in lines: "Arbeitslosenquote Ausländer (%), 2020" in one was longer than the plot is high
    fig.update_layout(xaxis_title=x_title, yaxis_title="<br>".join(wrap_lines(y_title, SCATTER_Y_TITLE_WRAP)),
                      hovermode="closest")
    return apply_house_style(fig, title=title, source_line=source_line, unit="", min_plot_height=SCATTER_PLOT_HEIGHT)
