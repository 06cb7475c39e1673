"""The floor for bench/bench_map.py: a bare Streamlit app with one ~400-polygon choropleth and a selectbox.

Copied from ../shared/bench-baseline/apps/choropleth.py (scenario "choro_geo_50v" of its RESULTS.md) and adapted:

  * BENCH_VERTS=50 by default, like our data/kreise_simplified.geojson (400 districts, median 49 vertices, ~19 900
    in all); the synthetic polygons keep full float precision and are embedded in the figure, as in the baseline;
  * the topojson config is only passed for BENCH_MAP=geo (a "map" trace needs no external resources; "geo" needs
    BENCH_TOPOJSON_URL=app/static/ and a static/ folder with an empty world_110m.json beside this file, which
    bench/bench_map.py sets up, or plotly's CDN).

Env vars:
  BENCH_GRID   grid size n (n x n squares, default 20 -> 400 polygons)
  BENCH_VERTS  vertices per polygon (default 50)
  BENCH_MAP    "geo" (go.Choropleth, SVG, default; like the Kreisvergleich map) or "map" (go.Choroplethmap)
  BENCH_LOG    set: print "BENCH_SCRIPT_MS <ms>" per script run

The map title contains the selected option ("Indicator 07 - map"), which is how the benchmark sees a rerun arrive.
"""
import json
import os
import time

_T0 = time.perf_counter()
import numpy as np  # noqa: E402
import plotly.graph_objects as go  # noqa: E402
import streamlit as st  # noqa: E402

N = int(os.environ.get("BENCH_GRID", 20))
V = int(os.environ.get("BENCH_VERTS", 50))
KIND = os.environ.get("BENCH_MAP", "geo")
INDICATORS = [f"Indicator {i:02d}" for i in range(60)]


@st.cache_resource
def geojson(n=N, v=V):
    """n*n squares over Germany's bounding box, each with v vertices along its border
    (slightly jittered), full float precision like unsimplified official data."""
    rng = np.random.default_rng(0)
    lon0, lon1, lat0, lat1 = 5.9, 15.0, 47.3, 55.0
    dx, dy = (lon1 - lon0) / n, (lat1 - lat0) / n
    per_side = max(v // 4, 1)
    t = np.arange(per_side) / per_side
    feats = []
    for r in range(n):
        for c in range(n):
            x0, y0 = lon0 + c * dx, lat0 + r * dy
            xs = np.concatenate([x0 + t * dx, np.full(per_side, x0 + dx), x0 + dx - t * dx, np.full(per_side, x0)])
            ys = np.concatenate([np.full(per_side, y0), y0 + t * dy, np.full(per_side, y0 + dy), y0 + dy - t * dy])
            xs = xs + rng.normal(0, dx * 0.01, xs.size)
            ys = ys + rng.normal(0, dy * 0.01, ys.size)
            ring = np.column_stack([xs, ys]).tolist()
            ring.append(ring[0])
            feats.append({"type": "Feature", "properties": {"id": f"{r:02d}{c:03d}"},
                          "geometry": {"type": "Polygon", "coordinates": [ring]}})
    gj = {"type": "FeatureCollection", "features": feats}
    return gj, len(json.dumps(gj))


gj, nbytes = geojson()
ids = [f["properties"]["id"] for f in gj["features"]]
ind = st.selectbox("Indicator", INDICATORS)
z = np.random.default_rng(INDICATORS.index(ind)).gamma(4, 25, len(ids))
if KIND == "map":
    fig = go.Figure(go.Choroplethmap(geojson=gj, locations=ids, z=z, featureidkey="properties.id",
                                     marker_line_width=0.3))
    fig.update_layout(map_style="white-bg", map_zoom=4.8, map_center={"lat": 51.2, "lon": 10.4})
else:
    fig = go.Figure(go.Choropleth(geojson=gj, locations=ids, z=z, featureidkey="properties.id",
                                  marker_line_width=0.3))
    fig.update_geos(fitbounds="locations", visible=False)
fig.update_layout(title=f"{ind} - map", height=600, margin=dict(t=40, b=0, l=0, r=0))
TOPO = os.environ.get("BENCH_TOPOJSON_URL", "")
st.plotly_chart(fig, config={"topojsonURL": TOPO} if KIND == "geo" and TOPO else None)
st.caption(f"GeoJSON: {len(ids)} polygons x {V} vertices, {nbytes/1e6:.2f} MB")

if os.environ.get("BENCH_LOG"):
    print(f"BENCH_SCRIPT_MS {(time.perf_counter() - _T0) * 1000:.1f}", flush=True)
