"""Tests of the geography layer (monitoring/geo.py).

Most tests read the real BKG/BBSR files in ../shared/data/raw (beside the project; override with
INTEGRATIONSMONITOR_RAW) and are skipped when they are absent. The simplification tests at the top
use a small coverage written here and always run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from monitoring import geo
from tests.conftest import PROJECT_DIR

RAW_DIR = Path(
    os.environ.get("INTEGRATIONSMONITOR_RAW")
    or Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
)
needs_raw = pytest.mark.skipif(
    not (RAW_DIR / geo.BKG_DIR).is_dir(),
    reason=f"raw official data not found at {RAW_DIR} (set INTEGRATIONSMONITOR_RAW)",
)

MAX_DISTRICT_GEOJSON_BYTES = 420_000
MAX_MEAN_VERTICES_PER_DISTRICT = 60


# --- simplify_boundaries on a self-written coverage -----------------------------------------------


def wiggly_line(start, end, steps=40, amplitude=0.0005):
    """Points from start to end with a zigzag across the line: lots of vertices to simplify."""
    (x0, y0), (x1, y1) = start, end
    points = []
    for i in range(steps + 1):
        t = i / steps
        offset = 0 if i in (0, steps) else amplitude * (1 if i % 2 else -1)
        # offset perpendicular to the line (lines here are axis-parallel)
        dx, dy = (0, offset) if y0 == y1 else (offset, 0)
        points.append((round(x0 + t * (x1 - x0) + dx, 6), round(y0 + t * (y1 - y0) + dy, 6)))
    return points


def ring(*edges):
    """Closed ring from consecutive edges given as point lists (shared points are deduplicated)."""
    points = [edges[0][0]]
    for edge in edges:
        points.extend(edge[1:])
    return [list(p) for p in points]


def make_two_by_two_coverage():
    """Four districts around (8.3, 48.9), ~7 km wide, whose shared edges use identical vertices."""
    x = [8.25, 8.30, 8.35]
    y = [48.85, 48.90, 48.95]
    grid = {(i, j): (x[i], y[j]) for i in range(3) for j in range(3)}

    def edge(a, b):
        return wiggly_line(grid[a], grid[b])

    def reverse(points):
        return points[::-1]

    features = []
    for code, (i, j) in {"99001": (0, 0), "99002": (1, 0), "99003": (0, 1), "99004": (1, 1)}.items():
        bottom = edge((i, j), (i + 1, j))
        right = edge((i + 1, j), (i + 1, j + 1))
        top = reverse(edge((i, j + 1), (i + 1, j + 1)))
        left = reverse(edge((i, j), (i, j + 1)))
        features.append(
            {
                "type": "Feature",
                "properties": {"AGS": code, "GEN": f"Testkreis {code[-1]}", "extra": "dropped"},
                "geometry": {"type": "Polygon", "coordinates": [ring(bottom, right, top, left)]},
            }
        )
    return {"type": "FeatureCollection", "features": features[::-1]}  # unsorted on purpose


@pytest.fixture
def two_by_two_coverage():
    return make_two_by_two_coverage()


def geometries(feature_collection):
    return np.array([shape(f["geometry"]) for f in feature_collection["features"]])


def test_simplify_keeps_features_ids_and_only_ags_and_name(two_by_two_coverage):
    simplified = geo.simplify_boundaries(two_by_two_coverage, tolerance=300)
    assert simplified["type"] == "FeatureCollection"
    assert [f["id"] for f in simplified["features"]] == ["99001", "99002", "99003", "99004"]
    for feature in simplified["features"]:
        assert feature["properties"] == {"ags": feature["id"], "name": f"Testkreis {feature['id'][-1]}"}


def test_simplify_reduces_vertices_and_rounds_to_4_decimals(two_by_two_coverage):
    simplified = geo.simplify_boundaries(two_by_two_coverage, tolerance=300)
    assert geo.count_vertices(simplified) < geo.count_vertices(two_by_two_coverage) / 4
    coords = shapely.get_coordinates(geometries(simplified))
    assert np.allclose(coords, np.round(coords, 4), rtol=0, atol=1e-12)


def test_simplify_keeps_a_gapless_coverage_with_clockwise_exteriors(two_by_two_coverage):
    original = geometries(two_by_two_coverage)
    simplified = geometries(geo.simplify_boundaries(two_by_two_coverage, tolerance=300))
    assert shapely.is_valid(simplified).all()
    assert shapely.coverage_is_valid(simplified)  # shared edges still identical: no overlaps
    union = shapely.union_all(simplified)
    assert union.geom_type == "Polygon" and not union.interiors  # no gaps between neighbours
    assert union.area == pytest.approx(shapely.union_all(original).area, rel=0.02)
    assert all(not polygon.exterior.is_ccw for polygon in simplified)


def test_simplify_rejects_overlapping_polygons(two_by_two_coverage):
    shifted = json.loads(json.dumps(two_by_two_coverage))
    for point in shifted["features"][0]["geometry"]["coordinates"][0]:
        point[0] += 0.01
    with pytest.raises(ValueError, match="coverage"):
        geo.simplify_boundaries(shifted, tolerance=300)


def test_dissolve_to_laender_unions_districts_by_first_two_digits(two_by_two_coverage):
    simplified = geo.simplify_boundaries(two_by_two_coverage, tolerance=300)
    laender = geo.dissolve_to_laender(simplified, {"99": "Testland"})
    assert [f["id"] for f in laender["features"]] == ["99"]
    assert laender["features"][0]["properties"] == {"ags": "99", "name": "Testland"}
    land = shape(laender["features"][0]["geometry"])
    assert land.area == pytest.approx(shapely.union_all(geometries(simplified)).area, rel=1e-9)


# --- districts and Länder from the real BKG data ---------------------------------------------------


@pytest.fixture(scope="module")
def districts():
    return geo.read_districts(RAW_DIR)


def row(districts, ags):
    return districts.set_index("ags").loc[ags]


@needs_raw
def test_400_districts_44_in_baden_wuerttemberg(districts):
    assert len(districts) == 400
    assert districts["ags"].is_unique and districts["ags"].str.fullmatch(r"\d{5}").all()
    assert (districts["land_ags"] == "08").sum() == 44
    assert list(districts.columns[:9]) == [
        "ags", "name", "type", "land_ags", "land_name", "rb_ags", "rb_name", "nuts3", "area_km2",
    ]  # fmt: skip
    assert districts["label"].is_unique


@needs_raw
def test_rastatt_and_baden_baden(districts):
    rastatt = row(districts, "08216")
    assert (rastatt["name"], rastatt["type"]) == ("Rastatt", "Landkreis")
    assert (rastatt["rb_ags"], rastatt["rb_name"]) == ("082", "Karlsruhe")
    assert (rastatt["land_ags"], rastatt["land_name"]) == ("08", "Baden-Württemberg")
    assert rastatt["area_km2"] == pytest.approx(739, rel=0.02)
    baden_baden = row(districts, "08211")
    assert (baden_baden["name"], baden_baden["type"]) == ("Baden-Baden", "Stadtkreis")
    assert row(districts, "08226")["name"] == "Rhein-Neckar-Kreis"


@needs_raw
def test_regierungsbezirke_only_where_they_exist(districts):
    with_rb = districts[districts["rb_ags"] != ""]
    assert set(with_rb["land_ags"]) == {"05", "06", "08", "09"}
    assert set(districts.loc[districts["land_ags"].isin(["05", "06", "08", "09"]), "rb_ags"]) == set(
        geo.REGIERUNGSBEZIRKE
    )
    assert (with_rb["rb_ags"] == with_rb["ags"].str[:3]).all()
    assert (districts.loc[districts["rb_ags"] == "", "rb_name"] == "").all()
    assert row(districts, "08111")["rb_name"] == "Stuttgart"
    assert row(districts, "08311")["rb_name"] == "Freiburg"
    assert row(districts, "08416")["rb_name"] == "Tübingen"


@needs_raw
def test_areas_add_up_to_germany(districts):
    # official area of Germany 31.12.2022: 357 592 km²
    assert districts["area_km2"].sum() == pytest.approx(357_592, rel=0.002)
    assert (districts["area_km2"] > 30).all()


@needs_raw
def test_duplicate_names_get_their_type_in_the_label(districts):
    assert row(districts, "08212")["label"] == "Karlsruhe (Stadtkreis)"
    assert row(districts, "08215")["label"] == "Karlsruhe (Landkreis)"
    assert row(districts, "08216")["label"] == "Rastatt"


@needs_raw
def test_laender_are_16_plus_germany():
    laender = geo.read_laender(RAW_DIR)
    assert list(laender.columns) == ["ags", "name"]
    assert len(laender) == 17
    assert list(laender["ags"][:16]) == [f"{i:02d}" for i in range(1, 17)]
    assert laender.set_index("ags").loc["08", "name"] == "Baden-Württemberg"
    assert laender.set_index("ags").loc["DG", "name"] == "Deutschland"


# --- simplified boundaries of the real districts -----------------------------------------------------


@pytest.fixture(scope="module")
def raw_kreise():
    return json.loads((RAW_DIR / geo.BKG_DIR / geo.DISTRICT_GEOJSON).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def kreise_map(raw_kreise):
    return geo.simplify_boundaries(raw_kreise, geo.DISTRICT_TOLERANCE_M)


@needs_raw
def test_simplified_districts_are_400_valid_features(kreise_map, districts):
    features = kreise_map["features"]
    assert [f["id"] for f in features] == list(districts["ags"])
    simplified = geometries(kreise_map)
    assert shapely.is_valid(simplified).all()
    assert set(shapely.get_type_id(simplified)) <= {3, 6}  # Polygon, MultiPolygon
    assert shapely.coverage_is_valid(simplified)


@needs_raw
def test_simplified_districts_meet_the_size_and_vertex_targets(kreise_map, raw_kreise):
    vertices = geo.count_vertices(kreise_map)
    assert vertices < geo.count_vertices(raw_kreise) / 3
    assert vertices / len(kreise_map["features"]) <= MAX_MEAN_VERTICES_PER_DISTRICT


@needs_raw
def test_simplified_districts_still_cover_their_original(kreise_map, raw_kreise):
    by_code = sorted(raw_kreise["features"], key=lambda feature: feature["properties"]["AGS"])
    original = np.array([shape(feature["geometry"]) for feature in by_code])
    simplified = geometries(kreise_map)
    covers_point = shapely.contains(simplified, shapely.point_on_surface(original))
    similar_area = np.abs(shapely.area(simplified) / shapely.area(original) - 1) <= 0.03
    assert (covers_point | similar_area).all()
    # and the whole country loses or gains next to nothing
    assert shapely.area(simplified).sum() == pytest.approx(shapely.area(original).sum(), rel=0.005)


# --- crosswalk ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crosswalk():
    return geo.read_crosswalk(RAW_DIR / geo.CROSSWALK_XLSX)


def targets(crosswalk, year, old_ags):
    rows = crosswalk[(crosswalk["year"] == year) & (crosswalk["old_ags"] == old_ags)]
    return dict(zip(rows["new_ags"], rows["pop_weight"]))


@needs_raw
def test_crosswalk_columns_and_years(crosswalk):
    assert list(crosswalk.columns) == ["year", "old_ags", "old_name", "new_ags", "pop_weight", "area_weight"]
    assert sorted(crosswalk["year"].unique()) == list(range(1990, 2021))
    assert crosswalk["old_ags"].str.fullmatch(r"\d{5}").all()


@needs_raw
def test_crosswalk_targets_are_exactly_the_400_current_districts(crosswalk, districts):
    assert set(crosswalk["new_ags"]) == set(districts["ags"])


@needs_raw
def test_crosswalk_weights_of_each_old_code_sum_to_one(crosswalk):
    sums = crosswalk.groupby(["year", "old_ags"])[["pop_weight", "area_weight"]].sum()
    assert np.allclose(sums, 1, atol=1e-4)


@needs_raw
def test_merged_districts_map_to_their_successor(crosswalk):
    # Göttingen + Osterode am Harz -> Landkreis Göttingen (1 Nov 2016)
    assert targets(crosswalk, 2010, "03152") == {"03159": 1.0}
    assert targets(crosswalk, 2010, "03156") == {"03159": 1.0}
    # Stadt and Kreis Aachen -> Städteregion Aachen (21 Oct 2009)
    assert targets(crosswalk, 2008, "05313") == {"05334": 1.0}
    assert targets(crosswalk, 2008, "05354") == {"05334": 1.0}
    # Eisenach -> Wartburgkreis (1 Jul 2021), the step after BBSR's Gebietsstand 2020
    assert targets(crosswalk, 2010, "16056") == {"16063": 1.0}
    assert targets(crosswalk, 2020, "16056") == {"16063": 1.0}
    # a split: Demmin went to two of the 2011 Mecklenburg-Vorpommern Kreise
    assert set(targets(crosswalk, 2010, "13052")) == {"13071", "13075"}


@needs_raw
def test_successors(crosswalk):
    assert geo.successors(crosswalk, "03156") == ["03159"]
    assert geo.successors(crosswalk, "05313") == ["05334"]
    assert geo.successors(crosswalk, "16056") == ["16063"]
    assert geo.successors(crosswalk, "13052") == ["13071", "13075"]  # larger population share first
    assert geo.successors(crosswalk, "08216") == ["08216"]  # still exists
    assert geo.successors(crosswalk, "99999") == []


# --- the build step -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("geo")
    return out_dir, geo.write_geo_data(RAW_DIR, out_dir)


@needs_raw
def test_write_geo_data_writes_all_files_and_reports(written):
    out_dir, report = written
    names = {
        "districts.csv",
        "laender.csv",
        "kreise_simplified.geojson",
        "laender_simplified.geojson",
        "crosswalk.csv",
    }
    assert {p.name for p in out_dir.iterdir()} == names
    assert report["bytes"] == {name: (out_dir / name).stat().st_size for name in names}
    assert report["districts"] == 400 and report["laender"] == 17
    assert report["vertices"]["kreise_after"] < report["vertices"]["kreise_before"]
    assert report["attribution"]["crosswalk.csv"] == "© BBSR Bonn"
    assert report["bytes"]["kreise_simplified.geojson"] <= MAX_DISTRICT_GEOJSON_BYTES


@needs_raw
def test_written_geojson_carries_attribution_and_ids(written):
    out_dir, _ = written
    kreise = json.loads((out_dir / "kreise_simplified.geojson").read_text(encoding="utf-8"))
    assert kreise["attribution"].startswith("© GeoBasis-DE / BKG 2022")
    assert "coverage_simplify" in kreise["source"] and "Toleranz" in kreise["source"]
    assert len(kreise["features"]) == 400
    laender = json.loads((out_dir / "laender_simplified.geojson").read_text(encoding="utf-8"))
    assert [f["id"] for f in laender["features"]] == [f"{i:02d}" for i in range(1, 17)]
    assert shapely.is_valid(geometries(laender)).all()


@needs_raw
def test_laender_match_bkg_laender_layer(written):
    out_dir, _ = written
    laender = json.loads((out_dir / "laender_simplified.geojson").read_text(encoding="utf-8"))
    bkg = json.loads((RAW_DIR / geo.BKG_DIR / geo.LAENDER_GEOJSON).read_text(encoding="utf-8"))
    bkg_area = {f["properties"]["AGS"]: shape(f["geometry"]).area for f in bkg["features"]}
    for feature in laender["features"]:
        # the city states lose most to simplification (Bremen, two small cities: about -3.5 %)
        assert shape(feature["geometry"]).area == pytest.approx(bkg_area[feature["id"]], rel=0.05)


@needs_raw
def test_written_files_are_stable(written, tmp_path):
    out_dir, _ = written
    geo.write_geo_data(RAW_DIR, tmp_path)
    for path in out_dir.iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_served_boundaries_are_the_built_ones():
    """The map fetches static/<name>; a rebuild that forgot to publish them would show old boundaries."""
    for name in geo.SERVED_BOUNDARIES:
        assert (PROJECT_DIR / "static" / name).read_bytes() == (PROJECT_DIR / "data" / name).read_bytes(), name


def test_publish_boundaries_copies_them_to_static(tmp_path):
    data_dir, static_dir = tmp_path / "data", tmp_path / "static"
    data_dir.mkdir()
    for name in geo.SERVED_BOUNDARIES:
        (data_dir / name).write_text(f'{{"name": "{name}"}}', encoding="utf-8")
    geo.publish_boundaries(data_dir, static_dir)
    assert sorted(p.name for p in static_dir.iterdir()) == sorted(geo.SERVED_BOUNDARIES)


def test_static_base_map_topojson_is_empty():
    """plotly.js loads world_110m.json for every geo map (config topojsonURL = app/static/): it must draw nothing,
    the districts are the only shapes on the map."""
    topology = json.loads((PROJECT_DIR / "static" / "world_110m.json").read_text(encoding="utf-8"))
    assert topology["type"] == "Topology" and topology["arcs"] == []
    assert all(layer["geometries"] == [] for layer in topology["objects"].values())
