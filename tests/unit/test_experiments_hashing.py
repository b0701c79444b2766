"""GrowthBook hash v2, bucket ranges and chooseVariation, against GrowthBook's own cases and
against the installed `growthbook` SDK (a test-only dependency)."""

from __future__ import annotations

import random

import pytest
from growthbook import Experiment as GbExperiment
from growthbook import GrowthBook
from growthbook.core import chooseVariation, gbhash, getBucketRanges
from growthbook.core import fnv1a32 as gb_fnv1a32

from alertsvc.domain.copy import plain
from alertsvc.domain.decision import VariantParams
from alertsvc.domain.experiments import (
    Experiment,
    Status,
    Variant,
    assign,
    bucket_ranges,
    choose_variation,
    fnv1a32,
    gb_hash,
)

# The "hash" section of GrowthBook's shared SDK test suite
# (growthbook/growthbook packages/sdk-js/test/cases.json, spec 0.5.x): seed, value, version,
# expected bucket.
GROWTHBOOK_HASH_CASES = [
    ("", "a", 1, 0.22),
    ("", "b", 1, 0.077),
    ("b", "a", 1, 0.946),
    ("ef", "d", 1, 0.652),
    ("asdf", "8952klfjas09ujk", 1, 0.549),
    ("", "123", 1, 0.011),
    ("", '___)((*":&', 1, 0.563),
    ("seed", "a", 2, 0.0505),
    ("seed", "b", 2, 0.2696),
    ("foo", "ab", 2, 0.2575),
    ("foo", "def", 2, 0.2019),
    ("89123klj", "8952klfjas09ujkasdf", 2, 0.124),
    ("90850943850283058242805", "123", 2, 0.7516),
    ("()**(%$##$%#$#", '___)((*":&', 2, 0.0128),
    ("abc", "def", 99, None),
]

# The "getBucketRange" section of the same file: (variations, coverage, weights) -> ranges.
GROWTHBOOK_RANGE_CASES = [
    ("normal 50/50", (2, 1, None), [(0, 0.5), (0.5, 1)]),
    ("reduced coverage", (2, 0.5, None), [(0, 0.25), (0.5, 0.75)]),
    ("zero coverage", (2, 0, None), [(0, 0), (0.5, 0.5)]),
    ("4 variations", (4, 1, None), [(0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1)]),
    ("uneven weights", (2, 1, [0.4, 0.6]), [(0, 0.4), (0.4, 1)]),
    ("uneven weights, 3 variations", (3, 1, [0.2, 0.3, 0.5]), [(0, 0.2), (0.2, 0.5), (0.5, 1)]),
    (
        "uneven weights, reduced coverage, 3 variations",
        (3, 0.2, [0.2, 0.3, 0.5]),
        [(0, 0.04), (0.2, 0.26), (0.5, 0.6)],
    ),
    ("negative coverage", (2, -0.2, None), [(0, 0), (0.5, 0.5)]),
    ("coverage above 1", (2, 1.5, None), [(0, 0.5), (0.5, 1)]),
    ("weights sum below 1", (2, 1, [0.4, 0.1]), [(0, 0.5), (0.5, 1)]),
    ("weights sum above 1", (2, 1, [0.7, 0.6]), [(0, 0.5), (0.5, 1)]),
    (
        "weights.length not equal to num variations",
        (4, 1, [0.4, 0.4, 0.2]),
        [(0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1)],
    ),
    ("weights sum almost equals 1", (2, 1, [0.4, 0.5999]), [(0, 0.4), (0.4, 0.9999)]),
]

# Code points for random ids: ASCII, Latin-1, Greek, CJK, combining marks, and non-BMP emoji
# and symbols (two UTF-16 code units each), which is where code-point and code-unit hashing
# would disagree.
_ALPHABET = (
    [chr(c) for c in range(0x20, 0x7F)]
    + [chr(c) for c in range(0xA0, 0x100)]
    + [chr(c) for c in range(0x391, 0x3CA)]
    + ["中", "文", "字", "한", "글", "\u0301", "\u200d", "\ufeff"]
    + [chr(c) for c in range(0x1F600, 0x1F650)]
    + [chr(0x1D11E), chr(0x10348), chr(0x1F9D1), chr(0x20BB7)]
)


def random_ids(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(_ALPHABET, k=rng.randint(1, 24))) for _ in range(count)]


@pytest.mark.parametrize(("seed", "value", "version", "expected"), GROWTHBOOK_HASH_CASES)
def test_hash_matches_growthbook_published_cases(
    seed: str, value: str, version: int, expected: float | None
) -> None:
    assert gb_hash(seed, value, version) == expected


