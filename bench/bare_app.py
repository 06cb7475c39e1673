"""The floor for bench/bench_pages.py: a bare Streamlit app with BENCH_CHARTS small static Plotly line charts and one
sidebar selectbox ("Kreis") whose change reruns the script.  Every chart title contains the selected option, which is
how the benchmark sees that the rerun arrived.  Modelled on ../shared/bench-baseline/apps/eight_charts.py.

    BENCH_CHARTS=4 streamlit run bench/bare_app.py      # BENCH_LOG=1 prints "BENCH_SCRIPT_MS <ms>" per run
"""
import os
import time

_T0 = time.perf_counter()
import plotly.graph_objects as go  # noqa: E402
import streamlit as st  # noqa: E402

N_CHARTS = int(os.environ.get("BENCH_CHARTS", "4"))
OPTIONS = [f"Kreis {i:02d}" for i in range(1, 41)]
YEARS = list(range(2008, 2025))

st.set_page_config(page_title="bare", layout="wide")
with st.sidebar:
    choice = st.selectbox("Kreis", OPTIONS, key="kreis")
seed = OPTIONS.index(choice)
st.title(f"Bare app – {choice}")
for i in range(N_CHARTS):
    # deterministic, small: 3 lines x 17 points, like a trend chart with the district and two benchmarks
    fig = go.Figure()
    for k, name in enumerate((choice, "Land", "Deutschland")):
        base = 10 + 3 * k + (seed % 7)
        fig.add_scatter(x=YEARS, y=[base + ((j * (i + 3) + seed) % 5) * 0.4 for j in range(len(YEARS))],
                        mode="lines+markers", name=name)
    fig.update_layout(title=f"Chart {i + 1} – {choice}", height=380, margin={"t": 50, "b": 30, "l": 40, "r": 10},
                      separators=",.")
    st.plotly_chart(fig, key=f"chart_{i}")

if os.environ.get("BENCH_LOG"):
    print(f"BENCH_SCRIPT_MS {(time.perf_counter() - _T0) * 1000:.1f}", flush=True)
