"""Geography layer: the district list, simplified boundaries for the map, and old district codes.

Pure functions, no Streamlit. `write_geo_data` is the build step that turns the raw BKG and BBSR
files (../shared/data/raw) into the committed files under data/:

    districts.csv               400 Kreise (VG2500, Gebietsstand 31.12.2022): Land, Regierungsbezirk, area
    laender.csv                 the 16 Länder plus DG Deutschland
    kreise_simplified.geojson   district boundaries for the choropleth, WGS84, feature id = AGS
    laender_simplified.geojson  Land boundaries made from the same simplified edges
    crosswalk.csv               BBSR Umsteigeschlüssel: Kreis codes of 1990-2020 -> codes of 2022

Codes (AGS) are always 5-character strings for Kreise and 2-character strings for Länder.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import shapefile  # pyshp: reads the original BKG shapefile in pure Python
import shapely
from shapely.geometry import mapping, shape

BKG_DIR = "bkg-vg2500"
DISTRICT_LIST_CSV = "kreise_2022_ags_name_land.csv"
DISTRICT_SHAPEFILE = "shapefile/VG2500_KRS"
DISTRICT_GEOJSON = "vg2500_kreise_wgs84.geojson"
LAENDER_GEOJSON = "vg2500_laender_wgs84.geojson"
CROSSWALK_XLSX = "bbsr-kreise-umsteigeschluessel/ref-kreise-umrech-2020-1990-2019.xlsx"

# Chosen so that the 400 districts stay near 400 KB (the Streamlit rerun sends the whole GeoJSON with every
# map) while small Stadtkreise keep their shape: about 50 vertices per district, no city off by more than ~6 %
# in area (1600 m gave 300 KB but shrank Zweibrücken by 15 %).
DISTRICT_TOLERANCE_M = 1000
COORDINATE_DECIMALS = 4  # about 10 m, far below what a dashboard map can show

BKG_ATTRIBUTION = (
    "© GeoBasis-DE / BKG 2022 (Daten verändert), Datenlizenz Deutschland – Namensnennung 2.0"
)
BBSR_ATTRIBUTION = "© BBSR Bonn"

# Regierungsbezirke that exist today, keyed by the first three digits of the AGS. Only four Länder
# still have them. Others were abolished and their AGS digits are history, not administration:
# Rheinland-Pfalz (2000), Sachsen-Anhalt (2004), Niedersachsen (2005), Sachsen (Direktionsbezirke,
# 2012); Mecklenburg-Vorpommern, Brandenburg, Thüringen, Schleswig-Holstein, Saarland and the
# city states never had any since 1990.
REGIERUNGSBEZIRKE = {
    "051": "Düsseldorf",
    "053": "Köln",
    "055": "Münster",
    "057": "Detmold",
    "059": "Arnsberg",
    "064": "Darmstadt",
    "065": "Gießen",
    "066": "Kassel",
    "081": "Stuttgart",
    "082": "Karlsruhe",
    "083": "Freiburg",
    "084": "Tübingen",
    "091": "Oberbayern",
    "092": "Niederbayern",
    "093": "Oberpfalz",
    "094": "Oberfranken",
    "095": "Mittelfranken",
    "096": "Unterfranken",
    "097": "Schwaben",
}

# Kreis codes that changed between BBSR's target (Gebietsstand 31.12.2020, 401 Kreise) and VG2500
# (31.12.2022, 400 Kreise). Checked against the VG2500 list: 16056 is the only 2020 code missing
# there. Eisenach joined the Wartburgkreis as a whole on 1 July 2021, so its weights stay 1.
CODE_CHANGES_AFTER_2020 = {"16056": "16063"}
CROSSWALK_TARGET_YEAR = 2020

# --- districts and Länder -------------------------------------------------------------------------


def read_districts(raw_dir: Path) -> pd.DataFrame:
    """The 400 Kreise of VG2500, one row each, sorted by AGS.

    Columns: ags, name, type (BKG's BEZ), land_ags, land_name, rb_ags, rb_name (both "" where the
    Land has no Regierungsbezirke), nuts3, area_km2, label (name, plus the type where two Kreise
    share a name, e.g. "Karlsruhe (Stadtkreis)" and "Karlsruhe (Landkreis)").
    """
    bkg_dir = Path(raw_dir) / BKG_DIR
    listing = pd.read_csv(bkg_dir / DISTRICT_LIST_CSV, dtype=str)
    districts = pd.DataFrame(
        {
            "ags": listing["ags"],
            "name": listing["name"],
            "type": listing["bez"],
            "land_ags": listing["land_ags"],
            "land_name": listing["land_name"],
        }
    )
    rb_prefix = districts["ags"].str[:3]
    districts["rb_ags"] = rb_prefix.where(rb_prefix.isin(list(REGIERUNGSBEZIRKE)), "")
    districts["rb_name"] = districts["rb_ags"].map(REGIERUNGSBEZIRKE).fillna("")
    districts["nuts3"] = listing["nuts3"]
    districts["area_km2"] = districts["ags"].map(district_areas_km2(bkg_dir / DISTRICT_SHAPEFILE))
    if districts["area_km2"].isna().any():
        missing = districts.loc[districts["area_km2"].isna(), "ags"].tolist()
        raise ValueError(f"no geometry in the VG2500 shapefile for Kreise {missing}")
    districts["label"] = unique_labels(districts)
    return districts.sort_values("ags", ignore_index=True)


def read_laender(raw_dir: Path) -> pd.DataFrame:
    """The 16 Länder (ags "01".."16") and Germany ("DG"), columns ags, name."""
    listing = pd.read_csv(Path(raw_dir) / BKG_DIR / DISTRICT_LIST_CSV, dtype=str)
    laender = (
        listing[["land_ags", "land_name"]]
        .drop_duplicates()
        .rename(columns={"land_ags": "ags", "land_name": "name"})
        .sort_values("ags")
    )
    germany = pd.DataFrame({"ags": ["DG"], "name": ["Deutschland"]})
    return pd.concat([laender, germany], ignore_index=True)


def unique_labels(districts: pd.DataFrame) -> pd.Series:
    """Names for pick lists: a Stadt and the Landkreis around it often share a name."""
    shared = districts["name"].duplicated(keep=False)
    labels = districts["name"].where(~shared, districts["name"] + " (" + districts["type"] + ")")
    if labels.duplicated().any():
        raise ValueError(f"district labels not unique: {sorted(labels[labels.duplicated()])}")
    return labels


def district_areas_km2(shapefile_path: Path) -> dict[str, float]:
    """Area of each Kreis (km², 2 decimals) from the original BKG shapefile (EPSG:25832)."""
    with shapefile.Reader(str(shapefile_path)) as reader:
        return {
            item.record["AGS"]: round(_utm32_true_area_m2(shape(item.shape.__geo_interface__)) / 1e6, 2)
            for item in reader.iterShapeRecords()
        }


UTM_CENTRAL_SCALE = 0.9996
UTM_FALSE_EASTING_M = 500_000
EARTH_RADIUS_GERMANY_M = 6_381_000  # mean radius of curvature of GRS80 around 51° N


def _utm32_true_area_m2(geometry) -> float:
    """Planar UTM area corrected to the true area on the ellipsoid.

    Transverse Mercator is conformal, not equal-area: the point scale factor grows with the distance
    x from the central meridian, k = 0.9996 · (1 + x²/2R²), and planar areas are off by k² (−0.08 %
    on 9° E, about +0.3 % at the Polish border). Dividing by k² at the centroid leaves an error far
    below 0.01 % for a Kreis; the generalisation of the 1:2.5 million map matters much more (1-2 %).
    """
    x = (geometry.centroid.x - UTM_FALSE_EASTING_M) / UTM_CENTRAL_SCALE
    scale = UTM_CENTRAL_SCALE * (1 + x**2 / (2 * EARTH_RADIUS_GERMANY_M**2))
    return geometry.area / scale**2


# --- boundaries for the map ----------------------------------------------------------------------


def simplify_boundaries(
    geojson: dict,
    tolerance: float,
    *,
    id_property: str = "AGS",
    name_property: str = "GEN",
) -> dict:
    """Simplify a coverage of WGS84 polygons (districts) for the dashboard map.

    `tolerance` is in metres, in the sense of Visvalingam-Whyatt: roughly the square root of the
    area of the largest triangles that are removed. shapely's `coverage_simplify` simplifies every
    edge shared by two districts once, so neighbours keep exactly the same border (no gaps, no
    overlaps). The result is a FeatureCollection sorted by id with `id` = the district code,
    properties {ags, name} only, coordinates rounded to 4 decimals, exterior rings clockwise.
    """
    features = sorted(geojson["features"], key=lambda feature: feature["properties"][id_property])
    codes = [feature["properties"][id_property] for feature in features]
    names = [feature["properties"][name_property] for feature in features]
    geometries = np.array([shape(feature["geometry"]) for feature in features])
    if not shapely.coverage_is_valid(geometries):
        raise ValueError(
            "boundaries do not form a polygon coverage (overlaps, or shared edges whose vertices "
            "differ); coverage_simplify would tear gaps between neighbours"
        )
    simplified = _coverage_simplify_in_metres(geometries, tolerance)
    return _feature_collection(codes, names, _tidy(simplified))


def dissolve_to_laender(districts: dict, land_names: dict[str, str]) -> dict:
    """Land boundaries as the union of their (already simplified) districts.

    BKG's Länder layer is exactly the union of its Kreise; building it from the simplified district
    edges keeps the Land border on top of the district borders instead of a second, slightly
    different simplification of the same line.
    """
    by_land: dict[str, list] = {}
    for feature in districts["features"]:
        by_land.setdefault(feature["id"][:2], []).append(shape(feature["geometry"]))
    codes = sorted(by_land)
    unions = np.array([shapely.coverage_union_all(by_land[code]) for code in codes])
    return _feature_collection(codes, [land_names[code] for code in codes], _tidy(unions))


def count_vertices(feature_collection: dict) -> int:
    """Number of coordinates in all rings (closing points included), the map's rendering cost."""
    geometries = [shape(feature["geometry"]) for feature in feature_collection["features"]]
    return int(shapely.get_num_coordinates(geometries).sum())