@pytest.mark.parametrize(("name", "args", "expected"), GROWTHBOOK_RANGE_CASES)
def test_bucket_ranges_match_growthbook_published_cases(
    name: str, args: tuple[int, float, list[float] | None], expected: list[tuple[float, float]]
) -> None:
    ranges = bucket_ranges(*args)
    assert len(ranges) == len(expected), name
    for (start, end), (want_start, want_end) in zip(ranges, expected, strict=True):
        assert start == pytest.approx(want_start, abs=1e-9)
        assert end == pytest.approx(want_end, abs=1e-9)


def test_fnv1a32_known_vectors() -> None:
    # Reference FNV-1a 32 values for ASCII text (one code unit per byte).
    assert fnv1a32("") == 0x811C9DC5
    assert fnv1a32("a") == 0xE40C292C
    assert fnv1a32("foobar") == 0xBF9CF968


def test_fnv1a32_hashes_utf16_code_units_not_code_points() -> None:
    # U+1F600 is the surrogate pair D83D DE00 in UTF-16; JS charCodeAt sees two units.
    expected = 0x811C9DC5
    for unit in (0xD83D, 0xDE00):
        expected = ((expected ^ unit) * 0x01000193) & 0xFFFFFFFF
    assert fnv1a32("\U0001f600") == expected
    # A lone surrogate (possible in a Python str) hashes as itself rather than failing.
    assert fnv1a32("\ud83d") == ((0x811C9DC5 ^ 0xD83D) * 0x01000193) & 0xFFFFFFFF


@pytest.mark.parametrize(
    ("n", "ranges", "expected"),
    [
        (0.2, [(0, 0.5), (0.5, 1)], 0),
        (0.5, [(0, 0.5), (0.5, 1)], 1),  # ranges are half-open: [start, end)
        (0.6, [(0, 0.25), (0.5, 0.75)], 1),
        (0.3, [(0, 0.25), (0.5, 0.75)], -1),  # outside coverage
        (0.0, [(0, 0), (0.5, 0.5)], -1),  # zero coverage includes nobody
    ],
)
def test_choose_variation_picks_the_half_open_range(
    n: float, ranges: list[tuple[float, float]], expected: int
) -> None:
    assert choose_variation(n, ranges) == expected
    assert chooseVariation(n, ranges) == expected


def test_fnv_and_hash_agree_with_the_growthbook_sdk_on_random_unicode_ids() -> None:
    for teen_id in random_ids(10_000, seed=20261125):
        assert fnv1a32(teen_id) == gb_fnv1a32(teen_id), repr(teen_id)
        assert gb_hash("copy-2026-11", teen_id, 2) == gbhash("copy-2026-11", teen_id, 2)


def test_bucket_ranges_agree_with_the_growthbook_sdk_on_random_inputs() -> None:
    rng = random.Random(7)
    for _ in range(2_000):
        count = rng.randint(1, 10)
        raw = [rng.uniform(0.01, 5) for _ in range(count)]
        weights = [w / sum(raw) for w in raw]
        coverage = rng.choice([0.0, 1.0, rng.random(), rng.uniform(-0.5, 1.5)])
        assert bucket_ranges(count, coverage, weights) == getBucketRanges(count, coverage, weights)


def _experiment(key: str, weights: list[float], traffic: int) -> Experiment:
    variants = tuple(
        Variant(f"v{i}", w, VariantParams(title=plain(f"title {i}"))) for i, w in enumerate(weights)
    )
    return Experiment(key, Status.RUNNING, traffic, variants)


@pytest.mark.parametrize(
    ("key", "weights", "traffic"),
    [
        ("copy-2026-11", [1, 1], 100),
        ("cadence", [2, 3, 5], 80),
        ("emoji-😀", [1, 1, 1, 1], 37),
        ("tiny", [0.1, 0.9], 5),
    ],
)
def test_assign_matches_growthbook_run_on_10000_random_ids(
    key: str, weights: list[float], traffic: int
) -> None:
    experiment = _experiment(key, weights, traffic)
    growthbook = GrowthBook(attributes={})
    reference = GbExperiment(
        key=key,
        variations=[v.key for v in experiment.variants],
        weights=experiment.normalized_weights(),
        coverage=traffic / 100,
        hashVersion=2,
    )
    for teen_id in random_ids(10_000, seed=len(key)):
        growthbook.set_attributes({"id": teen_id})
        result = growthbook.run(reference)
        expected = result.value if result.inExperiment else None
        assert assign(experiment, teen_id, None, "Europe/Paris") == expected, repr(teen_id)
    growthbook.destroy()
