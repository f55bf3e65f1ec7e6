"""Deterministic random streams and identifiers.

Every random number comes from a Philox stream keyed by (seed, block, stream name): a block
is a fixed range of citizens, so its output does not depend on which worker process computes
it or in which order. Identifiers (UUIDs) are drawn from their own stream, so adding an id
never shifts a simulation draw.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

# Stream numbers are part of the determinism contract: never renumber, only append.
STREAMS: dict[str, int] = {
    "demography": 1,
    "cpr": 2,
    "conditions": 3,
    "pathways": 4,
    "copd": 5,
    "referrals": 6,
    "ids": 7,
    "municipalities": 8,
    "expand": 9,
    "effects": 10,
    "municipal_plan": 11,
    "prevention": 12,
    "rehab": 13,
    "care": 14,
    "municipal_ids": 15,
    "delivery": 16,
}
GLOBAL_BLOCK = 2**31 - 1  # the block number of draws that are not per block (municipal effects)

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def stream(seed: int, block: int, name: str) -> np.random.Generator:
    """The random stream ``name`` of ``block`` under ``seed``."""
    seq = np.random.SeedSequence(entropy=seed, spawn_key=(block, STREAMS[name]))
    return np.random.Generator(np.random.Philox(seq))


def uuid4_strings(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` random-form (version 4) UUID strings drawn from ``rng``."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexed = np.empty((n, 32), dtype=np.uint8)
    hexed[:, 0::2] = _HEX[raw >> 4]
    hexed[:, 1::2] = _HEX[raw & 0x0F]
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    for src, dst, width in ((0, 0, 8), (8, 9, 4), (12, 14, 4), (16, 19, 4), (20, 24, 12)):
        out[:, dst : dst + width] = hexed[:, src : src + width]
    return fixed_ascii(out)


def fixed_ascii(chars: npt.NDArray[np.uint8]) -> pa.Array:
    """An Arrow string array from an (n, width) array of ASCII bytes."""
    n, width = chars.shape
    data = pa.py_buffer(np.ascontiguousarray(chars).tobytes())
    offsets = pa.py_buffer((np.arange(n + 1, dtype=np.int32) * width).tobytes())
    return pa.Array.from_buffers(pa.string(), n, [None, offsets, data])
