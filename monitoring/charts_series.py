"""The time-series builder (the house style is monitoring/charts.py): the district against its Land, Germany and
chosen districts over the years.

- A missing year is a gap: a line is never drawn across a period without a row; a special value is a hollow marker
  in a narrow "k. A." strip under the axis; a value standing alone is a marker.
- Counts of regions of very different size are shown as an index (first common year = 100), never on one axis.
- A series break is a dotted vertical line labelled "Bruch"; values the plausibility rules flag get a red ring.
- The title names the years the data covers, not the filter's.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from . import fmt
from .charts import (
    COUNT_UNITS,
    FOCUS_COLOR,
    GERMANY_AGS,
    GERMANY_COLOR,
    HOVER,
    LAND_COLOR,
    MUTED_COLOR,
    OTHER_COLORS,
    OTHER_SYMBOLS,
    SOURCE_SIZE,
    VERMILLION,
    apply_house_style,
    plain_text,
    regions_differ_in_size,
    title_with_unit,
    value_text,
    with_shown_unit,
    wrap_lines,
)

_UNIFIED_HOVER_TITLE = {
    "Stichtag": "%{x|%d.%m.%Y}",
    "Jahr": "%{x|%Y}",
    "Jahresdurchschnitt": "Jahresdurchschnitt %{x|%Y}",
    "Schuljahr": "Schuljahr",  # d3 cannot write "2015/16": the rows name the school year
}


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
        base = with_shown_unit(base, unit, axis_unit)
    else:
        base = title_with_unit(base, unit)
    years = covered_years(df, period_type)
    return f"{base}, {years}" if years else base


def use_index(df: pd.DataFrame, unit: str, scale: str = "auto") -> bool:
    """Whether a time series is shown as an index: scale "index", or "auto" for a count whose regions differ more
    than INDEX_RATIO-fold (median of each region's values; a Kreis of 230.000 beside a Land of 11 Mio.)."""
    if scale not in ("auto", "absolute", "index"):
        raise ValueError(f"Unbekannte Skala „{scale}“ (erwartet: auto, absolute, index)")
    if scale != "auto":
        return scale == "index"
    return (unit or "").strip() in COUNT_UNITS and regions_differ_in_size(df["value"], df["ags"])


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
        customdata=list(rows["hover"]), hovertemplate=HOVER,
    )


def _series_hover(row, unit: str, decimals: int, period_type: str) -> str:
    label = f"{row.name} ({fmt.fmt_period(row.period, period_type)})" if period_type == "Schuljahr" else row.name
    text = f"{label}: {value_text(row.value, row.flag, unit, decimals)}"
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
            hovertemplate=HOVER,
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
    hover = [f"{name}: auffälliger Wert<br>{'<br>'.join(wrap_lines(plain_text(message), 60))}"
             for name, message in zip(hits["name"], hits["message"])]
    fig.add_trace(go.Scatter(
        x=hits["period"], y=hits["value"].astype(float), mode="markers", name=FLAG_MARK_NAME, zorder=4,
        marker={"symbol": "circle-open", "size": 20, "color": VERMILLION, "line": {"width": 3}},
        customdata=hover, hovertemplate=HOVER,
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
    ticks = spaced_ticks(periods, 6)  # 6 labels fit a phone-wide chart (about 340 px) without rotation or overlap
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


def spaced_ticks(periods: list, most: int) -> list:
    """At most ``most`` tick positions among ``periods``: the newest always, then back in time each period at least
    a (``most`` - 1)-th of the whole span before the last one kept.  Spaced by time, not by count: where years are
    missing (2012–2015, then 2023–2025), labels of neighbouring years would run together on a phone ("20232025")."""
    stamps = [pd.Timestamp(p) for p in periods]
    if len(stamps) <= 1:
        return list(periods)
    least = (stamps[-1] - stamps[0]) / max(most - 1, 1)
    kept = [len(stamps) - 1]
    for i in range(len(stamps) - 2, -1, -1):
        if stamps[kept[-1]] - stamps[i] >= least * 0.999:  # equal steps count as far enough
            kept.append(i)
    return [periods[i] for i in reversed(kept)]


def _date_range(periods: list) -> list[str] | None:
    if not periods:
        return None
    first, last = pd.Timestamp(periods[0]), pd.Timestamp(periods[-1])
    pad = max((last - first) * 0.04, pd.Timedelta(days=200))
    return [(first - pad).strftime("%Y-%m-%d"), (last + pad).strftime("%Y-%m-%d")]
