"""GrowthBook's hash v2, bucket ranges and `chooseVariation`, as its SDKs compute them, so an
assignment can be reproduced with any GrowthBook SDK."""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Sequence

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193


def fnv1a32(text: str) -> int:
    """32-bit FNV-1a over UTF-16 code units, as GrowthBook's SDKs (JS `charCodeAt`) do."""
    if text.isascii():
        units: Iterable[int] = text.encode("ascii")
    else:
        # Non-BMP characters become two surrogate units; lone surrogates pass through.
        data = text.encode("utf-16-le", "surrogatepass")
        units = struct.unpack(f"<{len(data) // 2}H", data)
    hval = _FNV_OFFSET
    for unit in units:
        hval = ((hval ^ unit) * _FNV_PRIME) & 0xFFFFFFFF
    return hval


def gb_hash(seed: str, value: str, version: int = 2) -> float | None:
    """GrowthBook's `hash(seed, value, version)`: a number in [0, 1), or None for a bad version."""
    if version == 2:
        return (fnv1a32(str(fnv1a32(seed + value))) % 10000) / 10000
    if version == 1:
        return (fnv1a32(value + seed) % 1000) / 1000
    return None


def _usable_weights(weights: Sequence[float] | None, count: int) -> bool:
    if weights is None or len(weights) != count:
        return False
    if not all(math.isfinite(w) and w >= 0 for w in weights):
        return False
    return 0.99 <= sum(weights) <= 1.01


def bucket_ranges(
    num_variations: int, coverage: float = 1.0, weights: Sequence[float] | None = None
) -> list[tuple[float, float]]:
    """GrowthBook's `getBucketRanges`: each range starts at its cumulative weight and is shrunk
    from its start by `coverage`, so changing coverage never moves a teen between variants.
    Weights that do not sum to about 1 fall back to equal weights, as in the SDKs."""
    coverage = min(max(coverage, 0.0), 1.0)
    if num_variations < 1:
        return []
    if weights is None or not _usable_weights(weights, num_variations):
        weights = [1 / num_variations] * num_variations
    ranges: list[tuple[float, float]] = []
    cumulative = 0.0
    for weight in weights:
        start = cumulative
        cumulative += weight
        ranges.append((start, start + coverage * weight))
    return ranges


def choose_variation(n: float, ranges: Sequence[tuple[float, float]]) -> int:
    """GrowthBook's `chooseVariation`: the index of the range holding `n`, or -1."""
    for index, (start, end) in enumerate(ranges):
        if start <= n < end:
            return index
    return -1
