"""Zip uploads cannot make the importer unpack more than it accepts (monitoring/importers/genesis_flat.py).

The archives are built here, in memory, from highly compressible data; peak memory is measured with tracemalloc
(which sees the bytes zipfile and the importer allocate) and must stay far below what the archive would unpack to.
"""
from __future__ import annotations

import io
import os
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from monitoring.importers import genesis_flat
from monitoring.importers.common import ImportRejected
from monitoring.importers.genesis_flat import read_genesis_flat
from tests.test_importer_flat import MINIMAL_CURRENT

MB = 1024 * 1024
UPLOAD_LIMIT = 50 * MB  # [updates] max_upload_mb's default
UNZIPPED_LIMIT = UPLOAD_LIMIT * 20  # what the data update page passes (monitoring.ingest.UNZIPPED_FACTOR)


def zip_bytes(members: dict[str, tuple[bytes, int]], compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of members written as `chunk` repeated `times`, streamed (never the whole member in memory)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, (chunk, times) in members.items():
            with archive.open(name, "w", force_zip64=True) as member:
                for _ in range(times):
                    member.write(chunk)
    return buffer.getvalue()


def refused_with_peak(data: bytes, name: str = "download.zip", **kwargs) -> tuple[ImportRejected, int, float]:
    """The rejection, the peak of traced memory while reading (bytes) and the time it took (s)."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ImportRejected) as info:
            read_genesis_flat(Path(name), data, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return info.value, peak, time.perf_counter() - start


@pytest.fixture(scope="module")
def twenty_members_of_49_mb() -> bytes:
    """The review's case: 20 members of 49 MiB zeros each (980 MiB unpacked, under the 1000 MiB limit; each member
    under the old 50 MiB bomb threshold), about 1 MB as a zip."""
    data = zip_bytes({f"teil{i:02d}.csv": (bytes(MB), 49) for i in range(20)})
    assert len(data) < 2 * MB
    return data


def test_many_members_just_under_the_old_bomb_threshold_are_refused_before_unpacking(twenty_members_of_49_mb):
    err, peak, seconds = refused_with_peak(twenty_members_of_49_mb, max_unzipped_bytes=UNZIPPED_LIMIT)
    assert err.file == "download.zip"
    assert "ZIP-Bombe" in err.reason and "teil00.csv" in err.reason
    assert "51,4 MB entpackt" in err.reason  # 49 MiB in German decimal format
    assert peak < 20 * MB, f"peak {peak / MB:.0f} MiB for an archive of {len(twenty_members_of_49_mb) / MB:.0f} MiB"
    assert seconds < 5


def test_a_small_bomb_member_is_refused_too():
    data = zip_bytes({"nullen.csv": (bytes(MB), 3)})  # 3 MiB of zeros, ratio ~1000
    info = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    ratio = f"{info.file_size / info.compress_size:,.0f}".replace(",", ".")
    err, peak, _ = refused_with_peak(data)
    assert "ZIP-Bombe" in err.reason and f"„nullen.csv“ ist im ZIP-Archiv {ratio}-fach komprimiert (3,1 MB entpackt)" \
        in err.reason, err.reason
    assert peak < 3 * MB


def test_members_are_read_one_at_a_time_and_the_first_bad_one_stops_the_rest():
    """A broken first CSV is refused before the second (30 MiB, ordinary compression) is unpacked."""
    broken = MINIMAL_CURRENT.replace(b"\n", b";zu;viele;Spalten\n", 2)
    noise = os.urandom(MB // 2).hex().encode()  # compresses about 2:1, far from a bomb
    data = zip_bytes({"a.csv": (broken, 1), "b.csv": (noise, 30)})
    err, peak, _ = refused_with_peak(data)
    assert err.file == "download.zip!a.csv"
    assert peak < 20 * MB, f"peak {peak / MB:.0f} MiB: b.csv was unpacked although a.csv was already wrong"


def test_reading_a_member_stops_as_soon_as_the_budget_is_passed():
    """The running total is checked chunk by chunk: a 30 MiB member with 5 MiB left is not unpacked whole."""
    noise = os.urandom(MB // 2).hex().encode()
    data = zip_bytes({"b.csv": (noise, 30)})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        tracemalloc.start()
        try:
            with pytest.raises(ImportRejected) as info:
                genesis_flat._read_member("x.zip", archive, archive.infolist()[0], budget=5 * MB)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert info.value.reason.startswith("Das ZIP-Archiv ist entpackt größer als erlaubt (höchstens 5,2 MB)")
    assert peak < 10 * MB


def test_total_over_the_limit_is_refused_with_german_sizes():
    data = zip_bytes({f"t{i}.csv": (os.urandom(MB // 2).hex().encode(), 4) for i in range(3)})  # 3 × 4 MiB
    err, _, _ = refused_with_peak(data, max_unzipped_bytes=10 * MB)
    assert "Das ZIP-Archiv ist entpackt 12,6 MB groß; erlaubt sind höchstens 10,5 MB." in err.reason


@pytest.mark.parametrize("size, text", [
    (52_428_800, "52,4 MB"), (1_536_000_000, "1.536,0 MB"), (1_000_000, "1,0 MB"), (250_000, "250 kB"),
    (2_500, "3 kB"), (100, "1 kB"),
])
def test_sizes_in_messages_are_german(size, text):
    assert genesis_flat._megabytes(size) == text
