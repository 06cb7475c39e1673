"""The default dataset is reproducible: data/raw_manifest.json pins every raw file by size and sha256, and a fresh
build from ../shared/data/raw gives exactly the committed facts, warnings and manifest.

Skipped when the raw folder is not next to the project (see the raw_dir fixture in conftest.py).
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from monitoring import build

from .conftest import PROJECT_DIR

DATA_DIR = PROJECT_DIR / "data"
FACT_KEY = ["indicator", "ags", "breakdown", "category", "period", "source_file"]


def files_on_disk(root: Path) -> dict[str, Path]:
    """Every file under root by its path relative to root, with "/" separators (os.walk, not the build's rglob)."""
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            found["/".join(path.relative_to(root).parts)] = path
    return found


def test_the_manifest_lists_exactly_the_raw_files_with_their_size_and_hash(raw_dir):
    manifest = json.loads((DATA_DIR / build.MANIFEST_FILE).read_text(encoding="utf-8"))
    listed = {entry["path"]: entry for entry in manifest["files"]}
    on_disk = files_on_disk(raw_dir)
    assert sorted(listed) == sorted(on_disk)
    assert [entry["path"] for entry in manifest["files"]] == sorted(listed)  # sorted, so diffs stay small
    for relative, path in on_disk.items():
        data = path.read_bytes()
        assert listed[relative]["bytes"] == len(data), relative
        assert listed[relative]["sha256"] == hashlib.sha256(data).hexdigest(), relative


def test_the_manifest_names_origin_and_use_of_each_file(raw_dir):
    manifest = json.loads((DATA_DIR / build.MANIFEST_FILE).read_text(encoding="utf-8"))
    listed = {entry["path"]: entry for entry in manifest["files"]}
    table = listed["regionalstatistik-tabellen-2017-datenguide/AI002-1_00.csv"]
    assert table["folder"] == "regionalstatistik-tabellen-2017-datenguide"
    assert table["origin"].startswith("regionalstatistik-tabellen-2017-datenguide/ (source: datenguide/genesapi-data")
    assert table["read_by"] == ["import: genesis_table"]
    # the district list is refused by the importers (no statistics layout) and read for the boundaries
    assert listed["bkg-vg2500/kreise_2022_ags_name_land.csv"]["read_by"] == ["import: abgelehnt", "geo"]
    assert listed["bkg-vg2500/shapefile/VG2500_LAN.shp"]["read_by"] == []  # the Länder come from the Kreise
    for relative, entry in listed.items():
        if "/" in relative:  # every folder of the raw README has its section heading
            assert entry["origin"].startswith(entry["folder"] + "/"), relative


@pytest.fixture(scope="module")
def fresh_build(raw_dir, tmp_path_factory):
    """A whole build from the raw folder into a temporary data/ and static/ (the project's data/ stays as it is)."""
    root = tmp_path_factory.mktemp("fresh")
    data_dir, static_dir = root / "data", root / "static"
    data_dir.mkdir()
    build.build_dataset(raw_dir, data_dir=data_dir, static_dir=static_dir)
    return data_dir


def sorted_frame(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    return frame.sort_values(key + [c for c in frame.columns if c not in key], kind="stable").reset_index(drop=True)


def test_a_fresh_build_gives_the_committed_facts(fresh_build):
    fresh = pd.read_parquet(fresh_build / "facts.parquet")
    committed = pd.read_parquet(DATA_DIR / "facts.parquet")
    assert len(fresh) == len(committed)
    pd.testing.assert_frame_equal(sorted_frame(fresh, FACT_KEY), sorted_frame(committed, FACT_KEY), check_exact=True)
    # and in the same row order: the database's "first value of a file wins" rule depends on it
    pd.testing.assert_frame_equal(fresh, committed, check_exact=True)


def test_a_fresh_build_gives_the_committed_warnings_and_manifest(fresh_build):
    fresh = pd.read_parquet(fresh_build / "plausibility.parquet")
    committed = pd.read_parquet(DATA_DIR / "plausibility.parquet")
    pd.testing.assert_frame_equal(fresh, committed, check_exact=True)
    assert (fresh_build / build.MANIFEST_FILE).read_bytes() == (DATA_DIR / build.MANIFEST_FILE).read_bytes()
    assert (fresh_build / "BUILD.md").read_bytes() == (DATA_DIR / "BUILD.md").read_bytes()
