"""Assignment, targeting, coverage, parameters, the conflict rule and merging arms."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alertsvc.domain.copy import plain
from alertsvc.domain.decision import Arm, VariantParams
from alertsvc.domain.errors import InvalidFieldsError
from alertsvc.domain.experiments import (
    PARAM_NAMES,
    Experiment,
    Status,
    Targeting,
    Variant,
    assign,
    can_transition,
    conflicting_params,
    control_variant,
    definition_errors,
    expected_exposures,
    hashed_variant,
    merge_arms,
    params_json,
    parse_params,
    touched_params,
)
from alertsvc.domain.stats import sample_ratio_mismatch

TEENS = [f"teen_{i:05d}" for i in range(5000)]


def experiment(
    key: str = "copy",
    weights: tuple[float, ...] = (1, 1),
    traffic: int = 100,
    targeting: Targeting | None = None,
    params: tuple[VariantParams, ...] | None = None,
) -> Experiment:
    params = params or tuple(VariantParams(title=plain(f"Title {i}")) for i in range(len(weights)))
    variants = tuple(
        Variant(f"v{i}", w, p) for i, (w, p) in enumerate(zip(weights, params, strict=True))
    )
    return Experiment(key, Status.RUNNING, traffic, variants, targeting or Targeting())


def test_assignment_is_deterministic_and_follows_the_weights() -> None:
    exp = experiment(weights=(1, 3))
    first = [assign(exp, t, None, "UTC") for t in TEENS]
    assert first == [assign(exp, t, None, "UTC") for t in TEENS]
    counts = Counter(first)
    assert set(counts) == {"v0", "v1"}
    assert not sample_ratio_mismatch([counts["v0"], counts["v1"]], [1, 3]).mismatch


def test_weights_are_relative_so_1_3_equals_25_75() -> None:
    a, b = experiment(weights=(1, 3)), experiment(weights=(25, 75))
    assert [assign(a, t, None, "UTC") for t in TEENS] == [assign(b, t, None, "UTC") for t in TEENS]


def test_the_seed_is_the_experiment_key() -> None:
    a, b = experiment(key="copy-a"), experiment(key="copy-b")
    same = sum(assign(a, t, None, "UTC") == assign(b, t, None, "UTC") for t in TEENS)
    assert 0.4 < same / len(TEENS) < 0.6  # independent 50/50 splits agree about half the time


@pytest.mark.parametrize(("low", "high"), [(0, 10), (10, 50), (50, 100), (1, 99)])
def test_raising_coverage_only_adds_teens_and_never_moves_one(low: int, high: int) -> None:
    before = experiment(weights=(2, 3, 5), traffic=low)
    after = experiment(weights=(2, 3, 5), traffic=high)
    for teen in TEENS:
        was = assign(before, teen, None, "UTC")
        if was is not None:
            assert assign(after, teen, None, "UTC") == was


def test_coverage_is_the_share_of_teens_in_the_experiment() -> None:
    included = sum(assign(experiment(traffic=20), t, None, "UTC") is not None for t in TEENS)
    assert 0.17 < included / len(TEENS) < 0.23
    assert all(assign(experiment(traffic=0), t, None, "UTC") is None for t in TEENS[:500])


@pytest.mark.parametrize(
    ("targeting", "country", "zone", "included"),
    [
        (Targeting(), None, "Asia/Tokyo", True),
        (Targeting(countries=frozenset({"US", "CA"})), "US", "America/New_York", True),
        (Targeting(countries=frozenset({"US", "CA"})), "us", "America/New_York", True),
        (Targeting(countries=frozenset({"US", "CA"})), "FR", "Europe/Paris", False),
        (Targeting(countries=frozenset({"US"})), None, "America/New_York", False),
        (Targeting(timezones=frozenset({"Europe/Paris"})), "FR", "Europe/Paris", True),
        (Targeting(timezones=frozenset({"Europe/Paris"})), "FR", "Europe/Berlin", False),
        (
            Targeting(frozenset({"DE"}), frozenset({"Europe/Berlin", "Europe/Busingen"})),
            "DE",
            "Europe/Busingen",
            True,
        ),
        (Targeting(frozenset({"DE"}), frozenset({"Europe/Berlin"})), "AT", "Europe/Berlin", False),
    ],
)
def test_targeting_by_country_and_zone(
    targeting: Targeting, country: str | None, zone: str, included: bool
) -> None:
    exp = experiment(targeting=targeting)
    assigned = [assign(exp, t, country, zone) for t in TEENS[:200]]
    assert all(a is not None for a in assigned) if included else all(a is None for a in assigned)


def test_holdout_touches_every_parameter() -> None:
    assert touched_params(VariantParams(holdout=True)) == frozenset(PARAM_NAMES)
    assert touched_params(VariantParams(title=plain("Hi"), max_per_day=2)) == {
        "title",
        "max_per_day",
    }
    assert touched_params(VariantParams()) == frozenset()


US = Targeting(countries=frozenset({"US"}))
FR = Targeting(countries=frozenset({"FR"}))
PARIS = Targeting(timezones=frozenset({"Europe/Paris"}))
NEW_YORK = Targeting(timezones=frozenset({"America/New_York"}))
TITLES = (VariantParams(title=plain("A")), VariantParams(title=plain("B")))
CADENCE = (VariantParams(max_per_day=2), VariantParams(max_per_day=6))
HOLDOUT = (VariantParams(holdout=True), VariantParams(body=plain("Hello")))
EMPTY = (VariantParams(), VariantParams(grace_minutes=0))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((None, TITLES), (None, TITLES), {"title"}),  # both untargeted, same parameter
        ((None, TITLES), (None, CADENCE), set()),  # different parameters can overlap
        ((US, TITLES), (FR, TITLES), set()),  # disjoint countries never meet
        ((US, TITLES), (None, TITLES), {"title"}),  # untargeted reaches the US too
        ((US, TITLES), (NEW_YORK, TITLES), {"title"}),  # a US teen may be in New York
        ((PARIS, TITLES), (NEW_YORK, TITLES), set()),  # disjoint zones never meet
        ((None, HOLDOUT), (None, CADENCE), {"max_per_day"}),  # a holdout touches all
        ((None, HOLDOUT), (None, EMPTY), {"grace_minutes"}),
        ((FR, HOLDOUT), (US, CADENCE), set()),
    ],
)
def test_conflicting_params(
    a: tuple[Targeting | None, tuple[VariantParams, ...]],
    b: tuple[Targeting | None, tuple[VariantParams, ...]],
    expected: set[str],
) -> None:
    one = experiment("one", targeting=a[0], params=a[1])
    two = experiment("two", targeting=b[0], params=b[1])
    assert conflicting_params(one, two) == expected
    assert conflicting_params(two, one) == expected


def test_an_experiment_never_conflicts_with_itself() -> None:
    exp = experiment()
    assert conflicting_params(exp, exp) == frozenset()


def test_merge_arms_unions_disjoint_params_under_the_first_arms_name() -> None:
    copy = Arm("a-copy", "friendly", VariantParams(title=plain("Hey"), body=plain("Later?")))
    cadence = Arm("b-cadence", "sparse", VariantParams(max_per_day=2, min_interval_minutes=60))
    merged = merge_arms([copy, cadence])
    assert merged == Arm(
        "a-copy",
        "friendly",
        VariantParams(
            title=plain("Hey"), body=plain("Later?"), max_per_day=2, min_interval_minutes=60
        ),
    )
    assert merge_arms([]) is None
    assert merge_arms([cadence]) == cadence


def test_merge_arms_lets_the_first_arm_win_a_conflict_that_slipped_through() -> None:
    first = Arm("a", "x", VariantParams(title=plain("First")))
    second = Arm("b", "y", VariantParams(title=plain("Second"), holdout=True))
    merged = merge_arms([first, second])
    assert merged is not None
    assert merged.params.title == plain("First")
    assert merged.params.holdout  # any holdout keeps the teen out of nudges


def test_parse_params_accepts_every_known_parameter() -> None:
    raw = {
        "title": "Phone down?",
        "body": "It can wait.",
        "grace_minutes": 0,
        "min_interval_minutes": 480,
        "max_per_day": 50,
        "holdout": False,
    }
    params = parse_params(raw)
    assert params == VariantParams(plain("Phone down?"), plain("It can wait."), 0, 480, 50, False)
    assert params_json(params) == {k: v for k, v in raw.items() if k != "holdout"}


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"colour": "red"}, "params.colour"),
        ({"title": ""}, "params.title"),
        ({"title": "   "}, "params.title"),
        ({"title": "x" * 81}, "params.title"),
        ({"body": "x" * 241}, "params.body"),
        ({"grace_minutes": 121}, "params.grace_minutes"),
        ({"grace_minutes": -1}, "params.grace_minutes"),
        ({"min_interval_minutes": 4}, "params.min_interval_minutes"),
        ({"max_per_day": 0}, "params.max_per_day"),
        ({"max_per_day": 51}, "params.max_per_day"),
        ({"max_per_day": 2.5}, "params.max_per_day"),
        ({"max_per_day": True}, "params.max_per_day"),
        ({"holdout": "yes"}, "params.holdout"),
    ],
)
def test_parse_params_rejects_bad_values_naming_the_field(
    raw: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidFieldsError) as caught:
        parse_params(raw)
    assert [e.field for e in caught.value.errors] == [field]


def test_definition_errors_name_every_field() -> None:
    variants = [
        Variant("a", 1, VariantParams()),
        Variant("a", -1, VariantParams()),
        Variant("Bad Key", 1, VariantParams()),
    ]
    errors = definition_errors("Not A Slug", 101, variants, Targeting(countries=frozenset({"usa"})))
    assert sorted(e.field for e in errors) == [
        "key",
        "targeting.countries",
        "traffic_percent",
        "variants[1].key",
        "variants[1].weight",
        "variants[2].key",
    ]
    assert [e.field for e in definition_errors("ok", 50, variants[:1], Targeting())] == ["variants"]


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (Status.DRAFT, Status.RUNNING, True),
        (Status.RUNNING, Status.PAUSED, True),
        (Status.PAUSED, Status.RUNNING, True),
        (Status.PAUSED, Status.STOPPED, True),
        (Status.RUNNING, Status.STOPPED, True),
        (Status.DRAFT, Status.PAUSED, False),
        (Status.DRAFT, Status.STOPPED, False),
        (Status.RUNNING, Status.DRAFT, False),
        (Status.STOPPED, Status.RUNNING, False),
        (Status.STOPPED, Status.PAUSED, False),
    ],
)
def test_status_transitions(current: Status, target: Status, allowed: bool) -> None:
    assert can_transition(current, target) is allowed


def test_control_is_the_first_variant_that_nudges() -> None:
    assert control_variant(experiment(params=HOLDOUT)).key == "v1"  # type: ignore[union-attr]
    assert control_variant(experiment(params=TITLES)).key == "v0"  # type: ignore[union-attr]
    both_holdout = (VariantParams(holdout=True), VariantParams(holdout=True))
    assert control_variant(experiment(params=both_holdout)) is None


@pytest.mark.parametrize("weight", [0, 0.001, 0.5, 1, 99.9, 1000])
def test_a_weight_is_0_or_from_a_thousandth_to_a_thousand(weight: float) -> None:
    variants = [Variant("a", weight, VariantParams()), Variant("b", 1, VariantParams())]
    assert definition_errors("ok", 50, variants, Targeting()) == []


@pytest.mark.parametrize(
    "weight", [-1, -0.0001, 0.0009, 1e-300, 5e-324, 1000.5, 1e308, math.inf, -math.inf, math.nan]
)
def test_weights_outside_the_bounds_are_errors_naming_the_weight(weight: float) -> None:
    variants = [Variant("a", 1, VariantParams()), Variant("b", weight, VariantParams())]
    errors = definition_errors("ok", 50, variants, Targeting())
    assert [(e.field, str(e.message)) for e in errors] == [
        ("variants[1].weight", "must be 0, or a number from 0.001 to 1000")
    ]


def test_weights_that_are_all_0_are_an_error_on_every_weight() -> None:
    variants = [Variant("a", 0, VariantParams()), Variant("b", 0.0, VariantParams())]
    errors = definition_errors("ok", 50, variants, Targeting())
    assert [(e.field, str(e.message)) for e in errors] == [
        ("variants[0].weight", "at least one variant needs a weight above 0"),
        ("variants[1].weight", "at least one variant needs a weight above 0"),
    ]


def test_a_variant_of_weight_0_gets_no_new_teen_and_the_others_keep_their_split() -> None:
    ramped_down = experiment(weights=(1, 0, 3))
    counts = Counter(assign(ramped_down, t, None, "UTC") for t in TEENS)
    assert set(counts) == {"v0", "v2"}
    assert not sample_ratio_mismatch([counts["v0"], counts["v2"]], [1, 3]).mismatch


def test_with_every_weight_0_nobody_is_assigned() -> None:
    # Validation refuses it; assignment still never falls back to equal weights.
    assert {assign(experiment(weights=(0, 0)), t, None, "UTC") for t in TEENS[:500]} == {None}


@settings(max_examples=300, deadline=None)
@given(
    weights=st.lists(
        st.sampled_from([0.0, 0.001, 0.5, 1.0, 7.0, 1000.0]), min_size=2, max_size=10
    ).filter(any),
    traffic=st.integers(0, 100),
    teen=st.text(min_size=1, max_size=40),
)
def test_assignment_never_picks_a_variant_of_weight_0(
    weights: list[float], traffic: int, teen: str
) -> None:
    exp = experiment(weights=tuple(weights), traffic=traffic)
    chosen = hashed_variant(exp, teen)
    if chosen is not None:
        assert exp.variant(chosen).weight > 0  # type: ignore[union-attr]


def test_expected_exposures_follow_the_weights_in_force_at_each_exposure() -> None:
    variants = tuple(Variant(k, w, VariantParams()) for k, w in (("a", 1), ("b", 9)))
    history = [{"a": 1.0, "b": 1.0}, {"a": 1.0, "b": 9.0}]
    # 100 teens under 1:1, then 1000 under 1:9.
    exposed = {0: {"a": 50, "b": 50}, 1: {"a": 100, "b": 900}}
    assert expected_exposures(variants, exposed, history) == pytest.approx([150.0, 950.0])
    # A version the history does not know (data kept before versions) uses the current weights.
    assert expected_exposures(variants, {7: {"a": 10}}, history) == pytest.approx([1.0, 9.0])
    # A variant added to a draft after a version was written had no share in it.
    history_without_b = [{"a": 1.0}]
    assert expected_exposures(variants, {0: {"a": 4}}, history_without_b) == [4.0, 0.0]
