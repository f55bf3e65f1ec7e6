"""The dashboard's data: one release read at start-up, and each user's view of it.

A user sees the results of units in their scope without small-number suppression (when the
role has legitimate access) and everything else as the public release shows it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from tvaers.publish.build import Release, load_release
from tvaers.publish.dashboard.permissions import ScopeEntry, sees_unsuppressed
from tvaers.publish.dashboard.persons import PersonTable, read_persons
from tvaers.publish.model import NOT_PUBLIC, ResultIndex
from tvaers.publish.results import ResultRow, public


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