METRES_PER_DEGREE_LATITUDE = 111_320


def _coverage_simplify_in_metres(geometries: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Simplify in a local equirectangular plane so the tolerance means the same east-west and
    north-south (a degree of longitude is only ~0.63 of a degree of latitude in Germany)."""
    _, min_lat, _, max_lat = shapely.total_bounds(geometries)
    metres_per_degree_longitude = METRES_PER_DEGREE_LATITUDE * math.cos(math.radians((min_lat + max_lat) / 2))
    to_metres = np.array([metres_per_degree_longitude, METRES_PER_DEGREE_LATITUDE])
    in_metres = shapely.transform(geometries, lambda coords: coords * to_metres)
    simplified = shapely.coverage_simplify(in_metres, tolerance_m)
    return shapely.transform(simplified, lambda coords: coords / to_metres)


def _tidy(geometries: np.ndarray) -> np.ndarray:
    """Round to 4 decimals, repair the rare ring that rounding makes touch itself, and wind exterior
    rings clockwise: plotly's `go.Choropleth` draws with d3-geo, which fills the outside of a
    counter-clockwise ring; MapLibre (`go.Choroplethmap`) accepts either. (RFC 7946 prefers the
    opposite winding but tells readers not to reject it.)"""
    rounded = shapely.transform(geometries, lambda coords: np.round(coords, COORDINATE_DECIMALS))
    invalid = ~shapely.is_valid(rounded)
    if invalid.any():
        rounded[invalid] = shapely.make_valid(rounded[invalid], method="structure", keep_collapsed=False)
    return shapely.orient_polygons(rounded, exterior_cw=True)


def _feature_collection(codes: list[str], names: list[str], geometries: np.ndarray) -> dict:
    features = [
        {
            "type": "Feature",
            "id": code,
            "properties": {"ags": code, "name": name},
            # a JSON round trip turns shapely's tuples into plain lists
            "geometry": json.loads(json.dumps(mapping(geometry))),
        }
        for code, name, geometry in zip(codes, names, geometries)
    ]
    return {"type": "FeatureCollection", "features": features}


# --- old district codes ---------------------------------------------------------------------------


def read_crosswalk(xlsx: Path) -> pd.DataFrame:
    """BBSR Umsteigeschlüssel as one long table, extended to Gebietsstand 31.12.2022.

    BBSR maps the Kreise of each year 1990-2019 (one sheet per year, Gebietsstand 31.12.) to the
    Kreise of 31.12.2020, with the share of the old Kreis' area and population that lies in each new
    one. Rows for year 2020 are added (2020 code -> 2022 code), and every target code is moved on to
    2022 with CODE_CHANGES_AFTER_2020. Codes that are current are their own successors: data with
    year >= 2021 needs no crosswalk.

    Columns: year, old_ags, old_name (BBSR's label of that year), new_ags (Gebietsstand 2022),
    pop_weight, area_weight. Weights of one (year, old_ags) sum to 1.
    """
    sheets = pd.read_excel(xlsx, sheet_name=None)
    to_2020 = pd.concat(
        [_crosswalk_sheet(int(sheet_name[:4]), table) for sheet_name, table in sheets.items()],
        ignore_index=True,
    )
    both_steps = pd.concat([to_2020, _codes_of_2020(to_2020)], ignore_index=True)
    both_steps["new_ags"] = both_steps["new_ags"].replace(CODE_CHANGES_AFTER_2020)
    # Where an old Kreis fed both Eisenach and the Wartburgkreis, its two rows now share a target.
    crosswalk = both_steps.groupby(["year", "old_ags", "new_ags"], as_index=False).agg(
        old_name=("old_name", "first"),
        pop_weight=("pop_weight", "sum"),
        area_weight=("area_weight", "sum"),
    )
    crosswalk[["pop_weight", "area_weight"]] = crosswalk[["pop_weight", "area_weight"]].round(6)
    columns = ["year", "old_ags", "old_name", "new_ags", "pop_weight", "area_weight"]
    return crosswalk[columns].sort_values(["year", "old_ags", "new_ags"], ignore_index=True)


def successors(crosswalk: pd.DataFrame, old_ags: str) -> list[str]:
    """Current (2022) Kreis codes covering the territory of `old_ags`.

    A current code returns itself; an abolished one the Kreise it went to in the latest year it
    existed, largest population share first; an unknown one an empty list.
    """
    if old_ags in set(crosswalk["new_ags"]):
        return [old_ags]
    rows = crosswalk[crosswalk["old_ags"] == old_ags]
    if rows.empty:
        return []
    latest = rows[rows["year"] == rows["year"].max()]
    return latest.sort_values(["pop_weight", "new_ags"], ascending=[False, True])["new_ags"].tolist()


def _crosswalk_sheet(year: int, table: pd.DataFrame) -> pd.DataFrame:
    """One BBSR sheet: columns found by their (multi-line) headers, not by position, because the
    later sheets have an extra employment-weight column."""
    column = _header_finder(table, year)
    rows = table.dropna(subset=[column(f"kreise 31.12.{year}")])
    return pd.DataFrame(
        {
            "year": year,
            "old_ags": rows[column(f"kreise 31.12.{year}")].map(_bbsr_code_to_ags),
            "old_name": rows[column(f"kreisname {year}")].astype(str),
            "new_ags": rows[column(f"kreise 31.12.{CROSSWALK_TARGET_YEAR}")].map(_bbsr_code_to_ags),
            "new_name": rows[column(f"kreisname {CROSSWALK_TARGET_YEAR}")].astype(str),
            "pop_weight": rows[column("bevölkerungs", "schlüssel")].astype(float),
            "area_weight": rows[column("flächen", "schlüssel")].astype(float),
        }
    )


def _header_finder(table: pd.DataFrame, year: int):
    normalised = {" ".join(str(header).split()).lower(): header for header in table.columns}

    def column(*words: str):
        # a single phrase must match the whole header; several words must all occur in it
        if len(words) == 1:
            matches = [original for text, original in normalised.items() if text == words[0]]
        else:
            matches = [original for text, original in normalised.items() if all(w in text for w in words)]
        if len(matches) != 1:
            raise ValueError(f"BBSR sheet {year}: no single column for {words!r} in {list(normalised)}")
        return matches[0]

    return column


def _bbsr_code_to_ags(code) -> str:
    """BBSR writes Kreis codes as 8-digit numbers without the leading zero: 1001000 -> "01001"."""
    return f"{int(code):08d}"[:5]


def _codes_of_2020(to_2020: pd.DataFrame) -> pd.DataFrame:
    """Identity rows for the Kreise of 31.12.2020 (the 2020 -> 2022 step is applied afterwards)."""
    kreise_2020 = to_2020[["new_ags", "new_name"]].drop_duplicates("new_ags")
    return pd.DataFrame(
        {
            "year": CROSSWALK_TARGET_YEAR,
            "old_ags": kreise_2020["new_ags"],
            "old_name": kreise_2020["new_name"],
            "new_ags": kreise_2020["new_ags"],
            "pop_weight": 1.0,
            "area_weight": 1.0,
        }
    )


# --- build step -----------------------------------------------------------------------------------


def write_geo_data(raw_dir: Path, out_dir: Path) -> dict:
    """Write districts.csv, laender.csv, the two simplified GeoJSON files and crosswalk.csv.

    Rows and features are sorted by code and written with "\\n" line ends, so an unchanged input
    gives byte-identical files. Returns a report: counts, file sizes in bytes, vertex counts.
    """
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    bkg_dir = raw_dir / BKG_DIR

    districts = read_districts(raw_dir)
    laender = read_laender(raw_dir)
    raw_kreise = json.loads((bkg_dir / DISTRICT_GEOJSON).read_text(encoding="utf-8"))
    raw_laender = json.loads((bkg_dir / LAENDER_GEOJSON).read_text(encoding="utf-8"))
    kreise_map = simplify_boundaries(raw_kreise, DISTRICT_TOLERANCE_M)
    laender_map = dissolve_to_laender(kreise_map, dict(zip(laender["ags"], laender["name"])))
    crosswalk = read_crosswalk(raw_dir / CROSSWALK_XLSX)
    _check_crosswalk_targets(crosswalk, districts)

    source = (
        "BKG VG2500, Stand 31.12.2022, vereinfacht mit shapely coverage_simplify, "
        f"Toleranz {DISTRICT_TOLERANCE_M} m (Visvalingam-Whyatt), Koordinaten auf "
        f"{COORDINATE_DECIMALS} Dezimalstellen (WGS84)"
    )
    geo_metadata = {"attribution": BKG_ATTRIBUTION, "source": source}
    paths = {
        "districts.csv": _write_csv(districts, out_dir / "districts.csv"),
        "laender.csv": _write_csv(laender, out_dir / "laender.csv"),
        "kreise_simplified.geojson": _write_geojson(
            kreise_map, out_dir / "kreise_simplified.geojson", geo_metadata
        ),
        "laender_simplified.geojson": _write_geojson(
            laender_map,
            out_dir / "laender_simplified.geojson",
            {**geo_metadata, "source": source + "; Länder = Vereinigung der vereinfachten Kreise"},
        ),
        "crosswalk.csv": _write_csv(crosswalk, out_dir / "crosswalk.csv"),
    }
    return {
        "districts": len(districts),
        "laender": len(laender),
        "crosswalk_rows": len(crosswalk),
        "crosswalk_years": [int(crosswalk["year"].min()), int(crosswalk["year"].max())],
        "tolerance_m": DISTRICT_TOLERANCE_M,
        "bytes": {name: path.stat().st_size for name, path in paths.items()},
        "vertices": {
            "kreise_before": count_vertices(raw_kreise),
            "kreise_after": count_vertices(kreise_map),
            "laender_before": count_vertices(raw_laender),
            "laender_after": count_vertices(laender_map),
        },
        "attribution": {
            "districts.csv": BKG_ATTRIBUTION,
            "laender.csv": BKG_ATTRIBUTION,
            "kreise_simplified.geojson": BKG_ATTRIBUTION,
            "laender_simplified.geojson": BKG_ATTRIBUTION,
            "crosswalk.csv": BBSR_ATTRIBUTION,
        },
    }


SERVED_BOUNDARIES = ("kreise_simplified.geojson", "laender_simplified.geojson")


def publish_boundaries(data_dir: Path, static_dir: Path) -> None:
    """Copy the simplified boundaries from data/ to static/, which Streamlit serves under app/static/ (it serves
    nothing else, and follows no link out of that folder).  data/ stays the one place they are made."""
    static_dir.mkdir(parents=True, exist_ok=True)
    for name in SERVED_BOUNDARIES:
        shutil.copyfile(data_dir / name, static_dir / name)


def _check_crosswalk_targets(crosswalk: pd.DataFrame, districts: pd.DataFrame) -> None:
    """Every crosswalk target must be a current Kreis, else CODE_CHANGES_AFTER_2020 is out of date."""
    unknown = sorted(set(crosswalk["new_ags"]) - set(districts["ags"]))
    if unknown:
        raise ValueError(
            f"crosswalk targets {unknown} are not VG2500 Kreise: add the change to CODE_CHANGES_AFTER_2020"
        )


def _write_csv(table: pd.DataFrame, path: Path) -> Path:
    table.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path


def _write_geojson(feature_collection: dict, path: Path, metadata: dict) -> Path:
    """Compact JSON with one feature per line, so a git diff shows which district changed."""
    head = {"type": "FeatureCollection", **metadata}
    lines = [_compact_json(feature) for feature in feature_collection["features"]]
    text = _compact_json(head)[:-1] + ',"features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")
    return path


def _compact_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
