"""``clients.toml``: one EOJ client per vendor-hosted group of municipalities.

Vendors are fictitious; each municipality is assigned to one vendor by the seed (market
shares below), and the largest vendor hosts its municipalities in two groups (east/west),
so the gateway sees clients bound to many municipalities each. No secrets: the gateway
creates the tokens (``tvaers gateway clients``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tomli_w

from tvaers.synth.health_system import health_system
from tvaers.synth.rng import GLOBAL_BLOCK, stream

CLIENTS_SCHEMA_VERSION = 1
VENDORS: tuple[tuple[str, str, float], ...] = (
    ("alfa", "Alfa Omsorg", 0.55),
    ("beta", "Beta Care", 0.35),
    ("gamma", "Gamma Journal", 0.10),
)
EAST_REGIONS = ("1084", "1085")


def client_groups(seed: int) -> list[dict[str, object]]:
    """The EOJ clients and their municipalities, in a fixed order."""
    hs = health_system()
    rng = stream(seed, GLOBAL_BLOCK, "municipalities")
    shares = np.array([v[2] for v in VENDORS])
    vendor_of = rng.choice(len(VENDORS), size=len(hs.kommunekoder), p=shares / shares.sum())
    groups: dict[str, dict[str, object]] = {}
    for m, kommunekode in enumerate(hs.kommunekoder):
        key, name, _ = VENDORS[int(vendor_of[m])]
        client_id, label = f"eoj-{key}", f"{name} (fiktiv EOJ-leverandør)"
        if key == "alfa":
            east = hs.region_codes[hs.muni_region[m]] in EAST_REGIONS
            client_id += "-oest" if east else "-vest"
            label += " – hosting øst" if east else " – hosting vest"
        group = groups.setdefault(
            client_id,
            {"client_id": client_id, "name": label, "vendor": name, "kommunekoder": []},
        )
        codes = group["kommunekoder"]
        assert isinstance(codes, list)
        codes.append(kommunekode)
    return [groups[k] for k in sorted(groups)]


def write_clients(path: Path, seed: int) -> int:
    """Write ``clients.toml``; returns the number of clients."""
    clients = client_groups(seed)
    document = {
        "schema_version": CLIENTS_SCHEMA_VERSION,
        "note": "Synthetic EOJ clients; tokens are created by the gateway, never stored here.",
        "client": clients,
    }
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    return len(clients)
