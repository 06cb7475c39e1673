"""The figure of a goal: its indicator's values, the baseline, the target and the straight path between them (pure)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from . import fmt
from .charts import BLACK, FOCUS_COLOR, GREEN, MUTED_COLOR, SOURCE_SIZE, apply_house_style, plain_text
from .goals import Assessment, Goal

HOVER = "%{customdata}<extra></extra>"


def goal_figure(frame: pd.DataFrame, goal: Goal, assessment: Assessment, *, title: str, unit: str, decimals: int,
                source_line: str, region: str) -> go.Figure:
    """frame: year, value (NaN = gap), is_break of the goal's lead indicator for one region (the series query).

    Lines: the region's values; a square for the baseline, a star for the target (marked "Beispiel" when the goal is
    one), and a dashed straight line from baseline to target -- where the values would have to run."""
    text_unit = plain_text(unit)
    data = every_year(frame)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=data["year"], y=data["value"], mode="lines+markers", name=plain_text(region),
        line={"color": FOCUS_COLOR, "width": 3}, marker={"symbol": "circle", "size": 7}, connectgaps=False,
        customdata=[f"{y}: {fmt.fmt_value(v, text_unit, decimals)}" for y, v in zip(data["year"], data["value"])],
        hovertemplate=HOVER,
    ))
    base_year, base_value = assessment.base_year, assessment.base_value
    if base_value is None and goal.baseline_value is not None:
        base_year, base_value = goal.baseline_year, goal.baseline_value
    if base_value is not None:
        fig.add_trace(go.Scatter(
            x=[base_year], y=[base_value], mode="markers", name="Ausgangswert",
            marker={"symbol": "square", "size": 12, "color": BLACK},
            customdata=[f"Ausgangswert {base_year}: {fmt.fmt_value(base_value, text_unit, decimals)}"],
            hovertemplate=HOVER,
        ))
    if goal.target_value is not None:
        label = "Zielwert (Beispiel)" if goal.example else "Zielwert"
        if base_value is not None:
            fig.add_trace(go.Scatter(
                x=[base_year, goal.target_year], y=[base_value, goal.target_value], mode="lines", name="Zielpfad",
                line={"color": GREEN, "width": 2, "dash": "dash"}, hoverinfo="skip",
            ))
        fig.add_trace(go.Scatter(
            x=[goal.target_year], y=[goal.target_value], mode="markers", name=label,
            marker={"symbol": "star", "size": 16, "color": GREEN, "line": {"color": BLACK, "width": 1}},
            customdata=[f"{label} {goal.target_year}: {fmt.fmt_value(goal.target_value, text_unit, decimals)}"],
            hovertemplate=HOVER,
        ))
    breaks = data.loc[data.get("is_break", pd.Series(False, index=data.index)).eq(True), "year"]
    for year in breaks:
        # the label inside the plot, at the line's foot: above it the legend sits
        fig.add_vline(x=year - 0.5, line={"color": MUTED_COLOR, "dash": "dot", "width": 1},
                      annotation={"text": "Bruch", "font": {"color": MUTED_COLOR, "size": SOURCE_SIZE},
                                  "bgcolor": "rgba(255,255,255,0.85)"},
                      annotation_position="bottom right")
    fig.update_xaxes(tickformat="d", title_text="")
    fig.update_yaxes(title_text=text_unit, rangemode="tozero" if unit == "%" else "normal")
    fig.update_layout(hovermode="closest")
    return apply_house_style(fig, title=title, source_line=source_line, unit=unit, height=380)


def every_year(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per year from the first to the last, a missing year as an empty value: the line breaks there
    instead of running straight across years without a figure (connectgaps=False needs the empty row)."""
    data = frame.sort_values("year").drop_duplicates("year", keep="last")
    if data.empty:
        return data
    years = range(int(data["year"].min()), int(data["year"].max()) + 1)
    return data.set_index("year").reindex(years).rename_axis("year").reset_index()
