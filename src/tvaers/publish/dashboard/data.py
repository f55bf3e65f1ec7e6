"""The dashboard's data: one release read at start-up, and each user's view of it.

A user sees the results of units in their scope without small-number suppression (when the
role has legitimate access) and everything else as the public release shows it.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tvaers.publish.build import Release, load_release
from tvaers.publish.dashboard.permissions import ScopeEntry, sees_unsuppressed
from tvaers.publish.dashboard.persons import PersonTable, person_files, read_persons
from tvaers.publish.model import NOT_PUBLIC, ResultIndex
from tvaers.publish.results import ResultRow, public, results_files


@dataclass(slots=True)
class DashboardData:
    """Unsuppressed rows (never rendered as such) plus metadata and person rows."""

    release: Release
    persons: PersonTable

    def index_for(self, role: str, scope: tuple[ScopeEntry, ...]) -> ResultIndex:
        """The rows this user may see: in-scope rows as computed, the rest made public."""
        units = self.release.units
        rows: list[ResultRow] = []
        for r in self.release.rows:
            if not r.suppressed:
                rows.append(r)
            elif sees_unsuppressed(role, scope, r.unit_type, r.unit_id, units):
                extra = {**r.extra, NOT_PUBLIC: True}
                rows.append(dataclasses.replace(r, suppressed=False, extra=extra))
            else:
                rows.extend(public([r]))
        return ResultIndex(rows)


def load_data(results_dir: Path) -> DashboardData:
    """Read the release under ``results_dir`` (results, definitions, gateway/, persons)."""
    release = load_release(results_dir, suppress=False)
    base = results_dir if results_dir.is_dir() else results_dir.parent
    return DashboardData(release, read_persons(base))


class DataSource:
    """The current release, re-read when the registry writes new result files.

    A daily run replaces ``results.parquet``/``units.parquet``; at most every
    ``check_seconds`` the files' modification times are compared and, if changed, the release
    is loaded again (the old one is served until the new one has loaded).
    """

    def __init__(
        self,
        results_dir: Path | None,
        data: DashboardData | None = None,
        check_seconds: float = 5.0,
    ):
        self.results_dir = results_dir
        self.check_seconds = check_seconds
        self._lock = threading.Lock()
        self._data = data
        self._stamp = self._read_stamp() if data is None else None
        self._checked = time.monotonic()
        if self._data is None:
            assert results_dir is not None
            self._data = load_data(results_dir)

    def _read_stamp(self) -> tuple[tuple[str, int], ...]:
        if self.results_dir is None:
            return ()
        base = self.results_dir if self.results_dir.is_dir() else self.results_dir.parent
        files = [*results_files(self.results_dir), *person_files(base)]
        return tuple((str(p), p.stat().st_mtime_ns) for p in files)

    def get(self) -> DashboardData:
        """The release to serve now."""
        if self._stamp is not None and time.monotonic() - self._checked >= self.check_seconds:
            with self._lock:
                self._checked = time.monotonic()
                stamp = self._read_stamp()
                if stamp != self._stamp:
                    assert self.results_dir is not None
                    self._data = load_data(self.results_dir)
                    self._stamp = stamp
        assert self._data is not None
        return self._data
