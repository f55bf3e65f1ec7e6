"""Value-set membership: every value set the KL Gateway IGs bind, expanded per kl-term version.

Expansions are computed at build time from each value set's ``compose`` (see
``tools/build_terminology.py``); lookups here are set membership only.
"""

from __future__ import annotations

from functools import cache

from tvaers.terminology.tables import LATEST, check_version, raw


class UnknownValueSet(KeyError):
    """The value set is not shipped (or cannot be expanded offline)."""


def known(url: str) -> bool:
    """True if ``url`` (optionally ``|version``) has a shipped expansion."""
    return url.split("|")[0] in raw()["value_sets"]


def urls() -> list[str]:
    """Canonical URLs of every shipped value set."""
    return sorted(raw()["value_sets"])


def not_expandable() -> dict[str, str]:
    """Bound value sets that cannot be expanded offline, with the reason."""
    return dict(raw()["not_expandable"])


@cache
def members(url: str, version: str = LATEST) -> dict[str, frozenset[str]]:
    """The expansion of ``url`` in kl-term ``version`` as ``{system: codes}``."""
    check_version(version)
    data = raw()
    entry = data["value_sets"].get(url.split("|")[0])
    if entry is None:
        raise UnknownValueSet(url)
    expansion = data["expansions"][entry["versions"][version]]
    out: dict[str, frozenset[str]] = {}
    for system, items in expansion.items():
        codes = data["code_lists"].get(system)
        out[system] = frozenset(codes[i] if isinstance(i, int) and codes else i for i in items)
    return out


def contains(url: str, system: str | None, code: str | None, version: str = LATEST) -> bool:
    """True if ``(system, code)`` is in the expansion of ``url``.

    Raises :class:`UnknownValueSet` for a value set that is not shipped.
    """
    if system is None or code is None:
        return False
    codes = members(url, version).get(system)
    return codes is not None and code in codes


def size(url: str, version: str = LATEST) -> int:
    """Number of codes in the expansion."""
    return sum(len(codes) for codes in members(url, version).values())
