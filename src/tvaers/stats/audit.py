"""The attacker's view of a suppressed release, and suppression that survives it.

Public cells carry several counts (numerator, denominator, uoplyst, excluded); a hidden
cell hides all of them. Published linear relations tie cells together: a total is the sum
of its members (a region of its municipalities, the nation of the regions, the whole of
its strata, a year of its months). A relation that holds exactly in the data is an
equation for the attacker; one that does not (e.g. persons without a residence count in
the nation but in no region) only says ``total >= sum(members)``.

:func:`exposed` asks, for every hidden cell and count, the smallest and largest value over
all non-negative integer solutions consistent with the published cells (integer linear
programs, HiGHS via ``scipy.optimize.milp``), with what the attacker knows besides: a
hidden cell is not empty (denominator >= 1) and a numerator never exceeds its denominator.
A count with min == max is determined exactly — except a numerator forced to 0 (every
published total around it is 0: the zero is public at the aggregate level and no
suppression could hide it). :func:`protect` runs primary and complementary suppression,
then hides more cells until :func:`exposed` finds nothing. Callers pass the counts that
carry the cell's value (numerator, denominator); others hidden with them (uoplyst,
excluded) are not audited.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tvaers.stats.suppression import Cell, Relation, SuppressionPolicy, suppress

#: Index of the numerator and the denominator in :attr:`CountCell.counts`.
NUMERATOR, DENOMINATOR = 0, 1


@dataclass(frozen=True, slots=True)
class CountCell:
    """A public cell and its true counts (numerator, denominator, then any others)."""

    key: Hashable
    counts: tuple[int, ...]


def _components(keys: set[Hashable], relations: list[Relation]) -> list[set[Hashable]]:
    """Groups of hidden cells that share a relation (solved separately)."""
    parent = {k: k for k in keys}

    def find(k: Hashable) -> Hashable:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for rel in relations:
        inside = [k for k in (rel.total, *rel.members) if k in parent]
        for other in inside[1:]:
            parent[find(other)] = find(inside[0])
    groups: dict[Hashable, set[Hashable]] = {}
    for k in keys:
        groups.setdefault(find(k), set()).add(k)
    return list(groups.values())


def exposed(
    cells: Sequence[CountCell], relations: Iterable[Relation], hidden: Iterable[Hashable]
) -> dict[Hashable, list[int]]:
    """Hidden cells with a count the published cells determine exactly (key -> count indexes)."""
    by_key = {c.key: c for c in cells}
    secret = {k for k in hidden if k in by_key}
    rels = [
        r
        for r in relations
        if r.total in by_key and (r.total in secret or any(m in secret for m in r.members))
    ]
    found: dict[Hashable, list[int]] = {}
    for group in _components(secret, rels):
        inside = [r for r in rels if r.total in group or any(m in group for m in r.members)]
        for key, indexes in _solve(group, inside, by_key).items():
            found[key] = indexes
    return found


def _solve(
    group: set[Hashable], rels: list[Relation], by_key: dict[Hashable, CountCell]
) -> dict[Hashable, list[int]]:
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, linprog, milp

    keys = sorted(group, key=str)
    width = len(by_key[keys[0]].counts)
    var = {(k, t): i for i, (k, t) in enumerate((k, t) for k in keys for t in range(width))}
    n_vars = len(var)
    rows, lows, highs = _equations(rels, by_key, var, width)
    for k in keys:  # numerator <= denominator
        rows.append({var[(k, NUMERATOR)]: 1.0, var[(k, DENOMINATOR)]: -1.0})
        lows.append(-np.inf)
        highs.append(0.0)
    lower = np.zeros(n_vars)
    for k in keys:
        lower[var[(k, DENOMINATOR)]] = 1.0  # a hidden cell is never empty
    constraints = LinearConstraint(_sparse(rows, n_vars), np.array(lows), np.array(highs))
    # A finite ceiling (far above any count) keeps every program bounded; it can only help
    # the attacker, so the audit stays on the safe side.
    ceiling = 2.0 * max(max(c.counts) for c in by_key.values()) + 10.0
    bounds = Bounds(lower, np.full(n_vars, ceiling))
    a_ub, b_ub, a_eq, b_eq = _linprog_form(rows, lows, highs, n_vars)
    box = list(zip(lower, np.full(n_vars, ceiling), strict=True))
    true = np.array([by_key[k].counts[t] for (k, t) in var], dtype=float)
    # counts not yet shown to have another feasible value (zero numerators are not audited)
    undecided = {i for i, (k, t) in enumerate(var) if not (t == NUMERATOR and true[i] == 0)}

    def solve(objective: Any) -> None:
        # The LP optimum at a vertex is usually integral for these sum constraints (then it
        # is an integer solution); otherwise solve the integer program.
        res = linprog(objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=box)
        if res.status != 0 or not np.allclose(res.x, np.round(res.x), atol=1e-9):
            res = milp(
                objective, constraints=constraints, integrality=np.ones(n_vars), bounds=bounds
            )
        if res.status == 0:
            other = np.round(res.x)
            undecided.difference_update([i for i in undecided if other[i] != true[i]])

    # The true counts are one solution; any other integer solution shows that each count in
    # which it differs is not determined. Push the undecided counts with random weights
    # (down, up, mixed) while that still settles some; then each remaining one alone, only
    # in the directions its bounds allow; what is left has a single feasible value.
    rng = np.random.default_rng(0)
    idle = 0
    for round_ in range(40):
        if not undecided or idle >= 3:
            break
        before = len(undecided)
        weights = rng.uniform(0.5, 1.5, n_vars)
        if round_ % 3 == 1:
            weights = -weights
        elif round_ % 3 == 2:
            weights *= rng.choice([-1.0, 1.0], n_vars)
        solve(np.array([weights[i] if i in undecided else 0.0 for i in range(n_vars)]))
        idle = idle + 1 if len(undecided) == before else 0
    for i in sorted(undecided):
        for sign in (1.0, -1.0):
            if i in undecided and not (sign > 0 and true[i] <= lower[i]):
                objective = np.zeros(n_vars)
                objective[i] = sign
                solve(objective)
    names = list(var)
    found: dict[Hashable, list[int]] = {}
    for i in sorted(undecided):
        k, t = names[i]
        if t == NUMERATOR and true[i] == 0:
            continue  # a forced zero: public at the aggregate level already
        found.setdefault(k, []).append(t)
    return found


def _equations(
    rels: list[Relation],
    by_key: dict[Hashable, CountCell],
    var: dict[tuple[Hashable, int], int],
    width: int,
) -> tuple[list[dict[int, float]], list[float], list[float]]:
    """One row per relation and count: exact (== 0) where the true counts add up, else >= 0."""
    import numpy as np

    rows: list[dict[int, float]] = []
    lows: list[float] = []
    highs: list[float] = []
    for rel in rels:
        members = [m for m in rel.members if m in by_key]
        for t in range(width):
            truth = by_key[rel.total].counts[t] - sum(by_key[m].counts[t] for m in members)
            if truth < 0:  # not a valid relation for this count (members overlap)
                continue
            row: dict[int, float] = {}
            constant = 0.0
            for m, sign in [(rel.total, 1.0), *((m, -1.0) for m in members)]:
                if (m, t) in var:
                    row[var[(m, t)]] = row.get(var[(m, t)], 0.0) + sign
                else:
                    constant += sign * by_key[m].counts[t]
            if any(row.values()):
                rows.append(row)
                lows.append(-constant)
                highs.append(-constant if truth == 0 else np.inf)
    return rows, lows, highs


def _linprog_form(
    rows: list[dict[int, float]], lows: list[float], highs: list[float], width: int
) -> tuple[Any, Any, Any, Any]:
    """``lows <= A x <= highs`` as ``A_ub x <= b_ub`` and ``A_eq x == b_eq``."""
    import numpy as np

    eq = [i for i in range(len(rows)) if lows[i] == highs[i]]
    ub = [(i, 1.0, highs[i]) for i in range(len(rows)) if lows[i] != highs[i] and highs[i] < np.inf]
    ub += [
        (i, -1.0, -lows[i]) for i in range(len(rows)) if lows[i] != highs[i] and lows[i] > -np.inf
    ]
    a_eq = _sparse([rows[i] for i in eq], width) if eq else None
    b_eq = np.array([lows[i] for i in eq]) if eq else None
    a_ub = (
        _sparse([{c: s * v for c, v in rows[i].items()} for i, s, _ in ub], width) if ub else None
    )
    b_ub = np.array([b for _, _, b in ub]) if ub else None
    return a_ub, b_ub, a_eq, b_eq


def _sparse(rows: list[dict[int, float]], width: int) -> Any:
    from scipy.sparse import csr_matrix

    data = [v for row in rows for v in row.values()]
    cols = [c for row in rows for c in row]
    index = [i for i, row in enumerate(rows) for _ in row]
    return csr_matrix((data, (index, cols)), shape=(len(rows), width))


def protect(
    cells: Sequence[CountCell],
    relations: Sequence[Relation],
    policy: SuppressionPolicy,
    *,
    max_rounds: int = 50,
) -> set[Hashable]:
    """Primary and complementary suppression, widened until no hidden count is determined."""
    plain = [Cell(c.key, c.counts[NUMERATOR], c.counts[DENOMINATOR]) for c in cells]
    by_key = {c.key: c for c in cells}
    hidden = set(suppress(plain, relations, policy))
    for round_ in range(max_rounds + 1):
        found = exposed(cells, relations, hidden)
        if not found:
            return hidden
        extra = {_partner(k, relations, hidden, by_key) for k in found}
        extra.discard(None)
        if not extra or round_ == max_rounds:
            break
        hidden = set(suppress(plain, relations, policy, hidden_already=hidden | extra))
    # still exposed with nothing left to widen: hide every cell of the relations involved
    return hidden | {m for r in relations for m in (r.total, *r.members) if m in by_key}


def _partner(
    key: Hashable,
    relations: Sequence[Relation],
    hidden: set[Hashable],
    by_key: dict[Hashable, CountCell],
) -> Hashable | None:
    """The smallest published non-empty cell sharing a relation with ``key``."""
    options = {
        m
        for r in relations
        if key == r.total or key in r.members
        for m in (r.total, *r.members)
        if m in by_key and m not in hidden and by_key[m].counts[DENOMINATOR] > 0
    }
    if not options:
        return None
    return min(options, key=lambda m: (by_key[m].counts[DENOMINATOR], str(m)))
