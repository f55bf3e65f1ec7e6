"""A recipient's place in the feed: one position per IG, as an opaque cursor.

Pages are one IG each (:mod:`.pages`), so each IG's stream is read on its own, in commit
order. The opaque form is base64url of ``<recipient id>|care=12,rehab=9``: bound to one
recipient, so one recipient's cursor is refused from another.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Cursor:
    """Feed positions per IG: everything of that IG up to the position is delivered."""

    positions: tuple[tuple[str, int], ...]

    @classmethod
    def start(cls, igs: tuple[str, ...], position: int) -> Cursor:
        return cls(tuple((ig, position) for ig in igs))

    def get(self, ig: str) -> int:
        """The IG's position (an IG added to the agreement later starts at the minimum)."""
        return dict(self.positions).get(ig, self.acknowledged)

    def moved(self, changes: dict[str, int]) -> Cursor:
        merged = {**dict(self.positions), **changes}
        return Cursor(tuple(sorted(merged.items())))

    @property
    def acknowledged(self) -> int:
        """The position up to which every IG is delivered."""
        return min((p for _, p in self.positions), default=0)

    def state(self) -> str:
        return ",".join(f"{ig}={p}" for ig, p in sorted(self.positions))

    @classmethod
    def parse(cls, state: str) -> Cursor:
        pairs = [part.split("=", 1) for part in state.split(",") if part]
        return cls(tuple(sorted((ig, int(p)) for ig, p in pairs)))

    def encode(self, recipient_id: str) -> str:
        """The opaque cursor a recipient sends back (bound to that recipient)."""
        raw = f"{recipient_id}|{self.state()}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, recipient_id: str, text: str) -> Cursor | None:
        """The cursor this server issued to this recipient, else None."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            owner, _, state = raw.partition("|")
            return cls.parse(state) if owner == recipient_id and state else None
        except (ValueError, UnicodeDecodeError):
            return None
