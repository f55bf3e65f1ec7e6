"""The dashboard re-reads a release when the registry writes new result files."""

from __future__ import annotations

import os
from pathlib import Path

from publish_factories import build_rows, write_release, write_results

from tvaers.publish.dashboard.data import DataSource


def test_reload_after_a_new_run(tmp_path: Path) -> None:
    release = write_release(tmp_path / "release", codes=("101", "147"))
    source = DataSource(release, check_seconds=0)
    first = source.get()
    assert source.get() is first  # unchanged files: the same release object
    rows = build_rows(("101", "147", "151"))
    write_results(rows, release / "results.parquet")
    stat = (release / "results.parquet").stat()
    os.utime(release / "results.parquet", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = source.get()
    assert second is not first
    assert {r.unit_id for r in second.release.rows if r.unit_type == "municipality"} == {
        "101",
        "147",
        "151",
    }


def test_check_interval_limits_rereads(tmp_path: Path) -> None:
    release = write_release(tmp_path / "release", codes=("101",))
    source = DataSource(release, check_seconds=3600)
    first = source.get()
    write_results(build_rows(("101", "147")), release / "results.parquet")
    assert source.get() is first
